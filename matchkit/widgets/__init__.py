"""ipywidgets faces: the sync wizard, the manage-integration page and the review grid."""

from ._common import (
    ErrorArea,
    ProgressBar,
    css,
    esc,
    guard,
    html_list,
    html_table,
    slug,
    xero_unavailable,
)
from ._export import ExportView
from ._imports_table import ImportTable
from ._manage import ManageView
from ._review import ReviewGrid
from ._wizard import WizardView
from ._wizard_tables import ChoiceTable

__all__ = ["ChoiceTable", "ErrorArea", "ExportView", "ImportTable", "ManageView", "ProgressBar",
           "ReviewGrid", "WizardView", "css", "esc", "guard", "html_list", "html_table", "slug",
           "xero_unavailable"]
