"""The wizard's state machine over small in-memory workspaces and in-memory fakes."""

from __future__ import annotations

import pytest
from _wizard_fixtures import FakeAtera, FakeXero, fake_suggest, fill

from matchkit._exceptions import MatchkitError, WizardError
from matchkit.outbox import XeroSyncError
from matchkit.store import Workspace, held_rows
from matchkit.wizard import Step, Wizard, pending_run


def _wizard(ws: Workspace | None = None, **kw: object) -> tuple[Wizard, FakeXero, FakeAtera]:
    x, a = FakeXero(), FakeAtera()
    ws = ws or fill(Workspace.open(), xero=x, atera=a)
    w = Wizard(ws, xero=x, atera=a, suggest=fake_suggest, who="test", **kw)  # type: ignore[arg-type]
    return w, x, a


def _state(ws: Workspace) -> tuple[object, ...]:
    return (ws.decision_history().to_dict("records"), ws.sql("SELECT * FROM connections")
            .to_dict("records"), ws.settings())


def test_steps_in_order_and_refusals() -> None:
    w, _, _ = _wizard()
    assert w.step == Step.CONNECT
    with pytest.raises(WizardError, match="connect"):
        w.next()
    with pytest.raises(WizardError):
        w.rows("products")
    w.use_workspace()
    assert w.step == Step.WELCOME
    with pytest.raises(WizardError, match=r"not possible in step .Welcome."):
        w.back()
    with pytest.raises(WizardError, match="only in: Match products"):
        w.create("products", "product:11")
    with pytest.raises(WizardError, match="Summary"):
        w.done()
    assert w.next() == Step.PRODUCTS
    with pytest.raises(WizardError, match="no longer be offered in Atera"):
        w.next()
    assert w.step == Step.PRODUCTS
    assert w.next(confirm=True) == Step.CUSTOMERS
    with pytest.raises(WizardError, match="cannot be exported"):
        w.next()
    assert w.back() == Step.PRODUCTS
    with pytest.raises(WizardError, match="one step at a time"):
        w.goto(Step.SUMMARY)
    with pytest.raises(WizardError, match="unknown kind"):
        w.rows("invoices")


def test_exact_matches_are_proposed_and_choices_validated() -> None:
    w, _, _ = _wizard()
    w.use_workspace()
    assert w.choice("products", "product:10").action == "match"
    assert w.choice("products", "product:10").xero_id == "i-fw"
    assert w.choice("customers", "1").xero_id == "c-acme"
    assert w.choice("products", "product:11").action == "undecided"
    assert w.accept_exact("products") == 1
    assert next(o.xero_id for o in w.options("products", "product:11")) == "i-bk"
    assert w.search("products", "consult")[0].xero_id == "i-extra"
    # nothing for nothing typed, nothing for a query that fits no record
    assert w.search("products", "  ") == [] and w.search("customers", "zzzzqqq") == []
    hits = w.search("customers", "pa")  # 'Paper Supplier' 90, 'Acme Pty Ltd' 60
    assert [h.xero_id for h in hits][-1] == "c-sup" and hits[-1].role == "supplier"
    assert hits[0].role is None and hits[0].score is not None and hits[0].score >= 60
    w.next()
    with pytest.raises(WizardError, match="not an active Xero item"):
        w.choose("products", "product:11", "no-such-item")
    with pytest.raises(WizardError, match="no Atera product"):
        w.create("products", "product:999")
    w.choose("products", "product:11", "i-bk")
    assert w.choice("products", "product:11").action == "match"
    # an archived Xero contact is not offered
    assert all(o.xero_id != "c-old" for o in w.search("customers", "Archived Customer"))


