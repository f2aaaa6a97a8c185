"""The wizard's state machine over small in-memory workspaces and in-memory fakes."""

from __future__ import annotations

import pytest
from _wizard_fixtures import FakeAtera, FakeXero, fake_suggest, fill

from matchkit._exceptions import MatchkitError, WizardError
from matchkit.store import Workspace
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
    with pytest.raises(WizardError, match="step by step"):
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
    w.next()
    with pytest.raises(WizardError, match="not an active Xero item"):
        w.choose("products", "product:11", "no-such-item")
    with pytest.raises(WizardError, match="no Atera product"):
        w.create("products", "product:999")
    w.choose("products", "product:11", "i-bk")
    assert w.choice("products", "product:11").action == "match"
    # an archived Xero contact is not offered
    assert all(o.xero_id != "c-old" for o in w.search("customers", "Archived Customer"))


def test_summary_is_a_dry_run_with_valid_unique_names() -> None:
    w, x, _a = _wizard()
    w.use_workspace()
    before = _state(w.ws)
    w.next()
    long_name = "Product " + "x" * 80
    x_codes = {i["Code"] for i in x.item_list}
    w.create_rest("products")
    w.next()
    w.create("customers", "1")  # "Acme Pty Ltd" exists in Xero: the new one needs a new name
    w.create_rest("customers")
    w.next()
    plan = w.summary()
    assert _state(w.ws) == before
    names = {c.atera_id: c.name for c in plan.xero_contacts}
    assert names["1"] == "Acme Pty Ltd (2)"
    codes = [i.code for i in plan.xero_items]
    assert len(set(codes)) == len(codes) and not set(codes) & x_codes
    assert all(len(c) <= 30 for c in codes)
    assert plan.counts()["xero items to create"] == 4  # all but the exact match
    assert plan.counts()["xero contacts to create"] == 4
    assert long_name not in codes


def test_long_names_get_short_codes(tmp_path: object) -> None:
    x, a = FakeXero(), FakeAtera()
    a.product_list.append({"RateID": 13, "Description": "Managed Firewall " + "Z" * 60,
                           "Amount": 1.0})
    a.product_list.append({"RateID": 14, "Description": "Managed Firewall " + "Z" * 61,
                           "Amount": 1.0})
    ws = fill(Workspace.open(), xero=x, atera=a)
    w = Wizard(ws, xero=x, atera=a, suggest=fake_suggest)
    w.use_workspace()
    w.next()
    w.create("products", "product:13")
    w.create("products", "product:14")
    items = {i.atera_id: i for i in w.summary().xero_items}
    c13, c14 = items["product:13"].code, items["product:14"].code
    assert len(c13) <= 30 and len(c14) <= 30 and c13 != c14
    w.next(confirm=True)
    w.next(confirm=True)
    w.next()
    w.done(refresh=False)
    made = [i for i in x.item_list if i["Code"] in (c13, c14)]
    assert len(made) == 2 and all(len(i["Name"]) <= 50 for i in made)


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


def _auto(w: Wizard, *, imports: tuple[str, ...] = ()) -> None:
    w.next()
    w.create_rest("products")
    w.next()
    w.create_rest("customers")
    w.next()
    for cid in imports:
        w.select_import(cid)
    w.next()


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
    assert "i-fw" in {p.xero_id for p in plan.atera_products}
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


def test_ambiguous_exact_is_not_proposed() -> None:
    def suggest(ws: Workspace, kind: str, top: int) -> object:
        df = fake_suggest(ws, kind, top)
        df.loc[df["left_id"] == "product:10", "ambiguous"] = True
        return df

    x, a = FakeXero(), FakeAtera()
    w = Wizard(fill(Workspace.open(), xero=x, atera=a), suggest=suggest)  # type: ignore[arg-type]
    w.use_workspace()
    assert w.choice("products", "product:10").action == "undecided"
    assert w.options("products", "product:10")[0].ambiguous
    assert w.choice("customers", "1").action == "match"
