"""Entities the store writes beside a parent snapshot, computed from its records (Atera's
invoice lines from invoices, labour rates from contracts).

The connector that knows the JSON computes them (``matchkit.atera``); the package root wires
each one here (``matchkit/__init__.py``), so the store imports no connector. A parent
snapshotted while one of its derived entities has no derivation is refused, never written
without it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .._exceptions import WorkspaceError
from ._entities import ENTITIES, Entity, entity

__all__ = ["Derive", "derivations", "derive"]

Derive = Callable[[Sequence[Mapping[str, Any]]], list[dict[str, Any]]]
_DERIVED: dict[tuple[str, str], Derive] = {}  # (system, child entity) -> derivation


def derive(system: str, child: str, fn: Derive) -> None:
    """Compute ``child`` (an entity with ``derived_from``) from its parent's records."""
    if not entity(system, child).derived_from:
        raise ValueError(f"{system} {child} is not derived from another entity")
    _DERIVED[(system, child)] = fn


def derivations(system: str, name: str) -> list[tuple[Entity, Derive]]:
    """The derived entities of ``system``/``name`` with their derivations."""
    out = []
    for (sys, child), ent in ENTITIES.items():
        if sys == system and ent.derived_from == name:
            fn = _DERIVED.get((sys, child))
            if fn is None:
                raise WorkspaceError(f"{ent.label} has no derivation registered: "
                                     "import matchkit (its root wires them)")
            out.append((ent, fn))
    return out
