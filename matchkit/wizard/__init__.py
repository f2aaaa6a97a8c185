"""The sync wizard and the manage-integration page, as plain Python (no widgets)."""

from ._apply import ApplyResult, apply_pending, pending_run
from ._manage import TAX_NOTE, disconnect, export_status
from ._model import Choice, ImportRow, Option, Row, TaxInfo
from ._orgs import Organisation
from ._plan import Plan
from ._wizard import Confirmation, Step, Wizard

__all__ = ["TAX_NOTE", "ApplyResult", "Choice", "Confirmation", "ImportRow", "Option",
           "Organisation", "Plan", "Row", "Step", "TaxInfo", "Wizard", "apply_pending",
           "disconnect", "export_status", "pending_run"]
