"""Workspaces filled with Atera customers, Xero contacts and match suggestions, for review tests.

Suggestions are built here in ``match_frames``' shape with known scores, so the tests can say
exactly which rows a threshold selects.
"""

from __future__ import annotations

import random
import uuid

import pandas as pd

from matchkit.store import Workspace

METHODS = ("exact", "normalised", "fuzzy", "evidence")


def xero_id(i: int) -> str:
    return str(uuid.UUID(int=i + 1))


def build(n: int = 40, *, seed: int = 7, extra_xero: int = 10, path: str = ":memory:",
          names: dict[int, str] | None = None) -> tuple[Workspace, pd.DataFrame]:
    """A workspace with ``n`` Atera customers, ``n + extra_xero`` Xero contacts, suggestions.

    Customer ``i`` has candidates ``i`` (score ``100 - i % 50``), and ``i+1`` (10 less);
    every 10th customer (i % 10 == 9) has no candidate at all; customers with i % 7 == 3
    are ambiguous. Returns the workspace and the suggestions frame.
    """
    rnd = random.Random(seed)
    names = names or {}
    ws = Workspace.open(path)
    atera = [{"CustomerID": i, "CustomerName": names.get(i, f"Customer {i:05d} Ltd")}
             for i in range(n)]
    xero = [{"ContactID": xero_id(i), "Name": f"Customer {i:05d} Limited",
             "ContactStatus": "ACTIVE"} for i in range(n + extra_xero)]
    ws.write_snapshot("atera", "customers", atera)
    ws.write_snapshot("xero", "contacts", xero)
    rows = []
    for i in range(n):
        left = {"left_id": str(i), "left_name": atera[i]["CustomerName"]}
        if i % 10 == 9:
            rows.append({**left, "right_id": None, "right_name": None, "score": None,
                         "method": None, "rank": None, "ambiguous": False, "evidence": None})
            continue
        top = float(100 - i % 50)
        method = METHODS[i % 4] if top < 100 else "exact"
        for rank, (j, score) in enumerate(((i, top), (i + 1, top - 10.0)), start=1):
            rows.append({**left, "right_id": xero_id(j), "right_name": xero[j]["Name"],
                         "score": score, "method": method if rank == 1 else "fuzzy",
                         "rank": rank, "ambiguous": i % 7 == 3,
                         "evidence": rnd.choice(["name", "name+email", "name+domain"])})
    sugg = pd.DataFrame(rows)
    return ws, sugg
