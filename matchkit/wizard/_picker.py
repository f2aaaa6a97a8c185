"""What the Match steps say about their suggestions: the preselection rule, and the scores.

Pure reads of the wizard (no widgets): the view shows them, tests check them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._gate import Verdict
from ..matching import AUTO_ACCEPT

if TYPE_CHECKING:
    from ._wizard import Wizard

__all__ = ["Bin", "preselected", "preselection_rule", "score_histogram"]


def preselection_rule(kind: str) -> str:
    """The one rule that chooses for a person, in one sentence (``Wizard.choice``: the
    record Xero holds for the row; ``Wizard.accept_suggestions``: only on request)."""
    what = "item" if kind == "products" else "contact"
    against = ", and no evidence against it" if kind == "products" else ""
    return (f"Chosen for you: only the Xero {what} that carries the row's link key or has its "
            "very name (case, spaces and accents aside); every other row stays empty until "
            "you choose, and “Accept safe suggestions” takes only suggestions scoring "
            f"{AUTO_ACCEPT:.0f} or more with no near-tie, no other row on that {what}{against}.")


def preselected(wizard: Wizard, kind: str, atera_id: str) -> Verdict | None:
    """The verdict behind the row's choice when the rule chose it (link key or very name),
    not a person, not an earlier run's decision."""
    if wizard.chosen_here(kind, atera_id) or \
            wizard.catalogue.current_choice(kind, atera_id) is not None:
        return None
    v = wizard.verdict(kind, atera_id)
    c = wizard.choice(kind, atera_id)
    return v if v.exists and c.action == "match" and c.xero_id == v.other_id else None


@dataclass(frozen=True)
class Bin:
    """Rows whose best suggestion scores in ``[low, high)`` (100 is in the last bin)."""

    low: int
    high: int
    count: int


def score_histogram(wizard: Wizard, kind: str, width: int = 10) -> tuple[list[Bin], int]:
    """The best suggestion's score of every row of the step, in bins of ``width`` points,
    and how many rows have no suggestion at all."""
    counts = [0] * (100 // width)
    none = 0
    for row in wizard.rows(kind):
        scores = [o.score for o in wizard.options(kind, row.atera_id) if o.score is not None]
        if not scores:
            none += 1
            continue
        counts[max(0, min(int(max(scores) // width), len(counts) - 1))] += 1
    return [Bin(i * width, (i + 1) * width, n) for i, n in enumerate(counts)], none
