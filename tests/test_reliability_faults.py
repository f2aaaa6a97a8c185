"""Faults during an export, one kind at a time, over loopback: Xero's minute and day limits,
500/503, dropped connections (before and after the write was applied), slow answers and an
access token that expires mid-run. Every invoice arrives exactly once, no unhandled
exception escapes, and the user is told why it is slow (on_wait, progress, CLI stderr)."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from matchkit._exceptions import RateLimitError
from matchkit.export import ExportOptions, batch_from_file, export_batch
from matchkit.xero._retry import RetryPolicy
from tests._reliability_fixtures import Rig, big_batch, load_demo, rig, write_batch

N = 120  # three chunks (50, 50, 20)


def _check_once(r: Rig, numbers: set[str]) -> None:
    in_xero = r.xero_invoice_numbers()
    missing = numbers - set(in_xero)
    doubled = {n: in_xero[n] for n in numbers if in_xero[n] > 1}
    assert not missing and not doubled, (sorted(missing)[:5], doubled)
    state = r.ws().sql("SELECT atera_invoice, status FROM export_state")
    assert dict(zip(state["atera_invoice"], state["status"], strict=True)) == {
        n: "exported" for n in numbers}


def _setup(r: Rig, tmp: Path) -> tuple[Any, set[str]]:
    load_demo(r.ws())
    batch = big_batch(N)
    return batch_from_file(write_batch(tmp, batch)), {str(i["InvoiceNumber"]) for i in batch}


@pytest.mark.parametrize(("faults", "why"), [
    ("500=0.15,503=0.15", "ServerError"),
    ("429=0.25", "RateLimitError"),
    ("drop=0.2", "TransportError"),
    ("drop_after=0.5", "TransportError"),
], ids=["500-503", "429", "drop", "drop-after-applied"])
def test_one_run_through_faults_exports_each_invoice_once(tmp_path: Path, faults: str,
                                                          why: str) -> None:
    with rig(tmp_path) as r:
        batch, numbers = _setup(r, tmp_path)
        waits: list[tuple[float, str]] = []
        xero = r.client(on_wait=lambda s, reason: waits.append((s, reason)),
                        retry=RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.05))
        r.sb.set_faults("xero", faults, seed=11)
        try:
            result = export_batch(r.ws(), xero, batch, ExportOptions())
        finally:
            xero.close()
        hit = Counter(e.fault for e in r.sb.ledger.entries("xero") if e.fault)
        assert sum(hit.values()) > 0, "no fault was injected: the test proved nothing"
        assert result.ok, result.summary()
        assert any(why in reason for _, reason in waits), waits
        _check_once(r, numbers)


def test_minute_limit_makes_the_run_wait_and_says_so(tmp_path: Path) -> None:
    # time_scale=30: a sandbox minute is 2 real seconds, so 3 calls a minute bite.
    with rig(tmp_path, time_scale=30.0) as r:
        batch, numbers = _setup(r, tmp_path)
        waits: list[tuple[float, str]] = []
        xero = r.client(on_wait=lambda s, reason: waits.append((s, reason)))
        r.sb.xero.set_limits(per_minute=3)
        try:
            result = export_batch(r.ws(), xero, batch, ExportOptions())
        finally:
            xero.close()
            r.sb.xero.set_limits(per_minute=60)
        assert result.ok, result.summary()
        # Told why: a 429 retried, or the limiter pausing on Xero's remaining-calls header.
        assert any(s > 0 and ("RateLimitError" in why or "slow down" in why or "limit" in why)
                   for s, why in waits), waits
        _check_once(r, numbers)


def test_day_limit_stops_cleanly_and_the_next_day_finishes(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        batch, numbers = _setup(r, tmp_path)
        used = r.sb.ledger.count(system="xero")
        r.sb.xero.set_limits(per_day=used + 5)  # runs out part-way through the batch
        # Stops at once with the reason (no retrying against a limit that lasts hours).
        with r.client() as xero, pytest.raises(RateLimitError, match="daily call limit"):
            export_batch(r.ws(), xero, batch, ExportOptions())
        assert r.sb.ledger.count(system="xero", status=429) == 1
        state = r.ws().sql("SELECT status FROM export_state")
        assert set(state["status"]) <= {"exported", "unknown"}  # unknown: looked up first
        # The next day (sandbox clock), a run sends only what is missing.
        r.sb.clock.advance(86400)
        r.sb.xero.set_limits(per_day=5000)
        with r.client() as xero:
            result = export_batch(r.ws(), xero, batch, ExportOptions())
        assert result.ok, result.summary()
        assert len(result.exported) + len(result.already) == N
        _check_once(r, numbers)


def test_slow_answers_report_progress_per_chunk(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        batch, numbers = _setup(r, tmp_path)
        r.sb.set_faults("xero", "latency=250ms")
        seen: list[tuple[int, int]] = []
        with r.client() as xero:
            result = export_batch(r.ws(), xero, batch, ExportOptions(),
                                  progress=lambda done, total: seen.append((done, total)))
        assert result.ok
        assert len({d for d, _ in seen}) >= 3 and seen[-1] == (N, N), seen
        assert [d for d, _ in seen] == sorted(d for d, _ in seen)
        _check_once(r, numbers)


def test_access_token_expiring_mid_run_is_refreshed(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    with rig(tmp_path) as r:
        batch, numbers = _setup(r, tmp_path)
        refreshes = r.sb.ledger.count(path_prefix="/connect/token", status=200)
        jumped: list[int] = []

        def expire(done: int, total: int) -> None:
            if done and not jumped:
                r.sb.clock.advance(31 * 60)  # every access token handed out has expired
                jumped.append(done)

        caplog.set_level(logging.DEBUG, logger="matchkit")
        with r.client() as xero:
            result = export_batch(r.ws(), xero, batch, ExportOptions(), progress=expire)
        assert jumped and result.ok, result.summary()
        assert r.sb.ledger.count(system="xero", status=401) >= 1
        assert r.sb.ledger.count(path_prefix="/connect/token", status=200) > refreshes
        _check_once(r, numbers)


def test_cli_tells_the_user_why_it_waits(tmp_path: Path) -> None:
    with rig(tmp_path) as r:
        load_demo(r.ws())
        path = write_batch(tmp_path, big_batch(100))
        r.sb.set_faults("xero", "503=0.3,429=0.2", seed=5)
        code, out, err = r.run_cli("export", "--file", str(path))
        assert r.sb.ledger.count(system="xero", status=503) + r.sb.ledger.count(
            system="xero", status=429) > 0
        assert "Traceback" not in err
        assert "waiting" in err and ("ServerError" in err or "RateLimitError" in err), err
        if code != 0:  # the operator runs it again: the rest goes, nothing twice
            r.sb.set_faults("xero", None)
            code, out, err = r.run_cli("export", "--file", str(path))
        assert code == 0, err[-2000:]
        assert "100 exported" in out or "already in Xero" in out
