"""The command line's guard rails (issue 17): every user mistake is one line ``error: ...``
and exit code 2; nothing is created (no workspace, no folder, no output file) and a workspace
that exists is left byte for byte as it was (same bytes, same mtime)."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from matchkit.cli import BUG_EXIT, main
from matchkit.store import Workspace


@dataclass
class Place:
    root: Path  # the working directory of every run
    ws: Path  # a filled workspace (snapshots of Atera customers, one of Xero contacts)

    def state(self) -> dict[str, tuple[str, int]]:
        """Every file under root: its sha256 and mtime."""
        return {str(p.relative_to(self.root)): (hashlib.sha256(p.read_bytes()).hexdigest(),
                                                p.stat().st_mtime_ns)
                for p in sorted(self.root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def place(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Place]:
    root = tmp_path_factory.mktemp("cli")
    ws = Workspace.open(root / "ws.duckdb")
    ws.write_snapshot("atera", "customers", [{"CustomerID": 1, "CustomerName": "Acme Pty"}])
    ws.write_snapshot("xero", "contacts", [{"ContactID": "c-1", "Name": "Acme Pty"}])
    (root / "notes.csv").write_text("a,b\n1,2\n")
    (root / "empty.duckdb").write_bytes(b"")
    other = duckdb.connect(str(root / "other.duckdb"))
    other.execute("CREATE TABLE orders (id INTEGER)")
    other.close()
    newer = Workspace.open(root / "newer.duckdb")
    newer.execute("INSERT INTO schema_version VALUES (999, '0999_future.sql', now())")
    (root / "batch.json").write_text(json.dumps([{"InvoiceNumber": 1, "LineItems": []}]))
    (root / "bad.json").write_text('[{"CustomerID": 1}]')
    (root / "left.csv").write_text("id,name\n1,Acme\n")
    (root / "decisions.csv").write_text("kind,atera_id,action,xero_id\ncustomers,1,match,c-1\n")
    nodone = Workspace.open(root / "nodone.duckdb")
    nodone.record_connection("xero", tenant_id="t-1", tenant_name="Demo")
    cwd = Path.cwd()
    os.chdir(root)
    try:
        yield Place(root, root / "ws.duckdb")
    finally:
        os.chdir(cwd)


W = ["-w", "ws.duckdb"]
LONG = "x" * 300  # a file name longer than any file system takes (255 bytes)
# (arguments, words the one line must hold)
MISTAKES: list[tuple[list[str], tuple[str, ...]]] = [
    # the workspace
    (["status", "-w", "notes.csv"], ("notes.csv is not a matchkit workspace",
                                     "not a DuckDB database file")),
    (["status", "-w", "empty.duckdb"], ("empty.duckdb is not a matchkit workspace",
                                        "an empty file")),
    (["status", "-w", "other.duckdb"], ("other.duckdb is a DuckDB database but not a matchkit "
                                        "workspace", "orders")),
    (["status", "-w", "newer.duckdb"], ("newer matchkit", "schema 999")),
    (["status", "-w", "typo/ws.duckdb"], ("no folder typo",)),
    (["load", "atera", "customers", "bad.json", "-w", "typo/ws.duckdb"], ("no folder typo",)),
    (["status", "-w", "new.duckdb"], ("no workspace at new.duckdb", "matchkit snapshot")),
    (["status", "-w", "."], ("is a folder",)),
    # dates
    (["export", "--from", "31/08/2026", "--to", "2026-09-30", *W],
     ("--from", "'31/08/2026' is not a date", "YYYY-MM-DD")),
    (["export", "--from", "2026-08-01", "--to", "2026-02-30", *W],
     ("--to", "'2026-02-30' is not a date")),
    (["export", "--from", "2026-08-01", *W], ("--from needs --to",)),
    (["export", "--to", "2026-08-01", *W], ("--to needs --from",)),
    (["export", "--from", "2026-09-01", "--to", "2026-08-01", *W],
     ("--from 2026-09-01 is after --to 2026-08-01",)),
    # steps that must come first
    (["export", "--file", "batch.json", *W], ("is not connected to Xero",
                                               "matchkit wizard --auto")),
    (["export", "--file", "batch.json", "-w", "nodone.duckdb"],
     ("has not finished the wizard (Done)", "matchkit wizard --auto")),
    (["export", "--from", "2026-08-01", "--to", "2026-08-31", *W], ("matchkit wizard --auto",)),
    (["review", "export", "--kind", "customers", "-o", "out.csv", *W],
     ("no customers suggestions", "matchkit suggest --kind customers")),
    (["review", "apply", "decisions.csv", *W], ("matchkit suggest",)),
    (["suggest", "--kind", "products", *W], ("no atera products", "matchkit snapshot")),
    (["refresh-invoices", *W], ("nothing to read back", "matchkit export")),
    (["diff", "atera", "customers", *W], ("need two snapshots",)),
    # files and options
    (["export", "--file", "missing.json", *W], ("missing.json", "file not found")),
    (["export", "--file", "batch.json", "--batch", "b-1", *W], ("choose one batch",)),
    (["export", *W], ("choose one batch",)),
    (["load", "atera", "customers", "bad.json", *W], ("bad.json", "row 1", "CustomerName")),
    (["load", "atera", "customers", ".", *W], ("'.' is a directory",)),
    (["load", "atera", "invoice_lines", "bad.json", *W], ("derived from invoices",)),
    (["match", "left.csv", "left.csv", "--kind", "customers", "-o", "typo/out.csv"],
     ("no folder typo",)),
    (["review", "export", "--kind", "customers", "-o", "typo/out.csv", *W], ("no folder typo",)),
    (["mapping", "export", "typo/m.csv", *W], ("no folder typo",)),
    (["mapping", "export", "m.csv", "-w", "new.duckdb"], ("no workspace at new.duckdb",)),
    (["mapping", "show", "-w", "new.duckdb"], ("no workspace at new.duckdb",)),
    (["mapping", "load", "missing.csv", *W], ("missing.csv: file not found",)),
    (["reconcile", "-w", "new.duckdb"], ("no workspace at new.duckdb",)),
    (["reconcile", *W], ("nothing has been exported", "matchkit export")),
    (["run-orgs", "--workspaces", "typo/orgs", "snapshot"], ("no folder typo",
                                                              "--workspaces typo/orgs")),
    (["run-orgs", "--workspaces", "notes.csv", "snapshot"], ("notes.csv is a file",)),
    # a name the file system refuses (the fuzz run found these were unexpected OSErrors)
    (["load", "atera", "customers", LONG, *W], (f"{LONG[:40]}...", "(300 characters)",
                                                "file name too long")),
    (["status", "-w", LONG], ("file name too long",)),
    (["mapping", "export", LONG, *W], ("file name too long",)),
    (["review", "export", "--kind", "customers", "-o", LONG, *W], ("file name too long",)),
    (["match", "left.csv", "left.csv", "--kind", "customers", "-o", LONG],
     ("file name too long",)),
    (["run-orgs", "--workspaces", LONG, "snapshot"], ("file name too long",)),
    (["match", "left.csv", "left.csv", "--kind", "customers", "-o", "/proc/out.csv"],
     ("/proc/out.csv: cannot write in /proc",)),
    # the demo replaces its workspace: never a file that is not an earlier demo's
    (["demo", "-w", "notes.csv"], ("notes.csv is not a matchkit workspace",)),
    (["demo", "-w", "ws.duckdb"], ("ws.duckdb is not a demo workspace (no demo organisation)",
                                   "give a new file, or leave out -w")),
    (["demo", "-w", "nodone.duckdb"], ("nodone.duckdb is not a demo workspace (Xero "
                                       "organisation Demo)",)),
    (["settings", "set", "export.sales_account", "12345678901", *W], ("1-10 characters",)),
    (["settings", "set", "export.due_days", "soon", *W], ("whole number",)),
    (["settings", "set", "export.due_days", "-5", *W], ("due_days -5", "whole number 0-365")),
    (["settings", "set", "colour", "red", *W], ("unknown setting",)),
    (["suggest", "--top", "0", *W], ("--top", "0 is not in the range")),
    (["diff", "atera", "customers", "--old", "99999999999999999999", *W], ("--old",)),
    (["export", "--status", "FINAL", *W], ("--status", "'FINAL' is not one of")),
    (["wizard", *W], ("from a terminal use --auto",)),
    (["no-such-command"], ("No such command",)),
    (["status", "--no-such-option"], ("No such option",)),
]


@pytest.mark.parametrize(("args", "words"), MISTAKES, ids=[" ".join(a)[:60] for a, _ in MISTAKES])
def test_a_mistake_is_one_line_exit_2_and_changes_nothing(
        place: Place, args: list[str], words: tuple[str, ...]) -> None:
    before = place.state()
    env = {k: "" for k in os.environ if k.startswith("MATCHKIT_")}  # no credentials: no network
    result = CliRunner().invoke(main, args, env=env)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    missing = [w for w in words if w not in lines[0]]
    assert not missing, f"{missing} not in: {lines[0]}"
    assert "Traceback" not in result.output
    assert not re.search(r"\w\.\w+\(|\w+=(True|False|\.\.\.)", lines[0]), "a Python call"
    assert place.state() == before, "a file was made, changed or touched"


def test_a_workspace_a_failed_command_made_is_not_left_behind(place: Place) -> None:
    before = place.state()
    env = {k: "" for k in os.environ if k.startswith("MATCHKIT_")}
    for args in (["load", "atera", "customers", "bad.json", "-w", "fresh.duckdb"],
                 ["snapshot", "-w", "fresh.duckdb"],  # no credentials
                 ["settings", "show", "-w", "fresh.duckdb"]):  # only read: nothing to keep
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code in (0, 2), result.output
        assert place.state() == before, args


def test_a_command_that_fills_a_new_workspace_keeps_it(place: Place, tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text('[{"CustomerID": 5, "CustomerName": "Zeta"}]')
    ws = tmp_path / "made.duckdb"
    result = CliRunner().invoke(main, ["load", "atera", "customers", str(tmp_path / "c.json"),
                                       "-w", str(ws)])
    assert result.exit_code == 0, result.output
    assert Workspace.open(ws).latest_snapshot("atera", "customers") is not None


def test_an_unexpected_error_is_one_line_with_its_own_exit_code(
        place: Place, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bug (not a user mistake) still shows no traceback, says it is one, exits 70; with
    MATCHKIT_DEBUG=1 the traceback is there for the report."""
    import matchkit.cli._workspace as cmds

    def broken(*_a: object, **_k: object) -> object:
        raise KeyError("boom")

    monkeypatch.setattr(cmds, "status", broken)
    result = CliRunner().invoke(main, ["status", *W])
    assert result.exit_code == BUG_EXIT
    assert result.stderr.startswith("error: unexpected KeyError in matchkit: 'boom'")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["status", *W], env={"MATCHKIT_DEBUG": "1"})
    assert isinstance(result.exception, KeyError)


