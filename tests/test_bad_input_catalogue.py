"""The bad input catalogue: one row per kind of bad input (files, API answers, user choices).

For every row: the error the user sees names what is wrong and where (the expected words);
every table of every workspace involved is unchanged (full dump before/after); and no write
reached Xero or Atera (the sandbox ledger). Invoice-content rows go through the export's dry
run (what ``matchkit export --dry-run`` shows) and must also be left out of the payloads;
a last test sends all of them for real and checks that none reaches Xero.
"""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from _review_fixtures import build
from _wizard_fixtures import FakeAtera, FakeXero, fake_suggest, fill
from click.testing import CliRunner

from matchkit._exceptions import MatchkitError
from matchkit.atera import AteraClient
from matchkit.cli import main
from matchkit.export import ExportOptions, batch_from_file, export_batch, plan_export
from matchkit.export._batch import Batch
from matchkit.review import Review
from matchkit.snapshot import take_snapshots
from matchkit.store import Workspace
from matchkit.store._load import load_file
from matchkit.wizard import Wizard
from matchkit.xero._retry import RetryPolicy
from tests._reliability_fixtures import Rig, big_batch, dump_workspace, load_demo, rig

LONG_NAME = "Longname Holdings " + "X" * 300  # Xero allows 255 characters in a contact name


@dataclass
class Ctx:
    r: Rig
    tmp: Path
    review_ws: str
    wizard_ws: str
    xero: Any

    def paths(self) -> list[str]:
        return [self.r.ws_path, self.review_ws, self.wizard_ws]

    def file(self, name: str, content: str | bytes) -> Path:
        path = self.tmp / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path


@pytest.fixture(scope="module")
def ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ctx]:
    tmp = tmp_path_factory.mktemp("catalogue")
    with rig(tmp) as r:
        ws = r.ws()
        atera = load_demo(ws)
        # One more Atera customer whose name is longer than Xero allows.
        ws.write_snapshot("atera", "customers", [*atera["customers"], {
            "CustomerID": 999001, "CustomerName": LONG_NAME}])
        review_ws = str(tmp / "review.duckdb")
        rws, sugg = build(12, path=review_ws)
        rws.record_suggestions("customers", sugg)
        wizard_ws = str(tmp / "wizard.duckdb")
        fill(Workspace.open(wizard_ws), xero=FakeXero(), atera=FakeAtera())
        xero = r.client(retry=RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02))
        try:
            yield Ctx(r, tmp, review_ws, wizard_ws, xero)
        finally:
            xero.close()


def _raised(fn: Callable[[], Any], kind: type[BaseException] = MatchkitError) -> str:
    """The message of the error ``fn`` must raise (and its type name)."""
    try:
        fn()
    except kind as exc:
        return f"{type(exc).__name__}: {exc}"
    raise AssertionError("no error was raised: the bad input was accepted")


# --- files ---------------------------------------------------------------------------------

def _batch_file(content: str | bytes) -> Callable[[Ctx], str]:
    return lambda c: _raised(lambda: batch_from_file(c.file("batch.json", content)))


def _load(name: str, filename: str, content: str | bytes) -> Callable[[Ctx], str]:
    def run(c: Ctx) -> str:
        path = c.file(filename, content)
        return _raised(lambda: load_file(Workspace.open(c.r.ws_path), "atera", name, path))
    return run


def _review(encoding: str = "utf-8", extra_cell: bool = False, **changes: str
            ) -> Callable[[Ctx], str]:
    """The decisions file as exported, with the first row's fields changed."""
    def run(c: Ctx) -> str:
        ws = Workspace.open(c.review_ws)
        review = Review.from_workspace(ws, "customers", who="catalogue")
        good = c.tmp / "decisions.csv"
        review.export_csv(good)
        with good.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        rows[0].update(changes)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        lines = buf.getvalue().split("\n")
        if extra_cell:
            lines[1] += ",surprise"
        path = c.file("decisions-bad.csv", "\n".join(lines).encode(encoding))
        return _raised(lambda: review.apply_csv(path))
    return run


# --- invoice content (dry run) ---------------------------------------------------------------

