"""The DuckDB workspace (core layer: no HTTP, no widgets)."""

from ._entities import ENTITIES, Column, Entity, entity, typed_rows
from ._load import load_file, read_records
from ._workspace import Decision, SnapshotInfo, Workspace

__all__ = [
    "ENTITIES",
    "Column",
    "Decision",
    "Entity",
    "SnapshotInfo",
    "Workspace",
    "entity",
    "load_file",
    "read_records",
    "typed_rows",
]
