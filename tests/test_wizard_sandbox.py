"""The wizard end to end against the loopback sandbox (real HTTP, real DuckDB files)."""

from __future__ import annotations

import importlib.util
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from _wizard_fixtures import fake_suggest
from click.testing import CliRunner

from matchkit._config import Settings
from matchkit.cli import main
from matchkit.connect import connect_atera, connect_xero
from matchkit.sandbox import Sandbox, start
from matchkit.store import Workspace
from matchkit.wizard import Plan, Step, Wizard, pending_run

HAS_SOURCES = importlib.util.find_spec("matchkit.sources") is not None
# The real matching service when it is there; until then a stand-in with its output shape.
SUGGEST: Any = None if HAS_SOURCES else fake_suggest


class Crash(RuntimeError):
    """A process dying right after a request went through."""


class CrashAfter:
    """Wraps a client: after ``n`` successful calls to ``methods``, the next one's request
    is sent and its answer thrown away by a crash."""

    def __init__(self, inner: Any, methods: tuple[str, ...], n: int) -> None:
        self.inner, self.methods, self.left = inner, methods, n

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if name not in self.methods:
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            result = attr(*args, **kwargs)
            if self.left <= 0:
                raise Crash(f"crashed after {name}")
            self.left -= 1
            return result

        return call


# Sandbox minutes pass in real seconds: Xero's 60 calls a minute do not slow the tests.
SCALE = 60.0


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with start(seed="demo", time_scale=SCALE) as sb:
        yield sb


def _clients(sb: Sandbox, tmp_path: Path) -> tuple[Any, Any, Settings]:
    s = Settings.from_env(sb.env, token_dir=str(tmp_path / "tokens"),
                          workspace=str(tmp_path / "ws.duckdb"))
    return connect_xero(None, s, time_scale=SCALE), connect_atera(s, rate=100.0), s


def _world(xero: Any, atera: Any) -> dict[str, Any]:
    """Everything the wizard could change, read over HTTP."""
    return {
        "items": sorted((i["ItemID"], i["Code"]) for i in xero.items()),
        "contacts": sorted((c["ContactID"], c["Name"])
                           for c in xero.contacts(include_archived=True)),
        "customers": sorted((c["CustomerID"], c["CustomerName"]) for c in atera.customers()),
        "products": sorted((p["RateID"], p["Description"]) for p in atera.products()),
        "expenses": sorted((p["RateID"], p["Description"]) for p in atera.expenses()),
    }


def _assert_created_as_planned(before: dict[str, Any], after: dict[str, Any],
                               plan: Plan) -> None:
    """What appeared in Xero and Atera between two ``_world`` reads is what ``plan`` listed."""
    new_items = {code for _, code in set(after["items"]) - set(before["items"])}
    assert new_items == {i.code for i in plan.xero_items}
    new_contacts = {n for _, n in set(after["contacts"]) - set(before["contacts"])}
    assert new_contacts == {c.name for c in plan.xero_contacts}
    new_customers = {n for _, n in set(after["customers"]) - set(before["customers"])}
    assert new_customers == {c.name for c in plan.atera_customers}
    new_products = {n for _, n in set(after["products"]) - set(before["products"])}
    assert new_products == {p.name for p in plan.atera_products}


def _log(ws: Workspace) -> tuple[Any, ...]:
    return (ws.decision_history().to_dict("records"),
            ws.sql("SELECT * FROM connections").to_dict("records"), ws.settings())


def test_close_changes_nothing_then_auto_end_to_end(sandbox: Sandbox, tmp_path: Path
                                                    ) -> None:
    xero, atera, s = _clients(sandbox, tmp_path)
    ws = Workspace.open(s.workspace)
    first = Wizard(ws, xero=xero, atera=atera, suggest=SUGGEST)
    first.connect()
    before, log = _world(xero, atera), _log(ws)
    first.auto(import_all=True)
    first.close()  # closed before Done: nothing in Xero, Atera or the log changed
    assert _world(xero, atera) == before
    assert _log(ws) == log

    w = Wizard(ws, xero=xero, atera=atera, suggest=SUGGEST)
    w.use_workspace()
    plan = w.auto(import_all=True, add_items=True)
    w.done()
    _assert_created_as_planned(before, _world(xero, atera), plan)
    assert w.step == Step.DONE and ws.connection("xero")["setup_done_at"] is not None
    # every Atera record is matched now but the look-alikes, which wait for a person;
    # opening the wizard again plans no creation
    again = Wizard(ws, xero=xero, atera=atera, suggest=SUGGEST)
    again.use_workspace()  # Done took fresh snapshots of what it changed
    for kind in ("products", "customers"):
        assert {r.atera_id for r in again.unmatched(kind)} == {
            h.key for h in plan.left_for_review(kind)}
    plan2 = again.auto()
    assert not (plan2.xero_items or plan2.xero_contacts or plan2.atera_customers
                or plan2.atera_products or plan2.xero_keys)