def test_summary_is_a_dry_run_with_key_codes_and_no_renamed_duplicates() -> None:
    w, x, _a = _wizard()
    w.use_workspace()
    before = _state(w.ws)
    w.next()
    x_codes = {i["Code"] for i in x.item_list}
    assert w.create_new("products") == 3  # not the exact match, not the look-alike
    w.next(confirm=True)
    with pytest.raises(WizardError, match="has the same name"):
        w.create("customers", "1")  # "Acme Pty Ltd" exists in Xero: never a second one
    assert w.create_new("customers") == 1  # Coastal Freight: nothing like it in Xero
    w.create("customers", "4")  # a look-alike, named by a person: created
    w.next(confirm=True)
    plan = w.summary()
    assert _state(w.ws) == before
    names = {c.atera_id: c.name for c in plan.xero_contacts}
    assert names == {"3": "Coastal Freight", "4": "<script>alert(1)</script> Pty"}
    assert {c.key for c in plan.xero_contacts} == {"ATERA-3", "ATERA-4"}
    codes = {i.atera_id: i.code for i in plan.xero_items}
    assert codes == {"product:12": "ATERA-P12-OLD-ANTIVIRUS-B-PRO",
                     "expense:20": "ATERA-E20-TRAVEL",
                     "rate:30": "ATERA-R30-REMOTE-SUPPORT-HOUR"}
    assert not set(codes.values()) & x_codes
    review = {(h.kind, h.key) for h in plan.left_for_review()}
    assert review == {("products", "product:11"), ("customers", "2")}
    assert plan.counts()["left for review"] == 2
    text = plan.text()  # sentences, each with its records
    assert "2 Atera rows look like a Xero record and wait for you" in text
    assert "Cloud Backup 100 GB" in text and "decisions products" not in text
    # the look-alikes get no decision: neither created nor left unmatched (archived)
    assert not {d.atera_id for d in plan.decisions} & {"product:11", "2"}
    assert "product:11" not in {a.key for a in plan.atera_archive}


def test_long_names_get_short_codes_and_one_name_is_created_once() -> None:
    x, a = FakeXero(), FakeAtera()
    a.product_list.append({"RateID": 13, "Description": "Managed Firewall " + "Z" * 60,
                           "Amount": 1.0})
    a.product_list.append({"RateID": 14, "Description": "Managed Firewall " + "Z" * 61,
                           "Amount": 1.0})
    ws = fill(Workspace.open(), xero=x, atera=a)
    w = Wizard(ws, xero=x, atera=a, suggest=fake_suggest)
    w.use_workspace()
    w.next()
    w.create("products", "product:13")  # look-alikes of "Managed Firewall", named by a person
    w.create("products", "product:14")
    items = {i.atera_id: i for i in w.summary().xero_items}
    c13, c14 = items["product:13"].code, items["product:14"].code
    assert len(c13) <= 30 and len(c14) <= 30 and c13 != c14
    w.next(confirm=True)
    w.next(confirm=True)
    w.next()
    # cut to Xero's 50 characters both names are one: the second would be a look-alike
    with pytest.raises(XeroSyncError, match="Atera product:13 has the same name"):
        w.done(refresh=False)
    made = [i for i in x.item_list if i["Code"] in (c13, c14)]
    assert [i["Code"] for i in made] == [c13] and len(made[0]["Name"]) == 50


def test_imports_are_active_unmatched_customers_only() -> None:
    w, _, _ = _wizard()
    w.use_workspace()
    ids = {r.xero_id for r in w.import_candidates()}
    assert ids == {"c-blue", "c-imp", "c-xss"}  # not the supplier, the archived, the matched
    w.next()
    w.next(confirm=True)
    w.choose("customers", "2", "c-blue")
    assert "c-blue" not in {r.xero_id for r in w.import_candidates()}
    w.next(confirm=True)
    with pytest.raises(WizardError, match="cannot be imported"):
        w.select_import("c-sup")
    w.select_import("c-imp")
    assert [r.name for r in w.selected_imports()] == ["Importable & Co"]


def test_taxes_listed() -> None:
    w, _, _ = _wizard()
    w.use_workspace()
    t = w.taxes()
    assert [r["TaxType"] for r in t.revenue_rates] == ["OUTPUT"]
    assert [c["ContractID"] for c in t.taxable_contracts] == [100]
    assert len(t.taxed_lines) == 1 and "without tax" in t.message


def _auto(w: Wizard, *, imports: tuple[str, ...] = (), adds: bool = True) -> None:
    w.next()
    w.create_new("products")
    w.next(confirm=True)
    w.create_new("customers")
    w.next(confirm=True)
    for cid in imports:
        w.select_import(cid)
    if adds:  # the clearly new sold Xero items, ticked in bulk
        w.select_adds(r.xero_id for r in w.add_candidates())
    w.next()


