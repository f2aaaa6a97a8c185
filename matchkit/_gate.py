"""May this record be created? The one rule every creator asks, in Xero and in Atera.

A record is created only when it is clearly new (``matchkit.matching.triage``): nothing on
the other side carries its link key, has its name, shares an identifier with it, scores
above the "clearly new" bar or has a name that close. When something does:

- the record **exists** (link key, or the same name by Xero's rule: case, spaces and accents
  aside): it is matched to that record, never created under another name (no " (2)");
- it **looks like** something (a safe suggestion or a plausible candidate): it waits for a
  person, unless a person named this very record for creation (``named``: the wizard's
  per-row Create, ``wizard --create ID``, a single create in the review or in a decisions
  file). No flag creates look-alikes in bulk.

Callers: Done (``outbox.ensure_contacts``/``ensure_items`` for Xero, imports and added
products for Atera), the wizard's plan (all modes, notebook 01, the Voila app, the manage
page) and the export's "create missing customers/items".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import pandas as pd

from .matching import match_frames, suggest_threshold, triage

__all__ = ["NAMED_METHODS", "Verdict", "judge", "keep_held", "verdicts_from"]

# Decision methods that name one record: a person chose it for this row.
NAMED_METHODS = frozenset({"manual", "file"})


@dataclass(frozen=True)
class Verdict:
    """What the other side holds for one record to be created."""

    record_id: str
    status: str  # link | exact | safe | review | new (see matchkit.matching.STATUSES)
    other_id: str | None = None
    other_name: str | None = None
    score: float | None = None
    reason: str = ""

    @property
    def exists(self) -> bool:
        """The record is there already (its link key, or its very name)."""
        return self.status in ("link", "exact")

    def allows(self, named: bool = False) -> bool:
        """May it be created: clearly new, or a look-alike a person named for creation."""
        return self.status == "new" or (named and self.status in ("safe", "review"))

    def why_not(self, where: str) -> str:
        """One sentence for a refusal; ``where`` names the other side ("Xero contact")."""
        if self.exists:
            how = "carries its link key" if self.status == "link" else "has the same name"
            return (f"{where} {self.other_name!r} {how}: it exists, match it instead "
                    "of creating another")
        return (f"{self.reason}; a person decides: match it, or create it by naming this "
                "record (not in bulk)")


def verdicts_from(table: pd.DataFrame) -> dict[str, Verdict]:
    """``triage`` output as verdicts by left id."""
    out: dict[str, Verdict] = {}
    for r in table.to_dict("records"):
        raw = r["score"]
        score = None if raw is None or raw != raw else float(raw)  # NaN: no score
        out[str(r["left_id"])] = Verdict(
            str(r["left_id"]), str(r["status"]),
            None if r["right_id"] is None else str(r["right_id"]),
            None if r["right_name"] is None else str(r["right_name"]), score, str(r["reason"]))
    return out


def judge(kind: str, todo: pd.DataFrame, existing: pd.DataFrame,
          matches: pd.DataFrame | None = None, held: Mapping[str, str] | None = None
          ) -> dict[str, Verdict]:
    """A :class:`Verdict` for every row of ``todo`` (matching frames: ``id``, ``name``,
    ``key`` and evidence, see ``matchkit.sources``) against the records of ``existing``.
    ``matches`` is ``match_frames(todo, existing)`` when the caller has it already;
    ``held``: the rows an earlier run left for a person (:func:`keep_held`)."""
    if todo.empty:
        return {}
    if matches is None:
        matches = match_frames(todo, existing, kind, threshold=suggest_threshold(kind))
    return keep_held(verdicts_from(triage(matches, todo, existing, kind)), held or {})


def keep_held(verdicts: dict[str, Verdict], held: Mapping[str, str]) -> dict[str, Verdict]:
    """A row an earlier run left for a person (``held``: record id -> that run's reason)
    stays with a person: "new" today becomes "review". A score depends on its rivals, so
    records arriving on either side (say, what the last run imported) can lower a
    look-alike's score under the "clearly new" bar; an unattended run must not then create
    what a person was asked about. A person's choice (matching it, naming it for creation)
    releases it; a record that exists (link key, same name) is matched as ever."""
    if not held:
        return verdicts
    return {rid: (replace(v, status="review",
                          reason=f"left for a person by an earlier run ({held[rid]})")
                  if v.status == "new" and rid in held else v)
            for rid, v in verdicts.items()}
