"""The one write path (matchkit.outbox): its key and pairing rules, and contacts and items
going through it over loopback as invoices do: a record Xero refuses is reported once with
Xero's words and never resent; Xero's daily limit stops creation cleanly and the next day's
run resumes it, each record created once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from matchkit._exceptions import RateLimitError
from matchkit.outbox import (
    ContactSpec,
    ItemSpec,
    XeroSyncError,
    ensure_contacts,
    ensure_items,
    idempotency_key,
    pair,
)
from tests._export_fixtures import Result
from tests._reliability_fixtures import rig


def test_one_key_rule_canonical_json() -> None:
    a = [{"Name": "Acme", "ContactNumber": "ATERA-1", "Phones": [{"PhoneNumber": "1"}]}]
    b = [{"Phones": [{"PhoneNumber": "1"}], "ContactNumber": "ATERA-1", "Name": "Acme"}]
    key = idempotency_key("t1", "contact", "run-1", 1, a)
    assert key == idempotency_key("t1", "contact", "run-1", 1, b)  # dict order is not content
    others = {idempotency_key("t2", "contact", "run-1", 1, a),
              idempotency_key("t1", "item", "run-1", 1, a),
              idempotency_key("t1", "contact", "run-1", 2, a),  # a resend: a new key
              idempotency_key("t1", "contact", "run-1", 1, [{**a[0], "Name": "Acme "}])}
    assert key not in others and len(others) == 4
    long = idempotency_key("t" * 200, "contact", "r" * 300, 99, a * 50)
    assert len(long) <= 128 and long.startswith("mk-contact-")


def test_one_pairing_rule_by_position_checked_against_the_count() -> None:
    two = [Result(0, True, {"ContactID": "a"}), Result(1, False, {}, ["no"])]
    assert pair(two, 2) == two
    assert pair(two, 3) is None  # Xero answered for fewer records than were sent
    assert pair(list(reversed(two)), 2) is None  # out of order: cannot be paired


def _put_contacts(r: Any) -> list[Any]:
    return [e for e in r.sb.ledger.entries("xero") if e.method == "PUT"
            and e.path.rstrip("/").endswith("/Contacts")
            and (e.idempotency_key or "").startswith("mk-contact-")]


def test_a_contact_xero_refuses_is_reported_once_and_never_resent(tmp_path: Path) -> None:
    with rig(tmp_path, seed="empty") as r, r.client() as xero, r.client() as person:
        real = xero.create_contacts
        raced: list[bool] = []

        def meanwhile(records: Any, *, idempotency_key: str) -> Any:
            # Between matchkit's read and its write, a person creates the same name in Xero.
            if not raced:
                person.create_contacts([{"Name": "Taken Ltd"}])
                raced.append(True)
            return real(records, idempotency_key=idempotency_key)

        xero.create_contacts = meanwhile
        with pytest.raises(XeroSyncError) as info:
            ensure_contacts(r.ws(), xero, [ContactSpec("1", "Taken Ltd"),
                                           ContactSpec("2", "Free Ltd")], run_id="r1")
        [failure] = info.value.failures
        assert failure.atera_id == "1" and not failure.held
        assert "is already assigned to another contact" in failure.reason  # Xero's words
        assert list(info.value.done) == ["2"]
        assert len(_put_contacts(r)) == 1  # sent once: a refusal is not retried
        assert r.xero_contact_names() == {"taken ltd": 1, "free ltd": 1}
        state = r.ws().sql("SELECT atera_id, status FROM xero_sync_state ORDER BY 1")
        assert state.values.tolist() == [["1", "failed"], ["2", "created"]]


def test_the_daily_limit_stops_creation_and_the_next_day_resumes_it(tmp_path: Path) -> None:
    items = [ItemSpec(f"product:{i}", f"Gadget model {i}", price=10.0 + i, confirmed=True)
             for i in range(60)]
    contacts = [ContactSpec(str(i), f"Customer number {i}", confirmed=True) for i in range(120)]
    with rig(tmp_path, seed="empty") as r:
        for create, specs, entity, count in (
                (ensure_items, items, "products", r.xero_item_codes),
                (ensure_contacts, contacts, "customers", r.xero_contact_names)):
            r.sb.clock.advance(86400)  # a new day: its count starts at 0
            r.sb.xero.set_limits(per_day=3)  # runs out part-way through the records
            with r.client() as xero, pytest.raises(RateLimitError, match="daily call limit"):
                create(r.ws(), xero, specs, run_id=f"{entity}-1")  # type: ignore[operator]
            assert r.sb.ledger.count(system="xero", status=429) == 1 + (entity == "customers")
            r.sb.xero.set_limits(per_day=5000)  # the test's own reads
            made = sum(count().values())
            assert 0 < made < len(specs)
            # What was created before the stop is recorded at once, not at the next run.
            assert len(r.ws().current_decisions(entity)) == made
            r.sb.clock.advance(86400)  # the next day
            with r.client() as xero:
                got = create(r.ws(), xero, specs, run_id=f"{entity}-2")  # type: ignore[operator]
            assert len(got) == len(specs) and len(set(got.values())) == len(specs)
            assert sorted(count().values()) == [1] * len(specs)  # each once, none lost
            decided = r.ws().current_decisions(entity)
            assert len(decided) == len(specs) and set(decided["method"]) == {"created"}


def test_elements_a_summarised_400_leaves_out_are_looked_up_not_called_refused(
        tmp_path: Path) -> None:
    """A 400 that lists only the failed elements may have created the others (PITFALLS 5):
    those are looked up (taken when Xero holds them) and resent only when it does not."""
    from matchkit.xero._results import results_from_400

    with rig(tmp_path, seed="empty") as r, r.client() as xero:
        real = xero.create_contacts
        calls: list[list[str]] = []

        def summarised(records: Any, *, idempotency_key: str) -> Any:
            calls.append([c["Name"] for c in records])
            if len(calls) > 1:
                return real(records, idempotency_key=idempotency_key)
            # Xero created "Good Ltd", refused "Bad Ltd" and said so, and said nothing of
            # "Lost Ltd", which it did not create
            real([c for c in records if c["Name"] == "Good Ltd"],
                 idempotency_key=idempotency_key)
            bad = {"Name": "Bad Ltd", "ValidationErrors": [
                {"Message": "Email address must be valid."}]}
            return results_from_400(list(records), [bad], "Contacts")

        xero.create_contacts = summarised
        with pytest.raises(XeroSyncError) as info:
            ensure_contacts(r.ws(), xero, [ContactSpec("1", "Bad Ltd"),
                                           ContactSpec("2", "Good Ltd"),
                                           ContactSpec("3", "Lost Ltd")], run_id="r1")
        [failure] = info.value.failures
        assert failure.atera_id == "1" and "Email address must be valid." in failure.reason
        assert sorted(info.value.done) == ["2", "3"]
        assert calls[1:] == [["Lost Ltd"]]  # only what Xero did not hold was sent again
        assert r.xero_contact_names() == {"good ltd": 1, "lost ltd": 1}
        state = r.ws().sql("SELECT atera_id, status FROM xero_sync_state ORDER BY 1")
        assert state.values.tolist() == [["1", "failed"], ["2", "created"], ["3", "created"]]
