"""Several Xero organisations in matchkit: one login, the organisation picked by name or id,
one workspace per organisation (refused on every path), the wizard's picker, `tenants`,
`--tenant`, and a disconnect that leaves the other organisations connected."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from matchkit._config import Settings
from matchkit._exceptions import ConfigError, WizardError, WorkspaceTenantError
from matchkit.cli import main
from matchkit.connect import connect_atera, connect_xero, xero_login
from matchkit.export import Batch, export_batch, plan_export, refresh_invoices
from matchkit.sandbox import Sandbox, start
from matchkit.snapshot import take_snapshots
from matchkit.store import Workspace
from matchkit.widgets import WizardView
from matchkit.wizard import Step, Wizard


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with start(seed="demo", orgs=2) as sandbox:
        yield sandbox


def _settings(sb: Sandbox, tmp_path: Path) -> Settings:
    return Settings.from_env(sb.env, token_dir=str(tmp_path / "tokens"),
                             workspace=str(tmp_path / "ws.duckdb"))


def _names(sb: Sandbox) -> tuple[dict[str, str], dict[str, str]]:
    first, second = sb.tenants
    return first, second


def _calls_to(sb: Sandbox, tenant: str) -> int:
    return sum(1 for e in sb.ledger.entries() if e.tenant == tenant)


def test_login_lists_the_organisations_and_picks_one(sb: Sandbox, tmp_path: Path) -> None:
    a, b = _names(sb)
    login = xero_login(_settings(sb, tmp_path))
    got = login.tenants(short_codes=True)
    assert [(t.tenant_id, t.name, t.short_code) for t in got] == [
        (t["tenant_id"], t["name"], t["short_code"]) for t in sb.tenants]
    assert login.pick(b["tenant_id"].upper()).tenant_id == b["tenant_id"]
    assert login.pick("  harbour CITY networks ").tenant_id == b["tenant_id"]
    with pytest.raises(ConfigError) as several:
        login.pick(None)
    assert "reaches 2 organisations" in str(several.value)
    assert a["tenant_id"] in str(several.value) and b["name"] in str(several.value)
    with pytest.raises(ConfigError) as unknown:
        login.pick("Nope Pty Ltd")
    assert "no Xero organisation 'Nope Pty Ltd'" in str(unknown.value)
    assert a["name"] in str(unknown.value) and b["tenant_id"] in str(unknown.value)
    client = login.client(b["name"])
    assert client.organisation()["Name"] == b["name"]
    client.close()


def test_two_organisations_of_one_name_need_the_tenant_id(tmp_path: Path) -> None:
    with start(seed="empty", orgs=2) as twin:
        a, b = twin.tenants
        twin.xero.auth.tenants[b["tenant_id"]] = a["name"]  # what /connections will say
        login = xero_login(_settings(twin, tmp_path))
        with pytest.raises(ConfigError) as ambiguous:
            login.pick(a["name"].lower())
        assert "names 2 Xero organisations" in str(ambiguous.value)
        assert "give the tenant id" in str(ambiguous.value)
        assert login.pick(b["tenant_id"]).tenant_id == b["tenant_id"]


def test_a_workspace_belongs_to_one_organisation(sb: Sandbox, tmp_path: Path) -> None:
    a, b = _names(sb)
    settings = _settings(sb, tmp_path)
    ws = Workspace.open(settings.workspace)
    with pytest.raises(ConfigError, match="reaches 2 organisations"):
        connect_xero(ws, settings)  # a fresh workspace and no choice
    xa = connect_xero(ws, settings, tenant=a["name"])
    assert ws.connection("xero")["tenant_id"] == a["tenant_id"]
    assert ws.xero_organisation() == {"tenant_id": a["tenant_id"], "tenant_name": a["name"]}
    again = connect_xero(ws, settings)  # no choice: the workspace's own
    assert again.tenant_id == a["tenant_id"]
    before_b = _calls_to(sb, b["tenant_id"])
    with pytest.raises(WorkspaceTenantError) as other:
        connect_xero(ws, settings, tenant=b["tenant_id"])
    message = str(other.value)
    assert a["name"] in message and b["name"] in message and b["tenant_id"] in message
    assert ws.connection("xero")["tenant_id"] == a["tenant_id"]
    assert _calls_to(sb, b["tenant_id"]) == before_b  # refused before any call to B

    # Every path that brings an organisation's data in refuses B the same way.
    xb = xero_login(settings).client(b["tenant_id"])
    snapshots = len(ws.snapshots())
    with pytest.raises(WorkspaceTenantError):
        take_snapshots(ws, xero=xb, systems=("xero",), progress=False)
    assert len(ws.snapshots()) == snapshots
    batch = Batch([], source="test")  # (a batch file with no invoices is refused itself)
    for path in (lambda: plan_export(ws, xb, batch), lambda: export_batch(ws, xb, batch),
                 lambda: refresh_invoices(ws, xb)):
        with pytest.raises(WorkspaceTenantError):
            path()
    assert ws.sql("SELECT count(*) AS n FROM export_log")["n"][0] == 0
    assert ws.sql("SELECT count(*) AS n FROM export_locks")["n"][0] == 0
    wizard = Wizard(ws, who="test")
    wizard.offer_organisations(xero_login(settings).tenants())
    assert wizard.organisation is not None and wizard.organisation.tenant_id == a["tenant_id"]
    with pytest.raises(WizardError, match="belongs to Xero organisation"):
        wizard.choose_organisation(b["name"])
    with pytest.raises(WizardError, match="another organisation"):
        wizard.connect(xb, connect_atera(settings, rate=100.0))
    assert len(ws.snapshots()) == snapshots
    # Disconnected, the workspace still holds A's records: it stays A's.
    ws.record_disconnect("xero")
    with pytest.raises(WorkspaceTenantError):
        connect_xero(ws, settings, tenant=b["name"])
    for client in (xa, again, xb):
        client.close()


def test_workspaces_from_before_the_rule_belong_to_their_log(tmp_path: Path) -> None:
    ws = Workspace.open()
    ws.execute("INSERT INTO export_log (event_id, batch_id, tenant_id, atera_invoice, status, "
               "attempts, logged_at) VALUES (1, 'b', 't-old', '1001', 'exported', 1, now())")
    assert ws.xero_organisation() == {"tenant_id": "t-old", "tenant_name": None}
    with pytest.raises(WorkspaceTenantError, match="t-old"):
        ws.claim_xero_tenant("t-new", "New Org")
    ws.claim_xero_tenant("T-OLD", "Old Org")  # tenant ids compare without case
    assert ws.xero_organisation() == {"tenant_id": "t-old", "tenant_name": "Old Org"}
    fresh = Workspace.open()
    with pytest.raises(WorkspaceTenantError):
        fresh.record_connection("xero", tenant_id="t1", tenant_name="One")
        fresh.record_connection("xero", tenant_id="t2", tenant_name="Two")
    assert fresh.connection("xero")["tenant_id"] == "t1"


def test_the_wizard_offers_a_picker_when_several(sb: Sandbox, tmp_path: Path) -> None:
    a, b = _names(sb)
    settings = _settings(sb, tmp_path)
    ws = Workspace.open(settings.workspace)
    login = xero_login(settings)
    asked: list[str] = []

    def connector(tenant_id: str) -> tuple[Any, Any]:
        asked.append(tenant_id)
        return (connect_xero(ws, settings, tenant=tenant_id, record=False, session=login),
                connect_atera(settings, rate=100.0))

    wizard = Wizard(ws, who="test")
    view = WizardView(wizard, connector,
                      organisations=lambda: login.tenants(short_codes=True))
    view.connect()  # logs in, finds two organisations: the picker, no connection yet
    assert asked == [] and wizard.step == Step.CONNECT and wizard.organisation is None
    assert view.org_picker in view.body.children
    assert [label for label, _ in view.org_picker.options] == [
        "Choose an organisation…", f"{a['name']} ({a['short_code']})",
        f"{b['name']} ({b['short_code']})"]
    assert view.connect_button.disabled
    with pytest.raises(WizardError, match="choose one first"):
        wizard.connect(login.client(a["tenant_id"]), connect_atera(settings, rate=100.0))
    view.org_picker.value = b["tenant_id"]  # what a person's choice does
    assert wizard.organisation is not None and wizard.organisation.name == b["name"]
    assert not view.connect_button.disabled
    assert view.connect_button.description == f"Connect to {b['name']}"
    view.connect_button.click()
    assert view.errors.last is None, view.errors.widget.value
    assert asked == [b["tenant_id"]] and wizard.step == Step.WELCOME
    assert ws.xero_organisation()["tenant_id"] == b["tenant_id"]
    org = ws.records("xero", "organisation")[0]
    assert org["Name"] == b["name"]
    # The same workspace later: its own organisation is chosen, no picker.
    later = Wizard(ws, who="test")
    again = WizardView(later, connector, organisations=lambda: login.tenants())
    later.offer_organisations(login.tenants())
    again.render()
    assert later.organisation is not None and later.organisation.tenant_id == b["tenant_id"]
    assert again.org_picker not in again.body.children and not again.connect_button.disabled
    assert "belongs to Xero organisation" in again.body.children[1].value


def test_disconnecting_one_organisation_keeps_the_others(tmp_path: Path) -> None:
    with start(seed="empty", orgs=2) as two:
        a, b = two.tenants
        login = xero_login(_settings(two, tmp_path))
        xa, xb = login.client(a["tenant_id"]), login.client(b["tenant_id"])
        path = xa.tokens.store.path
        xa.disconnect()
        # Revoking would end B's connection too (the grant is shared): not done.
        assert two.ledger.count(method="POST", path_prefix="/connect/revocation") == 0
        assert path.exists()
        assert xb.organisation(refresh=True)["Name"] == b["name"]
        assert [c.tenant_id for c in two.xero.auth.connections.values()] == [b["tenant_id"]]
        xb.disconnect()  # the last one: revoked and forgotten
        assert two.ledger.count(method="POST", path_prefix="/connect/revocation",
                                status=200) == 1
        assert not path.exists()


def test_cli_tenants_and_the_tenant_option(sb: Sandbox, tmp_path: Path) -> None:
    a, b = _names(sb)
    env = {**sb.env, "MATCHKIT_TOKEN_DIR": str(tmp_path / "tokens"),
           "MATCHKIT_WORKSPACE": str(tmp_path / "ws.duckdb")}
    runner = CliRunner()
    listed = runner.invoke(main, ["tenants"], env=env)
    assert listed.exit_code == 0, listed.output
    lines = listed.stdout.strip().splitlines()
    assert [ln.split()[-2:] for ln in lines] == [[t["tenant_id"], t["short_code"]]
                                                 for t in sb.tenants]
    assert lines[0].startswith(a["name"])
    as_json = runner.invoke(main, ["tenants", "--json"], env=env)
    assert json.loads(as_json.stdout) == [
        {"name": t["name"], "tenant_id": t["tenant_id"], "short_code": t["short_code"]}
        for t in sb.tenants]

    def refused(*args: str) -> str:
        r = runner.invoke(main, list(args), env=env)
        assert r.exit_code == 2, r.output
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr  # one clear line
        return r.stderr

    several = refused("snapshot", "xero")
    assert several.startswith("error: this Xero login reaches 2 organisations")
    assert a["tenant_id"] in several and b["name"] in several
    unknown = refused("snapshot", "xero", "--tenant", "Nope")
    assert "no Xero organisation 'Nope'" in unknown and a["name"] in unknown
    assert "--tenant" in refused("snapshot", "xero", "--tenant", " ")
    took = runner.invoke(main, ["snapshot", "xero", "--tenant", b["name"].upper()], env=env)
    assert took.exit_code == 0, took.output
    Workspace.open(env["MATCHKIT_WORKSPACE"]).mark_setup_done()  # as after the wizard's Done
    other = refused("export", "--from", "2026-08-01", "--to", "2026-08-01", "--tenant",
                    a["tenant_id"])
    assert other.startswith("error: workspace") and a["name"] in other and b["name"] in other
    mine = runner.invoke(main, ["snapshot", "xero"], env=env)  # the workspace's own
    assert mine.exit_code == 0, mine.output
    ws = Workspace.open(env["MATCHKIT_WORKSPACE"])
    assert {r["OrganisationID"] for r in ws.records("xero", "organisation")} == {
        b["tenant_id"]}
    assert ws.connection("xero")["tenant_name"] == b["name"]
