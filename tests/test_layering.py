"""Imports go down the layers (DESIGN.md, docs/internals.md): an AST walk over matchkit/
finds each module's imports of matchkit and of the libraries a layer must not use."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "matchkit"

# Every package of matchkit, by layer (DESIGN.md, docs/internals.md): a new package is put in
# one, so the rules below cover it.
FACES = ("widgets", "cli")
SERVICES = ("snapshot", "sources", "connect", "workspace_status", "wizard", "export", "review",
            "reconcile", "accounts", "outbox")
CORE = ("store", "matching")
CONNECTORS = ("xero", "atera")
SANDBOX = ("sandbox",)
# The modules that may sit loose at the package root: the package's own two, and the core
# helpers lower layers import (docs/internals.md, "Layers"). Anything else goes in a package
# named for what it does.
ROOT_CORE = ("_config", "_exceptions", "_keys", "_gate", "_text", "_limits")
ROOT_OWN = ("__init__", "__main__")

_FACE_NAMES = tuple(f"matchkit.{f}" for f in FACES)
_SERVICE_NAMES = tuple(f"matchkit.{s}" for s in SERVICES)

# package (or module) -> what it must never import (matchkit parts, as dotted prefixes, and
# third-party top-level names)
NEVER = {
    "store": ("matchkit.atera", "matchkit.xero", "matchkit.sandbox", "matchkit.matching",
              "matchkit.wizard", "matchkit.widgets", "matchkit.export", "matchkit.review",
              "matchkit.outbox", "matchkit.cli", "httpx", "ipywidgets"),
    "matching": ("matchkit.store", "matchkit.atera", "matchkit.xero", "matchkit.wizard",
                 "matchkit.widgets", "matchkit.export", "matchkit.outbox", "duckdb", "httpx",
                 "ipywidgets"),
    "atera": ("matchkit.store", "matchkit.matching", "matchkit.wizard", "matchkit.widgets",
              "matchkit.export", "matchkit.outbox", "duckdb", "ipywidgets"),
    "xero": ("matchkit.store", "matchkit.matching", "matchkit.wizard", "matchkit.widgets",
             "matchkit.export", "matchkit.outbox", "duckdb", "ipywidgets"),
    "outbox": ("matchkit.wizard", "matchkit.widgets", "matchkit.cli", "ipywidgets"),
    "export": ("matchkit.widgets", "matchkit.cli", "ipywidgets"),
    "wizard": ("matchkit.widgets", "matchkit.cli", "ipywidgets"),
    "review": ("matchkit.widgets", "matchkit.cli", "ipywidgets"),
}
# Services may import core and connectors (and each other), never a face; the core helpers at
# the root import neither services nor faces.
for _service in SERVICES:
    NEVER[_service] = tuple(dict.fromkeys(NEVER.get(_service, ()) + _FACE_NAMES
                                          + ("ipywidgets",)))
for _helper in ROOT_CORE:
    NEVER[_helper] = _FACE_NAMES + _SERVICE_NAMES + ("ipywidgets",)


def _imports(path: Path) -> list[str]:
    """Absolute names this module imports (relative imports resolved)."""
    rel = path.relative_to(ROOT.parent).with_suffix("")
    package = list(rel.parts[:-1])  # a module's package; an __init__'s own package
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - node.level + 1]
                mod = ".".join(base + ([node.module] if node.module else []))
                out += [mod] + [f"{mod}.{a.name}" for a in node.names if not node.module]
            else:
                out.append(node.module or "")
    return out


def _modules(part: str) -> list[Path]:
    where = ROOT / part
    return sorted(where.rglob("*.py")) if where.is_dir() else [where.with_suffix(".py")]


def _unplaced(root: Path) -> list[str]:
    """Modules loose at ``root`` that are not listed, and packages in no layer."""
    layered = set(FACES + SERVICES + CORE + CONNECTORS + SANDBOX)
    loose = [f"{p.name}: loose at the root; put it in a package named for what it does, or "
             "list it in ROOT_CORE with the reason in docs/internals.md"
             for p in sorted(root.glob("*.py")) if p.stem not in ROOT_CORE + ROOT_OWN]
    packages = [f"{p.name}/: in no layer; add it to FACES, SERVICES, CORE or CONNECTORS"
                for p in sorted(root.iterdir())
                if (p / "__init__.py").is_file() and p.name not in layered]
    return loose + packages


def test_imports_go_down_the_layers() -> None:
    wrong = []
    for part, banned in NEVER.items():
        for path in _modules(part):
            for name in _imports(path):
                for b in banned:
                    if name == b or name.startswith(b + "."):
                        wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_sandbox_imports_nothing_of_matchkit_but_its_errors() -> None:
    wrong = [f"{p.relative_to(ROOT)} imports {n}" for p in _modules("sandbox")
             for n in _imports(p)
             if n.startswith("matchkit") and not n.startswith(("matchkit.sandbox",
                                                                "matchkit._exceptions"))]
    assert not wrong, "\n".join(wrong)


def test_every_module_is_in_a_package_of_a_layer_or_a_listed_core_helper() -> None:
    wrong = _unplaced(ROOT)
    assert not wrong, "\n".join(wrong)
    missing = [n for n in ROOT_CORE + ROOT_OWN if not (ROOT / f"{n}.py").is_file()]
    missing += [n for n in FACES + SERVICES + CORE + CONNECTORS + SANDBOX
                if not (ROOT / n / "__init__.py").is_file()]
    assert not missing, f"listed but gone (unlist them): {missing}"


def test_a_loose_module_or_an_unlayered_package_is_caught(tmp_path: Path) -> None:
    """The check above can fail: a service module left at the root, or a new package put in no
    layer, is named."""
    for name in ROOT_OWN + ROOT_CORE + ("_status",):
        (tmp_path / f"{name}.py").write_text("", encoding="utf-8")
    for package in ("store", "billing"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("", encoding="utf-8")
    wrong = _unplaced(tmp_path)
    assert len(wrong) == 2, wrong
    assert wrong[0].startswith("_status.py: loose") and wrong[1].startswith("billing/: in no")


def test_the_services_and_core_helpers_are_checked() -> None:
    """A face imported by a service, or a service by a root helper, would be caught: the rules
    hold for every service package and helper."""
    assert all("matchkit.widgets" in NEVER[s] and "matchkit.cli" in NEVER[s] for s in SERVICES)
    assert all(set(_SERVICE_NAMES) <= set(NEVER[h]) for h in ROOT_CORE)
    assert "matchkit.matching" in _imports(ROOT / "_gate.py")


def test_the_walk_resolves_relative_imports(tmp_path: Path) -> None:
    """The test above can fail: relative imports, lazy ones inside functions too, are found
    and resolved (the store once imported ``..atera._rates`` inside a function)."""
    names = _imports(ROOT / "store" / "_workspace.py")
    assert "matchkit._exceptions" in names
    assert "matchkit.store._entities" in names
    assert "matchkit.store._tenant" in names  # from . import _tenant
    assert "matchkit.sources" in _imports(ROOT / "wizard" / "_model.py")
    assert "matchkit.store" in _imports(ROOT / "__init__.py")


# Modules still running SQL of their own, each with the issue that moves it (none left).
SQL_LEFT: set[str] = set()


def test_only_the_store_runs_sql_on_the_workspace() -> None:
    """No ``.sql(...)``/``.execute(...)``/``.executemany(...)`` outside matchkit/store."""
    wrong = []
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith(("store/", "sandbox/")) or rel in SQL_LEFT:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in ("sql", "execute", "executemany")):
                wrong.append(f"{rel}:{node.lineno} calls .{node.func.attr}()")
    assert not wrong, "\n".join(wrong)
    for rel in SQL_LEFT:  # the list shrinks as they move
        assert ".sql(" in (ROOT / rel).read_text(encoding="utf-8"), f"{rel} left: unlist it"