def test_xero_items_reach_atera_only_when_ticked() -> None:
    w, _x, a = _wizard()
    w.use_workspace()
    _auto(w, adds=False)
    plan = w.summary()
    offered = w.add_candidates()
    assert offered and not plan.atera_products  # offered, none ticked: none added
    assert "atera products to add" not in {k for k, v in plan.counts().items() if v}
    assert not [d for d in plan.decisions if d.entity == "adds"]
    w.back()
    one = next(r for r in offered if r.status == "new")
    w.select_add(one.xero_id)
    w.next()
    plan = w.summary()
    assert [p.xero_id for p in plan.atera_products] == [one.xero_id]
    assert [(d.action, d.method) for d in plan.decisions if d.entity == "adds"] == [
        ("import", "manual")]
    n = len(a.product_list)
    w.done()
    assert [p["Description"] for p in a.product_list[n:]] == [one.name]
    assert w.ws.current_decisions("products").query("xero_id == @one.xero_id").shape[0] == 1


def test_done_applies_everything_once() -> None:
    w, x, a = _wizard()
    w.use_workspace()
    _auto(w, imports=("c-imp",))
    plan = w.summary()
    n_items, n_contacts = len(x.item_list), len(x.contact_list)
    result = w.done()
    assert w.step == Step.DONE
    assert len(x.item_list) == n_items + len(plan.xero_items)
    assert len(x.contact_list) == n_contacts + len(plan.xero_contacts)
    assert [c["CustomerName"] for c in a.customer_list[4:]] == ["Importable & Co"]
    added = sorted(p["Description"] for p in a.product_list[3:])
    assert added == sorted(p.name for p in plan.atera_products)
    assert result.counts()["atera customers created"] == 1
    cur = w.ws.current_decisions()
    assert set(cur[cur.entity == "products"].action) == {"match"}
    assert w.ws.connection("xero")["setup_done_at"] is not None
    assert pending_run(w.ws) is None
    with pytest.raises(WizardError, match="Done has completed"):
        w.next()
    # opened again, the wizard finds everything decided and plans nothing new in Xero
    again = Wizard(w.ws, xero=x, atera=a, suggest=fake_suggest)
    again.use_workspace()
    plan2 = again.summary()
    assert not plan2.xero_items and not plan2.xero_contacts and not plan2.atera_products


def test_closing_before_done_changes_nothing() -> None:
    w, x, a = _wizard()
    w.use_workspace()
    before = _state(w.ws)
    xero_before, atera_before = (x.item_list[:], x.contact_list[:]), (
        a.customer_list[:], a.product_list[:])
    _auto(w, imports=("c-imp",))
    w.summary()
    w.close()
    assert _state(w.ws) == before
    assert (x.item_list, x.contact_list) == xero_before
    assert (a.customer_list, a.product_list) == atera_before and not a.updates
    with pytest.raises(WizardError, match="closed"):
        w.done()


@pytest.mark.parametrize("where", ["xero", "atera"])
def test_done_interrupted_then_run_again_creates_nothing_twice(where: str) -> None:
    w, x, a = _wizard()
    if where == "xero":
        x.fail_after = 2  # two items reach Xero, then the connection drops
    else:
        a.fail_after = 1  # the import is created, adding the first product fails
    w.use_workspace()
    _auto(w, imports=("c-imp",))
    plan = w.summary()
    with pytest.raises(MatchkitError):
        w.done(refresh=False)
    assert pending_run(w.ws) is not None
    assert w.step == Step.SUMMARY
    x.fail_after = a.fail_after = None
    # a new process: a fresh wizard over the same workspace finishes the job
    w2 = Wizard(w.ws, xero=x, atera=a, suggest=fake_suggest)
    w2.use_workspace()
    _auto(w2, imports=("c-imp",) if where == "xero" else ())
    w2.done(refresh=False)
    codes = [i["Code"].casefold() for i in x.item_list]
    names = [c["Name"].casefold() for c in x.contact_list]
    assert len(codes) == len(set(codes)) == 3 + len(plan.xero_items)
    assert len(names) == len(set(names)) == 6 + len(plan.xero_contacts)
    atera_names = [c["CustomerName"] for c in a.customer_list]
    assert atera_names.count("Importable & Co") == 1
    products = [p["Description"] for p in a.product_list]
    assert len(products) == len(set(products)) == 3 + len(plan.atera_products)
    assert pending_run(w.ws) is None


