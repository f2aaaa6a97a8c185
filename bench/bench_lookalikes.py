"""Does the wizard's auto mode create look-alikes? Measured on a generated organisation.

    .venv/bin/python bench/bench_lookalikes.py                    # 2,000 customers, 1,100 products
    .venv/bin/python bench/bench_lookalikes.py --before 1e95bbb   # also that commit's auto mode

A seeded MSP and its Xero organisation (``bench/_gen_org.py``: the usual differences between
two people's spellings, and records only one side has) are loaded into the loopback
sandboxes; the wizard runs against them over HTTP, as ``matchkit wizard --auto
--import-all`` does. Per mode it prints what was created on each side, how many of those
are look-alikes (the truth says the other side had that record), how many rows were left
for a person, and the precision of what was matched without one (exact names, link keys,
safe suggestions). Modes, on the same organisations:

- ``auto, exact only`` and ``auto``: the Summary of a fresh workspace (a dry run), without
  and with the safe suggestions; ``auto`` is then carried out (Done);
- ``second analyst``: a fresh workspace against the organisations after that Done, Done too;
- ``before <commit>`` (with ``--before``): that commit's auto mode, dry run, plain and with
  ``--accept-suggestions``, in a child process on its own code.

Every figure is counted from what the run did; nothing is typed in.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("MATCHKIT_BENCH_CODE") or str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _gen_org import Org, org  # noqa: E402

SCALE = 60.0  # sandbox minutes in real seconds: Xero's limits are not what is measured


def _clients(env: dict[str, str], tmp: Path) -> tuple[Any, Any, Any]:
    from matchkit._config import Settings
    from matchkit.connect import connect_atera, connect_xero

    s = Settings.from_env(env, token_dir=str(tmp / "tokens"), workspace=str(tmp / "ws.duckdb"))
    return connect_xero(None, s, time_scale=SCALE), connect_atera(s, rate=0), s


def _plan_facts(plan: Any) -> dict[str, Any]:
    """What a Summary says will happen, as plain data (the child process prints it)."""
    return {
        "xero_contacts": [c.atera_id for c in plan.xero_contacts],
        "xero_items": [i.atera_id for i in plan.xero_items],
        "atera_customers": [n.key for n in plan.atera_customers],
        "atera_products": [p.xero_id for p in plan.atera_products],
        "review": [(h.kind, h.key) for h in plan.left_for_review()]
        if hasattr(plan, "left_for_review") else [],
        "held": [h.key for h in getattr(plan, "review", ())],  # imports and adds too
        "matches": [(d.atera_id, d.xero_id, d.method) for d in plan.decisions
                    if d.action == "match" and d.entity in ("customers", "products")],
    }


def _dry_run(env: dict[str, str], tmp: Path, **auto: Any) -> dict[str, Any]:
    from matchkit.store import Workspace
    from matchkit.wizard import Wizard

    xero, atera, s = _clients(env, tmp)
    w = Wizard(Workspace.open(s.workspace), xero=xero, atera=atera, who="bench")
    w.connect()
    facts = _plan_facts(w.auto(import_all=True, **auto))
    w.close()
    return facts


def _done(env: dict[str, str], tmp: Path) -> dict[str, Any]:
    from matchkit.store import Workspace
    from matchkit.wizard import Wizard

    xero, atera, s = _clients(env, tmp)
    w = Wizard(Workspace.open(s.workspace), xero=xero, atera=atera, who="bench")
    w.connect()
    plan = w.auto(import_all=True)
    # Xero customers import-all left unticked because Atera has something like them
    waiting = [r.xero_id for r in w.import_candidates() if r.status != "new"]
    result = w.done()
    facts = _plan_facts(plan)
    facts["held"] += waiting
    facts["made"] = {  # what Done made, by the id on the other side (for the next run)
        "contacts": result.xero_contacts, "items": result.xero_items}
    facts["imported"] = [(str(d["atera_id"]), str(d["xero_id"])) for d in
                         w.ws.current_decisions("customers").to_dict("records")
                         + w.ws.current_decisions("products").to_dict("records")
                         if d["method"] == "imported"]
    return facts


class Judge:
    """Counts a run's facts against the truth (and what earlier runs made)."""

    def __init__(self, o: Org) -> None:
        self.truth = {a: x for kind in o.truth.values() for a, x in kind.items()}
        self.by_xero = o.pairs()  # xero id -> atera id

    def learn(self, facts: dict[str, Any]) -> None:
        """Records an earlier run made are the same as their source from now on."""
        for a, x in list(facts["made"]["contacts"].items()) + list(
                facts["made"]["items"].items()):
            if self.truth.get(a) is None:
                self.truth[a], self.by_xero[x] = x, a
        for a, x in facts["imported"]:
            if x not in self.by_xero:
                self.by_xero[x], self.truth[a] = a, x

    def line(self, mode: str, facts: dict[str, Any], seconds: float) -> str:
        xero_made = facts["xero_contacts"] + facts["xero_items"]
        atera_made = facts["atera_customers"] + facts["atera_products"]
        self.alikes = [a for a in xero_made if self.truth.get(a)] + [
            x for x in atera_made if x in self.by_xero]
        alike = len(self.alikes)
        auto = [(a, x) for a, x, m in facts["matches"] if m in ("exact", "link", "safe",
                                                                 "fuzzy", "normalised",
                                                                 "evidence")]
        right = sum(1 for a, x in auto if self.truth.get(a) == x)
        self.wrong = [(a, x) for a, x in auto if self.truth.get(a) != x]
        precision = f"{right / len(auto):.4f}" if auto else "  n/a "
        review = facts["review"]
        self.review_split = {kind: (sum(1 for k, a in review if k == kind and self.truth.get(a)),
                                    sum(1 for k, a in review if k == kind
                                        and not self.truth.get(a)))
                             for kind in ("customers", "products")}
        return (f"{mode:34} {len(facts['xero_contacts']):5d} {len(facts['xero_items']):5d} "
                f"{len(facts['atera_customers']):5d} {len(facts['atera_products']):5d}  "
                f"{alike:6d}  {len(facts['review']):7d}  {len(auto):6d} {precision}  "
                f"{seconds:6.1f}")


