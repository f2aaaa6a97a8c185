"""The workspace: migrations, snapshots, diff, decisions, transactions, busy files."""

from __future__ import annotations

import multiprocessing as mp
import time
from pathlib import Path

import duckdb
import pytest

from matchkit import Decision, LoadError, Workspace, WorkspaceBusyError, WorkspaceError


def test_migrations_are_recorded_and_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    ws = Workspace.open(path)
    v = ws.schema_version
    assert v >= 1
    assert Workspace.open(path).schema_version == v
    versions = ws.sql("SELECT version FROM schema_version ORDER BY 1")["version"].tolist()
    assert versions == sorted(set(versions)) and versions[0] == 1


def test_snapshot_keeps_raw_json_and_history() -> None:
    ws = Workspace.open()
    ws.write_snapshot("xero", "contacts", [
        {"ContactID": "c1", "Name": "Acme", "ContactStatus": "ACTIVE",
         "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "555 1234"}],
         "UpdatedDateUTC": "/Date(1551399323399+0000)/", "Extra": {"kept": True}}])
    ws.write_snapshot("xero", "contacts", [
        {"ContactID": "c1", "Name": "Acme Ltd"}, {"ContactID": "c2", "Name": "Beta"}])
    assert len(ws.snapshots("xero", "contacts")) == 2
    first = ws.snapshots("xero", "contacts")["snapshot_id"].min()
    old = ws.rows("xero", "contacts", int(first))
    assert old["Phone"].tolist() == ["555 1234"]
    assert str(old["UpdatedDateUTC"][0]).startswith("2019-03-01 00:15:23")
    assert ws.records("xero", "contacts", int(first))[0]["Extra"] == {"kept": True}
    diff = ws.diff("xero", "contacts")
    assert dict(zip(diff["key"], diff["change"], strict=True)) == {"c1": "changed",
                                                                    "c2": "added"}
    assert "Name" in diff.set_index("key").loc["c1", "fields"]


def test_diff_reports_removed_and_needs_two_snapshots() -> None:
    ws = Workspace.open()
    ws.write_snapshot("atera", "products", [{"RateID": 1, "Description": "A"}])
    with pytest.raises(WorkspaceError, match="need two snapshots"):
        ws.diff("atera", "products")
    ws.write_snapshot("atera", "products", [{"RateID": 2, "Description": "B"}])
    d = ws.diff("atera", "products")
    assert sorted(zip(d["key"], d["change"], strict=True)) == [("1", "removed"), ("2", "added")]


def test_a_bad_record_writes_nothing() -> None:
    ws = Workspace.open()
    with pytest.raises(LoadError, match=r"row 2.*CustomerName"):
        ws.write_snapshot("atera", "customers", [{"CustomerID": 1, "CustomerName": "A"},
                                                 {"CustomerID": 2}])
    assert ws.snapshots().empty
    assert ws.sql("SELECT count(*) AS n FROM atera_customers")["n"][0] == 0


def test_transaction_rolls_back_everything() -> None:
    ws = Workspace.open()
    with pytest.raises(RuntimeError), ws.transaction() as conn:
        conn.execute("INSERT INTO settings VALUES ('a', '1', now())")
        ws.record_decisions([Decision("customers", "match", "1", "x")])
        raise RuntimeError("boom")
    assert ws.settings() == {}
    assert ws.decision_history().empty


def test_decisions_are_append_only_and_current_is_latest() -> None:
    ws = Workspace.open()
    ws.record_decisions([Decision("customers", "match", "1", "x", method="exact", score=100),
                         Decision("customers", "create", "2")])
    ws.record_decisions([Decision("customers", "match", "1", "y", method="manual")])
    ws.record_decisions([Decision("customers", "clear", "2", method="undo")])
    cur = ws.current_decisions("customers")
    assert cur[["atera_id", "xero_id", "action"]].values.tolist() == [["1", "y", "match"]]
    assert len(ws.decision_history("customers")) == 4
    with pytest.raises(WorkspaceError, match="needs a Xero id"):
        ws.record_decisions([Decision("customers", "match", "3")])
    with pytest.raises(WorkspaceError, match="unknown decision action"):
        ws.record_decisions([Decision("customers", "merge", "3", "z")])


def test_connections_and_settings() -> None:
    ws = Workspace.open()
    ws.record_connection("xero", tenant_id="t1", tenant_name="Demo", short_code="!abc")
    ws.record_connection("xero", tenant_id="t1", tenant_name="Demo", short_code="!abc",
                         note="connected again")
    assert ws.connection("xero")["note"] == "connected again"
    ws.mark_setup_done()
    assert ws.connection("xero")["setup_done_at"] is not None
    ws.record_disconnect("xero", note="user asked")
    assert ws.connection("xero") is None
    assert ws.sql("SELECT count(*) AS n FROM connections WHERE disconnected_at IS NOT NULL"
                  )["n"][0] == 2
    ws.set_setting("export.status", "DRAFT")
    ws.set_setting("export.status", "AUTHORISED")
    assert ws.get_setting("export.status") == "AUTHORISED"
    assert ws.get_setting("missing", 5) == 5


