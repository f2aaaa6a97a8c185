"""Pull every contact of the sandbox's large organisation (100k contacts) and print figures.

    .venv/bin/python bench/bench_xero_pull.py [--time-scale 60] [--seed large] [--faults SPEC]

The sandbox keeps Xero's limits (60 calls a minute, 5 at once) on its own clock. With
``--time-scale 60`` one real second is one sandbox minute, so the 60-per-minute limit allows
60 calls per real second; the client's limiter runs on the same scale. The figures printed
are measured: calls counted from the sandbox's ledger, wall time of the pull, rows per real
second, and what the pull would take against the real Xero at 60 calls a minute.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

from matchkit._config import Settings
from matchkit.sandbox import start
from matchkit.xero import RateLimiter, connect


class TimedTransport(httpx.HTTPTransport):
    """Real loopback HTTP that adds up the time spent in HTTP (sandbox work + transfer)."""

    def __init__(self) -> None:
        super().__init__()
        self.seconds = 0.0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = super().handle_request(request)
        response.read()
        self.seconds += time.perf_counter() - started
        return response


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, default=60.0,
                        help="sandbox seconds per real second (default 60)")
    parser.add_argument("--seed", default="large", help="sandbox seed (default large)")
    parser.add_argument("--faults", default=None, help='e.g. "429=0.02,500=0.02,drop=0.01"')
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    t0 = time.perf_counter()
    with start(seed=args.seed, faults=None, time_scale=args.time_scale) as sb, \
            tempfile.TemporaryDirectory() as tokens:
        seeded = time.perf_counter() - t0
        settings = Settings.from_env(sb.env, token_dir=tokens)
        transport = TimedTransport()
        with connect(settings, browser=False, time_scale=args.time_scale,
                     transport=transport) as xero:
            xero.limiter = RateLimiter(time_scale=args.time_scale)  # fresh counters
            if args.faults:
                sb.set_faults("xero", args.faults, seed=1)
            sb.ledger.clear()
            transport.seconds = 0.0
            start_real, start_sandbox = time.perf_counter(), sb.clock.now()
            rows = sum(1 for _ in xero.contacts())
            real = time.perf_counter() - start_real
            sandbox_secs = sb.clock.now() - start_sandbox
            entries = [e for e in sb.ledger.entries("xero")
                       if e.path.startswith("/api.xro/2.0/Contacts")]
            ok = sum(1 for e in entries if e.status == 200)
            refused = sum(1 for e in entries if e.status == 429)
            faulted = sum(1 for e in entries if e.fault)
            waits, waited = xero.limiter.waits, xero.limiter.waited
            http = transport.seconds

    print(f"seed={args.seed} time_scale={args.time_scale:g} "
          f"(1 real second = {args.time_scale:g} sandbox seconds; sandbox start {seeded:.1f}s)")
    print(f"contacts pulled: {rows}")
    print(f"calls to /Contacts (sandbox ledger): {len(entries)} "
          f"({ok} ok, {refused} answered 429, {faulted} faulted on purpose)")
    print(f"wall time: {real:.2f}s real = {sandbox_secs:.0f}s sandbox time")
    print(f"rows per real second: {rows / real:,.0f}")
    print(f"rows per sandbox second: {rows / max(sandbox_secs, 1e-9):,.0f} "
          "(what the limits allow against Xero's clock)")
    print(f"limiter: {waits} waits, {waited:.2f}s real spent waiting")
    print(f"time in HTTP (sandbox building pages + transfer): {http:.2f}s; "
          f"client-side (decode, paging, limiter, retries): {real - http:.2f}s")
    print(f"estimate, not measured: at Xero's 60 calls/minute these {ok} calls need at least "
          f"{max(0, ok - 60) / 60:.1f} minutes of limiter waiting on the real service")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
