"""The wizard and manage widgets, driven headless (Button.click, .value =), no browser."""

from __future__ import annotations

import re
from collections.abc import Iterator

import ipywidgets as w
import pytest
from _wizard_fixtures import FakeAtera, FakeXero, fake_suggest, fill

from matchkit._exceptions import WizardError
from matchkit.store import Workspace
from matchkit.widgets import ManageView, WizardView, esc
from matchkit.wizard import Plan, Step, Wizard, held_back

CONTROLS = (w.Button, w.Dropdown, w.Text, w.Checkbox, w.Tab, w.IntProgress)


def _walk(widget: w.Widget) -> Iterator[w.Widget]:
    yield widget
    for child in getattr(widget, "children", ()) or ():
        yield from _walk(child)


def _html(widget: w.Widget) -> str:
    return "\n".join(x.value for x in _walk(widget) if isinstance(x, w.HTML))


def _setup() -> tuple[WizardView, Wizard, FakeXero, FakeAtera]:
    x, a = FakeXero(), FakeAtera()
    ws = fill(Workspace.open(), xero=x, atera=a)
    wiz = Wizard(ws, xero=x, atera=a, suggest=fake_suggest)
    return WizardView(wiz, connector=lambda: (x, a), page_size=3), wiz, x, a


def _assert_safe(widget: w.Widget) -> None:
    text = _html(widget)
    assert "<script" not in text and "<img" not in text and "<b>Pro</b>" not in text
    for x in _walk(widget):
        if isinstance(x, CONTROLS):
            assert any(c.startswith("mk-") for c in x._dom_classes), x
        if isinstance(x, w.Checkbox):
            assert not x.description_allow_html


def test_click_through_to_done_with_names_escaped_everywhere() -> None:
    view, wiz, x, _a = _setup()
    assert "Connect" in view.title.value
    view.connect_button.click()
    assert wiz.step == Step.WELCOME and "GST on Income" in view.body.children[1].value
    taxes = view.body.children[1].value
    # counts, with the records behind a closed "show all"
    assert "1 Atera contract is marked taxable" in taxes
    assert '<details class="mk-show-all"><summary>Show all (1)</summary>' in taxes
    assert "1 line on Atera invoices carries tax" in taxes
    assert view.scroller.count == 1  # Connect showed Welcome from its title
    _assert_safe(view.widget)
    view.next_button.click()
    table = view.tables["products"]
    assert table.choices[0].value == "match:i-fw"  # the exact match, proposed
    assert "mk-choice-product-10" in table.choices[0]._dom_classes
    table.choices[1].value = "match:i-bk"  # pick a suggestion in the dropdown
    table.pager.next.click()  # page 2: rows 4-5 of 5
    assert table.pager.label.value.startswith("page 2 of 2")
    i = table.row_index("product:12")  # flips back to page 1
    assert table.pager.page == 0
    table.picks[i].click()
    assert "&lt;b&gt;Pro&lt;/b&gt;" in table.search_for.value
    assert table.slot in table.rows_box.children  # the search opens under its row
    assert list(table.rows_box.children).index(table.slot) == i + 1
    assert table.hits.options == () and table.hits.value is None and table.use.disabled
    table.search_box.value = "consult"
    assert table.hits.value is None and table.use.disabled  # found, not chosen
    assert table.hits.options[0][1] == "i-extra"
    table.hits.value = "i-extra"
    table.use.click()
    assert table.slot not in table.rows_box.children  # used: the panel closes
    assert wiz.choice("products", "product:12").xero_id == "i-extra"
    _assert_safe(view.widget)
    view.next_button.click()  # two rows undecided: asks first
    assert view.confirm_box.layout.display is None and wiz.step == Step.PRODUCTS
    view.cancel_button.click()
    table.create_rest.click()
    view.next_button.click()
    assert wiz.step == Step.CUSTOMERS
    customers = view.tables["customers"]
    customers.row_index("4")  # page 2
    _assert_safe(view.widget)
    assert "&lt;script&gt;" in _html(customers.widget)
    customers.set_choice("4", "create")
    view.next_button.click()
    view.confirm_button.click()
    assert wiz.step == Step.IMPORTS
    assert "&lt;img src=x onerror=alert(2)&gt;" in _html(view.imports.widget)  # type: ignore[union-attr]
    _assert_safe(view.widget)
    view.imports.boxes[1].value = True  # type: ignore[union-attr]
    assert len(wiz.selected_imports()) == 1
    view.next_button.click()
    assert wiz.step == Step.SUMMARY
    summary = view.body.children[0].value
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Pty" in summary
    assert "When you click <b>Done</b>, matchkit will:" in summary
    assert "Create 2 items in Xero, with the Atera price." in summary
    assert "decisions customers" not in summary and "<td>" not in summary  # no labels
    _assert_safe(view.widget)
    n_items = len(x.item_list)
    view.done_button.click()
    assert view.errors.last is None, view.errors.widget.value
    assert wiz.step == Step.DONE and "Step 6/6: Done" in view.title.value
    done = view.body.children[0].value
    assert "Created 2 items in Xero" in done and "<td>" not in done
    assert view.nav.layout.display == "none"  # nothing left to click on the Done page
    assert len(x.item_list) == n_items + 2  # the two clearly new rows
    assert any(c["Name"] == "<script>alert(1)</script> Pty" for c in x.contact_list)


