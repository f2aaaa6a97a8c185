"""A sandbox serving several Xero organisations to one login (``start(orgs=N)``,
``matchkit sandbox --orgs N``): /connections, the tenant header, refusals, limits per
organisation and per app. Sources: docs/fidelity.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import httpx
from _sandbox_fixtures import XeroHttp, login

from matchkit.sandbox import Limits, Sandbox

UNKNOWN_TENANT = "00000000-0000-4000-8000-000000000001"


def _bearer(x: XeroHttp) -> dict[str, str]:
    return {"Authorization": f"Bearer {x.token['access_token']}"}


def _as(x: XeroHttp, tenant: str) -> XeroHttp:
    return XeroHttp(x.client, x.token, tenant)


def _is_forbidden(r: httpx.Response) -> None:
    """Xero's 403 for a tenant the token does not reach (XeroAPI/xero-node#432)."""
    assert r.status_code == 403, r.text
    body = r.json()
    assert body["Type"] is None and body["Title"] == "Forbidden" and body["Status"] == 403
    assert body["Detail"] == "AuthenticationUnsuccessful" and body["Extensions"] == {}
    assert body["Instance"]


def test_one_login_reaches_every_organisation(start_sandbox: Any) -> None:
    sb: Sandbox = start_sandbox(seed="demo", orgs=3)
    x = login(sb)
    conns = x.client.get("/connections", headers=_bearer(x)).json()
    # As /connections lists them (IDSPEC): one per organisation, the demo first, one consent.
    assert [c["tenantId"] for c in conns] == [t["tenant_id"] for t in sb.tenants]
    assert conns[0]["tenantName"] == "Southern Cross IT Solutions"
    assert {c["tenantType"] for c in conns} == {"ORGANISATION"}
    assert len({c["authEventId"] for c in conns}) == 1 and len({c["id"] for c in conns}) == 3
    seen: dict[str, dict[str, Any]] = {}
    for t in sb.tenants:
        tx = _as(x, t["tenant_id"])
        org = tx.get("Organisation").json()["Organisations"][0]
        assert (org["OrganisationID"], org["Name"], org["ShortCode"]) == (
            t["tenant_id"], t["name"], t["short_code"])
        seen[t["tenant_id"]] = {
            "contacts": {c["Name"] for c in tx.get("Contacts").json()["Contacts"]},
            "accounts": {a["AccountID"] for a in tx.get("Accounts").json()["Accounts"]},
            "prices": {i["Code"]: i["SalesDetails"]["UnitPrice"]
                       for i in tx.get("Items").json()["Items"]}}
    assert len({t["name"] for t in sb.tenants}) == 3
    assert len({t["short_code"] for t in sb.tenants}) == 3
    first, second, third = (seen[t["tenant_id"]] for t in sb.tenants)
    # Seeded apart: no shared contact names or account ids, each its own prices.
    assert not first["contacts"] & second["contacts"] and not second["contacts"] & third["contacts"]
    assert not first["accounts"] & second["accounts"] and not second["accounts"] & third["accounts"]
    assert second["prices"].keys() == third["prices"].keys()
    assert second["prices"] != third["prices"] and len(second["contacts"]) >= 10


def test_writes_reach_only_the_tenant_the_header_names(start_sandbox: Any) -> None:
    sb: Sandbox = start_sandbox(seed="empty", orgs=2)
    x = login(sb)
    a, b = (_as(x, t["tenant_id"]) for t in sb.tenants)
    r = b.put("Contacts", {"Contacts": [{"Name": "Only In B"}]})
    assert r.status_code == 200, r.text
    assert b.get("Contacts", {"searchTerm": "Only In B"}).json()["Contacts"]
    assert not a.get("Contacts", {"searchTerm": "Only In B"}).json()["Contacts"]
    # The same name may exist in both: uniqueness is per organisation.
    assert a.put("Contacts", {"Contacts": [{"Name": "Only In B"}]}).status_code == 200


def test_a_tenant_the_login_does_not_reach_is_refused(start_sandbox: Any) -> None:
    sb: Sandbox = start_sandbox(seed="empty", orgs=2)
    x = login(sb)
    _is_forbidden(_as(x, UNKNOWN_TENANT).get("Organisation"))
    first, second = sb.tenants
    conns = x.client.get("/connections", headers=_bearer(x)).json()
    gone = next(c for c in conns if c["tenantId"] == second["tenant_id"])
    assert x.client.delete(f"/connections/{gone['id']}", headers=_bearer(x)).status_code == 204
    # The organisation still exists, but this login no longer reaches it.
    _is_forbidden(_as(x, second["tenant_id"]).get("Organisation"))
    _is_forbidden(_as(x, second["tenant_id"]).put("Contacts", {"Contacts": [{"Name": "N"}]}))
    assert _as(x, first["tenant_id"]).get("Organisation").status_code == 200
    left = x.client.get("/connections", headers=_bearer(x)).json()
    assert [c["tenantId"] for c in left] == [first["tenant_id"]]
    # the refused write wrote nothing
    assert "N" not in {c["Name"] for c in sb.xero.orgs[second["tenant_id"]].contacts.values()}


