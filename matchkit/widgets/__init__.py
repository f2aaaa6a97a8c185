"""ipywidgets faces: the sync wizard and the manage-integration page."""

from ._common import ErrorArea, ProgressBar, css, esc, guard, html_list, html_table, slug
from ._manage import ManageView
from ._wizard import WizardView
from ._wizard_tables import ChoiceTable, ImportTable

__all__ = ["ChoiceTable", "ErrorArea", "ImportTable", "ManageView", "ProgressBar",
           "WizardView", "css", "esc", "guard", "html_list", "html_table", "slug"]
