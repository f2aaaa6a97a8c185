"""The DuckDB workspace (core layer: no HTTP, no widgets)."""

from ._decisions import Decision
from ._derive import derive
from ._entities import ENTITIES, Column, Entity, entity, typed_rows
from ._holds import HOLD_ENTITIES, held_rows, record_holds
from ._load import load_file, read_records
from ._open import registered, remove_if_empty
from ._reports import PAYMENT_COLUMNS, export_state, payment_states
from ._workspace import SnapshotInfo, Workspace
from ._writes import (
    EXPORT_COLUMNS,
    LockRow,
    beat_export_lock,
    claim_export_lock,
    export_rows,
    first_logged,
    log_export,
    log_sync,
    record_batch,
    release_export_lock,
    saved_batch,
    sync_intents,
)

__all__ = [
    "ENTITIES",
    "EXPORT_COLUMNS",
    "HOLD_ENTITIES",
    "PAYMENT_COLUMNS",
    "Column",
    "Decision",
    "Entity",
    "LockRow",
    "SnapshotInfo",
    "Workspace",
    "beat_export_lock",
    "claim_export_lock",
    "derive",
    "entity",
    "export_rows",
    "export_state",
    "first_logged",
    "held_rows",
    "load_file",
    "log_export",
    "log_sync",
    "payment_states",
    "read_records",
    "record_batch",
    "record_holds",
    "registered",
    "release_export_lock",
    "remove_if_empty",
    "saved_batch",
    "sync_intents",
    "typed_rows",
]
