"""Editing the mapping: one rule at a time, or a whole CSV file in or out (all or nothing).

Rules are checked for shape here and, when the organisation's lists are at hand (a fresh
read, or the workspace's snapshot of /Accounts and /TrackingCategories), against them too;
the export checks them again against the organisation as it is then.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .._exceptions import InputError, LoadError
from .._text import decode_utf8
from ..sources import atera_catalogue
from ..store import Workspace
from ..xero import XeroReader
from ._apply import org_lists
from ._rules import KINDS, MAX_TRACKING, Rule, org_problems

__all__ = ["CSV_COLUMNS", "atera_keys", "export_csv", "load_csv", "mapping", "org_snapshot",
           "refresh_org", "set_rule", "unset_rule"]

CSV_COLUMNS = ("kind", "atera_key", "account_code", *(
    f"tracking{n}_{part}" for n in range(1, MAX_TRACKING + 1) for part in ("category", "option")))

Org = tuple[Sequence[dict[str, Any]], Sequence[dict[str, Any]]]


def mapping(ws: Workspace) -> list[Rule]:
    return [Rule.from_row(r) for r in ws.account_mapping()]


def refresh_org(ws: Workspace, xero: XeroReader) -> Org:
    """Read the organisation's accounts and tracking categories and snapshot them."""
    ws.claim_xero_tenant(xero.tenant_id, getattr(xero, "tenant_name", None))
    accounts, categories = org_lists(xero)
    ws.write_snapshot("xero", "accounts", accounts, source="api")
    ws.write_snapshot("xero", "tracking_categories", categories, source="api")
    return accounts, categories


def org_snapshot(ws: Workspace) -> Org | None:
    """The workspace's latest snapshot of both lists, or ``None`` without one."""
    if ws.latest_snapshot("xero", "accounts") is None:
        return None
    return ws.records("xero", "accounts"), ws.records("xero", "tracking_categories")


def _check(rules: Sequence[Rule], org: Org | None) -> None:
    if org is None:
        return
    for rule in rules:
        problems = org_problems(rule, *org)
        if problems:
            raise InputError(problems[0])


def set_rule(ws: Workspace, kind: str, atera_key: str, account_code: str | None = None,
             tracking: Sequence[tuple[str, str]] = (), *, org: Org | None = None,
             who: str | None = None) -> Rule:
    """Set the rule for one Atera category or contract type (replacing any before)."""
    rule = Rule(kind, atera_key.strip(), (account_code or "").strip() or None,
                tuple((c.strip(), o.strip()) for c, o in tracking))
    if rule.account_code is None and not rule.tracking:
        raise InputError(f"{rule}: give an account code and/or tracking (CATEGORY=OPTION); "
                         "`mapping unset` removes a rule")
    _check([rule], org)
    ws.set_account_mapping([rule.as_row()], who=who)
    return rule


def unset_rule(ws: Workspace, kind: str, atera_key: str, *, who: str | None = None) -> None:
    if kind not in KINDS:
        raise InputError(f"mapping kind {kind!r}: use category or contract")
    if not any(r.kind == kind and r.atera_key.casefold() == atera_key.strip().casefold()
               for r in mapping(ws)):
        raise InputError(f"no {kind} rule for {atera_key!r} (`matchkit mapping show`)")
    key = next(r.atera_key for r in mapping(ws)
               if r.kind == kind and r.atera_key.casefold() == atera_key.strip().casefold())
    ws.set_account_mapping([{"kind": kind, "atera_key": key}], who=who)


