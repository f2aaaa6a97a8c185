"""Workspace commands: load, snapshot, diff, suggest, status."""

from __future__ import annotations

import json
from typing import Any

import click

from .._config import Settings
from .._exceptions import InputError
from ..store import ENTITIES, Workspace, load_file
from ..workspace_status import format_status, status
from ._options import atera_client, tenant_option, workspace_option, xero_client

_ENTITY_HELP = "; ".join(
    system + ": " + ", ".join(n for (s, n), e in ENTITIES.items() if s == system and
                              not e.derived_from)
    for system in ("atera", "xero")
)


@click.command("load")
@click.argument("system", type=click.Choice(["atera", "xero"]))
@click.argument("entity")
@click.argument("file", type=click.Path(dir_okay=False))
@workspace_option
def load_cmd(system: str, entity: str, file: str, *, settings: Settings, ws: Workspace) -> None:
    """Load ENTITY of SYSTEM from FILE (JSON as the API returns it, or CSV) as a new snapshot.

    \b
    Entities: """ + _ENTITY_HELP + """.
    Nothing is written unless every record is valid.
    """
    ids = load_file(ws, system, entity, file)
    for name, sid in ids.items():
        info = ws.latest_snapshot(system, name)
        rows = info.row_count if info else 0
        click.echo(f"{system} {name}: {rows} rows loaded as snapshot {sid}")


@click.command("snapshot")
@click.argument("which", type=click.Choice(["atera", "xero", "all"]), default="all")
@click.option("--incremental", is_flag=True,
              help="Ask only for what changed since the last snapshot and merge it.")
@workspace_option
@tenant_option
def snapshot_cmd(which: str, incremental: bool, *, settings: Settings, ws: Workspace) -> None:
    """Pull every entity of Atera, Xero or both into new snapshots."""
    from ..snapshot import take_snapshots

    systems = ("atera", "xero") if which == "all" else (which,)
    clients: dict[str, Any] = {}
    if "atera" in systems:
        clients["atera"] = atera_client(settings)
    if "xero" in systems:
        clients["xero"] = xero_client(settings, ws)
    results = take_snapshots(ws, systems=systems, incremental=incremental, **clients)
    for r in results:
        extra = f", {r.changed} changed" if r.mode == "incremental" else ""
        click.echo(f"{r.system} {r.entity}: {r.rows} rows (snapshot {r.snapshot_id}, "
                   f"{r.mode}{extra})")


@click.command("diff")
@click.argument("system", type=click.Choice(["atera", "xero"]))
@click.argument("entity")
@click.option("--old", type=click.IntRange(1, 2**63 - 1),
              help="Older snapshot id (default: the one before --new).")
@click.option("--new", type=click.IntRange(1, 2**63 - 1),
              help="Newer snapshot id (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per change.")
@workspace_option(create=False)
def diff_cmd(system: str, entity: str, old: int | None, new: int | None, as_json: bool, *,
             settings: Settings, ws: Workspace) -> None:
    """What was added, changed or removed between two snapshots of ENTITY."""
    df = ws.diff(system, entity, old=old, new=new)
    if as_json:
        for rec in df[["key", "change", "fields"]].to_dict("records"):
            click.echo(json.dumps(rec, default=str))
        return
    counts = df["change"].value_counts().to_dict()
    click.echo(", ".join(f"{counts.get(c, 0)} {c}" for c in ("added", "changed", "removed")))
    for rec in df.to_dict("records"):
        extra = f" ({rec['fields']})" if rec["change"] == "changed" and rec["fields"] else ""
        click.echo(f"  {rec['change']:<8} {rec['key']}{extra}")


@click.command("suggest")
@click.option("--kind", type=click.Choice(["customers", "products", "all"]), default="all")
@click.option("--top", type=click.IntRange(1, 100), default=5, show_default=True,
              help="Candidates kept per Atera record.")
@workspace_option
def suggest_cmd(kind: str, top: int, *, settings: Settings, ws: Workspace) -> None:
    """Match the latest snapshots and store the suggestions in the workspace."""
    from ..sources import suggest

    kinds = ("customers", "products") if kind == "all" else (kind,)
    for k in kinds:  # every prerequisite first: a refused run stores nothing
        _need_snapshots(ws, k)
    for k in kinds:
        frame = suggest(ws, k, top=top)
        run_id = ws.record_suggestions(k, frame)
        firsts = frame[frame["rank"] == 1] if "rank" in frame else frame
        click.echo(f"{k}: {firsts['left_id'].nunique()} Atera records, "
                   f"{int((firsts['method'] == 'exact').sum())} exact, "
                   f"{int(firsts['ambiguous'].fillna(False).astype(bool).sum())} ambiguous "
                   f"(run {run_id})")


# What each kind is matched from (any one of each side's entities will do): without these
# snapshots there is nothing to suggest.
_SOURCES = {"customers": (("atera", ("customers",)), ("xero", ("contacts",))),
            "products": (("atera", ("products", "expenses", "contracts")), ("xero", ("items",)))}


def _need_snapshots(ws: Workspace, kind: str) -> None:
    for system, entities in _SOURCES[kind]:
        if all(ws.latest_snapshot(system, e) is None for e in entities):
            raise InputError(f"no {system} {' or '.join(entities)} in the workspace {ws.path} "
                             f"to match {kind} from: take a snapshot first (`matchkit "
                             f"snapshot`, or `matchkit load {system} {entities[0]} FILE`)")


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable (keys in README).")
@workspace_option(create=False)
def status_cmd(as_json: bool, *, settings: Settings, ws: Workspace) -> None:
    """Snapshots, matching progress, exported invoices and the connection."""
    s = status(ws)
    click.echo(json.dumps(s, indent=2) if as_json else format_status(s))


COMMANDS = [load_cmd, snapshot_cmd, diff_cmd, suggest_cmd, status_cmd]