def _hold(path: str, ready: mp.synchronize.Event, seconds: float) -> None:
    conn = duckdb.connect(path)
    ready.set()
    time.sleep(seconds)
    conn.close()


def test_busy_workspace_waits_then_names_the_holder(tmp_path: Path) -> None:
    path = str(tmp_path / "busy.duckdb")
    Workspace.open(path)
    ready = mp.get_context("spawn").Event()
    proc = mp.get_context("spawn").Process(target=_hold, args=(path, ready, 30))
    proc.start()
    try:
        assert ready.wait(30)
        ws = Workspace(path, busy_timeout=0.5)
        with pytest.raises(WorkspaceBusyError) as err:
            ws.sql("SELECT 1")
        assert f"PID {proc.pid}" in str(err.value)
        assert "one writing process" in str(err.value)
    finally:
        proc.kill()
        proc.join()
    # once the holder is gone the same workspace opens, intact
    assert Workspace(path).schema_version >= 1


def test_short_busy_period_is_waited_out(tmp_path: Path) -> None:
    path = str(tmp_path / "wait.duckdb")
    Workspace.open(path)
    ready = mp.get_context("spawn").Event()
    proc = mp.get_context("spawn").Process(target=_hold, args=(path, ready, 1.0))
    proc.start()
    try:
        assert ready.wait(30)
        ws = Workspace(path, busy_timeout=30)
        ws.set_setting("k", 1)  # blocks until the holder lets go, then succeeds
        assert ws.get_setting("k") == 1
    finally:
        proc.join()


def test_settings_read_the_environment_and_hide_secrets() -> None:
    from matchkit import ConfigError, Settings

    s = Settings.from_env({"MATCHKIT_XERO_CLIENT_SECRET": "s3cret-value",
                           "MATCHKIT_ATERA_API_KEY": "atera-key-value",
                           "MATCHKIT_XERO_REDIRECT_PORT": "53682",
                           "MATCHKIT_WORKSPACE": "w.duckdb"})
    assert (s.workspace, s.xero_redirect_port) == ("w.duckdb", 53682)
    assert "s3cret-value" not in repr(s) and "atera-key-value" not in repr(s)
    with pytest.raises(ConfigError, match="MATCHKIT_XERO_REDIRECT_PORT"):
        Settings.from_env({"MATCHKIT_XERO_REDIRECT_PORT": "eighty"})
    assert (s.atera_rate, Settings.from_env({"MATCHKIT_ATERA_RATE": "0.5"}).atera_rate) == (
        5.0, 0.5)
    for bad in ("fast", "-1", "nan"):
        with pytest.raises(ConfigError, match="MATCHKIT_ATERA_RATE"):
            Settings.from_env({"MATCHKIT_ATERA_RATE": bad})


def test_open_refuses_what_is_not_a_workspace_and_makes_nothing(tmp_path: Path) -> None:
    import duckdb

    from matchkit import WorkspaceError

    with pytest.raises(WorkspaceError, match="no folder"):
        Workspace.open(tmp_path / "typo" / "ws.duckdb")
    with pytest.raises(WorkspaceError, match="no workspace at"):
        Workspace.open(tmp_path / "new.duckdb", create=False)
    notes = tmp_path / "notes.txt"
    notes.write_text("my notes\n")
    with pytest.raises(WorkspaceError, match=r"notes\.txt is not a matchkit workspace"):
        Workspace.open(notes)
    conn = duckdb.connect(str(tmp_path / "other.duckdb"))
    conn.execute("CREATE TABLE orders (id INTEGER)")
    conn.close()
    with pytest.raises(WorkspaceError, match="DuckDB database but not a matchkit workspace"):
        Workspace.open(tmp_path / "other.duckdb")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt", "other.duckdb"]
    assert notes.read_text() == "my notes\n"
    conn = duckdb.connect(str(tmp_path / "other.duckdb"))
    assert conn.execute("SELECT count(*) FROM information_schema.tables").fetchone() == (1,)
    conn.close()
    # an empty DuckDB database (made, say, by a run killed before its first migration) is taken
    duckdb.connect(str(tmp_path / "blank.duckdb")).close()
    assert Workspace.open(tmp_path / "blank.duckdb").schema_version >= 1
