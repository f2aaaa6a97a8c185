"""The labelled matching sets used by the bench and the calibration, and the fixed split of
each into a *tune* half (used to fit the score) and a *report* half (only ever reported on)."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
# MATCHKIT_BENCH_CODE: a folder holding another version's matchkit/ (bench --before)
sys.path.insert(0, os.environ.get("MATCHKIT_BENCH_CODE") or str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import _gen_msp  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "matching"
DEV_SETS = {
    "companies_synthetic": "customers",
    "products_amazon_google": "products",
    "products_abt_buy": "products",
    "products_walmart_amazon": "products",
}


@dataclass
class LabelledSet:
    name: str
    kind: str
    left: pd.DataFrame
    right: pd.DataFrame
    truth: pd.DataFrame

    def half(self, which: str) -> LabelledSet:
        """``tune`` or ``report``: the left rows whose id hashes to that half."""
        want = 0 if which == "tune" else 1
        keep = self.left["id"].map(lambda s: hashlib.md5(str(s).encode()).digest()[0] % 2
                                   == want)
        left = self.left[keep].reset_index(drop=True)
        truth = self.truth[self.truth["left_id"].isin(set(left["id"]))]
        return LabelledSet(f"{self.name}[{which}]", self.kind, left, self.right, truth)


def _read(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    def rd(n: str) -> pd.DataFrame:
        return pd.read_csv(folder / n, dtype=str, keep_default_na=False)
    return rd("left.csv"), rd("right.csv"), rd("truth.csv")


def seed_sets() -> list[LabelledSet]:
    """The demo seed (data/seed/*.json) loaded into an in-memory workspace and read back
    through matchkit.sources, scored against data/seed/truth.json; [] when absent."""
    folder = ROOT / "data" / "seed"
    if not (folder / "truth.json").exists():
        return []
    from matchkit.sources import atera_frame, xero_frame
    from matchkit.store import Workspace

    atera = json.loads((folder / "atera_demo.json").read_text())
    xero = json.loads((folder / "xero_demo.json").read_text())
    truth = json.loads((folder / "truth.json").read_text())
    ws = Workspace.open()
    for entity in ("customers", "contacts", "products", "expenses", "contracts"):
        ws.write_snapshot("atera", entity, atera[entity])
    ws.write_snapshot("xero", "contacts", xero["Contacts"])
    ws.write_snapshot("xero", "items", xero["Items"])
    out = []
    for kind in ("customers", "products"):
        pairs = [(str(t["atera_id"]), str(t["xero_id"])) for t in truth[kind] if t["xero_id"]]
        out.append(LabelledSet(f"demo_seed_{kind}", kind, atera_frame(ws, kind),
                               xero_frame(ws, kind),
                               pd.DataFrame(pairs, columns=["left_id", "right_id"])))
    return out


def labelled_sets(include_shared: bool = True) -> Iterator[LabelledSet]:
    if include_shared and SHARED.exists():
        for name, kind in DEV_SETS.items():
            left, right, truth = _read(SHARED / name)
            yield LabelledSet(name, kind, left, right, truth)
    left, right, truth = _gen_msp.customers(3000, 12000, seed=7)
    yield LabelledSet("msp_customers(gen)", "customers", left, right, truth)
    left, right, truth = _gen_msp.products(seed=11)
    yield LabelledSet("msp_catalogue(gen)", "products", left, right, truth)
    yield from seed_sets()


AUDIT = ROOT / "bench" / "audit" / "auto_accepts.csv"


def audit_verdicts() -> dict[tuple[str, str, str], str]:
    """bench/audit/auto_accepts.csv: (set, left_id, right_id) -> same / different / unsure,
    a person's reading of auto-accepts the truth file does not list (see its README)."""
    if not AUDIT.exists():
        return {}
    a = pd.read_csv(AUDIT, dtype=str, keep_default_na=False)
    return {(s, lid, rid): v for s, lid, rid, v in
            zip(a["set"], a["left_id"], a["right_id"], a["verdict"], strict=True)}


def judged(ls: LabelledSet, pairs: list[tuple[str, str]],
           verdicts: dict[tuple[str, str, str], str]) -> tuple[int, int]:
    """How many of ``pairs`` are right by the truth or, where the truth does not list them,
    by the audit (``same``); and how many of those the truth does not list are not audited."""
    base = ls.name.split("[", 1)[0]
    true = set(zip(ls.truth["left_id"].astype(str), ls.truth["right_id"].astype(str),
                   strict=True))
    right = unaudited = 0
    for p in pairs:
        if p in true:
            right += 1
            continue
        v = verdicts.get((base, *p))
        if v is None:
            unaudited += 1
        right += v == "same"
    return right, unaudited