def test_help_and_version_still_exit_0(place: Place) -> None:
    for args in ([], ["--help"], ["export", "--help"], ["--version"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, (args, result.output)


# Errors only a programmer calling the API wrong can meet; no command or widget reaches them.
API_MISUSE = {("matchkit/xero/_client.py", "invoices(): pass ids or numbers, not both"),
              ("matchkit/widgets/_manage.py", "ManageView needs Wizard(..., manage=True)")}
PYTHON_CALL = re.compile(r"\b\w+\(\)|\b\w+\([^)]*\.\.\.|\b[a-z_]+=(True|False|None)\b"
                         r"|\bws\.\w+|\bExportOptions\(|\brecord_suggestions\b")


def _says(func: object) -> bool:
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name.endswith("Error") or name in {"Problem", "add", "echo", "secho", "warn"}


def test_no_message_speaks_of_python_calls() -> None:
    """Every message matchkit raises (the sandbox aside: it speaks Xero's words) names commands,
    buttons and settings, never a Python call such as ``ws.record_suggestions`` or
    ``ExportOptions(...)``."""
    import matchkit

    root = Path(matchkit.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if "sandbox" in path.relative_to(root).parts:
            continue
        tree = ast.parse(path.read_text())
        raised = {id(n.exc) for n in ast.walk(tree) if isinstance(n, ast.Raise)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Raise) and node.exc is not None:
                said: ast.AST = node.exc
            elif isinstance(node, ast.Call) and _says(node.func) and id(node) not in raised:
                said = node  # a refusal (Problem, add), an echo, an error built to raise later
            else:
                continue
            text = "".join(c.value for c in ast.walk(said)
                           if isinstance(c, ast.Constant) and isinstance(c.value, str))
            where = f"matchkit/{path.relative_to(root).as_posix()}"
            if PYTHON_CALL.search(text) and (where, text) not in API_MISUSE:
                found.append(f"{where}:{node.lineno}: {text}")
    assert not found, "\n".join(found)


def test_the_demo_replaces_a_workspace_an_earlier_demo_made(tmp_path: Path) -> None:
    from matchkit.cli._demo import _check_replaceable

    earlier = Workspace.open(tmp_path / "demo.duckdb")
    earlier.record_connection("xero", tenant_id="sandbox-org", tenant_name="Demo Company")
    earlier.close()
    _check_replaceable(tmp_path / "demo.duckdb", {"sandbox-org"})  # no refusal
