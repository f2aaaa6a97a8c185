"""The sandbox's tables and checks, held to the official spec and to Xero's quoted texts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from _contract import XERO_REFERENCE
from _spec_fields import NAMES, spec_fields

from matchkit.sandbox._xero_fields import SCHEMAS
from matchkit.sandbox._xero_lines import quantize
from matchkit.sandbox._xero_rules import lock_message, too_long, valid_email, valid_url


def test_field_table_is_the_specs() -> None:
    """Every type, maxLength and read-only field the sandbox uses is the spec's."""
    spec = spec_fields(XERO_REFERENCE / "xero_accounting.yaml")
    assert set(SCHEMAS) == set(NAMES)
    for name, want in spec.items():
        got = SCHEMAS[name]
        assert got.types == want["types"], name
        assert got.max == want["max"], name
        assert sorted(got.read_only) == want["read_only"], name


def test_every_max_length_of_a_contact_is_checked() -> None:
    spec = spec_fields(XERO_REFERENCE / "xero_accounting.yaml")["Contact"]["max"]
    assert spec  # ContactNumber, AccountNumber, Name, ... (8 in 16.1.0)
    for field, limit in spec.items():
        assert too_long({field: "x" * limit}, "Contact") == []
        assert too_long({field: "x" * (limit + 1)}, "Contact") == [
            f"{field} must not be more than {limit} characters long."]
    nested = too_long({"Addresses": [{"City": "c" * 256}], "Phones": [{"PhoneNumber": "1" * 51}]},
                      "Contact")
    assert nested == ["Address 1: City must not be more than 255 characters long.",
                      "Phone 1: PhoneNumber must not be more than 50 characters long."]


@pytest.mark.parametrize(("email", "ok"), [
    ("anna@example.com", True), ("a.b+tag@mail.example.co.nz", True), ("", True),
    ("anna@", False), ("@example.com", False), ("anna example@x.com", False),
    ("anna@example", False), ("jürgen@example.de", False),  # umlauts: spec, EmailAddress
    ("a..b@example.com", False), (".a@example.com", False), ("a@b@example.com", False),
])
def test_email_rule(email: str, ok: bool) -> None:
    assert valid_email(email) is ok


def test_url_rule() -> None:
    assert valid_url("https://app.atera.com/new/invoice/12")
    assert not valid_url("app.atera.com/invoice")
    assert not valid_url("ftp://example.com/x")
    assert not valid_url("https://exa mple.com")


def test_lock_message_is_xeros() -> None:
    # waynerobinson/xeroizer#92 quotes Xero's text for the end-of-year lock.
    assert lock_message("end of year", dt.date(2013, 7, 31)) == (
        "The document date cannot be before the end of year lock date, currently set at "
        "31-Jul-2013")


@pytest.mark.parametrize(("value", "places", "want"), [
    ("7.506", 2, "7.51"), ("2.398", 2, "2.40"), ("6.883", 2, "6.88"),  # xero-ruby#19
    ("0.16485", 4, "0.1649"), ("1.795", 2, "1.80"),  # databuzz.com.au: 1.795 -> 1.80
    ("-2.345", 2, "-2.35"),
])
def test_unit_rounding(value: str, places: int, want: str) -> None:
    assert quantize(Decimal(value), places) == Decimal(want)