def test_crash_half_way_twice_then_done_again(sandbox: Sandbox, tmp_path: Path) -> None:
    xero, atera, s = _clients(sandbox, tmp_path)
    before = _world(xero, atera)
    ws = Workspace.open(s.workspace)
    # 1st process: the items and the contacts reach Xero, then it dies
    w = Wizard(ws, xero=CrashAfter(xero, ("create_contacts",), 0), atera=atera,
               suggest=SUGGEST)
    w.connect()
    plan = w.auto(import_all=True, add_items=True)
    assert plan.xero_contacts and plan.xero_items
    assert len(plan.atera_customers) + len(plan.atera_products) > 3
    with pytest.raises(Crash):
        w.done(refresh=False)
    assert pending_run(ws) is not None
    # 2nd process, same choices: Xero is finished, then it dies among Atera's creations
    xero2, atera2, _ = _clients(sandbox, tmp_path / "second")
    w2 = Wizard(Workspace.open(s.workspace), xero=xero2,
                atera=CrashAfter(atera2, ("create_customer", "create_product"), 3),
                suggest=SUGGEST)
    w2.use_workspace()  # the snapshots from before the crash: lookups must be live
    w2.auto(import_all=True)
    with pytest.raises(Crash):
        w2.done(refresh=False)
    # 3rd process finishes the job
    w3 = Wizard(Workspace.open(s.workspace), xero=xero2, atera=atera2, suggest=SUGGEST)
    w3.use_workspace()
    w3.auto(import_all=True)
    w3.done(refresh=False)
    assert pending_run(ws) is None
    world = _world(xero2, atera2)
    for key in ("items", "contacts", "customers", "products"):
        names = [str(name).casefold() for _, name in world[key]]
        assert len(names) == len(set(names)), f"duplicate {key}"
    # exactly what the first Summary promised, once each
    _assert_created_as_planned(before, world, plan)


@pytest.mark.skipif(not HAS_SOURCES, reason="the matching service (matchkit.sources) is "
                    "missing; the CLI uses it")
def test_cli_wizard_auto_and_disconnect(sandbox: Sandbox, tmp_path: Path) -> None:
    env = {**sandbox.env, "MATCHKIT_TOKEN_DIR": str(tmp_path / "tokens"),
           "MATCHKIT_WORKSPACE": str(tmp_path / "ws.duckdb")}
    runner = CliRunner()
    dry = runner.invoke(main, ["wizard", "--auto", "--dry-run", "--json"], env=env)
    assert dry.exit_code == 0, dry.output
    exact = runner.invoke(main, ["wizard", "--auto", "--exact-only", "--dry-run", "--json"],
                          env=env)
    assert exact.exit_code == 0, exact.output
    text = runner.invoke(main, ["wizard", "--auto", "--dry-run"], env=env)
    assert text.exit_code == 0, text.output
    assert text.stdout.startswith("Summary (dry run): when Done runs, matchkit will\n")
    counts = [json.loads(r.stdout.strip().splitlines()[-1])["summary"]["counts"]
              for r in (dry, exact)]
    # without the safe suggestions the same rows are created, more wait for a person
    assert counts[1]["xero contacts to create"] == counts[0]["xero contacts to create"]
    assert counts[1]["left for review"] > counts[0]["left for review"] > 0
    assert "left undecided for review" in dry.stderr
    xero, _, _ = _clients(sandbox, tmp_path / "check")
    items_before = len(xero.items())
    assert Workspace.open(env["MATCHKIT_WORKSPACE"]).decision_history().empty
    res = runner.invoke(main, ["wizard", "--auto", "--json"], env=env)
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert len(xero.items()) == items_before + out["summary"]["counts"]["xero items to create"]
    assert out["done"]["xero items"] == out["summary"]["counts"]["xero items to create"]
    # without --json a person reads sentences, not the JSON's labels
    assert f"Create {counts[0]['xero contacts to create']} contacts in Xero." in text.stdout
    assert "decisions customers" not in text.stdout
    again = runner.invoke(main, ["wizard", "--auto"], env=env)
    assert again.exit_code == 0, again.output
    out_lines = again.stdout.splitlines()
    assert out_lines[0] == "Summary (dry run): nothing to change, Done would write nothing."
    assert out_lines[1] == "Left alone:"  # the rows the stderr note says are "listed above"
    assert out_lines[-2:] == ["Done:", "  Nothing needed changing in Xero or Atera."]
    bye = runner.invoke(main, ["disconnect"], env=env)
    assert bye.exit_code == 0, bye.output
    assert "tax features can be used again" in bye.output
    assert Workspace.open(env["MATCHKIT_WORKSPACE"]).connection("xero") is None
    assert runner.invoke(main, ["wizard"], env=env).exit_code == 2  # --auto or the notebook


def _truth() -> dict[str, Any]:
    return cast(dict[str, Any], json.loads(
        (Path(__file__).resolve().parent.parent / "data" / "seed" / "truth.json").read_text()))