def test_same_wizard_can_retry_done() -> None:
    w, x, _a = _wizard()
    x.fail_after = 1
    w.use_workspace()
    _auto(w)
    with pytest.raises(MatchkitError):
        w.done(refresh=False)
    x.fail_after = None
    n_decisions = len(w.ws.decision_history())
    w.done(refresh=False)
    hist = w.ws.decision_history()
    # the intent was not written twice; only the outcomes were added
    assert set(hist.iloc[n_decisions:]["method"]) <= {"created", "imported", "exact"}
    codes = [i["Code"] for i in x.item_list]
    assert len(codes) == len(set(codes))


def test_unmatched_products_are_archived_and_rates_kept() -> None:
    w, _x, a = _wizard()
    w.use_workspace()
    w.next()
    w.unmatch("products", "product:12")
    w.unmatch("products", "rate:30")
    w.create("products", "product:11")
    w.create("products", "expense:20")
    w.next(confirm=True)
    w.next(confirm=True)
    w.next()
    plan = w.summary()
    assert [n.key for n in plan.atera_archive] == ["product:12"]
    assert [n.key for n in plan.rates_kept] == ["rate:30"]
    w.done(refresh=False)
    assert a.updates == [("product", 12, {"Description": "Old Antivirus <b>Pro</b>",
                                         "Amount": 5.0, "SKU": None, "Category": None,
                                         "Archived": True})]


def test_manage_page_rematches_and_unmatches() -> None:
    w, x, a = _wizard()
    w.use_workspace()
    _auto(w)
    w.done()
    m = Wizard(w.ws, xero=x, atera=a, suggest=fake_suggest, manage=True)
    m.use_workspace()
    assert m.goto(Step.PRODUCTS) == Step.PRODUCTS
    assert m.summary().empty
    m.unmatch("products", "product:10")
    m.goto(Step.CUSTOMERS)
    m.choose("customers", "2", "c-blue")
    plan = m.summary()
    assert [d.action for d in plan.decisions] == ["unmatch", "match"]
    assert [n.key for n in plan.atera_archive] == ["product:10"]
    # its Xero item is not added back to Atera while "Managed Firewall" is still there:
    # not unless ticked, and it cannot be ticked
    assert "i-fw" not in {p.xero_id for p in plan.atera_products}
    with pytest.raises(WizardError, match="in Atera already"):
        m.select_add("i-fw")
    m.done()
    assert ("product", 10) in [(k, i) for k, i, _ in a.updates]
    assert m.step == Step.CUSTOMERS  # the manage page stays open
    cur = m.ws.current_decisions("customers").set_index("atera_id")
    assert cur.loc["2", "xero_id"] == "c-blue"


def test_export_status_payment_states() -> None:
    from matchkit.wizard import export_status

    ws = Workspace.open()
    assert export_status(ws).empty
    rows = [  # invoice, xero id, status, due, paid
        ("1", "x1", "PAID", 0, 100), ("2", "x2", "AUTHORISED", 50, 50),
        ("3", "x3", "AUTHORISED", 100, 0), ("4", "x4", "VOIDED", 0, 0),
        ("5", "x5", "AUTHORISED", 100, 0),
    ]
    for n, (inv, xid, status, due, paid) in enumerate(rows, start=1):
        ws.execute(
            "INSERT INTO export_log (event_id, batch_id, tenant_id, atera_invoice, "
            "xero_invoice_id, status, attempts, xero_status, amount_due, amount_paid, "
            "logged_at) VALUES (?, 'b', 't', ?, ?, 'exported', 1, ?, ?, ?, now())",
            [n, inv, xid, status, due, paid])
    # Xero's latest snapshot is fresher: invoice 3 is past due, 5 is not due yet
    ws.write_snapshot("xero", "invoices", [
        {"InvoiceID": "x3", "Status": "AUTHORISED", "AmountDue": 100, "AmountPaid": 0,
         "DueDate": "2020-01-31T00:00:00"},
        {"InvoiceID": "x5", "Status": "AUTHORISED", "AmountDue": 100, "AmountPaid": 0,
         "DueDate": "2999-01-31T00:00:00"},
    ])
    states = dict(zip(export_status(ws)["atera_invoice"], export_status(ws)["payment_state"],
                      strict=True))
    assert states == {"1": "paid", "2": "part-paid", "3": "overdue", "4": "voided",
                      "5": "awaiting payment"}