def test_errors_are_shown_not_swallowed() -> None:
    view, wiz, _, _ = _setup()
    view.connect_button.click()
    view.next_button.click()
    table = view.tables["products"]
    table.use.click()  # no row picked (the button is off; a call from code says why)
    assert "pick a row first" in view.errors.widget.value
    assert "unexpected" not in view.errors.widget.value  # a person's mistake, not a bug
    assert "mk-error" in view.errors.widget._dom_classes
    table.choices[0].value = "create"  # "Managed Firewall" is in Xero: refused, said why
    assert "has the same name" in view.errors.widget.value
    assert table.choices[0].value == "match:i-fw"
    table.choices[2].value = "create"  # a later success clears it
    assert view.errors.widget.value == ""

    def broken() -> tuple[object, object]:
        raise RuntimeError("<b>no</b> connection")

    v2 = WizardView(Wizard(wiz.ws, suggest=fake_suggest), connector=broken)
    v2.connect_button.click()
    assert "&lt;b&gt;no&lt;/b&gt; connection" in v2.errors.widget.value


def test_close_changes_nothing() -> None:
    view, wiz, x, _a = _setup()
    view.connect_button.click()
    before = len(wiz.ws.decision_history())
    view.next_button.click()
    view.tables["products"].create_rest.click()
    view.close_button.click()
    assert "nothing was saved" in view.title.value
    assert len(wiz.ws.decision_history()) == before and len(x.item_list) == 3


def test_manage_view_tabs_apply_and_disconnect() -> None:
    view, wiz, x, a = _setup()
    view.connect()
    for _ in range(4):
        view.next(confirm=True)
    view.done()
    disconnected: list[bool] = []
    x.disconnect = lambda: disconnected.append(True)  # type: ignore[attr-defined]
    m = Wizard(wiz.ws, xero=x, atera=a, suggest=fake_suggest, manage=True)
    m.use_workspace()
    mv = ManageView(m, page_size=3)
    _assert_safe(mv.widget)
    # It opens on the overview: where things stand, times to the second in local time.
    assert mv.tabs.selected_index == 0 and mv.tabs.get_title(0) == "Overview"
    connected = m.ws.connection("xero")["connected_at"].to_pydatetime().astimezone()
    assert f"since {connected.day} {connected:%b %Y, %H:%M:%S}" in mv.overview.value
    assert "Changes waiting</b>: none" in mv.overview.value
    mv.show("Changes")
    assert mv.apply_button.disabled and "Nothing to change" in mv.summary.value
    mv.apply()
    assert mv.message == "Nothing to apply: no match was changed in the tabs."
    mv.show("Customers")
    mv.customers.row_index("4")
    assert "&lt;script&gt;" in _html(mv.customers.widget)
    mv.customers.set_choice("2", "match:c-blue")
    mv.show("Changes")
    assert "When you click <b>Apply changes</b>, matchkit will:" in mv.summary.value
    assert "Record 1 decision in the workspace: 1 customer matched to a Xero contact." \
        in mv.summary.value
    assert not mv.apply_button.disabled
    mv.apply_button.click()
    assert mv.errors.last is None, mv.errors.widget.value
    # a rematch changes nothing in Xero or Atera, and the page says what it did
    # the contact matched now gets its link key; no Xero item is added to Atera's list
    # (none was ticked)
    assert mv.message == ("Applied. Recorded 1 decision: 1 customer matched to a Xero "
                          "contact. Put the link key on 1 Xero contact.")
    assert m.ws.current_decisions("customers").set_index("atera_id").loc["2", "xero_id"] \
        == "c-blue"
    mv.show("Accounts")  # the mapping, shown from the workspace (its own tests: mapping)
    assert "Atera" in mv.mapping.table.value and not mv.mapping.refresh_button.disabled
    _assert_safe(mv.widget)
    mv.show("Invoices")
    assert "No invoices exported yet" in mv.exports.value
    mv.show("Taxes")
    assert "without tax" in mv.taxes.value
    mv.disconnect_button.click()
    assert disconnected == []
    mv.confirm_disconnect.click()
    assert disconnected == [True]
    assert "tax features can be used again" in mv.status.value
    assert m.ws.connection("xero") is None
    # Nothing on the page talks to Xero any more, and each place says why.
    assert mv.disconnect_button.disabled
    assert "Off: disconnected from Xero" in mv.connection.value
    mv.show("Accounts")
    assert mv.mapping.refresh_button.disabled
    assert "Refresh from Xero is off: disconnected from Xero" in mv.mapping.org.value
    mv.customers.set_choice("2", "match:c-acme")
    mv.show("Changes")
    assert mv.apply_button.disabled and "Off: disconnected from Xero" in mv.summary.value
    mv.apply()
    assert mv.message.startswith("Apply changes is off: disconnected from Xero")
    assert m.ws.connection("xero") is None  # Apply did not record a connection again
    assert mv.apply_button.tooltip == ("Off: disconnected from Xero; connect again with "
                                       "notebook 01")
    assert mv.confirm_disconnect.layout.display == "none"
    decisions = len(m.ws.decision_history())
    mv.apply_button.click()  # the handler runs even so (a stale page): refused, nothing saved
    assert mv.message.startswith("Apply changes is off") and mv.errors.last is None
    assert len(m.ws.decision_history()) == decisions and m.ws.connection("xero") is None
    with pytest.raises(WizardError, match="not connected to Xero"):
        m.done()  # what Apply runs, called from code: refused before anything is saved
    assert len(m.ws.decision_history()) == decisions and m.ws.connection("xero") is None
    # A page opened on a workspace that is not connected starts that way.
    offline = Wizard(wiz.ws, xero=None, atera=a, suggest=fake_suggest, manage=True)
    offline.use_workspace()
    again = ManageView(offline, page_size=3)
    assert again.apply_button.disabled and again.disconnect_button.disabled
    assert again.mapping.refresh_button.disabled
    again.show("Connection")
    assert "Off: not connected to Xero" in again.connection.value
    again.show("Changes")
    assert again.apply_button.disabled and "Off: not connected to Xero" in again.summary.value


