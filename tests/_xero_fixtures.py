"""A scripted fake of Xero for the client's unit tests (httpx.MockTransport), plus helpers.

The loopback tests use the real sandbox (matchkit.sandbox); this fake exists to script exact
answers (a 429 with a given header, a lost answer, a 400 ValidationException) that a unit
test must see.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx

from matchkit._config import Settings
from matchkit.xero import TokenStore, XeroClient
from matchkit.xero._auth import TokenManager, TokenSet, XeroOAuth

TENANT = "11111111-2222-3333-4444-555555555555"
CONNECTION = "cccccccc-2222-3333-4444-555555555555"
API = "https://api.xero.test"
IDENTITY = "https://identity.xero.test"

Handler = Callable[[httpx.Request], httpx.Response | None]


@dataclass
class FakeXero:
    """Answers token, connections and Accounting calls; ``script`` overrides per call."""

    contacts: list[dict[str, Any]] = field(default_factory=list)
    script: list[Handler] = field(default_factory=list)  # consumed first, in order
    requests: list[httpx.Request] = field(default_factory=list)
    access_tokens: set[str] = field(default_factory=set)
    refresh_tokens: set[str] = field(default_factory=set)
    token_calls: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        self.access_tokens.add(access)
        self.refresh_tokens.add(refresh)
        return {"access_token": access, "refresh_token": refresh, "expires_in": 1800,
                "token_type": "Bearer", "scope": "offline_access accounting.contacts"}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            handler = self.script.pop(0) if self.script else None
        if handler is not None:
            answer = handler(request)
            if answer is not None:
                return answer
        path = request.url.path
        if path == "/connect/token":
            return self.token(request)
        if path == "/connect/revocation":
            return httpx.Response(200)
        auth = request.headers.get("authorization", "")
        if auth.removeprefix("Bearer ") not in self.access_tokens:
            return httpx.Response(401, json={"Title": "Unauthorized", "Status": 401,
                                             "Detail": "TokenExpired: token expired"})
        if path == "/connections":
            if request.method == "DELETE":
                return httpx.Response(204)
            return httpx.Response(200, json=[{"id": CONNECTION, "tenantId": TENANT,
                                              "tenantName": "Fake Ltd",
                                              "tenantType": "ORGANISATION"}])
        if request.headers.get("xero-tenant-id") != TENANT:
            return httpx.Response(403, json={"Title": "Forbidden", "Status": 403,
                                             "Detail": "AuthenticationUnsuccessful"})
        if path == "/api.xro/2.0/Contacts" and request.method == "GET":
            return self.contacts_page(request)
        if path == "/api.xro/2.0/Organisation":
            return httpx.Response(200, json={"Organisations": [
                {"Name": "Fake Ltd", "ShortCode": "!aB1c"}]})
        if path.startswith("/api.xro/2.0/") and request.method in ("PUT", "POST"):
            key = path.rsplit("/", 1)[1]
            body = json.loads(request.content)
            out = []
            for record in body[key]:
                element = dict(record, StatusAttributeString="OK")
                if record.get("Name") == "BAD":
                    element.update(StatusAttributeString="ERROR", ValidationErrors=[
                        {"Message": "The contact name BAD is already assigned to another "
                                    "contact."}])
                out.append(element)
            return httpx.Response(200, json={key: out})
        if path == "/api.xro/2.0/Invoices":
            return httpx.Response(200, json={"Invoices": []})
        return httpx.Response(404, text="The resource you're looking for cannot be found",
                              headers={"content-type": "text/plain"})

    def token(self, request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        with self.lock:
            self.token_calls += 1
            if (form.get("grant_type") == "refresh_token"
                    and form.get("refresh_token") not in self.refresh_tokens):
                return httpx.Response(400, json={"error": "invalid_grant"})
            return httpx.Response(200, json=self.issue())

    def contacts_page(self, request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        size = int(request.url.params.get("pageSize", "100"))
        rows = self.contacts[(page - 1) * size: page * size]
        count = max(1, -(-len(self.contacts) // size))
        return httpx.Response(200, json={
            "Contacts": rows,
            "pagination": {"page": page, "pageSize": size, "pageCount": count,
                           "itemCount": len(self.contacts)}})


def settings_for(tmp_path: Path, **changes: Any) -> Settings:
    values: dict[str, Any] = {
        "xero_client_id": "fake-client", "xero_client_secret": "fake-secret-XYZ",
        "xero_api_url": API, "xero_identity_url": IDENTITY,
        "xero_login_url": "https://login.xero.test", "token_dir": str(tmp_path / "tokens"),
    }
    values.update(changes)
    return Settings(**values)


def make_client(tmp_path: Path, fake: FakeXero, *, expires_in: float = 1800,
                **kwargs: Any) -> XeroClient:
    """A client with stored tokens from ``fake`` and a private rate limiter."""
    from matchkit.xero import RateLimiter, RetryPolicy

    settings = settings_for(tmp_path)
    transport = httpx.MockTransport(fake)
    store = TokenStore.for_settings(settings)
    answer = fake.issue()
    answer["expires_in"] = expires_in
    store.save(TokenSet.from_response(answer, "authorization_code"))
    manager = TokenManager(store, XeroOAuth(settings, transport=transport),
                           "authorization_code")
    kwargs.setdefault("limiter", RateLimiter(time_scale=kwargs.get("time_scale", 1.0)))
    kwargs.setdefault("retry", RetryPolicy(base_delay=0.001, max_delay=0.01))
    return XeroClient(settings, manager, tenant_id=TENANT, tenant_name="Fake Ltd",
                      connection_id=CONNECTION, transport=transport, **kwargs)