def test_a_name_twice_in_xero_is_not_proposed() -> None:
    x, a = FakeXero(), FakeAtera()
    x.item_list.append({"ItemID": "i-fw2", "Code": "FW-OLD", "Name": "managed firewall",
                        "IsSold": True})
    w = Wizard(fill(Workspace.open(), xero=x, atera=a), suggest=fake_suggest)
    w.use_workspace()
    assert w.choice("products", "product:10").action == "undecided"
    assert w.verdict("products", "product:10").status == "review"
    assert w.choice("customers", "1").action == "match"

def _methods(plan: object) -> dict[tuple[str, str], tuple[str, str | None]]:
    return {(d.entity, d.atera_id or d.xero_id or ""): (d.action, d.method)
            for d in plan.decisions}  # type: ignore[attr-defined]


def test_auto_keeps_what_xero_has_takes_safe_and_creates_only_the_clearly_new() -> None:
    w, _, _ = _wizard()
    w.use_workspace()
    plan = w.auto()
    got = _methods(plan)
    assert got[("products", "product:10")] == ("match", "exact")
    assert got[("customers", "1")] == ("match", "exact")
    assert got[("customers", "2")] == ("match", "safe")  # Blue Sky Dental (Group)
    for aid in ("product:12", "expense:20", "rate:30"):
        assert got[("products", aid)] == ("create", "new")
    assert got[("customers", "3")] == ("create", "new")
    # the look-alikes: no decision, listed, counted
    assert ("products", "product:11") not in got and ("customers", "4") not in got
    assert {(h.kind, h.key) for h in plan.left_for_review()} == {
        ("products", "product:11"), ("customers", "4")}
    assert plan.counts()["left for review"] == 2
    assert [r.atera_id for r in w.needs_review("products")] == ["product:11"]


def test_creating_a_look_alike_needs_naming_it_and_what_exists_is_never_created() -> None:
    w, _, _ = _wizard()
    w.use_workspace()
    plan = w.auto(create=[("products", "product:11")])
    assert _methods(plan)[("products", "product:11")] == ("create", "manual")
    assert "product:11" in {i.atera_id for i in plan.xero_items}
    w2, _, _ = _wizard()
    w2.use_workspace()
    with pytest.raises(WizardError, match="'Acme Pty Ltd' has the same name"):
        w2.auto(create=[("customers", "1")])
    with pytest.raises(WizardError, match="no Atera customer"):
        w2.auto(create=[("customers", "999")])


def test_one_xero_record_for_two_rows_needs_a_confirmation_naming_the_other() -> None:
    from matchkit.wizard import SharedRecordError

    w, _, _ = _wizard()
    w.use_workspace()
    w.next()
    with pytest.raises(SharedRecordError, match=r"'Managed Firewall' \(product:10\)") as info:
        w.choose("products", "product:11", "i-fw")
    assert info.value.holders == ["product:10"]
    assert not w.choice("products", "product:11").decided
    w.choose("products", "product:11", "i-fw", allow_shared=True)
    assert w.choice("products", "product:11").xero_id == "i-fw"
    # a record chosen in memory is held as much as one from the log or an exact match
    w.next(confirm=True)
    w.choose("customers", "3", "c-imp")
    with pytest.raises(SharedRecordError, match="Coastal Freight"):
        w.choose("customers", "4", "c-imp")


def test_done_keeps_the_suggestions_and_puts_link_keys_on_matched_contacts() -> None:
    from matchkit.review import Review

    x, a = FakeXero(), FakeAtera()
    x.contact_list[1]["ContactNumber"] = "CUST-0002"  # Blue Sky's, set by the accountant
    w, _, _ = _wizard(fill(Workspace.open(), xero=x, atera=a))
    w.xero, w.atera = x, a
    w.use_workspace()
    plan = w.auto(add_items=True)
    assert [(k.contact_id, k.key) for k in plan.xero_keys] == [("c-acme", "ATERA-1")]
    assert [(k.contact_id, k.current) for k in plan.keys_kept] == [("c-blue", "CUST-0002")]
    assert "1 matched Xero contact keeps the Contact Code someone else gave it" in plan.text()
    kept = [items for title, items in plan.sections()  # JSON's stable titles
            if title.startswith("Contact Code left as it is")]
    assert kept == [["Blue Sky Dental Group: keeps CUST-0002 (Atera 2, key ATERA-2)"]]
    assert w.ws.latest_suggestions("customers").empty  # nothing saved before Done
    result = w.done()
    numbers = {c["ContactID"]: c.get("ContactNumber") for c in x.contact_list}
    assert numbers["c-acme"] == "ATERA-1" and numbers["c-blue"] == "CUST-0002"
    made = result.xero_contacts["3"]
    assert numbers[made] == "ATERA-3"
    assert result.keys_set == {"1": "c-acme"} and result.keys_kept == {"2": "CUST-0002"}
    # the review reads what the wizard matched from
    for kind in ("customers", "products"):
        assert not w.ws.latest_suggestions(kind).empty
        Review.from_workspace(w.ws, kind)
    created = {i["Code"] for i in x.item_list} - {"FW-1", "BACKUP", "XTRA"}
    assert created == {"ATERA-P12-OLD-ANTIVIRUS-B-PRO", "ATERA-E20-TRAVEL",
                       "ATERA-R30-REMOTE-SUPPORT-HOUR"}
    assert [p["Description"] for p in a.product_list[3:]] == ["Xero-only consulting"]