def test_times_are_shown_in_local_time_to_the_second(monkeypatch: pytest.MonkeyPatch) -> None:
    import time

    import pandas as pd

    from matchkit.widgets._texts import local_time

    monkeypatch.setenv("TZ", "Australia/Sydney")
    time.tzset()
    try:
        stored = pd.Timestamp("2026-07-01 02:03:04.567891", tz="UTC")  # as the workspace has it
        assert local_time(stored) == "1 Jul 2026, 12:03:04 AEST"
        assert local_time(None) == ""
    finally:
        monkeypatch.undo()
        time.tzset()


def test_esc() -> None:
    assert esc('<a href="x">&') == "&lt;a href=&quot;x&quot;&gt;&amp;"
    assert esc(None) == ""


@pytest.mark.parametrize("page_size", [1, 50])
def test_paging_covers_every_row_once(page_size: int) -> None:
    view, wiz, _, _ = _setup()
    view.connect()
    view.next()
    from matchkit.widgets import ChoiceTable

    t = ChoiceTable(wiz, "products", view.errors, page_size)
    seen = []
    for p in range(t.pager.pages):
        t.show_page(p)
        seen += [r.atera_id for r in t._visible]
    assert seen == [r.atera_id for r in wiz.rows("products")]


def test_accept_safe_suggestions_button_takes_free_safe_picks_only() -> None:
    from matchkit._gate import Verdict

    view, wiz, _x, _a = _setup()
    view.connect_button.click()
    view.next_button.click()
    table = view.tables["products"]
    undecided = [r.atera_id for r in wiz.rows("products")
                 if not wiz.choice("products", r.atera_id).decided]
    exact = next(r.atera_id for r in wiz.rows("products")
                 if wiz.choice("products", r.atera_id).method == "exact")
    taken = wiz.choice("products", exact).xero_id
    free = "i-extra"
    assert free != taken and len(undecided) >= 3
    a, b, c = undecided[:3]
    # safe picks as matchkit.matching.triage finds them: one free, one taken by the exact
    # match, one free record wanted by two rows
    verdicts = wiz.catalogue.verdicts["products"]
    for aid, xid in ((a, free), (b, taken), (c, free)):
        verdicts[aid] = Verdict(aid, "safe", xid, "", 99.0, "safe suggestion")
    table.accept_safe.click()
    assert wiz.choice("products", a).xero_id == free
    assert wiz.choice("products", a).method == "safe"
    assert table.choices[table.row_index(a)].value == f"match:{free}"
    assert not wiz.choice("products", b).decided and not wiz.choice("products", c).decided
    assert wiz.choice("products", exact).xero_id == taken  # left as it was