def test_each_organisation_has_its_own_limits(start_sandbox: Any) -> None:
    """60 a minute, 5,000 a day, 5 at once per organisation (FACTS §2: "Limits are per
    connection ... not shared across tenants")."""
    sb: Sandbox = start_sandbox(seed="empty", orgs=2, limits=Limits(per_minute=3, per_day=5))
    x = login(sb)
    a, b = (_as(x, t["tenant_id"]) for t in sb.tenants)
    assert [a.get("Organisation").status_code for _ in range(3)] == [200] * 3
    refused = a.get("Organisation")
    assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "minute"
    fine = b.get("Organisation")
    assert fine.status_code == 200 and fine.headers["X-MinLimit-Remaining"] == "2"
    assert fine.headers["X-DayLimit-Remaining"] == "4"
    sb.clock.advance(61)
    assert [a.get("Organisation").status_code for _ in range(2)] == [200] * 2
    day = a.get("Organisation")
    assert day.status_code == 429 and day.headers["X-Rate-Limit-Problem"] == "day"
    assert b.get("Organisation").status_code == 200


def test_the_app_limit_spans_every_organisation(start_sandbox: Any) -> None:
    """10,000 calls a minute per app across all tenants (FACTS §2); lowered here to 4."""
    sb: Sandbox = start_sandbox(seed="empty", orgs=2, limits=Limits(app_per_minute=4))
    x = login(sb)
    a, b = (_as(x, t["tenant_id"]) for t in sb.tenants)
    assert [a.get("Organisation").status_code for _ in range(2)] == [200, 200]
    ok = [b.get("Organisation") for _ in range(2)]
    assert [r.status_code for r in ok] == [200, 200]
    assert ok[-1].headers["X-AppMinLimit-Remaining"] == "0"
    assert ok[-1].headers["X-MinLimit-Remaining"] == "58"  # B's own minute is nearly unused
    refused = a.get("Organisation")
    assert refused.status_code == 429 and refused.headers["X-Rate-Limit-Problem"] == "appminute"
    assert int(refused.headers["Retry-After"]) >= 1
    sb.clock.advance(61)
    assert b.get("Organisation").status_code == 200


def test_a_custom_connection_reaches_one_organisation(start_sandbox: Any,
                                                     off_contract: Any) -> None:
    """A custom connection is tied to one organisation (developer.xero.com/faq/
    custom-integration): the sandbox's first; another tenant id is refused."""
    sb: Sandbox = start_sandbox(seed="empty", orgs=2)
    http = httpx.Client(base_url=sb.xero_url, timeout=10)
    token = http.post("/connect/token", data={"grant_type": "client_credentials"},
                      auth=(sb.client_id, sb.client_secret)).json()
    x = XeroHttp(http, token, "")
    with off_contract():  # real Xero needs no tenant header here; the spec always does
        plain = http.get("/api.xro/2.0/Organisation", headers={
            "Authorization": f"Bearer {token['access_token']}", "Accept": "application/json"})
    assert plain.json()["Organisations"][0]["OrganisationID"] == sb.tenant_id
    _is_forbidden(_as(x, sb.tenants[1]["tenant_id"]).get("Organisation"))
    # It lists as no login connection: /connections of a person's login is untouched.
    person = login(sb)
    assert len(person.client.get("/connections", headers=_bearer(person)).json()) == 2


def test_sandbox_command_serves_several_organisations(tmp_path: Any) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "matchkit", "sandbox", "--seed", "empty",
                             "--orgs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    try:
        assert proc.stdout is not None
        info = json.loads(proc.stdout.readline())
        assert [t["name"] for t in info["tenants"]] == ["Sandbox Company (AU)",
                                                        "Harbour City Networks"]
        assert info["tenant_id"] == info["tenants"][0]["tenant_id"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run([sys.executable, "-m", "matchkit", "sandbox", "--orgs", "0"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert bad.returncode == 2 and "--orgs" in bad.stderr