def test_a_fresh_workspace_recognises_by_link_keys_what_an_earlier_run_made() -> None:
    w, x, a = _wizard()
    w.use_workspace()
    w.auto(import_all=True)
    w.done()
    # a second analyst: a new workspace against the same two systems
    w2 = Wizard(fill(Workspace.open(), xero=x, atera=a), xero=x, atera=a,
                suggest=fake_suggest)
    w2.use_workspace()
    assert w2.choice("customers", "3").method == "link"
    assert w2.choice("customers", "1").method == "link"  # the key Done put on it
    assert w2.choice("products", "rate:30").method == "link"
    n_items, n_contacts = len(x.item_list), len(x.contact_list)
    plan = w2.auto(import_all=True)
    assert not (plan.xero_items or plan.xero_contacts or plan.atera_customers
                or plan.atera_products)
    w2.done()
    assert (len(x.item_list), len(x.contact_list)) == (n_items, n_contacts)
    assert not [c for c in x.contact_list if c["Name"].endswith(")")]


def test_an_edited_item_code_is_checked_then_found_by_its_link_key_next_time() -> None:
    w, x, a = _wizard()
    w.use_workspace()
    w.next()
    with pytest.raises(WizardError, match="only an item to be created"):
        w.set_item_code("product:12", "ATERA-P12-AV")
    w.create("products", "product:12")
    assert w.item_code_for("product:12") == "ATERA-P12-OLD-ANTIVIRUS-B-PRO"
    for bad, why in (("ATERA-P12-" + "X" * 21, "31 characters; Xero allows at most 30"),
                     ("", "cannot be empty"), ("AV-PRO", "must start with ATERA-P12"),
                     ("ATERA-P120", "must start with ATERA-P12"),
                     ("ATERA-P12-A\nB", "line breaks"), ("ATERA-E20-AV", "ATERA-P12")):
        with pytest.raises(WizardError, match=why):
            w.set_item_code("product:12", bad)
    assert w.item_code_for("product:12") == "ATERA-P12-OLD-ANTIVIRUS-B-PRO"  # unchanged
    assert w.set_item_code("product:12", " ATERA-P12-AV-PRO ") == "ATERA-P12-AV-PRO"
    w.next(confirm=True)
    w.next(confirm=True)
    w.next()
    plan = w.summary()
    assert "ATERA-P12-AV-PRO" in {i.code for i in plan.xero_items}
    w.done()
    assert "ATERA-P12-AV-PRO" in {i["Code"] for i in x.item_list}
    # a second analyst, a new workspace: the item is found by the key its Code starts with
    w2 = Wizard(fill(Workspace.open(), xero=x, atera=a), xero=x, atera=a,
                suggest=fake_suggest)
    w2.use_workspace()
    assert w2.choice("products", "product:12").method == "link"


def test_importing_in_bulk_takes_the_clearly_new_one_by_one_a_look_alike() -> None:
    w, _, a = _wizard()
    w.use_workspace()
    w.next()
    w.next(confirm=True)
    w.next(confirm=True)
    status = {r.xero_id: r.status for r in w.import_candidates()}
    assert status == {"c-blue": "safe", "c-imp": "new", "c-xss": "review"}
    assert w.select_imports(r.xero_id for r in w.import_candidates()) == 1
    assert [r.xero_id for r in w.selected_imports()] == ["c-imp"]
    with pytest.raises(WizardError, match="in Atera already"):
        w.select_import("c-blue")
    w.select_import("c-xss")  # named: imported although "<script>...</script> Pty" is alike
    w.next()
    plan = w.summary()
    imports = {d.xero_id: d.method for d in plan.decisions if d.entity == "imports"}
    assert imports == {"c-imp": "bulk", "c-xss": "manual"}
    w.done()
    assert {c["CustomerName"] for c in a.customer_list[4:]} == {
        "Importable & Co", "<img src=x onerror=alert(2)>"}


