"""Exporting 1,000 and 10,000 invoices to the Xero sandbox under Xero's real limits, time-scaled.

The sandbox enforces 60 calls a minute, 5 in flight and 5,000 a day per organisation, on a
clock that runs ``--scale`` times faster than the wall clock (60: one real second is one
sandbox minute). With 50 invoices a request the ceiling is 3,000 invoices a sandbox minute.
Every figure printed is measured in this run:

    .venv/bin/python bench/bench_export.py                 # 1,000 and 10,000, scale 60
    .venv/bin/python bench/bench_export.py --sizes 1000 --faults "429=0.05,500=0.05"
    .venv/bin/python bench/bench_export.py --sizes 1000 --before 31683cd --rounds 3
                                                 # and that commit's matchkit, alternately

With ``--before``, every run is a child process on one version's code (``git archive`` of
that commit's ``matchkit/`` and ``data/seed/``, first on the path; the sandbox included),
the versions taking turns in each round, and the rounds side by side are printed last.

calls per invoice counts every HTTP attempt to the Accounting API (reads, lookups, retries);
"retries" are attempts the client repeated after a 429/5xx/drop plus invoices the export
looked up and sent again. "local share" is the part of the run not spent waiting for Xero
(workspace writes, validation); at scale 60 it weighs 60 times more than it would against the
real Xero.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("MATCHKIT_BENCH_CODE") or str(ROOT))

from matchkit._config import Settings  # noqa: E402
from matchkit.connect import connect_xero  # noqa: E402
from matchkit.export import Batch, ExportOptions, export_batch  # noqa: E402
from matchkit.sandbox import start  # noqa: E402
from matchkit.store import Decision, Workspace  # noqa: E402

SEED = ROOT / "data" / "seed"
CEILING = 60 * 50  # calls a minute x invoices a call


def _prepare(ws: Workspace) -> list[dict[str, Any]]:
    """Demo snapshots and true matches; the invoices whose customer and items all match."""
    atera = json.loads((SEED / "atera_demo.json").read_text())
    truth = json.loads((SEED / "truth.json").read_text())
    for name in ("customers", "products", "expenses", "contracts"):
        ws.write_snapshot("atera", name, atera[name])
    decisions = [Decision("customers", "match", str(t["atera_id"]), t["xero_id"], "exact")
                 for t in truth["customers"] if t["xero_id"]]
    decisions += [Decision("products", "match", t["atera_id"], t["xero_id"], "exact")
                  for t in truth["products"] if t["xero_id"]]
    ws.record_decisions(decisions)
    matched = {int(t["atera_id"]) for t in truth["customers"] if t["xero_id"]}
    by_number = {int(k): v for k, v in truth["invoice_customers"].items()} \
        if isinstance(truth["invoice_customers"], dict) else {}
    return [i for i in atera["invoices"] if by_number.get(int(i["InvoiceNumber"])) in matched]


def _invoices(templates: list[dict[str, Any]], n: int, start_no: int) -> list[dict[str, Any]]:
    return [{**templates[i % len(templates)], "InvoiceNumber": start_no + i} for i in range(n)]


def run(size: int, scale: float, faults: str | None) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="mk-bench-export-"))
    with start(seed="demo", time_scale=scale) as sb:
        settings = Settings.from_env(sb.env, token_dir=str(tmp / "tokens"),
                                     workspace=str(tmp / "ws.duckdb"))
        ws = Workspace.open(settings.workspace)
        templates = _prepare(ws)
        batch = Batch(_invoices(templates, size, 500_000), source=f"bench:{size}")
        with connect_xero(ws, settings, time_scale=scale) as xero:
            waited = [0.0]
            real_create = xero.create_invoices

            def timed_create(records: list[dict[str, Any]], **kw: Any) -> Any:
                t = time.perf_counter()
                try:
                    return real_create(records, **kw)
                finally:
                    waited[0] += time.perf_counter() - t

            xero.create_invoices = timed_create
            if faults:
                sb.set_faults("xero", faults, seed=1)
            sb.ledger.clear()
            t0, c0 = time.perf_counter(), xero.calls
            result = export_batch(ws, xero, batch, ExportOptions())
            real = time.perf_counter() - t0
            calls = xero.calls - c0
            entries = sb.ledger.entries("xero")
            sb.set_faults("xero", None)
            in_xero = Counter(str(i["InvoiceNumber"]) for i in xero.invoices())
        ws.close()
    statuses = Counter(e.status for e in entries)
    # The busiest 60 sandbox seconds: Xero's limit is on this, not on the run's average.
    times = sorted(e.at for e in entries)
    peak, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 60:
            j += 1
        peak = max(peak, i - j + 1)
    sandbox_minutes = real * scale / 60
    puts = sum(1 for e in entries if e.method == "PUT" and e.path.endswith("/Invoices"))
    exported = len(result.exported)
    return {
        "invoices": size, "exported": exported, "refused": len(result.refused),
        "failed": len(result.failed),
        "in_xero_once": sum(1 for n in batch.numbers if in_xero.get(n) == 1),
        "duplicates": sum(1 for v in in_xero.values() if v > 1),
        "calls": calls, "calls_per_invoice": calls / max(exported, 1),
        "invoice_puts": puts, "real_s": real, "sandbox_min": sandbox_minutes,
        "inv_per_min": exported / sandbox_minutes if sandbox_minutes else 0.0,
        "calls_per_min": calls / sandbox_minutes if sandbox_minutes else 0.0,
        "retries": (calls - (len(entries) - statuses.get(0, 0) - sum(
            v for k, v in statuses.items() if k == 429 or k >= 500))) + result.resends,
        "http_429": statuses.get(429, 0), "http_5xx": sum(v for k, v in statuses.items()
                                                          if k >= 500),
        "dropped": statuses.get(0, 0), "resent": result.resends,
        "local_share": 1 - waited[0] / real if real else 0.0,
        "peak_60s": peak,
        "refused_why": Counter(p.code for ps in result.report.refused.values() for p in ps),
    }


def _print(r: dict[str, Any]) -> None:
    print(f"\n{r['invoices']:,} invoices: {r['exported']:,} exported, {r['refused']} refused "
          f"{dict(r['refused_why'])}, {r['failed']} failed; in Xero exactly once: "
          f"{r['in_xero_once']:,}, duplicates: {r['duplicates']}")
    print(f"  {r['calls']} HTTP calls ({r['invoice_puts']} invoice PUTs), "
          f"{r['calls_per_invoice']:.3f} calls/invoice")
    print(f"  {r['real_s']:.1f} s real = {r['sandbox_min']:.2f} sandbox min: "
          f"{r['inv_per_min']:,.0f} invoices/min ({r['inv_per_min'] / CEILING:.0%} of the "
          f"ceiling), {r['calls_per_min']:.1f} calls/min on average; busiest 60 sandbox "
          f"seconds: {r['peak_60s']} calls (limit 60)")
    print(f"  retries {r['retries']} (429: {r['http_429']}, 5xx: {r['http_5xx']}, "
          f"dropped: {r['dropped']}, invoices resent after look-up: {r['resent']}); "
          f"local share of the time {r['local_share']:.0%}")


def _child(code: Path | None, size: int, scale: float, faults: str | None) -> dict[str, Any]:
    """One run in a child process on ``code`` (None: this checkout)."""
    env = {**os.environ, "MATCHKIT_BENCH_CODE": str(code or ROOT)}
    argv = [sys.executable, __file__, "--child", "--sizes", str(size), "--scale", str(scale)]
    if faults:
        argv += ["--faults", faults]
    out = subprocess.run(argv, env=env, capture_output=True, text=True)
    if out.returncode:
        sys.exit(f"the run on {code or 'this checkout'} failed:\n{out.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def _side_by_side(before: str, size: int, rounds: int, scale: float, faults: str | None
                  ) -> None:
    with tempfile.TemporaryDirectory(prefix="mk-bench-export-code-") as tmp:
        code = Path(tmp)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", before, "matchkit",
                                  "data/seed"],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
        rows: list[tuple[int, str, dict[str, Any]]] = []
        for n in range(1, rounds + 1):
            for name, where in (("now", None), (before, code)):
                r = _child(where, size, scale, faults)
                rows.append((n, name, r))
                print(f"round {n} {name:>8}: {r['real_s']:6.2f} s, {r['calls']} calls "
                      f"({r['invoice_puts']} invoice PUTs), exported {r['exported']:,}, "
                      f"in Xero once {r['in_xero_once']:,}, duplicates {r['duplicates']}, "
                      f"local share {r['local_share']:.0%}", flush=True)
    for name in ("now", before):
        secs = sorted(r["real_s"] for _, v, r in rows if v == name)
        print(f"{name:>8}: {size:,} invoices in {', '.join(f'{x:.2f}' for x in secs)} s "
              f"(median {secs[len(secs) // 2]:.2f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--scale", type=float, default=60.0)
    ap.add_argument("--faults", default=None, help='e.g. "429=0.05,500=0.05,drop_after=0.02"')
    ap.add_argument("--before", metavar="COMMIT", help="also that commit's code, alternately")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # dropped connections by design
    if args.child:
        r = run(int(args.sizes), args.scale, args.faults)
        print(json.dumps({**r, "refused_why": dict(r["refused_why"])}))
        return
    print(f"clock scale {args.scale:g} (1 real s = {args.scale / 60:g} sandbox min); ceiling "
          f"{CEILING:,} invoices/sandbox min (60 calls x 50); faults: {args.faults or 'none'}")
    for size in (int(s) for s in args.sizes.split(",")):
        if args.before:
            _side_by_side(args.before, size, args.rounds, args.scale, args.faults)
        else:
            _print(run(size, args.scale, args.faults))


if __name__ == "__main__":
    main()
