"""Snapshots: pull every entity of Atera and Xero into the workspace.

Each entity becomes a new stamped snapshot in one transaction. An incremental pull asks the API
only for what changed since the last snapshot (``If-Modified-Since`` for Xero,
``FromLastModifiedDate`` for Atera) and merges it into the previous snapshot's records, so every
snapshot is complete on its own and two snapshots can always be compared.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .._exceptions import ConfigError
from ..store import ENTITIES, Workspace
from ..xero import XeroReader

__all__ = ["ATERA_ENTITIES", "XERO_ENTITIES", "SnapshotResult", "take_snapshots"]

# What each system's snapshot pulls, in order; the derived entities follow their parents.
ATERA_ENTITIES = ("customers", "contacts", "contracts", "products", "expenses", "invoices")
XERO_ENTITIES = ("organisation", "tax_rates", "items", "contacts", "invoices")

# Where the API can return only what changed since a time.
_INCREMENTAL = {("atera", "customers"), ("atera", "contacts"), ("xero", "contacts"),
                ("xero", "items"), ("xero", "invoices")}
# Pull a little earlier than the last snapshot: clocks differ and Atera reads its filter in the
# account's time zone.
_OVERLAP = dt.timedelta(hours=24)


class _Fetcher(Protocol):
    def __call__(self, since: dt.datetime | None) -> Iterable[Mapping[str, Any]]: ...


@dataclass(frozen=True)
class SnapshotResult:
    system: str
    entity: str
    snapshot_id: int
    rows: int
    mode: str  # 'full' | 'incremental'
    changed: int  # records the API returned (all of them for a full pull)


def _fetchers(system: str, client: Any) -> dict[str, _Fetcher]:
    if system == "atera":
        return {
            "customers": lambda since: client.customers(modified_since=since),
            "contacts": lambda since: client.contacts(modified_since=since),
            "contracts": lambda since: client.contracts(),
            "products": lambda since: client.products(),
            "expenses": lambda since: client.expenses(),
            "invoices": lambda since: client.invoices(),
        }
    return {
        "organisation": lambda since: [client.organisation()],
        "tax_rates": lambda since: client.tax_rates(),
        "items": lambda since: client.items(modified_since=since),
        "contacts": lambda since: client.contacts(include_archived=True, modified_since=since),
        "invoices": lambda since: client.invoices(modified_since=since),
    }


def _merge(base: list[dict[str, Any]], changed: list[Mapping[str, Any]], key: str
           ) -> list[Mapping[str, Any]]:
    """Records of ``base`` with ``changed`` laid over them by ``key`` (new ones appended)."""
    merged: dict[Any, Mapping[str, Any]] = {str(r.get(key)): r for r in base}
    for rec in changed:
        merged[str(rec.get(key))] = dict(rec)
    return list(merged.values())


def take_snapshots(
    ws: Workspace,
    *,
    atera: Any = None,
    xero: XeroReader | None = None,
    systems: Sequence[str] = ("atera", "xero"),
    entities: Sequence[str] | None = None,
    incremental: bool = False,
    progress: bool | Callable[[str], None] = True,
) -> list[SnapshotResult]:
    """Pull ``systems`` (``"atera"``, ``"xero"``) into new snapshots; return what was taken.

    ``progress=True`` shows a bar (tqdm in a terminal, a widget in a notebook); a callable gets
    one line of text per entity instead.
    """
    tenant = getattr(xero, "tenant_id", None) if "xero" in systems else None
    if isinstance(tenant, str):
        # one workspace, one Xero organisation: refused before anything is pulled
        ws.claim_xero_tenant(tenant, getattr(xero, "tenant_name", None))
    plan: list[tuple[str, str, _Fetcher]] = []
    for system in systems:
        client = {"atera": atera, "xero": xero}.get(system)
        if system not in ("atera", "xero"):
            raise ConfigError(f"unknown system {system!r}; use atera, xero or all")
        if client is None:
            raise ConfigError(f"no {system} client given: connect to {system} first")
        fetchers = _fetchers(system, client)
        order = ATERA_ENTITIES if system == "atera" else XERO_ENTITIES
        plan += [(system, name, fetchers[name]) for name in order
                 if entities is None or name in entities]

    bar: Any = None
    say: Callable[[str], None] | None = progress if callable(progress) else None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(plan), desc="snapshot", unit="entity")
    results: list[SnapshotResult] = []
    try:
        for system, name, fetch in plan:
            if bar is not None:
                bar.set_postfix_str(f"{system} {name}")
            results.append(_take_one(ws, system, name, fetch, incremental=incremental))
            if bar is not None:
                bar.update(1)
            if say is not None:
                r = results[-1]
                say(f"{system} {name}: {r.rows} rows ({r.mode}"
                    + (f", {r.changed} changed" if r.mode == "incremental" else "") + ")")
    finally:
        if bar is not None:
            bar.close()
    return results


def _take_one(ws: Workspace, system: str, name: str, fetch: _Fetcher, *, incremental: bool
              ) -> SnapshotResult:
    ent = ENTITIES[(system, name)]
    base = ws.latest_snapshot(system, name) if incremental else None
    if base is not None and (system, name) in _INCREMENTAL and base.row_count >= 0:
        since = base.taken_at - _OVERLAP
        taken_at = dt.datetime.now(dt.UTC)
        changed = list(fetch(since))
        records = _merge(ws.records(system, name, base.snapshot_id), changed, ent.key)
        ids = ws.write_snapshot(system, name, records, source="api", mode="incremental",
                                base_snapshot_id=base.snapshot_id, changed_since=since,
                                taken_at=taken_at)
        return SnapshotResult(system, name, ids[name], len(records), "incremental", len(changed))
    taken_at = dt.datetime.now(dt.UTC)
    records = list(fetch(None))
    ids = ws.write_snapshot(system, name, records, source="api", mode="full", taken_at=taken_at)
    return SnapshotResult(system, name, ids[name], len(records), "full", len(records))