def test_import_step_holds_back_contacts_an_undecided_customer_plausibly_is() -> None:
    view, wiz, _x, _a = _setup()
    view.connect()
    view.next()  # Welcome -> products
    view.next(confirm=True)  # -> customers
    # Atera's "Blue Sky Dental" is undecided; Xero's "Blue Sky Dental Group" is among its
    # suggestions: not offered for import (it would be the same client twice).
    assert wiz.choice("customers", "2").action == "undecided"
    view.next(confirm=True)  # customers, left undecided
    assert wiz.step == Step.IMPORTS
    imports = view.imports
    assert imports is not None
    assert "c-blue" in {r.xero_id for r in wiz.import_candidates()}
    held = held_back(wiz)
    assert held["c-blue"].atera_id == "2" and held["c-blue"].action == "undecided"
    offered = [r.xero_id for r in imports.offered()]
    assert "c-blue" not in offered and "c-imp" in offered
    assert "c-imp" not in held  # "Importable & Co" looks like no Atera customer
    assert f"{len(held)} more held back until you decide" in imports.held.value
    assert ("Blue Sky Dental Group — looks like Atera customer “Blue Sky Dental”"
            in imports.held.value)
    imports.select_all(True)
    assert {r.xero_id for r in wiz.selected_imports()} == set(offered)
    # Decided (left unmatched on purpose): offered, with the look-alike named.
    view.back()
    wiz.unmatch("customers", "2")
    view.next(confirm=True)
    assert "c-blue" in [r.xero_id for r in imports.offered()]
    assert "c-blue" not in held_back(wiz) and "Blue Sky" not in imports.held.value
    shown = _html(imports.widget)
    assert "looks like Atera customer “Blue Sky Dental”" in shown and "left unmatched" in shown
    # Undecided again: a contact ticked meanwhile is unticked, not imported unseen.
    imports.select_all(True)
    view.back()
    wiz.undecide("customers", "2")
    view.next(confirm=True)
    assert "c-blue" not in {r.xero_id for r in wiz.selected_imports()}


def test_one_xero_record_for_two_rows_needs_a_confirmation() -> None:
    view, wiz, _x, _a = _setup()
    view.connect_button.click()
    view.next_button.click()
    table = view.tables["products"]
    i = table.row_index("product:11")
    table.picks[i].click()
    table.search_box.value = "Managed Firewall"
    table.hits.value = "i-fw"
    table.use.click()  # held by "Managed Firewall" (product:10)
    assert not wiz.choice("products", "product:11").decided
    assert table.shared_box.layout.display is None
    assert list(table.rows_box.children).index(table.slot) == i + 1  # under the row
    assert "Managed Firewall" in table.shared_note.value and "product:10" in \
        table.shared_note.value
    table.shared_no.click()  # cancelled: nothing changed, the warning gone
    assert not wiz.choice("products", "product:11").decided
    assert table.slot not in table.rows_box.children
    table.picks[i].click()
    table.search_box.value = "Managed Firewall"
    table.hits.value = "i-fw"
    table.use.click()
    table.shared_yes.click()
    assert wiz.choice("products", "product:11").xero_id == "i-fw"
    assert table.shared_box.layout.display == "none"


def test_search_finds_nothing_for_nonsense_and_customers_before_suppliers() -> None:
    view, _wiz, _x, _a = _setup()
    view.connect_button.click()
    view.next_button.click()
    view.next(confirm=True)
    table = view.tables["customers"]
    table.picks[0].click()
    assert table.hits.value is None and "nothing is chosen" in table.panel.message.value
    table.search_box.value = "zzzzqqq"
    assert table.hits.options == () and "no match for “zzzzqqq”" in table.panel.message.value
    table.search_box.value = "<b>p</b>"  # the query is escaped where it is echoed
    assert "<b>p</b>" not in table.panel.message.value
    table.search_box.value = "pa"  # the supplier fits better (90 to 60), yet comes last
    ids = [v for _label, v in table.hits.options]
    assert ids.index("c-acme") < ids.index("c-sup")  # the customer first, the supplier last
    assert any(label.endswith("· supplier") for label, _v in table.hits.options)
    assert "The best fit, “Paper Supplier” (supplier), is further down." in (
        table.panel.message.value)
    table.search_box.value = "paper"  # the supplier alone: first, nothing further down
    assert "further down" not in table.panel.message.value


