"""The Xero sandbox's identity side over real loopback HTTP: authorize, token, rotation,
revocation, connections, bearer and tenant checks."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import httpx
import pytest
from _sandbox_fixtures import SCOPES, authorize, code_from, login, pkce_pair, tokens

from matchkit.sandbox import (
    Exchange,
    Sandbox,
    add_exchange_observer,
    remove_exchange_observer,
)

OffContract = Callable[[], AbstractContextManager[list[str]]]


@pytest.fixture
def http(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox.xero_url, timeout=10) as client:
        yield client


def test_authorize_redirects_with_code_and_state(sandbox: Sandbox, http: httpx.Client) -> None:
    _verifier, challenge = pkce_pair()
    got = code_from(authorize(http, sandbox, challenge, state="abc xyz"))
    assert got["state"] == "abc xyz"
    assert len(got["code"]) > 20


@pytest.mark.parametrize(("override", "error"), [
    ({"code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": ""}, "invalid_request"),
    ({"response_type": "token"}, "unsupported_response_type"),
])
def test_authorize_errors_go_back_to_the_app(sandbox: Sandbox, http: httpx.Client,
                                             override: dict[str, str], error: str) -> None:
    _v, challenge = pkce_pair()
    got = code_from(authorize(http, sandbox, challenge, **override))
    assert got["error"] == error
    assert "code" not in got


@pytest.mark.parametrize(("override", "shown"), [
    ({"client_id": "nope"}, "Unknown client or client not enabled"),
    ({"redirect_uri": "https://evil.example/cb"}, "Invalid redirect_uri"),
    # Broad scopes are refused to apps created after 2 March 2026 (FACTS.md §1).
    ({"scope": "accounting.transactions offline_access"}, "Invalid scope for client"),
])
def test_authorize_never_redirects_to_an_unchecked_place(
        sandbox: Sandbox, http: httpx.Client, override: dict[str, str], shown: str) -> None:
    _v, challenge = pkce_pair()
    r = authorize(http, sandbox, challenge, **override)
    # Xero's own error page ("Error code: 500 Error: unauthorized_client : ...").
    assert r.status_code == 500
    assert "Location" not in r.headers
    assert "evil.example" not in r.text
    assert f"Error: unauthorized_client : {shown}" in r.text


def test_pkce_verifier_is_checked(sandbox: Sandbox, http: httpx.Client) -> None:
    _verifier, challenge = pkce_pair()
    other, _ = pkce_pair()
    code = code_from(authorize(http, sandbox, challenge))["code"]
    r = http.post("/connect/token", data={"grant_type": "authorization_code", "code": code,
                                          "redirect_uri": sandbox.redirect_uri,
                                          "code_verifier": other},
                  auth=(sandbox.client_id, sandbox.client_secret))
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"


def test_code_is_single_use_and_client_auth_in_body_works(sandbox: Sandbox,
                                                          http: httpx.Client) -> None:
    verifier, challenge = pkce_pair()
    code = code_from(authorize(http, sandbox, challenge))["code"]
    form = {"grant_type": "authorization_code", "code": code,
            "redirect_uri": sandbox.redirect_uri, "code_verifier": verifier,
            "client_id": sandbox.client_id, "client_secret": sandbox.client_secret}
    first = http.post("/connect/token", data=form)
    assert first.status_code == 200
    body = first.json()
    assert body["expires_in"] == 1800 and body["token_type"] == "Bearer"
    assert set(body["scope"].split()) == set(SCOPES.split())
    again = http.post("/connect/token", data=form)
    assert again.json() == {"error": "invalid_grant"}


def test_wrong_client_secret_is_refused(sandbox: Sandbox, http: httpx.Client) -> None:
    r = http.post("/connect/token", data={"grant_type": "client_credentials"},
                  auth=(sandbox.client_id, "wrong"))
    assert r.status_code == 400 and r.json()["error"] == "invalid_client"


def test_refresh_rotates_and_old_token_has_a_grace_period(sandbox: Sandbox,
                                                          http: httpx.Client) -> None:
    first = tokens(http, sandbox)
    auth = (sandbox.client_id, sandbox.client_secret)

    def refresh(token: str) -> httpx.Response:
        return http.post("/connect/token", data={"grant_type": "refresh_token",
                                                 "refresh_token": token}, auth=auth)

    second = refresh(first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    sandbox.clock.advance(29 * 60)
    # Lost answer: the old token still works inside the 30-minute grace period.
    assert refresh(first["refresh_token"]).status_code == 200
    sandbox.clock.advance(2 * 60)
    late = refresh(first["refresh_token"])
    assert late.status_code == 400 and late.json() == {"error": "invalid_grant"}
    # The newest token is untouched by all that.
    assert refresh(second["refresh_token"]).status_code == 200


def test_access_token_expires_after_30_minutes(sandbox: Sandbox) -> None:
    x = login(sandbox)
    assert x.get("Organisation").status_code == 200
    sandbox.clock.advance(30 * 60 + 1)
    r = x.get("Organisation")
    assert r.status_code == 401
    body = r.json()
    assert body["Title"] == "Unauthorized" and body["Detail"].startswith("TokenExpired: ")
    assert x.token["access_token"] not in r.text


def test_bad_bearer_and_tenant_header(sandbox: Sandbox) -> None:
    x = login(sandbox)
    r = x.client.get("/api.xro/2.0/Organisation",
                     headers={"Authorization": "Bearer nonsense", "xero-tenant-id": x.tenant_id})
    assert r.status_code == 401 and r.json()["Detail"] == "AuthorizationUnsuccessful"
    missing = x.client.get("/api.xro/2.0/Organisation",
                           headers={"Authorization": f"Bearer {x.token['access_token']}"})
    assert missing.status_code == 403
    assert missing.json()["Detail"] == "AuthenticationUnsuccessful"
    wrong = x.get("Organisation", **{"xero-tenant-id": "00000000-0000-0000-0000-000000000001"})
    assert wrong.status_code == 403


def test_scopes_limit_what_a_token_may_do(sandbox: Sandbox) -> None:
    x = login(sandbox, scope="offline_access accounting.contacts.read")
    assert x.get("Contacts").status_code == 200
    # A scope the consent lacks: 401 AuthorizationUnsuccessful (Xero-NetStandard#178, #298).
    for refused in (x.put("Contacts", {"Contacts": [{"Name": "A"}]}), x.get("Invoices"),
                    x.get("Payments")):
        assert refused.status_code == 401
        assert refused.json()["Detail"] == "AuthorizationUnsuccessful"


def test_connections_list_and_delete(sandbox: Sandbox) -> None:
    x = login(sandbox)
    bearer = {"Authorization": f"Bearer {x.token['access_token']}"}
    conns = x.client.get("/connections", headers=bearer).json()
    assert len(conns) == 1
    conn = conns[0]
    assert conn["tenantId"] == sandbox.tenant_id and conn["tenantType"] == "ORGANISATION"
    # DELETE takes the connection id, not the tenant id.
    assert x.client.delete(f"/connections/{sandbox.tenant_id}", headers=bearer
                           ).status_code == 404
    assert x.client.delete(f"/connections/{conn['id']}", headers=bearer).status_code == 204
    assert x.client.get("/connections", headers=bearer).json() == []
    assert x.get("Organisation").status_code == 403


def test_revocation_ends_the_grant(sandbox: Sandbox) -> None:
    x = login(sandbox)
    r = x.client.post("/connect/revocation", data={"token": x.token["refresh_token"]},
                      auth=(sandbox.client_id, sandbox.client_secret))
    assert r.status_code == 200
    assert x.get("Organisation").status_code == 401
    again = x.client.post("/connect/token", data={
        "grant_type": "refresh_token", "refresh_token": x.token["refresh_token"]},
        auth=(sandbox.client_id, sandbox.client_secret))
    assert again.json() == {"error": "invalid_grant"}


def test_client_credentials_needs_no_tenant_header(
        sandbox: Sandbox, http: httpx.Client, off_contract: OffContract) -> None:
    r = http.post("/connect/token", data={"grant_type": "client_credentials",
                                          "scope": "accounting.settings"},
                  auth=(sandbox.client_id, sandbox.client_secret))
    body = r.json()
    assert r.status_code == 200 and "refresh_token" not in body
    with off_contract():  # real Xero needs no tenant header here; the spec always does
        org = http.get("/api.xro/2.0/Organisation",
                       headers={"Authorization": f"Bearer {body['access_token']}",
                                "Accept": "application/json"})
    assert org.status_code == 200
    assert org.json()["Organisations"][0]["OrganisationID"] == sandbox.tenant_id


def test_secrets_stay_out_of_reprs_and_ledger(sandbox: Sandbox) -> None:
    seen: list[Exchange] = []
    add_exchange_observer(seen.append)
    try:
        x = login(sandbox)
        x.get("Organisation")
    finally:
        remove_exchange_observer(seen.append)
    assert any(e.path == "/connect/token" for e in seen)
    text = (repr(sandbox) + repr(sandbox.xero.auth) + repr(sandbox.ledger.entries())
            + repr(seen))
    for secret in (sandbox.client_secret, sandbox.atera_api_key, x.token["access_token"],
                   x.token["refresh_token"]):
        assert secret not in text


def test_time_scale_expires_tokens_in_real_time(start_sandbox: Any) -> None:
    # 3600 sandbox seconds per real second: 30 minutes pass in half a real second.
    sb = start_sandbox(seed="empty", time_scale=3600.0)
    x = login(sb)
    time.sleep(0.6)
    r = x.get("Organisation")
    assert r.status_code == 401 and r.json()["Detail"].startswith("TokenExpired")


def test_lost_refresh_answer_is_recovered_inside_the_grace_period(sandbox: Sandbox,
                                                                  http: httpx.Client) -> None:
    first = tokens(http, sandbox)
    form = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    auth = (sandbox.client_id, sandbox.client_secret)
    sandbox.set_faults("xero-identity", "drop_after=1")
    with pytest.raises(httpx.TransportError):
        http.post("/connect/token", data=form, auth=auth)
    sandbox.set_faults("xero-identity", "503=1")
    assert http.post("/connect/token", data=form, auth=auth).status_code == 503
    sandbox.set_faults("xero-identity", None)
    # The token was rotated server-side, but the old one still works for 30 minutes.
    retry = http.post("/connect/token", data=form, auth=auth)
    assert retry.status_code == 200 and retry.json()["refresh_token"] != first["refresh_token"]
    faults = [e.fault for e in sandbox.ledger.entries("xero-identity") if e.fault]
    assert faults == ["drop_after", "503"]


def test_refusals_carry_limit_headers(sandbox: Sandbox) -> None:
    x = login(sandbox)
    refused = x.client.get("/api.xro/2.0/Organisation",
                           headers={"Authorization": "Bearer nonsense",
                                    "xero-tenant-id": x.tenant_id})
    assert refused.status_code == 401
    assert refused.headers["X-MinLimit-Remaining"] == "60"
    assert "X-AppMinLimit-Remaining" in refused.headers
