"""The sync wizard and the manage-integration page, as plain Python (no widgets)."""

from ._apply import ApplyResult, apply_pending, pending_run
from ._imports import PLAUSIBLE, LooksLike, held_back, looks_like
from ._manage import TAX_NOTE, disconnect, export_status
from ._model import Choice, ImportRow, Option, Row, TaxInfo
from ._orgs import Organisation
from ._picker import Bin, preselected, preselection_rule, score_histogram
from ._plan import Plan
from ._sentences import Sentence, done_sentences, plural, summary_sentences, summary_text
from ._wizard import Confirmation, SharedRecordError, Step, Wizard

__all__ = ["PLAUSIBLE", "TAX_NOTE", "ApplyResult", "Bin", "Choice", "Confirmation", "ImportRow",
           "LooksLike", "Option", "Organisation", "Plan", "Row", "Sentence", "SharedRecordError",
           "Step", "TaxInfo", "Wizard", "apply_pending", "disconnect", "done_sentences",
           "export_status", "held_back", "looks_like", "pending_run", "plural", "preselected",
           "preselection_rule", "score_histogram", "summary_sentences", "summary_text"]