def test_auto_takes_safe_suggestions_all_right_by_the_truth(sandbox: Sandbox, tmp_path: Path
                                                            ) -> None:
    xero, atera, s = _clients(sandbox, tmp_path)
    ws = Workspace.open(s.workspace)
    exact = Wizard(ws, xero=xero, atera=atera, suggest=SUGGEST)
    exact.connect()
    only_exact = exact.auto(accept_suggestions=False)
    exact.close()
    w = Wizard(ws, xero=xero, atera=atera, suggest=SUGGEST)
    w.use_workspace()
    plan = w.auto()
    truth = _truth()
    right = {(str(t["atera_id"]), t["xero_id"]) for kind in ("customers", "products")
             for t in truth[kind] if t["xero_id"]}
    accepted = [d for d in plan.decisions if d.action == "match" and d.method == "safe"]
    assert accepted, "the demo has safe non-exact suggestions"
    # every suggestion taken is right by the seed's truth; without them they wait
    assert all((d.atera_id, d.xero_id) in right for d in accepted)
    taken = Counter(d.entity for d in accepted)
    print(f"\nauto: {dict(taken)} safe suggestions accepted; exact only: "
          f"{len(only_exact.left_for_review())} rows wait instead of "
          f"{len(plan.left_for_review())}")
    assert len(only_exact.left_for_review()) == len(plan.left_for_review()) + len(accepted)
    assert plan.xero_contacts == only_exact.xero_contacts
    # the decisions say who decided: the same name, a safe suggestion, or clearly new
    assert {d.method for d in plan.decisions if d.entity in ("customers", "products")} == {
        "exact", "safe", "new"}
    # one Xero record per Atera row at most, exact matches included
    matched = [(d.entity, d.xero_id) for d in plan.decisions if d.action == "match"]
    assert len(matched) == len(set(matched))
    w.close()


def _created(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[str]]:
    return {k: sorted(n for _, n in set(after[k]) - set(before[k])) for k in before}


def test_auto_on_the_demo_creates_no_look_alike_and_a_second_run_creates_nothing(
        sandbox: Sandbox, tmp_path: Path) -> None:
    """The issue's demo run: `wizard --auto --import-all` from a fresh workspace creates no
    record truth.json says exists, on either side; a second analyst's fresh workspace
    against the same organisations creates nothing; `review export` works after both."""
    truth = _truth()
    xero, atera, _ = _clients(sandbox, tmp_path / "check")
    runner = CliRunner()
    exists_in_xero = {
        "contacts": {t["atera_name"] for t in truth["customers"] if t["xero_id"]},
        "items": {t["atera_name"] for t in truth["products"] if t["xero_id"]}}
    atera_before = {c["CustomerID"] for c in atera.customers()}
    xero_only = set(truth["xero_only_customers"]) | set(truth["xero_only_items"])
    worlds = [_world(xero, atera)]
    for n in (1, 2):
        env = {**sandbox.env, "MATCHKIT_TOKEN_DIR": str(tmp_path / f"tokens{n}"),
               "MATCHKIT_WORKSPACE": str(tmp_path / f"analyst{n}.duckdb")}
        res = runner.invoke(main, ["wizard", "--auto", "--import-all", "--json"], env=env)
        assert res.exit_code == 0, res.output
        worlds.append(_world(xero, atera))
        made = _created(worlds[-2], worlds[-1])
        if n == 1:
            # Xero: only Atera records with no Xero record in the truth were created
            contacts = {c["Name"]: c for c in xero.contacts()}
            assert made["contacts"] and not set(made["contacts"]) & exists_in_xero["contacts"]
            assert made["items"] and not {
                i["Name"] for i in xero.items() if i["Code"] in made["items"]
            } & exists_in_xero["items"]
            # Atera: only Xero records with no Atera record in the truth were added
            ws1 = Workspace.open(env["MATCHKIT_WORKSPACE"])
            imported = ws1.sql("SELECT xero_id FROM current_decisions WHERE method = "
                               "'imported'")["xero_id"].tolist()
            assert imported and set(imported) <= xero_only
            assert all(contacts[name]["ContactNumber"].startswith("ATERA-")
                       for name in made["contacts"])
        else:
            assert made == {k: [] for k in made}, made  # nothing at all, on either side
        names = [n for _, n in worlds[-1]["contacts"]] + [n for _, n in worlds[-1]["items"]]
        assert not [x for x in names if re.search(r" \(\d+\)$", x)]
        for kind, rows in (("customers", 150), ("products", 71)):
            out = tmp_path / f"review{n}-{kind}.csv"
            rev = runner.invoke(main, ["review", "export", "--kind", kind, "-o", str(out)],
                                env=env)
            assert rev.exit_code == 0, rev.output
            assert len(out.read_text(encoding="utf-8").splitlines()) > rows
    assert {c["CustomerID"] for c in atera.customers()} > atera_before
