"""The left (Atera) and right (Xero) frames matching works on, built from the workspace.

Customers: Atera customers, with their contacts' e-mail domains and phones added as evidence,
against Xero contacts that are not archived. Products: Atera products, expenses and labour
rates (ids ``product:<RateID>``, ``expense:<RateID>``, ``rate:...``) against Xero items.
Every frame has a ``key`` column (``matchkit._keys``): on the Atera side the key its Xero
record carries, on the Xero side the key a ContactNumber or item Code holds ("" for none), so
matching links what an earlier run made before it compares names.

The frames are built from typed rows (``Workspace.rows``, or :func:`typed` for records just
read from an API), so the wizard, Done and the export judge the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from .._exceptions import MatchConfigError
from .._keys import contact_key, contact_key_of, item_key, item_key_of
from ..matching import match_frames, suggest_threshold
from ..store import Workspace, entity, typed_rows
from ._catalogue import atera_catalogue, catalogue, not_archived
from ._catalogue import text_column as _text

__all__ = ["atera_frame", "contacts_frame", "customers_frame", "items_frame", "products_frame",
           "suggest", "to_create", "typed", "xero_frame"]

_KINDS = ("customers", "products")


def _check_kind(kind: str) -> None:
    if kind not in _KINDS:
        raise MatchConfigError(f"kind must be 'customers' or 'products', got {kind!r}")


def typed(system: str, name: str, records: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Raw API records (e.g. Xero contacts just read) as the typed rows a snapshot holds."""
    ent = entity(system, name)
    rows, _ = typed_rows(ent, records)
    return pd.DataFrame(rows, columns=[c.name for c in ent.columns])


def _safe_key(fn: Any, value: object) -> str:
    try:
        return str(fn(value))
    except ValueError:
        return ""


def customers_frame(customers: pd.DataFrame, contacts: pd.DataFrame | None = None
                    ) -> pd.DataFrame:
    """Atera customers (typed rows) as the left frame; their contacts' e-mails and phones
    are evidence."""
    ids = customers["CustomerID"].astype("Int64").astype(str)
    frame = pd.DataFrame({
        "id": ids,
        "name": _text(customers, "CustomerName"),
        "key": [_safe_key(contact_key, i) for i in ids],
        "domain": _text(customers, "Domain"),
        "phone": _text(customers, "Phone"),
        "tax_number": _text(customers, "BusinessNumber"),
        "city": _text(customers, "City"),
        "country": _text(customers, "Country"),
    })
    contacts = not_archived(contacts) if contacts is not None else None
    if contacts is not None and not contacts.empty:
        # contacts' e-mails and phones are evidence for their customer
        by = contacts["CustomerID"].astype("Int64").astype(str)
        extra = pd.DataFrame({"id": by, "email": _text(contacts, "Email"),
                              "cphone": _text(contacts, "Phone")})
        agg = extra.groupby("id").agg(
            email=("email", lambda s: " ".join(x for x in dict.fromkeys(s) if x)),
            cphone=("cphone", lambda s: "; ".join(x for x in dict.fromkeys(s) if x)),
        )
        frame = frame.merge(agg, left_on="id", right_index=True, how="left")
        frame["email"] = frame["email"].fillna("")
        frame["phone"] = (frame["phone"] + "; " + frame["cphone"].fillna("")).str.strip("; ")
        frame = frame.drop(columns="cphone")
    else:
        frame["email"] = ""
    return frame.reset_index(drop=True)


def products_frame(products: pd.DataFrame, expenses: pd.DataFrame | None = None,
                   rates: pd.DataFrame | None = None) -> pd.DataFrame:
    """Atera products, expenses and labour rates (typed rows) as the left frame; archived
    products and expenses are left out (:func:`catalogue`)."""
    return _products_of(catalogue(products, expenses, rates))


def _products_of(c: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"id": c["id"], "name": c["name"],
                         "key": [_safe_key(item_key, i) for i in c["id"]],
                         "sku": c["sku"], "price": c["price"], "category": c["category"]})


