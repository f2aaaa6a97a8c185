"""Accounts and tracking: which Xero revenue account and tracking options exported lines get.

Rules map an Atera category (of products, expenses, contract rates) or contract type to an
account code and up to two tracking options; kept in the workspace, edited one at a time or
as a CSV file, checked against the organisation before anything is sent, applied to every
exported line. Lines no rule covers keep ``export.sales_account``.
"""

from ._apply import LineAccounts, check_line_accounts, line_keys, org_lists, stamp_lines
from ._edit import (
    CSV_COLUMNS,
    atera_keys,
    export_csv,
    load_csv,
    mapping,
    org_snapshot,
    refresh_org,
    set_rule,
    unset_rule,
)
from ._rules import (
    KINDS,
    MAX_TRACKING,
    LineAccount,
    OrgChoices,
    Rule,
    org_choices,
    org_problems,
    resolve,
)

__all__ = ["CSV_COLUMNS", "KINDS", "MAX_TRACKING", "LineAccount", "LineAccounts", "OrgChoices",
           "Rule", "atera_keys", "check_line_accounts", "export_csv", "line_keys", "load_csv",
           "mapping", "org_choices", "org_lists", "org_problems", "org_snapshot", "refresh_org",
           "resolve", "set_rule", "stamp_lines", "unset_rule"]