def _before(commit: str, env: dict[str, str], tmp: Path, accept: bool) -> dict[str, Any]:
    """``commit``'s auto mode in a child process on its own code (a dry run)."""
    code = tmp / f"code-{commit}"
    if not code.exists():
        code.mkdir()
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "matchkit"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
    child_env = {**os.environ, **env, "MATCHKIT_BENCH_CODE": str(code)}
    out = subprocess.run([sys.executable, __file__, "--child-before",
                          str(tmp / f"before-{commit}-{accept}"), str(accept)],
                         env=child_env, capture_output=True, text=True, check=True)
    facts: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return facts


def _child_before(folder: str, accept: str) -> None:
    tmp = Path(folder)
    tmp.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k.startswith("MATCHKIT_")}
    print(json.dumps(_dry_run(env, tmp, accept_suggestions=accept == "True")))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=2000)
    ap.add_argument("--products", type=int, default=1100)
    ap.add_argument("--seed", type=int, default=20261205)
    ap.add_argument("--before", metavar="COMMIT")
    ap.add_argument("--child-before", nargs=2, metavar=("FOLDER", "ACCEPT"))
    a = ap.parse_args()
    if a.child_before:
        _child_before(*a.child_before)
        return
    from matchkit.sandbox import start

    o = org(a.customers, a.products, seed=a.seed)
    n_cust, n_prod = len(o.truth["customers"]), len(o.truth["products"])
    print(f"generated (seed {a.seed}): Atera {n_cust} customers, {n_prod} products and "
          f"expenses; Xero {len(o.xero['Contacts'])} contacts, {len(o.xero['Items'])} items; "
          f"in both: {sum(1 for x in o.truth['customers'].values() if x)} customers, "
          f"{sum(1 for x in o.truth['products'].values() if x)} products")
    judge = Judge(o)
    header = (f"{'mode':34} {'created: Xero':>11} {'Atera':>11}  {'look-':>6}  {'left for':>7}"
              f"  {'matched without a person':>24}  {'time':>6}\n"
              f"{'':34} {'contacts':>5} {'items':>5} {'cust.':>5} {'prod.':>5}  "
              f"{'alikes':>6}  {'review':>7}  {'n':>6} {'precision':>9}  {'s':>6}")
    with start(seed=o.xero, atera_seed=o.atera, time_scale=SCALE) as sb, \
            tempfile.TemporaryDirectory(prefix="mk-lookalikes-") as tmpdir:
        tmp = Path(tmpdir)
        env = dict(sb.env)
        print(header)
        if a.before:
            for accept in (False, True):
                t = time.monotonic()
                facts = _before(a.before, env, tmp, accept)
                mode = f"before {a.before[:7]}: auto" + (" --accept-sugg." if accept else "")
                print(judge.line(mode, facts, time.monotonic() - t), flush=True)
        t = time.monotonic()
        facts = _dry_run(env, tmp / "exact", accept_suggestions=False)
        print(judge.line("auto, exact only (dry run)", facts, time.monotonic() - t),
              flush=True)
        t = time.monotonic()
        facts = _done(env, tmp / "first")
        print(judge.line("auto (Done)", facts, time.monotonic() - t), flush=True)
        split = judge.review_split
        wrong = judge.wrong
        alikes = judge.alikes
        held_first = set(facts["held"])
        judge.learn(facts)
        t = time.monotonic()
        facts = _done(env, tmp / "second")
        print(judge.line("second analyst, fresh workspace", facts, time.monotonic() - t),
              flush=True)
        again = facts["xero_contacts"] + facts["xero_items"] + facts["atera_customers"] + \
            facts["atera_products"]
        print(f"second analyst: {len(again)} record(s) created, of which the first run had "
              f"left {sum(1 for k in again if k in held_first)} for a person")
        print("\nauto (Done): rows left for review, of which the truth has a record on the "
              "other side / has none:")
        for kind, (has, hasnt) in split.items():
            print(f"   {kind}: {has} / {hasnt}")
        names = {**{str(c["CustomerID"]): c["CustomerName"] for c in o.atera["customers"]},
                 **{f"product:{p['RateID']}": p["Description"] for p in o.atera["products"]},
                 **{f"expense:{p['RateID']}": p["Description"] for p in o.atera["expenses"]}}
        xnames = {**{c["ContactID"]: c["Name"] for c in o.xero["Contacts"]},
                  **{i["ItemID"]: i["Name"] for i in o.xero["Items"]}}
        if again:  # named, so that a person can see why the second run found them new
            print("second analyst created: " + "; ".join(
                repr(names.get(k, xnames.get(k, k))) for k in again))
        print(f"auto (Done): look-alikes created: {len(alikes)}")
        for k in alikes:
            other = judge.truth.get(k) or judge.by_xero.get(k)
            print(f"   {names.get(k, xnames.get(k, k))!r} (the truth: "
                  f"{xnames.get(other, names.get(other, other))!r})")
        print(f"auto (Done): matched without a person and wrong by the truth: {len(wrong)}")
        for a, x in wrong:
            right = judge.truth.get(a)
            print(f"   {names.get(a, a)!r} -> {xnames.get(x, x)!r} (truth: "
                  f"{xnames.get(right, right) if right else 'only in Atera'!r})")


if __name__ == "__main__":
    main()