def contacts_frame(contacts: pd.DataFrame, *, include_archived: bool = False) -> pd.DataFrame:
    """Xero contacts (typed rows) as the right frame; archived ones only when asked for."""
    c = contacts
    if not include_archived and not c.empty:
        c = c[_text(c, "ContactStatus").str.upper() != "ARCHIVED"]
    return pd.DataFrame({
        "id": _text(c, "ContactID"), "name": _text(c, "Name"),
        "key": [contact_key_of(n) or "" for n in _text(c, "ContactNumber")],
        "email": _text(c, "EmailAddress"), "website": _text(c, "Website"),
        "phone": _text(c, "Phone"), "tax_number": _text(c, "TaxNumber"),
        "city": _text(c, "City"), "country": _text(c, "Country"),
    }).reset_index(drop=True)


def _item_name(items: pd.DataFrame) -> pd.Series:
    """An item's name; one without a Name goes by its Code."""
    name = _text(items, "Name")
    return name.where(name != "", _text(items, "Code"))


def items_frame(items: pd.DataFrame) -> pd.DataFrame:
    """Xero items (typed rows) as the right frame; an item without a Name goes by its Code."""
    code = _text(items, "Code")
    return pd.DataFrame({
        "id": _text(items, "ItemID"),
        "name": _item_name(items),
        "key": [item_key_of(c) or "" for c in code],
        "code": code, "description": _text(items, "Description"),
        "price": items["UnitPrice"] if "UnitPrice" in items.columns else None,
    }).reset_index(drop=True)


def atera_frame(ws: Workspace, kind: str) -> pd.DataFrame:
    """Atera's side as a matching frame (latest snapshots)."""
    _check_kind(kind)
    if kind == "customers":
        return customers_frame(ws.rows("atera", "customers"), ws.rows("atera", "contacts"))
    return _products_of(atera_catalogue(ws))


def xero_frame(ws: Workspace, kind: str, *, include_archived: bool = False) -> pd.DataFrame:
    """Xero's side as a matching frame (latest snapshots); archived contacts are left out
    unless asked for, so they are never suggested."""
    _check_kind(kind)
    if kind == "customers":
        return contacts_frame(ws.rows("xero", "contacts"), include_archived=include_archived)
    return items_frame(ws.rows("xero", "items"))


def xero_names(ws: Workspace, kind: str) -> pd.DataFrame:
    """``id`` and ``name`` of every Xero record of ``kind`` in the latest snapshot, archived
    contacts too, as :func:`xero_frame` names them; read from those columns alone (a person
    picking any Xero record needs no more; a fifth of ``xero_frame``'s time on 10,000)."""
    _check_kind(kind)
    if kind == "customers":
        c = ws.rows("xero", "contacts", columns=["ContactID", "Name"])
        return pd.DataFrame({"id": _text(c, "ContactID"), "name": _text(c, "Name")})
    i = ws.rows("xero", "items", columns=["ItemID", "Name", "Code"])
    return pd.DataFrame({"id": _text(i, "ItemID"), "name": _item_name(i)})


def suggest(ws: Workspace, kind: str, top: int = 5,
            threshold: float | None = None) -> pd.DataFrame:
    """Scored candidates for every Atera row of ``kind`` (see ``match_frames``); link keys
    first. ``threshold`` defaults to :func:`suggest_threshold`."""
    return match_frames(atera_frame(ws, kind), xero_frame(ws, kind), kind, top=top,
                        threshold=suggest_threshold(kind) if threshold is None else threshold)


def to_create(ws: Workspace, kind: str, specs: pd.DataFrame) -> pd.DataFrame:
    """The records to create as a matching frame: the workspace's Atera rows of them when it
    has them (every contact's e-mail and phone, the SKU: the very evidence the wizard's plan
    judged them by, so Done and the plan agree), else what the specs carry."""
    if ws.latest_snapshot("atera", kind) is None:
        return specs
    known = atera_frame(ws, kind)
    known = known[known["id"].isin(set(specs["id"]))]
    rest = specs[~specs["id"].isin(set(known["id"]))]
    return pd.concat([known, rest], ignore_index=True) if len(rest) else known.reset_index(
        drop=True)
