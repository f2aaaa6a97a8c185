"""Export throughput under Xero's real limits (sandbox at time_scale=1: 60 calls a minute,
5 at once), clean and with faults; prints what it measured.

    .venv/bin/python bench/bench_stress.py [invoices]
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matchkit.export import ExportOptions, batch_from_file, export_batch  # noqa: E402
from tests._reliability_fixtures import big_batch, load_demo, rig, write_batch  # noqa: E402


def run(n: int, faults: str | None) -> None:
    with tempfile.TemporaryDirectory() as d, rig(Path(d), time_scale=1.0) as r:
        load_demo(r.ws())
        batch = batch_from_file(write_batch(Path(d), big_batch(n)))
        waits: list[float] = []
        xero = r.client(on_wait=lambda s, why: waits.append(s))
        r.sb.set_faults("xero", faults, seed=1)
        started = time.perf_counter()
        result = export_batch(r.ws(), xero, batch, ExportOptions())
        rounds = 1
        while not result.ok and rounds < 5:  # an operator running it again
            result = export_batch(r.ws(), xero, batch, ExportOptions())
            rounds += 1
        seconds = time.perf_counter() - started
        xero.close()
        in_xero = r.xero_invoice_numbers()
        once = sum(1 for i in batch.numbers if in_xero[i] == 1)
        hit = Counter(e.fault for e in r.sb.ledger.entries("xero") if e.fault)
        print(f"{n} invoices, faults={faults or 'none'}: {seconds:.1f} s "
              f"({n / seconds:.0f} invoices/s), runs {rounds}, "
              f"requests {result.requests}, waits {len(waits)} ({sum(waits):.1f} s), "
              f"faults injected {dict(hit)}, exactly once {once}/{n}")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    run(count, None)
    run(count, "429=0.05,500=0.05,drop=0.03,drop_after=0.05")
