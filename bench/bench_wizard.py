"""The wizard's Match customers step over a large workspace: kernel-side times, printed.

2,000 Atera customers against 20,000 Xero contacts (a tenth of them suppliers only), each
row with three suggestions. Times the Python work of what a person does on the step: the
table built, a page flipped, a choice made, a search typed (every contact searched). The
same script runs against an earlier commit's code (``--before COMMIT``: a temporary git
worktree on ``PYTHONPATH``), and both columns are printed side by side from one run.
Targets (issue 8's, for the grid): an action answered within 200 ms.

    .venv/bin/python bench/bench_wizard.py --before c01c4e2
    .venv/bin/python bench/bench_wizard.py --browser   # plus JupyterLab + Chromium
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CUSTOMERS, CONTACTS, TOP = 2_000, 20_000, 3


def _ms(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def make_wizard(path: str = ":memory:") -> Any:
    """The wizard over the large workspace, on its Connect step (a notebook's kernel calls
    this too: ``--browser``)."""
    import pandas as pd

    from matchkit.store import Workspace
    from matchkit.wizard import Wizard

    ws = Workspace.open(path)
    ws.write_snapshot("atera", "customers", [
        {"CustomerID": i, "CustomerName": f"Customer {i:05d} Pty Ltd", "City": "Perth"}
        for i in range(CUSTOMERS)])
    ws.write_snapshot("atera", "products", [])
    ws.write_snapshot("xero", "contacts", [
        {"ContactID": f"c-{j}", "Name": f"Contact {j:05d} Group", "ContactStatus": "ACTIVE",
         "IsCustomer": j % 10 != 0, "IsSupplier": j % 10 == 0} for j in range(CONTACTS)])
    ws.write_snapshot("xero", "items", [])
    rows = [{"left_id": str(i), "right_id": f"c-{(i * 7 + k) % CONTACTS}",
             "score": 90.0 - 10 * k, "method": "fuzzy", "rank": k + 1, "ambiguous": False,
             "evidence": "name 90% similar after normalising; same city", "proposed": k == 0,
             "conflict": False, "alone": 90.0 - 10 * k,
             "left_name": f"Customer {i:05d} Pty Ltd",
             "right_name": f"Contact {(i * 7 + k) % CONTACTS:05d} Group"}
            for i in range(CUSTOMERS) for k in range(TOP)]
    frame = pd.DataFrame(rows)

    def suggest(_ws: Workspace, kind: str, _top: int) -> pd.DataFrame:
        return frame.copy() if kind == "customers" else frame.iloc[0:0].copy()

    return Wizard(ws, suggest=suggest)


def _measure() -> dict[str, float]:
    """Run in a child process whose ``matchkit`` is the code measured."""
    from matchkit.widgets._common import ErrorArea
    from matchkit.widgets._wizard_tables import ChoiceTable

    wiz = make_wizard()
    out: dict[str, float] = {}
    t = time.perf_counter()
    wiz.use_workspace()
    out["load the workspace (Connect without pulling)"] = (time.perf_counter() - t) * 1000
    wiz.next(confirm=True)
    wiz.next(confirm=True)
    errors = ErrorArea()
    out["build the step's table (15 rows shown)"] = _ms(
        lambda: ChoiceTable(wiz, "customers", errors, 15), repeat=3)
    table = ChoiceTable(wiz, "customers", errors, 15)
    pages = iter(range(1, 100))
    out["page flip"] = _ms(lambda: table.show_page(next(pages)))
    table.show_page(0)
    # rows 0-4 of the page, each to a contact no other row holds
    pairs = iter((str(i), f"c-{CONTACTS - 1 - i}") for i in range(5))
    out["choose a contact for a row"] = _ms(
        lambda: table.set_choice(*(lambda a, x: (a, f"match:{x}"))(*next(pairs))))
    table.pick(1)
    words = iter(["Contact 0123", "group 42", "zzzzqqq", "Contact 19999", "0777"])
    out["search typed (every contact)"] = _ms(
        lambda: setattr(table.search_box, "value", next(words)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--before", metavar="COMMIT", default=None,
                    help="also measure this commit's code, side by side")
    ap.add_argument("--browser", action="store_true",
                    help="also time the steps in real JupyterLab + Chromium (--before too)")
    ap.add_argument("--rounds", type=int, default=3, help="browser rounds")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    if args.child:
        print(json.dumps(_measure()))
        return
    if args.browser:
        from _wizard_lab import browser_figures

        browser_figures(rounds=args.rounds, before=args.before)
    columns = {"now": _run(None)}
    if args.before:
        with tempfile.TemporaryDirectory(prefix="mk-bench-wizard-") as tmp:
            wt = Path(tmp) / "before"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q",
                            str(wt), args.before], check=True)
            try:
                columns[args.before] = _run(wt)
            finally:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                                str(wt)], check=True)
    print(f"wizard Match customers: {CUSTOMERS} Atera customers, {CONTACTS} Xero contacts, "
          f"{TOP} suggestions each (kernel side, median ms)")
    print(f"  {'':<48}" + "".join(f"{c:>12}" for c in columns))
    for what in columns["now"]:
        cells = "".join(f"{col.get(what, float('nan')):>12.1f}" for col in columns.values())
        print(f"  {what:<48}{cells}")


def _run(code: Path | None) -> dict[str, float]:
    env = None
    if code is not None:
        import os

        env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, __file__, "--child"], capture_output=True,
                          text=True, env=env, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    main()
