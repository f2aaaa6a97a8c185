"""The identity service as Xero runs it: JWT access tokens, id_token for openid, exact
redirect URIs, both authorization-code flows, /connections as Xero formats it."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from _sandbox_fixtures import SCOPES, authorize, code_from, pkce_pair
from joserfc import jwt
from joserfc.jwk import KeySet

from matchkit.sandbox import Sandbox


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.xero_url, timeout=10) as client:
        yield client


def exchange(http: httpx.Client, sb: Sandbox, scope: str = SCOPES, **extra: str
             ) -> dict[str, Any]:
    verifier, challenge = pkce_pair()
    code = code_from(authorize(http, sb, challenge, scope=scope, **extra))["code"]
    r = http.post("/connect/token", data={"grant_type": "authorization_code", "code": code,
                                          "redirect_uri": sb.redirect_uri,
                                          "code_verifier": verifier},
                  auth=(sb.client_id, sb.client_secret))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def claims(http: httpx.Client, token: str) -> dict[str, Any]:
    """Verify a token's signature with the published keys, as a client would."""
    config = http.get("/.well-known/openid-configuration").json()
    keys = KeySet.import_key_set(httpx.get(config["jwks_uri"], timeout=10).json())
    out: dict[str, Any] = jwt.decode(token, keys).claims
    return out


def test_access_tokens_are_jwts_with_xeros_claims(sandbox: Sandbox,
                                                  http: httpx.Client) -> None:
    """Claims of a decoded Xero token (pink-gorilla/webly demo-repl/src/info.clj)."""
    body = exchange(http, sandbox)
    got = claims(http, body["access_token"])
    assert {"nbf", "exp", "iss", "aud", "client_id", "sub", "auth_time", "xero_userid",
            "global_session_id", "jti", "authentication_event_id", "scope"} <= set(got)
    assert got["exp"] - got["nbf"] == 1800 and got["client_id"] == sandbox.client_id
    assert sorted(got["scope"]) == sorted(SCOPES.split())
    assert got["aud"] == got["iss"] + "/resources"
    header = base64.urlsafe_b64decode(body["access_token"].split(".")[0] + "==")
    assert b'"alg":"RS256"' in header.replace(b" ", b"") and b'"kid"' in header
    # The consent's authentication_event_id is the authEventId of its connections.
    conns = http.get("/connections",
                     headers={"Authorization": f"Bearer {body['access_token']}"}).json()
    assert conns[0]["authEventId"] == got["authentication_event_id"]
    assert "id_token" not in body  # no openid scope, no id_token


def test_openid_gives_an_id_token(sandbox: Sandbox, http: httpx.Client) -> None:
    """OpenID Connect: the id_token's audience is the client, at_hash ties it to the access
    token; email and profile claims with those scopes (mrbrianevans/filing-deadlines)."""
    body = exchange(http, sandbox, scope="openid profile email " + SCOPES, nonce="n-42")
    got = claims(http, body["id_token"])
    assert got["aud"] == sandbox.client_id and got["nonce"] == "n-42"
    digest = hashlib.sha256(body["access_token"].encode()).digest()[:16]
    assert got["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert got["email"] and got["given_name"] and got["family_name"]
    assert got["xero_userid"] == claims(http, body["access_token"])["xero_userid"]
    only_openid = claims(http, exchange(http, sandbox, scope="openid " + SCOPES)["id_token"])
    assert "email" not in only_openid and "given_name" not in only_openid


def test_redirect_uri_must_equal_a_registered_one(sandbox: Sandbox,
                                                  http: httpx.Client) -> None:
    """No wildcards, no other port (developer.xero.com/faq/oauth2)."""
    port = sandbox.redirect_port
    _v, challenge = pkce_pair()
    for ok in (f"http://127.0.0.1:{port}/callback", f"http://localhost:{port}/callback"):
        assert authorize(http, sandbox, challenge, redirect_uri=ok).status_code == 302
    for bad in (f"http://127.0.0.1:{port + 1}/callback", f"http://127.0.0.1:{port}/callback/",
                f"http://127.0.0.1:{port}/other", f"https://127.0.0.1:{port}/callback"):
        r = authorize(http, sandbox, challenge, redirect_uri=bad)
        assert r.status_code == 500 and "Location" not in r.headers
        assert "unauthorized_client : Invalid redirect_uri" in r.text


def test_web_apps_use_the_code_flow_without_pkce(sandbox: Sandbox, http: httpx.Client) -> None:
    """The standard flow for web apps: no code_challenge, the secret at the token endpoint
    (developer.xero.com/documentation/oauth2/auth-flow)."""
    answer = http.get("/identity/connect/authorize", params={
        "response_type": "code", "client_id": sandbox.client_id,
        "redirect_uri": sandbox.redirect_uri, "scope": SCOPES})  # state is optional
    query = parse_qs(urlsplit(answer.headers["Location"]).query)
    assert "state" not in query
    form = {"grant_type": "authorization_code", "code": query["code"][0],
            "redirect_uri": sandbox.redirect_uri}
    without_secret = http.post("/connect/token", data={**form, "client_id": sandbox.client_id})
    assert without_secret.json() == {"error": "invalid_client"}
    r = http.post("/connect/token", data=form, auth=(sandbox.client_id, sandbox.client_secret))
    assert r.status_code == 200 and r.json()["refresh_token"]


def test_pkce_needs_no_secret(sandbox: Sandbox, http: httpx.Client) -> None:
    """"Auth Code with PKCE" apps have no client secret (.../oauth2/pkce-flow)."""
    verifier, challenge = pkce_pair()
    code = code_from(authorize(http, sandbox, challenge))["code"]
    r = http.post("/connect/token", data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": sandbox.redirect_uri,
        "code_verifier": verifier, "client_id": sandbox.client_id})
    assert r.status_code == 200, r.text


def test_connection_dates_as_xero_sends_them(sandbox: Sandbox, http: httpx.Client) -> None:
    """The spec's own example: ``2019-12-07T18:46:19.5165400`` (seven digits, no zone)."""
    body = exchange(http, sandbox)
    conn = http.get("/connections",
                    headers={"Authorization": f"Bearer {body['access_token']}"}).json()[0]
    for field in ("createdDateUtc", "updatedDateUtc"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}", conn[field]), conn[field]
