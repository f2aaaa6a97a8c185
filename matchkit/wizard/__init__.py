"""The sync wizard and the manage-integration page, as plain Python (no widgets)."""

from ._apply import ApplyResult, apply_pending, pending_run
from ._model import Choice, ImportRow, Option, Row, TaxInfo
from ._plan import Plan
from ._wizard import Confirmation, Step, Wizard

__all__ = ["ApplyResult", "Choice", "Confirmation", "ImportRow", "Option", "Plan", "Row",
           "Step", "TaxInfo", "Wizard", "apply_pending", "pending_run"]