def _invoice(*changes: Callable[[dict[str, Any]], None], twice: bool = False,
             create: bool = False) -> Callable[[Ctx], str]:
    """``twice``: a second, different invoice with the same number follows."""
    def run(c: Ctx) -> str:
        inv = copy.deepcopy(big_batch(1, first_number=88001)[0])
        for change in changes:
            change(inv)
        other = {**copy.deepcopy(inv), "ContractName": "another"}
        invoices = [inv, other] if twice else [inv]
        plan = plan_export(Workspace.open(c.r.ws_path), c.xero, Batch(invoices, source="t"),
                           ExportOptions(create_missing_customers=create))
        errors = [str(p) for p in plan.report.problems if p.severity == "error"]
        assert errors, "the dry run found nothing wrong"
        # Nothing invalid is planned: a refused invoice has no payload (with twice=True
        # the first copy may go, the second never).
        assert len([n for n in plan.payloads if n == "88001"]) <= (1 if twice else 0)
        return "\n".join(errors)
    return run


def _line(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda inv: inv["LineItems"][0].update(values)


def _set(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda inv: inv.update(values)


def _to(name: str) -> Callable[[dict[str, Any]], None]:
    return lambda inv: inv["To"].update(CompanyName=name)


# --- API answers -----------------------------------------------------------------------------

def _atera_answer(fault: str) -> Callable[[Ctx], str]:
    def run(c: Ctx) -> str:
        c.r.sb.set_faults("atera", fault)
        try:
            with AteraClient(c.r.sb.atera_url, c.r.sb.atera_api_key, rate=0) as atera:
                return _raised(lambda: take_snapshots(
                    Workspace.open(c.r.ws_path), atera=atera, systems=("atera",),
                    progress=False))
        finally:
            c.r.sb.set_faults("atera", None)
    return run


def _xero_answer(fault: str) -> Callable[[Ctx], str]:
    def run(c: Ctx) -> str:
        c.r.sb.set_faults("xero", fault)
        try:
            # One entity: each entity's snapshot is all or nothing (docs/reliability.md).
            return _raised(lambda: take_snapshots(Workspace.open(c.r.ws_path), xero=c.xero,
                                                  systems=("xero",), entities=("contacts",),
                                                  progress=False))
        finally:
            c.r.sb.set_faults("xero", None)
    return run


# --- user choices ----------------------------------------------------------------------------

def _wizard(act: Callable[[Wizard], Any]) -> Callable[[Ctx], str]:
    def run(c: Ctx) -> str:
        w = Wizard(Workspace.open(c.wizard_ws), xero=FakeXero(), atera=FakeAtera(),
                   suggest=fake_suggest, who="catalogue")  # type: ignore[arg-type]
        w.use_workspace()
        w.next()  # the products step
        return _raised(lambda: act(w))
    return run


def _cli(*args: str) -> Callable[[Ctx], str]:
    def run(c: Ctx) -> str:
        env = {**c.r.sb.env, "MATCHKIT_WORKSPACE": c.r.ws_path,
               "MATCHKIT_TOKEN_DIR": str(c.r.settings.token_path)}
        res = CliRunner().invoke(main, list(args), env=env)
        assert res.exit_code != 0, res.output
        assert "Traceback" not in res.output
        return res.output
    return run


def _not_a_workspace(c: Ctx) -> str:
    path = c.file("notes.duckdb", b"these are my notes, not a database\n" * 20)
    before = path.read_bytes()
    message = _raised(lambda: Workspace.open(path).sql("SELECT 1"))
    assert path.read_bytes() == before
    return message


CATALOGUE: list[tuple[str, Callable[[Ctx], str], tuple[str, ...]]] = [
    # files: an invoice batch
    ("batch-broken-json", _batch_file('[{"InvoiceNumber": 1,'), ("batch.json", "not valid JSON")),
    ("batch-latin1", _batch_file('[{"InvoiceNumber": 1, "To": "Caf\xe9"}]'.encode("latin-1")),
     ("batch.json", "line 1", "not valid UTF-8 (byte 0xe9", "save the file as UTF-8")),
    ("batch-utf16", _batch_file('[{"InvoiceNumber": 1}]'.encode("utf-16")),
     ("batch.json", "UTF-16")),
    ("batch-not-a-list", _batch_file('{"rows": []}'), ("batch.json", "list of invoices")),
    ("batch-missing-field", _batch_file('[{"Total": 5}]'), ("row 1", "InvoiceNumber")),
    ("batch-number-not-whole", _batch_file('[{"InvoiceNumber": "7b", "LineItems": []}]'),
     ("batch.json", "row 1", "InvoiceNumber", "whole number")),
    ("batch-lone-surrogate", _batch_file(
        '[{"InvoiceNumber": 7, "LineItems": [{"Description": "a\\ud800b"}]}]'),
     ("batch.json", "row 1", "LineItems[0].Description", "Unicode")),
    ("batch-nested-too-deep", _batch_file("[" * 100_000 + "]" * 100_000),
     ("batch.json", "not usable JSON")),
    ("batch-empty-list", _batch_file("[]"), ("batch.json", "no invoices")),
    # files: a snapshot to load
    ("load-broken-json", _load("customers", "customers.json", '[{"CustomerID": 1'),
     ("customers.json",)),
    ("load-csv-short-row", _load("customers", "customers.csv",
                                 "CustomerID,CustomerName\n1,Acme\n2\n"),
     ("customers.csv", "row 3", "fewer cells")),  # row = line of the file
    ("load-utf16", _load("customers", "customers.csv",
                         "CustomerID,CustomerName\n1,Acme\n".encode("utf-16")),
     ("customers.csv", "UTF-16")),
    ("load-empty", _load("customers", "customers.csv", b""), ("customers.csv", "empty")),
    ("load-duplicate-column", _load("customers", "customers.csv",
                                    "CustomerID,CustomerName,CustomerName\n1,A,B\n"),
     ("customers.csv", "twice")),
    ("load-csv-extra-cells", _load("customers", "customers.csv",
                                   "CustomerID,CustomerName\n1,Acme,surprise\n"),
     ("customers.csv", "row 2", "3 cells", "header has 2")),
    ("load-csv-missing-column", _load("customers", "customers.csv", "CustomerName\nAcme\n"),
     ("customers.csv", "required column", "CustomerID")),
    ("load-missing-id", _load("customers", "customers.json", '[{"CustomerName": "No Id"}]'),
     ("customers.json", "CustomerID")),
    # files: a decisions CSV
    ("decisions-unknown-action", _review(action="approve"),
     ("decisions-bad.csv", "line 2", "action", "approve")),
    ("decisions-unknown-atera-id", _review(atera_id="no-such-customer"),
     ("decisions-bad.csv", "line 2", "no-such-customer")),
    ("decisions-unknown-xero-id", _review(action="match", xero_id="no-such-contact"),
     ("decisions-bad.csv", "line 2", "no-such-contact")),
    ("decisions-extra-field", _review(extra_cell=True),
     ("decisions-bad.csv", "line 2", "fields, the header has")),
    ("decisions-utf16", _review(encoding="utf-16"), ("decisions-bad.csv", "UTF-16")),
    # invoice content
    ("invoice-price-nan", _invoice(_line(Rate="NaN")), ("invoice 88001 line 1", "finite")),
    ("invoice-quantity-infinite", _invoice(_line(Quantity="Infinity")),
     ("invoice 88001 line 1", "finite")),
    ("invoice-quantity-absurd", _invoice(_line(Quantity=1e15)),
     ("invoice 88001 line 1", "below 1,000,000,000")),
    ("invoice-price-negative-absurd", _invoice(_line(Rate=-5e12)),
     ("invoice 88001 line 1", "finite")),
    ("invoice-quantity-text", _invoice(_line(Quantity="twelve")),
     ("invoice 88001 line 1", "twelve")),
    ("invoice-control-characters", _invoice(_line(Description="Support\x00\x1b[31m")),
     ("invoice 88001 line 1", "control characters", "Description")),
    ("invoice-unknown-currency", _invoice(_set(Currency="XYZ")),
     ("invoice 88001", "currency XYZ")),
    ("invoice-duplicate-number", _invoice(twice=True),
     ("invoice 88001", "2 different invoices", "none of them is sent")),
    ("invoice-lines-not-a-list", _invoice(_set(LineItems="none")),
     ("invoice 88001", "LineItems must be a list")),
    ("invoice-amount-overflow", _invoice(_line(Quantity=999_999_999, Rate=999_999_999)),
     ("invoice 88001 line 1", "line amount", "too large")),
    ("invoice-year-9999", _invoice(_set(InvoiceDate="9999-12-25T00:00:00")),
     ("invoice 88001", "InvoiceDate 9999-12-25", "export.due_days", "9999-12-31")),
    ("invoice-year-1", _invoice(_set(InvoiceDate="0001-01-01")),
     ("invoice 88001", "InvoiceDate 0001-01-01", "1753-01-01")),
    ("invoice-date-a-number", _invoice(_set(InvoiceDate=20260101)),
     ("invoice 88001", "InvoiceDate 20260101", "ISO date")),
    ("invoice-discount-over-100", _invoice(_line(DiscountPercentage=150)),
     ("invoice 88001 line 1", "DiscountPercentage 150", "0-100 %")),
    ("invoice-discount-negative", _invoice(_line(DiscountPercentage=-5)),
     ("invoice 88001 line 1", "DiscountPercentage -5", "0-100 %")),
    ("invoice-discount-more-decimals", _invoice(_line(Quantity=1000, Rate=100,
                                                      DiscountPercentage=12.755)),
     ("invoice 88001 line 1", "DiscountPercentage 12.755", "more than 2 decimals",
      "87,240.00", "87,245.00")),
    ("invoice-quantity-more-decimals", _invoice(_line(Quantity=1.23456, Rate=1000)),
     ("invoice 88001 line 1", "Quantity 1.23456", "more than 4 decimals")),
    ("invoice-line-without-description", _invoice(_line(Product="", Description=" ")),
     ("invoice 88001 line 1", "neither a Description nor a Product")),
    ("invoice-product-not-text", _invoice(_line(Product={"Name": "x"})),
     ("invoice 88001 line 1", "Product must be text")),
    ("invoice-currency-not-text", _invoice(_set(Currency=36)),
     ("invoice 88001", "Currency 36", "currency code")),
    ("invoice-credit-note-discount", _invoice(_line(Quantity=-1, DiscountPercentage=10),
                                              lambda inv: inv.update(
                                                  LineItems=inv["LineItems"][:1])),
     ("invoice 88001", "credit note", "no discounts")),
    ("invoice-too-big-for-a-request", _invoice(lambda inv: inv.update(LineItems=[
        {**inv["LineItems"][0], "Description": "d" * 3999} for _ in range(1000)])),
     ("invoice 88001", "bytes as Xero JSON", "3.5 MB", "split it")),
    ("invoice-no-customer", _invoice(lambda inv: inv.pop("To")),
     ("invoice 88001", "To.CompanyName")),
    ("invoice-unknown-customer", _invoice(_to("Nobody We Know Pty")),
     ("invoice 88001", "Nobody We Know Pty", "matches no Atera customer")),
    ("invoice-script-customer", _invoice(_to("<script>alert(1)</script>")),
     ("invoice 88001", "<script>alert(1)</script>", "matches no Atera customer")),
    ("invoice-emoji-customer", _invoice(_to("Café 😀 Pty")), ("invoice 88001", "😀")),
    ("invoice-no-lines", _invoice(_set(LineItems=[])), ("invoice 88001", "no lines")),
    ("invoice-zero-total", _invoice(_line(Quantity=0), lambda inv: inv.update(
        LineItems=inv["LineItems"][:1])), ("invoice 88001", "zero")),
    ("invoice-bad-date", _invoice(_set(InvoiceDate="31/02/2026")),
     ("invoice 88001", "InvoiceDate", "31/02/2026")),
    # API answers
    ("atera-200-html", _atera_answer("html=1"), ("Atera", "HTML")),
    ("xero-200-html", _xero_answer("html=1"), ("Xero", "not JSON")),
    # user choices
    ("wizard-unknown-item", _wizard(lambda w: w.choose("products", "product:10", "no-item")),
     ("no-item", "not an active Xero item")),
    ("wizard-unknown-row", _wizard(lambda w: w.choose("products", "product:999", "i-fw")),
     ("product:999",)),
    ("wizard-wrong-step", _wizard(lambda w: w.create("customers", "1")),
     ("not possible in step", "Match customers")),
    ("cli-bad-date", _cli("export", "--from", "2026-13-01", "--to", "2026-12-31"),
     ("2026-13-01",)),
    ("cli-unknown-batch", _cli("export", "--batch", "no-such-batch"), ("no-such-batch",)),
    ("cli-two-batches", _cli("export", "--batch", "x", "--file", "y.json"),
     ("choose one batch",)),
    ("workspace-not-duckdb", _not_a_workspace, ("notes.duckdb",)),
]


def _writes(r: Rig) -> int:
    return sum(1 for e in r.sb.ledger.entries() if e.method in ("PUT", "POST", "DELETE")
               and e.system in ("xero", "atera"))


def test_the_catalogue_has_at_least_25_kinds() -> None:
    assert len({name for name, _, _ in CATALOGUE}) == len(CATALOGUE) >= 25


@pytest.mark.parametrize(("run", "words"), [(run, words) for _, run, words in CATALOGUE],
                         ids=[name for name, _, _ in CATALOGUE])
def test_bad_input_is_refused_clearly_and_changes_nothing(
        ctx: Ctx, run: Callable[[Ctx], str], words: tuple[str, ...]) -> None:
    before = [dump_workspace(p) for p in ctx.paths()]
    writes = _writes(ctx.r)
    message = run(ctx)
    missing = [w for w in words if w.lower() not in message.lower()]
    assert not missing, f"{missing} not in the message:\n{message}"
    assert _writes(ctx.r) == writes, "a write reached Xero or Atera"
    after = [dump_workspace(p) for p in ctx.paths()]
    for path, b, a in zip(ctx.paths(), before, after, strict=True):
        changed = [t for t in b.keys() | a.keys() if b.get(t) != a.get(t)]
        assert not changed, f"{path}: tables changed: {changed}"


def test_a_batch_of_only_bad_invoices_sends_nothing(ctx: Ctx) -> None:
    """The same invoices through the real export: all refused, not one write to Xero."""
    base = big_batch(1, first_number=89001)[0]
    bad = []
    for i, change in enumerate([_line(Rate="NaN"), _line(Quantity=1e15), _set(Currency="XYZ"),
                                _line(Description="a\x00b"), _to("Nobody We Know Pty"),
                                _set(LineItems=[]), _set(InvoiceDate="31/02/2026")]):
        inv = copy.deepcopy(base)
        change(inv)
        inv["InvoiceNumber"] = 89001 + i
        bad.append(inv)
    path = ctx.file("all-bad.json", json.dumps(bad))
    writes = ctx.r.xero_writes()
    result = export_batch(Workspace.open(ctx.r.ws_path), ctx.xero, batch_from_file(path),
                          ExportOptions())
    assert sorted(result.refused) == sorted(str(i["InvoiceNumber"]) for i in bad)
    assert not result.exported and ctx.r.xero_writes() == writes
    assert not {str(i["InvoiceNumber"]) for i in bad} & set(ctx.r.xero_invoice_numbers())


def test_names_longer_than_xero_allows_are_shortened_not_refused_by_xero(ctx: Ctx) -> None:
    """Xero allows 255 characters in a contact name: a longer Atera name is cut (and kept
    unique), so Xero never refuses it; the invoice goes to that contact."""
    inv = copy.deepcopy(big_batch(1, first_number=89101)[0])
    inv["To"]["CompanyName"] = LONG_NAME
    # its own e-mail: the copied one is another customer's, and a contact sharing it looks
    # like that customer (matchkit._gate), so it would rightly wait for a person
    inv["To"]["Email"] = "accounts@longname-holdings.example"
    path = ctx.file("long-name.json", json.dumps([inv]))
    result = export_batch(Workspace.open(ctx.r.ws_path), ctx.xero, batch_from_file(path),
                          ExportOptions(create_missing_customers=True))
    assert result.ok and result.exported == ["89101"], result.summary()
    names = [n for n in ctx.r.xero_contact_names() if n.startswith("longname holdings")]
    assert len(names) == 1 and len(names[0]) <= 255