def test_the_rule_evidence_and_histogram_are_on_the_page() -> None:
    view, wiz, _x, _a = _setup()
    view.connect_button.click()
    view.next_button.click()
    table = view.tables["products"]
    assert "Chosen for you: only the Xero item that carries" in table.rule.value
    assert "chosen for you: “Managed Firewall” has its very name" in table.names[0].value
    # the rows' best scores, in bands: 5 products and rates, each counted once
    counts = [int(n) for n in re.findall(r"<small>(\d+)</small><div class='mk-bar",
                                         table.histogram.value)]
    assert sum(counts) == len(wiz.rows("products")) and counts[-1] >= 1  # 'none' last
    i = table.row_index("product:11")
    assert "Backup" in table.evidence[i].value and "% similar (token set)" in \
        table.evidence[i].value  # matching's words beside the suggestion
    table.choices[i].value = "match:i-bk"
    assert "chosen for you" not in table.names[i].value  # a person chose it
    assert "✓" in table.evidence[i].value


def test_xero_items_are_added_to_atera_only_when_ticked() -> None:
    view, wiz, _x, _a = _setup()
    view.connect_button.click()
    view.next_button.click()
    view.next(confirm=True)
    view.next(confirm=True)
    adds = view.adds
    assert adds is not None and wiz.step == Step.IMPORTS
    assert "None is added unless you tick it" in adds.intro.value
    shown = [b for b, line in zip(adds.boxes, adds.lines, strict=True)
             if line.layout.display is None]
    assert shown and not any(b.value for b in shown)  # nothing ticked for the person
    assert "0 of" in adds.counts.value
    view.next_button.click()
    assert "to Atera's product list" not in view.body.children[0].value  # none offered
    view.back()
    adds.all.click()  # the clearly new only
    assert {r.status for r in wiz.selected_adds()} == {"new"}
    n = len(wiz.selected_adds())
    view.next_button.click()
    assert f"Add {n} Xero item" in view.body.children[0].value


def test_item_code_shown_and_editable_for_a_row_to_create() -> None:
    view, wiz, _x, _a = _setup()
    view.connect_button.click()
    view.next_button.click()
    table = view.tables["products"]
    i = table.row_index("product:12")
    assert table.codes[i].layout.display == "none"  # not to be created: no Code
    table.choices[i].value = "create"
    assert table.codes[i].layout.display is None
    assert table.codes[i].value == "ATERA-P12-OLD-ANTIVIRUS-B-PRO"
    table.codes[i].value = "ATERA-P12-" + "A" * 25  # 35 characters
    assert "Xero allows at most 30" in view.errors.widget.value
    assert table.codes[i].value == "ATERA-P12-OLD-ANTIVIRUS-B-PRO"  # the one kept
    table.codes[i].value = "ATERA-P12-AV-PRO"
    assert view.errors.widget.value == ""
    assert wiz.item_code_for("product:12") == "ATERA-P12-AV-PRO"
    view.next(confirm=True)
    view.next(confirm=True)
    view.next_button.click()
    assert "ATERA-P12-AV-PRO" in view.body.children[0].value  # the Summary lists it


def test_review_filter_and_clearly_new_button() -> None:
    view, wiz, _x, _a = _setup()
    view.connect_button.click()
    view.next_button.click()
    table = view.tables["products"]
    table.filter.value = "review"
    assert [r.atera_id for r in table._visible] == ["product:11"]
    assert "needs review" in _html(table.widget) and "Cloud Backup 100 GB" in \
        _html(table.widget)
    table.create_rest.click()
    assert not wiz.choice("products", "product:11").decided
    assert wiz.choice("products", "expense:20").action == "create"
    assert "1 of them need review" in table.counts.value


def test_summary_lists_what_is_left_alone_even_with_nothing_to_change() -> None:
    """The page says what waits for a person also when Done would write nothing (as the
    CLI's Summary does)."""
    from matchkit.widgets._texts import summary_html
    from matchkit.wizard._plan import Held

    plan = Plan("run-1", (), (), (), (), (), (), review=(
        Held("customers", "7", "Smith <&> Jones", "looks like Smith & Jones Ltd"),))
    page = summary_html(plan)
    assert page.startswith("<p>Nothing to change: Done would write nothing.</p>")
    assert "Left alone:" in page and "1 Atera row looks like a Xero record" in page
    assert "Smith &lt;&amp;&gt; Jones" in page and "<&>" not in page
    assert "Left alone" not in summary_html(Plan("run-1", (), (), (), (), (), ()))
