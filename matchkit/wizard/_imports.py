"""Which Xero customers the import step offers: none that an undecided Atera customer
plausibly is.

"Anchor Grammar School Inc. (Accounts)" is not a customer Atera lacks while the Atera
customer "Anchor Grammar School Inc." is still undecided: importing it would make the same
client twice. The evidence is matching's own scores, both ways: the Atera customer's
suggestions (top 5, what the Match customers step shows) and each candidate contact matched
against every Atera customer (top 3; "Campbell Grammar School Ltd - Accounts" is not among
its Atera look-alike's top 5, where the contact without the suffix ranks first). A contact
at a score of at least :data:`PLAUSIBLE` for an undecided Atera customer is held back until
that customer is decided; after that it is offered, with the look-alike named beside it.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from ._model import Catalogue
from ._wizard import Wizard

__all__ = ["PLAUSIBLE", "LooksLike", "held_back", "looks_like"]

#: Matching's suggestion threshold. Scores from 30 to 50 were right about 4 times in 10
#: (docs/matching.md, calibration): reason enough to decide the Atera customer first.
PLAUSIBLE = 30.0


@dataclass(frozen=True)
class LooksLike:
    """An Atera customer a Xero contact plausibly is, and what was chosen for it."""

    atera_id: str
    name: str
    score: float
    action: str  # the Atera customer's choice now: undecided, match, create, unmatch


# Per loaded catalogue (a Connect or a refresh makes a new one): contact -> Atera id -> score
# from matching each importable contact against the Atera customers, computed once (it is
# the slow part). Keyed by identity: a Catalogue is a dataclass, compared by value.
_MATCHED: dict[int, tuple[weakref.ref[Catalogue], dict[str, dict[str, float]]]] = {}


def _matched(wizard: Wizard) -> dict[str, dict[str, float]]:
    cat = wizard.catalogue
    hit = _MATCHED.get(id(cat))
    if hit is not None and hit[0]() is cat:
        return hit[1]
    from ..matching import match_frames
    from ..sources import atera_frame, xero_frame

    ids = {r.xero_id for r in cat.import_rows()}
    left = xero_frame(wizard.ws, "customers")
    left = left[left["id"].isin(ids)]
    right = atera_frame(wizard.ws, "customers")
    found: dict[str, dict[str, float]] = {}
    if not left.empty and not right.empty:
        m = match_frames(left, right, "customers", top=3, threshold=PLAUSIBLE)
        for cid, aid, score in zip(m["left_id"], m["right_id"], m["score"], strict=True):
            found.setdefault(str(cid), {})[str(aid)] = float(score)
    for key in [k for k, (ref, _) in _MATCHED.items() if ref() is None]:
        del _MATCHED[key]
    _MATCHED[id(cat)] = (weakref.ref(cat), found)
    return found


def _owners(wizard: Wizard) -> dict[str, list[LooksLike]]:
    """Import candidate (ContactID) -> the Atera customers it plausibly is, best first."""
    candidates = {r.xero_id for r in wizard.import_candidates()}
    scores = {cid: dict(by) for cid, by in _matched(wizard).items() if cid in candidates}
    for atera_id, options in wizard.catalogue.suggestions["customers"].items():
        for o in options:
            if o.xero_id in candidates and o.score is not None and o.score >= PLAUSIBLE:
                by = scores.setdefault(o.xero_id, {})
                by[atera_id] = max(o.score, by.get(atera_id, 0.0))
    rows = {r.atera_id: r for r in wizard.rows("customers")}
    out: dict[str, list[LooksLike]] = {}
    for cid, by in scores.items():
        owners = [LooksLike(aid, rows[aid].name, score, wizard.choice("customers", aid).action)
                  for aid, score in by.items() if aid in rows]
        if owners:
            out[cid] = sorted(owners, key=lambda x: -x.score)
    return out


def looks_like(wizard: Wizard) -> dict[str, LooksLike]:
    """Import candidate -> the Atera customer it most plausibly is (candidates with none
    are left out)."""
    return {cid: owners[0] for cid, owners in _owners(wizard).items()}


def held_back(wizard: Wizard) -> dict[str, LooksLike]:
    """Import candidates not to offer yet -> the undecided Atera customer (best score) they
    plausibly are."""
    out = {}
    for cid, owners in _owners(wizard).items():
        undecided = [o for o in owners if o.action == "undecided"]
        if undecided:
            out[cid] = undecided[0]
    return out
