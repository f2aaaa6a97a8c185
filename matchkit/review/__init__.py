"""Bulk review of match suggestions: the model behind the review grid and the CLI.

A :class:`Review` holds one row per Atera record (customers or products) with its best
remaining suggestion and its current decision, and writes every judgment to the workspace's
append-only decision log. It knows nothing about widgets: the grid in
``matchkit.widgets`` and ``matchkit review`` are thin faces over it.

Modules: ``_model`` (the :class:`Review`), ``_build`` (its frames from the suggestions),
``_view`` (filter, sort, search), ``_bulk`` (bulk preview and apply), ``_files`` (the
decisions file), ``_types`` (the values it hands out), ``_records`` (the Atera records it lists).

Semantics (see docs/internals.md, "Decisions"):

- accept: ``match`` to the shown candidate (or one the analyst chose);
- create: ``create`` in Xero (pending); leave unmatched: ``unmatch``; clear: ``clear``;
- reject: "not this candidate". Stored as ``clear`` with ``method='rejected'`` and the rejected
  Xero id, so the record stays undecided (``ws.current_decisions`` leaves it out) and the
  next candidate is shown. The note lists every candidate rejected so far, so the latest log
  row alone describes the state and undo can simply re-append an older row;
- undo: re-appends, for every record the last action touched, the row that was current before
  it (or a ``clear``), so the log keeps both the mistake and its correction;
- bulk actions first return a :class:`BulkPreview` (count + sample + what is skipped and why);
  :meth:`Review.apply` writes exactly those rows, and refuses if any of them changed since.
"""

from ._files import FILE_COLUMNS as FILE_COLUMNS
from ._files import file_kind
from ._model import Review
from ._records import atera_records as atera_records
from ._types import BULK_ACTIONS as BULK_ACTIONS
from ._types import COLUMNS as COLUMNS
from ._types import KINDS as KINDS
from ._types import ApplyResult, BulkPreview, Counts, ReviewFilter

# The ``X as X`` imports above keep names importable from ``matchkit.review`` as before (the
# grid uses COLUMNS, notebook 05 atera_records) without widening ``__all__``.
__all__ = [
    "ApplyResult",
    "BulkPreview",
    "Counts",
    "Review",
    "ReviewFilter",
    "file_kind",
]
