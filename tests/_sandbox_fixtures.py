"""Helpers for the sandbox's own tests: log in over real HTTP the way a Xero app does."""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from matchkit.sandbox import Sandbox

SCOPES = "offline_access accounting.contacts accounting.settings accounting.invoices"


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize(client: httpx.Client, sb: Sandbox, challenge: str, **overrides: str
              ) -> httpx.Response:
    params = {"response_type": "code", "client_id": sb.client_id,
              "redirect_uri": sb.redirect_uri,
              "scope": SCOPES, "state": "s-123", "code_challenge": challenge,
              "code_challenge_method": "S256", **overrides}
    return client.get("/identity/connect/authorize", params=params)


def code_from(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    return {k: v[0] for k, v in query.items()}


def tokens(client: httpx.Client, sb: Sandbox, scope: str = SCOPES) -> dict[str, Any]:
    verifier, challenge = pkce_pair()
    got = code_from(authorize(client, sb, challenge, scope=scope))
    r = client.post("/connect/token", data={
        "grant_type": "authorization_code", "code": got["code"], "redirect_uri": sb.redirect_uri,
        "code_verifier": verifier}, auth=(sb.client_id, sb.client_secret))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


@dataclass
class XeroHttp:
    """An httpx client holding a bearer token and the tenant header."""

    client: httpx.Client
    token: dict[str, Any]
    tenant_id: str

    def headers(self, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token['access_token']}",
                "xero-tenant-id": self.tenant_id, "Accept": "application/json", **extra}

    def get(self, path: str, params: dict[str, Any] | None = None, **headers: str
            ) -> httpx.Response:
        return self.client.get(f"/api.xro/2.0/{path}", params=params,
                               headers=self.headers(**headers))

    def put(self, path: str, body: Any, params: dict[str, Any] | None = None,
            **headers: str) -> httpx.Response:
        return self.client.put(f"/api.xro/2.0/{path}", json=body, params=params,
                               headers=self.headers(**headers))

    def post(self, path: str, body: Any, params: dict[str, Any] | None = None,
             **headers: str) -> httpx.Response:
        return self.client.post(f"/api.xro/2.0/{path}", json=body, params=params,
                                headers=self.headers(**headers))


def login(sb: Sandbox, scope: str = SCOPES) -> XeroHttp:
    client = httpx.Client(base_url=sb.xero_url, timeout=10)
    tok = tokens(client, sb, scope)
    conns = client.get("/connections",
                       headers={"Authorization": f"Bearer {tok['access_token']}"}).json()
    return XeroHttp(client, tok, conns[0]["tenantId"])