def test_a_row_left_for_a_person_waits_for_one_when_its_look_alike_goes() -> None:
    """A look-alike's score depends on what else each side holds, so a row left for a
    person by one run can look "clearly new" to the next. It waits for a person still: an
    unattended run never creates it; naming it does."""
    w, x, a = _wizard()
    w.use_workspace()
    plan = w.auto(import_all=True)
    held = {(h.kind, h.key) for h in plan.left_for_review()}
    assert {("customers", "4"), ("products", "product:11")} <= held
    assert [r.xero_id for r in w.import_candidates() if r.status == "review"] == ["c-xss"]
    w.done()
    assert set(held_rows(w.ws, "imports")) == {"c-xss"}  # offered, not ticked: kept too
    contacts, items, customers = len(x.contact_list), len(x.item_list), len(a.customer_list)
    # the look-alikes go: Xero's and Atera's records are renamed to something unrelated
    next(c for c in x.contact_list if c["ContactID"] == "c-xss")["Name"] = "Zebra Holdings"
    next(i for i in x.item_list if i["ItemID"] == "i-bk")["Name"] = "Printer toner"
    next(c for c in a.customer_list if c["CustomerID"] == 4)["CustomerName"] = "Yak Farm"
    fresh, _, _ = _wizard(fill(Workspace.open(), xero=x, atera=a))
    fresh.use_workspace()
    # no memory of the earlier run: clearly new, each of them
    assert fresh.verdict("products", "product:11").status == "new"
    assert fresh.verdict("customers", "4").status == "new"
    fresh.next()
    fresh.next(confirm=True)
    fresh.next(confirm=True)
    assert {r.xero_id: r.status for r in fresh.import_candidates()}["c-xss"] == "new"
    again = Wizard(fill(w.ws, xero=x, atera=a), xero=x, atera=a, suggest=fake_suggest,
                   who="test")
    again.use_workspace()
    v = again.verdict("products", "product:11")
    assert v.status == "review" and "left for a person by an earlier run" in v.reason
    plan = again.auto(import_all=True, add_items=True)
    still = {(h.kind, h.key) for h in plan.left_for_review()}
    assert {("products", "product:11"), ("customers", "4")} <= still
    assert {r.xero_id: r.status for r in again.import_candidates()}["c-xss"] == "review"
    assert "c-xss" not in {i.key for i in plan.atera_customers}
    again.done()
    assert (len(x.contact_list), len(x.item_list), len(a.customer_list)) == (
        contacts, items, customers)
    # a person names it: created
    named = Wizard(w.ws, xero=x, atera=a, suggest=fake_suggest, who="test")
    named.use_workspace()
    plan = named.auto(create=[("products", "product:11")])
    assert "product:11" in {i.atera_id for i in plan.xero_items}


def test_a_supplier_named_like_the_query_is_not_pushed_out_of_the_hits() -> None:
    """Customers come first, but 20 customers that only look alike leave room for a supplier
    with the very name: a record not found is a record created twice."""
    ws = Workspace.open()
    ws.write_snapshot("atera", "customers", [{"CustomerID": 1, "CustomerName": "Someone"}])
    ws.write_snapshot("atera", "products", [])
    ws.write_snapshot("xero", "items", [])
    ws.write_snapshot("xero", "contacts", [
        {"ContactID": f"c-{j}", "Name": f"Contact {j:05d} Group", "ContactStatus": "ACTIVE",
         "IsCustomer": j != 1230, "IsSupplier": j == 1230} for j in range(1200, 1260)])
    w = Wizard(ws, suggest=lambda _ws, kind, _top: fake_suggest(ws, kind, _top).iloc[0:0])
    w.use_workspace()
    hits = w.search("customers", "Contact 01230")
    assert len(hits) == 20 and hits[-1].xero_id == "c-1230" and hits[-1].role == "supplier"
    assert all(h.role is None for h in hits[:-1])  # customers first, as before
    weak = w.search("customers", "Contact 0125")  # the supplier fits less well: no room kept
    assert len(weak) == 20 and all(h.role is None for h in weak)
