"""The Atera records a review lists, read from the workspace's latest snapshots (the Xero
side is ``matchkit.sources.xero_names``, the ids and names of matching's own frame)."""

from __future__ import annotations

import pandas as pd

from ..sources import atera_catalogue
from ..store import Workspace

__all__ = ["atera_records"]


def atera_records(ws: Workspace, kind: str) -> pd.DataFrame:
    """Every Atera record of ``kind`` in the latest snapshots: ``id`` (as decisions spell
    it) and ``name``. Archived products and expenses are left out, as in ``matchkit status``."""
    if kind == "customers":
        c = ws.rows("atera", "customers", columns=["CustomerID", "CustomerName"])
        return pd.DataFrame({"id": c["CustomerID"].astype(str).astype(object),
                             "name": c["CustomerName"].astype(object)})
    c = atera_catalogue(ws)
    return pd.DataFrame({"id": c["id"].astype(object), "name": c["name"].astype(object)})
