"""Atera's catalogue: products, expenses and labour rates as one table, with one archived
rule. The wizard, Done, the review, the export, the accounts mapping, status and matching all
take Atera's products from :func:`atera_catalogue`."""

from __future__ import annotations

import math

import pandas as pd

from ..store import Workspace

__all__ = ["CATALOGUE_COLUMNS", "atera_catalogue", "catalogue", "is_archived", "not_archived",
           "text_column"]


def text_column(df: pd.DataFrame, col: str) -> pd.Series:
    """Column ``col`` as text ("" for missing values, and for a missing column)."""
    if col not in df.columns:
        return pd.Series([""] * len(df), index=df.index, dtype=object)
    s = df[col].astype(object)
    return s.where(s.notna(), "").astype(str)


def is_archived(value: object) -> bool:
    """The one archived rule for Atera's products and expenses: archived only when the
    record says so (``Archived`` true); a missing flag is not archived."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return False
    return bool(value)


def not_archived(df: pd.DataFrame) -> pd.DataFrame:
    """The rows :func:`is_archived` keeps (Atera contacts have the flag too)."""
    if "Archived" not in df.columns or df.empty:
        return df
    return df[~df["Archived"].map(is_archived).astype(bool)]


# Atera's catalogue, one row per product, expense or labour rate: ``id`` as decisions spell
# it, ``source`` (product, expense, rate), ``name`` (Description), ``price`` (Amount, NaN
# when missing), ``sku``, ``category`` ("" when missing), ``archived``.
CATALOGUE_COLUMNS = ("id", "source", "name", "price", "sku", "category", "archived")


def catalogue(products: pd.DataFrame, expenses: pd.DataFrame | None = None,
              rates: pd.DataFrame | None = None, *, include_archived: bool = False
              ) -> pd.DataFrame:
    """Atera's catalogue (see :data:`CATALOGUE_COLUMNS`) from typed rows, products first,
    then expenses, then labour rates (which contracts hold: never archived). Archived
    products and expenses (:func:`is_archived`) are left out unless asked for."""
    parts = []
    for rows, source, key in ((products, "product", "RateID"), (expenses, "expense", "RateID"),
                              (rates, "rate", "RateKey")):
        if rows is None or rows.empty:
            continue
        archived = (rows["Archived"].map(is_archived).astype(bool) if "Archived" in rows.columns
                    else pd.Series(False, index=rows.index))
        if not include_archived:
            rows, archived = rows[~archived], archived[~archived]
        ids = (text_column(rows, key) if source == "rate"
               else f"{source}:" + rows[key].astype("Int64").astype(str))
        parts.append(pd.DataFrame({
            "id": ids.astype(object), "source": source, "name": text_column(rows, "Description"),
            "price": (pd.to_numeric(rows["Amount"], errors="coerce").astype(float)
                      if "Amount" in rows.columns else float("nan")),
            "sku": text_column(rows, "SKU"), "category": text_column(rows, "Category"),
            "archived": archived.to_numpy(dtype=bool)}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=float if c == "price" else bool
                                          if c == "archived" else object)
                             for c in CATALOGUE_COLUMNS})
    return pd.concat(parts, ignore_index=True)


def atera_catalogue(ws: Workspace, *, include_archived: bool = False) -> pd.DataFrame:
    """Atera's catalogue in the workspace's latest snapshots (:func:`catalogue`): what the
    wizard, Done, the review, the export and matching all take Atera's products from."""
    return catalogue(ws.rows("atera", "products"), ws.rows("atera", "expenses"),
                     ws.rows("atera", "contract_rates"), include_archived=include_archived)

