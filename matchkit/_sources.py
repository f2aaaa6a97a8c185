"""The left (Atera) and right (Xero) frames matching works on, built from the workspace.

Customers: Atera customers, with their contacts' e-mail domains and phones added as evidence,
against Xero contacts that are not archived. Products: Atera products, expenses and labour
rates (ids ``product:<RateID>``, ``expense:<RateID>``, ``rate:...``) against Xero items.
"""

from __future__ import annotations

import pandas as pd

from ._exceptions import MatchConfigError
from .matching import DEFAULT_THRESHOLD, match_frames
from .store import Workspace

__all__ = ["atera_frame", "suggest", "xero_frame"]

_KINDS = ("customers", "products")


def _text(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df.columns:
        return pd.Series([""] * len(df), index=df.index, dtype=object)
    s = df[col].astype(object)
    return s.where(s.notna(), "").astype(str)


def not_archived(df: pd.DataFrame) -> pd.DataFrame:
    if "Archived" not in df.columns or df.empty:
        return df
    return df[~df["Archived"].astype("boolean").fillna(False).astype(bool)]


def _check_kind(kind: str) -> None:
    if kind not in _KINDS:
        raise MatchConfigError(f"kind must be 'customers' or 'products', got {kind!r}")


def atera_frame(ws: Workspace, kind: str) -> pd.DataFrame:
    """Atera's side as a matching frame (latest snapshots)."""
    _check_kind(kind)
    if kind == "customers":
        cust = ws.rows("atera", "customers")
        frame = pd.DataFrame({
            "id": cust["CustomerID"].astype("Int64").astype(str),
            "name": _text(cust, "CustomerName"),
            "domain": _text(cust, "Domain"),
            "phone": _text(cust, "Phone"),
            "tax_number": _text(cust, "BusinessNumber"),
            "city": _text(cust, "City"),
            "country": _text(cust, "Country"),
        })
        contacts = not_archived(ws.rows("atera", "contacts"))
        if not contacts.empty:
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
    parts = []
    for entity, prefix, key in (("products", "product:", "RateID"),
                                ("expenses", "expense:", "RateID"),
                                ("contract_rates", "", "RateKey")):
        rows = not_archived(ws.rows("atera", entity))
        ids = (prefix + rows[key].astype("Int64").astype(str)) if prefix else _text(rows, key)
        parts.append(pd.DataFrame({
            "id": ids, "name": _text(rows, "Description"), "sku": _text(rows, "SKU"),
            "price": rows["Amount"] if "Amount" in rows.columns else None,
            "category": _text(rows, "Category"),
        }))
    return pd.concat(parts, ignore_index=True)


def xero_frame(ws: Workspace, kind: str, *, include_archived: bool = False) -> pd.DataFrame:
    """Xero's side as a matching frame (latest snapshots); archived contacts are left out
    unless asked for, so they are never suggested."""
    _check_kind(kind)
    if kind == "customers":
        c = ws.rows("xero", "contacts")
        if not include_archived and not c.empty:
            c = c[_text(c, "ContactStatus").str.upper() != "ARCHIVED"]
        return pd.DataFrame({
            "id": _text(c, "ContactID"), "name": _text(c, "Name"),
            "email": _text(c, "EmailAddress"), "website": _text(c, "Website"),
            "phone": _text(c, "Phone"), "tax_number": _text(c, "TaxNumber"),
            "city": _text(c, "City"), "country": _text(c, "Country"),
        }).reset_index(drop=True)
    items = ws.rows("xero", "items")
    name = _text(items, "Name")
    return pd.DataFrame({
        "id": _text(items, "ItemID"),
        "name": name.where(name != "", _text(items, "Code")),
        "code": _text(items, "Code"), "description": _text(items, "Description"),
        "price": items["UnitPrice"] if "UnitPrice" in items.columns else None,
    }).reset_index(drop=True)


def suggest(ws: Workspace, kind: str, top: int = 5,
            threshold: float = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Scored candidates for every Atera row of ``kind`` (see ``match_frames``)."""
    return match_frames(atera_frame(ws, kind), xero_frame(ws, kind), kind, top=top,
                        threshold=threshold)
