"""The manage page's Accounts tab, driven headless (Button.click, .value =), no browser:
rules shown with their check, choices from the workspace's snapshot of Xero's lists, set and
removed through the service, a refusal as one line that writes nothing, names escaped."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import ipywidgets as w
from _export_fixtures import demo_seed, load_demo

from matchkit.accounts import set_rule
from matchkit.store import Workspace
from matchkit.widgets import ErrorArea, esc
from matchkit.widgets._mapping import MappingTab

SEED = Path(__file__).resolve().parents[1] / "data" / "seed" / "xero_demo.json"
EVIL = '<img src=x onerror="alert(1)">'


class _Response:
    def __init__(self, body: dict[str, Any]) -> None:
        self._body = body

    def json(self) -> dict[str, Any]:
        return self._body


class OrgXero:
    """Only what ``refresh_org`` reads: /Accounts and /TrackingCategories, counted."""

    tenant_id, tenant_name = "tenant-map", "Mapping Org"

    def __init__(self) -> None:
        seed = json.loads(SEED.read_text())
        self.account_rows = seed["Accounts"]
        self.categories = copy.deepcopy(seed["TrackingCategories"])
        # a name from outside that must never reach the page as markup
        self.categories[0]["Options"].append({"TrackingOptionID": "x", "Name": EVIL,
                                              "Status": "ACTIVE"})
        self.reads: list[str] = []

    def accounts(self) -> list[dict[str, Any]]:
        self.reads.append("Accounts")
        return list(self.account_rows)

    def request(self, method: str, path: str, **kwargs: Any) -> _Response:
        self.reads.append(path)
        return _Response({"TrackingCategories": self.categories})


def _walk(widget: w.Widget) -> list[w.Widget]:
    out = [widget]
    for child in getattr(widget, "children", ()) or ():
        out += _walk(child)
    return out


def _html(widget: w.Widget) -> str:
    return "\n".join(x.value for x in _walk(widget) if isinstance(x, w.HTML))


def _workspace() -> Workspace:
    ws = Workspace.open()
    load_demo(ws)
    atera, _ = demo_seed()
    products = [dict(p) for p in atera["products"]]
    products[0]["Category"] = EVIL
    ws.write_snapshot("atera", "products", products)
    return ws


def test_rules_are_set_and_removed_from_the_snapshots_choices() -> None:
    ws, xero = _workspace(), OrgXero()
    tab = MappingTab(ws, xero, ErrorArea(), who="test")
    tab.refresh()
    # Before Xero's lists are read: every Atera key listed, nothing to choose from yet.
    assert "not in the workspace yet" in tab.org.value and tab.set_button.disabled
    assert "Licences" in tab.table.value and "no rules</b>" in tab.table.value
    assert not tab.refresh_button.disabled and xero.reads == []
    tab.refresh_button.click()
    assert sorted(xero.reads) == ["Accounts", "TrackingCategories"]
    assert tab.message == ("Read from Xero: 20 accounts (9 active revenue), 3 tracking "
                           "categories.")
    assert "9 active revenue accounts, 2 tracking categories" in tab.org.value
    assert not tab.set_button.disabled
    # Only active revenue accounts and active categories/options are offered.
    codes = [v for _, v in tab.account.options]
    assert codes[0] == "" and "240" in codes and "225" not in codes and "400" not in codes
    assert list(tab.tracking) == ["Region", "Service Line"]
    assert "Hobart" not in [v for _, v in tab.tracking["Region"].options]
    # Set a rule as a person would: pick the key, the account and an option, click.
    tab.select("category", "Licences")
    tab.account.value = "240"
    tab.tracking["Service Line"].value = "Licensing"
    tab.set_button.click()
    assert tab.message == ("Saved: category 'Licences' gets account 240; tracking "
                           "Service Line = Licensing.")
    assert ws.account_mapping()[0]["tracking"] == [{"category": "Service Line",
                                                    "option": "Licensing"}]
    assert "240 Software Licence Revenue" in tab.table.value and "1 rule</b> for" in tab.table.value
    # choosing the key again shows its rule in the editor
    tab.select("contract", "Hourly")
    assert tab.account.value == "" and tab.unset_button.disabled
    tab.select("category", "Licences")
    assert (tab.account.value, tab.tracking["Service Line"].value) == ("240", "Licensing")
    # A rule with nothing chosen is refused in one line, and nothing is written.
    log = ws.sql("SELECT count(*) AS n FROM account_mapping_log")["n"][0]
    tab.select("contract", "Hourly")
    tab.set_button.click()
    assert tab.message == ("Refused: contract 'Hourly': choose an account or a tracking "
                           "option (Remove rule takes a rule away). Nothing was saved.")
    assert "\n" not in tab.message and 'color:#b00020' in tab.status.value
    assert ws.sql("SELECT count(*) AS n FROM account_mapping_log")["n"][0] == log
    # Remove the rule again.
    tab.select("category", "Licences")
    tab.unset_button.click()
    assert ws.account_mapping() == [] and tab.message.startswith("Removed the rule")
    # Names from outside are escaped wherever they are drawn.
    tab.select("category", EVIL)
    html = _html(tab.widget)
    assert "<img" not in html and "&lt;img src=x" in tab.table.value
    assert EVIL in [v for _, v in tab.tracking["Region"].options]  # a text label, not HTML
    assert not any(getattr(x, "description_allow_html", False) for x in _walk(tab.widget))


def test_a_rule_xero_would_refuse_is_flagged_and_refused_in_one_line() -> None:
    ws, xero = _workspace(), OrgXero()
    tab = MappingTab(ws, xero, ErrorArea())
    tab.refresh_from_xero()
    # A rule made before the account was archived (the CLI without a snapshot, a CSV).
    set_rule(ws, "category", "Hardware", "225", [("Region", "Hobart")])
    tab.refresh()
    assert esc("category 'Hardware': account 225 (Hardware Resale (old)) is archived in "
               "Xero") in tab.table.value
    tab.select("category", "Hardware")
    # the editor shows the rule as it is, not silently a different one
    assert tab.account.value == "225" and tab.tracking["Region"].value == "Hobart"
    assert tab.account.label == "225 (not an active revenue account)"
    tab.set_button.click()
    assert tab.message.startswith("Refused: category 'Hardware': account 225 (Hardware Resale "
                                  "(old)) is archived in Xero; choose an active one")
    assert ws.account_mapping()[0]["account_code"] == "225"  # unchanged
    tab.account.value = "220"
    tab.tracking["Region"].value = "Perth"
    tab.set_button.click()
    assert tab.message.startswith("Saved: category 'Hardware' gets account 220")
    assert "is archived" not in tab.table.value


def test_refresh_is_off_with_its_reason_without_a_client_and_after_disconnect() -> None:
    ws = _workspace()
    tab = MappingTab(ws, None, ErrorArea())
    tab.refresh()
    assert tab.refresh_button.disabled
    assert "Refresh from Xero is off: not connected to Xero" in tab.org.value
    tab.refresh_from_xero()  # what code calling it anyway gets: a line, no call
    assert tab.message.startswith("Refresh from Xero is off")
    xero = OrgXero()
    tab = MappingTab(ws, xero, ErrorArea())
    tab.refresh()
    tab.xero_off("disconnected from Xero; connect again with notebook 01")
    assert tab.refresh_button.disabled and "disconnected from Xero" in tab.org.value
    tab.refresh_from_xero()
    assert xero.reads == []
