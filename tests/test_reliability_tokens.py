"""Tokens under stress, against the loopback sandbox (the Xero client's own tests cover one
process with a mock transport): two *processes* refreshing at once, a crash after Xero rotated
the refresh token but before it was saved, and a connection revoked in the middle of a run."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from matchkit._exceptions import ReconnectRequired
from matchkit.export import ExportOptions, batch_from_file, export_batch
from matchkit.xero._auth import TokenStore
from tests._reliability_fixtures import (
    ROOT,
    Rig,
    big_batch,
    dump_workspace,
    load_demo,
    rig,
    write_batch,
)


def _store(r: Rig) -> TokenStore:
    return TokenStore.for_settings(r.settings)


def _refreshes(r: Rig) -> int:
    return sum(1 for e in r.sb.ledger.entries() if e.path.endswith("/connect/token")
               and e.status == 200)


def _rotate_behind_matchkits_back(r: Rig) -> None:
    """What a process does that dies between Xero's answer and saving it: the refresh token
    on disk is rotated at Xero, the new one is lost."""
    tokens = _store(r).load()
    assert tokens is not None and tokens.refresh_token
    answer = httpx.post(f"{r.sb.xero_url}/connect/token",
                        data={"grant_type": "refresh_token",
                              "refresh_token": tokens.refresh_token},
                        auth=(r.sb.client_id, r.sb.client_secret), timeout=10)
    assert answer.status_code == 200
    assert answer.json()["refresh_token"] != tokens.refresh_token


_CHILD = textwrap.dedent("""
    import json, sys, time
    from matchkit._config import Settings
    from matchkit.connect import connect_xero
    settings = Settings.from_env()
    go = float(sys.argv[1])
    while time.time() < go:   # both children start their refresh together
        time.sleep(0.001)
    with connect_xero(None, settings, relogin=False) as xero:
        print(json.dumps({"org": xero.organisation()["Name"]}))
""")


def test_two_processes_refreshing_at_once_refresh_once_and_both_work(tmp_path: Path) -> None:
    with rig(tmp_path, time_scale=1.0) as r:
        store = _store(r)
        tokens = store.load()
        assert tokens is not None
        # Make the stored access token look about to expire: both children must refresh.
        store.save(replace(tokens, expires_at=time.time() + 5))
        before = _refreshes(r)
        go = time.time() + 2.0
        procs = [subprocess.Popen([sys.executable, "-c", _CHILD, str(go)], cwd=ROOT,
                                  env=r.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(2)]
        outs = [p.communicate(timeout=60) for p in procs]
        for p, (out, err) in zip(procs, outs, strict=True):
            assert p.returncode == 0, err[-2000:]
            assert json.loads(out.splitlines()[-1])["org"]
        # One refresh at Xero: the second process waited on the file lock, then used the
        # tokens the first one saved (a second refresh would rotate the token again).
        assert _refreshes(r) - before == 1
        saved = store.load()
        assert saved is not None and saved.refresh_token != tokens.refresh_token
        assert saved.previous_refresh_token == tokens.refresh_token
        # The saved refresh token is the live one: a later refresh from it works.
        with r.client(relogin=False) as xero:
            assert xero.tokens.refresh(stale=saved.access_token)
            assert xero.organisation()["Name"]


def test_crash_after_rotation_recovers_inside_the_grace_period(tmp_path: Path) -> None:
    with rig(tmp_path, time_scale=1.0) as r:
        r.sb.clock.advance(25 * 60)
        _rotate_behind_matchkits_back(r)  # grace for the stored token runs 30 minutes
        r.sb.clock.advance(6 * 60)  # the stored access token has now expired at Xero
        with r.client(relogin=False) as xero:
            assert xero.organisation()["Name"]  # 401, refresh with the old token: accepted
        saved = _store(r).load()
        assert saved is not None
        # What was saved is a working grant, not the one Xero retired.
        with r.client(relogin=False) as xero:
            assert xero.tokens.refresh(stale=saved.access_token)


def test_crash_after_rotation_past_the_grace_period_asks_to_reconnect(tmp_path: Path) -> None:
    with rig(tmp_path, time_scale=1.0) as r:
        _rotate_behind_matchkits_back(r)
        r.sb.clock.advance(31 * 60)  # access token expired and the grace period over
        stored = _store(r).load()
        assert stored is not None
        # Whether at connect (GET /connections) or at the first call: a plain ask to
        # reconnect, never a silent new grant (relogin=False) and never a token in the text.
        with pytest.raises(ReconnectRequired, match="connect to Xero again") as info, \
                r.client(relogin=False) as xero:
            xero.organisation()
        assert stored.refresh_token not in str(info.value)
        assert stored.refresh_token not in repr(info.value)


def test_revoked_mid_export_asks_to_reconnect_and_loses_nothing(tmp_path: Path) -> None:
    with rig(tmp_path, time_scale=60.0) as r:
        ws = r.ws()
        load_demo(ws)
        batch = big_batch(150)
        path = write_batch(tmp_path, batch)
        numbers = {str(i["InvoiceNumber"]) for i in batch}
        xero = r.client(relogin=False)
        revoked: list[int] = []

        def revoke_after_first_chunk(done: int, total: int) -> None:
            if done and not revoked:
                tokens = _store(r).load()
                assert tokens is not None and tokens.refresh_token
                ok = httpx.post(f"{r.sb.xero_url}/connect/revocation",
                                data={"token": tokens.refresh_token},
                                auth=(r.sb.client_id, r.sb.client_secret), timeout=10)
                assert ok.status_code == 200
                revoked.append(done)

        try:
            with pytest.raises(ReconnectRequired, match="connect to Xero again"):
                export_batch(ws, xero, batch_from_file(path), ExportOptions(),
                             progress=revoke_after_first_chunk)
        finally:
            xero.close()
        assert revoked
        # What reached Xero before the revocation is in the export log, and nothing else.
        before = dump_workspace(r.ws_path)
        # A later run without a new login is refused at once, the workspace untouched.
        with pytest.raises(ReconnectRequired, match="connect to Xero again"):
            r.client(relogin=False)
        assert dump_workspace(r.ws_path) == before
        # Connecting again (a new login) and running it again completes the batch, once.
        _store(r).delete()
        with r.client() as xero:
            result = export_batch(ws, xero, batch_from_file(path), ExportOptions())
        assert result.ok, result.summary()
        in_xero = r.xero_invoice_numbers()
        assert {n for n in in_xero if n in numbers} == numbers
        assert all(in_xero[n] == 1 for n in numbers)