def load_csv(ws: Workspace, path: str | Path, *, org: Org | None = None,
             who: str | None = None) -> list[Rule]:
    """The file becomes the whole mapping, or nothing changes: every row is checked first
    and the first mistake raises :class:`LoadError` naming the file, row and field."""
    p = Path(path)
    try:
        text = decode_utf8(p.read_bytes(), str(p), what=" CSV")
    except FileNotFoundError:
        raise LoadError("file not found", file=str(p)) from None
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in ("kind", "atera_key", "account_code") if c not in header]
    if missing:
        raise LoadError(f"missing column(s) {', '.join(missing)}; expected "
                        f"{','.join(CSV_COLUMNS)}", file=str(p), row=1)
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise LoadError(f"unknown column(s) {', '.join(unknown)}; expected "
                        f"{','.join(CSV_COLUMNS)}", file=str(p), row=1)
    rules: list[Rule] = []
    seen: dict[tuple[str, str], int] = {}
    for n, raw in enumerate(reader, start=2):
        row = {str(k).strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if None in raw:
            raise LoadError("more cells than columns", file=str(p), row=n)
        if not any(row.values()):
            continue
        kind = row.get("kind", "")
        if kind not in KINDS:
            raise LoadError(f"{kind!r} is not a kind: use category or contract", file=str(p),
                            row=n, field="kind")
        key = row.get("atera_key", "")
        if not key:
            raise LoadError(f"empty: give the Atera {kind}", file=str(p), row=n,
                            field="atera_key")
        if (kind, key.casefold()) in seen:
            raise LoadError(f"{kind} {key!r} is given twice (also row "
                            f"{seen[(kind, key.casefold())]})", file=str(p), row=n,
                            field="atera_key")
        seen[(kind, key.casefold())] = n
        tracking = []
        for t in range(1, MAX_TRACKING + 1):
            cat, opt = row.get(f"tracking{t}_category", ""), row.get(f"tracking{t}_option", "")
            if bool(cat) != bool(opt):
                raise LoadError("a tracking category needs its option, and an option its "
                                "category", file=str(p), row=n,
                                field=f"tracking{t}_{'option' if cat else 'category'}")
            if cat:
                tracking.append((cat, opt))
        account = row.get("account_code") or None
        if account is None and not tracking:
            raise LoadError("no account code and no tracking: leave the row out instead",
                            file=str(p), row=n, field="account_code")
        try:
            rule = Rule(kind, key, account, tuple(tracking))
        except InputError as exc:
            raise LoadError(str(exc), file=str(p), row=n) from None
        if org is not None:
            problems = org_problems(rule, *org)
            if problems:
                field = "account_code" if "account" in problems[0] else "tracking1_category"
                raise LoadError(problems[0], file=str(p), row=n, field=field)
        rules.append(rule)
    ws.set_account_mapping([r.as_row() for r in rules], replace_all=True, who=who)
    return rules


def export_csv(ws: Workspace, path: str | Path) -> int:
    """Write the mapping as the CSV :func:`load_csv` reads; returns the number of rules."""
    rules = mapping(ws)
    with Path(path).open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for r in rules:
            cells = [r.kind, r.atera_key, r.account_code or ""]
            for t in range(MAX_TRACKING):
                cells += list(r.tracking[t]) if t < len(r.tracking) else ["", ""]
            w.writerow(cells)
    return len(rules)


def atera_keys(ws: Workspace) -> pd.DataFrame:
    """What can be mapped: each Atera category (products, expenses, contract rates) and
    contract type in the workspace, how many records carry it, and its rule if any."""
    counts: dict[tuple[str, str], int] = {}
    for cat in atera_catalogue(ws, include_archived=True)["category"]:
        if str(cat).strip():
            counts[("category", str(cat))] = counts.get(("category", str(cat)), 0) + 1
    contracts = ws.rows("atera", "contracts")
    if "ContractType" in contracts:
        for kind in contracts["ContractType"].dropna():
            counts[("contract", str(kind))] = counts.get(("contract", str(kind)), 0) + 1
    rules = {(r.kind, r.atera_key.casefold()): r for r in mapping(ws)}
    rows = []
    for (kind, key), n in sorted(counts.items(), key=lambda kv: (kv[0][0], kv[0][1].casefold())):
        r = rules.pop((kind, key.casefold()), None)
        rows.append(_row(kind, key, n, r))
    rows += [_row(r.kind, r.atera_key, 0, r) for r in rules.values()]
    return pd.DataFrame(rows, columns=["kind", "atera_key", "records", "account_code",
                                       "tracking"])


def _row(kind: str, key: str, n: int, r: Rule | None) -> dict[str, Any]:
    return {"kind": kind, "atera_key": key, "records": n,
            "account_code": r.account_code if r else None,
            "tracking": ", ".join(f"{c}={o}" for c, o in r.tracking) if r else ""}
