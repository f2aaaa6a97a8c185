"""The sandbox's reading of Xero's ``where`` and ``order`` clauses."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matchkit.sandbox._xero_query import QueryError, compile_order, compile_where

RECORDS = [
    {"Name": "Acme", "ContactStatus": "ACTIVE", "IsSupplier": True, "Total": 10.0,
     "Contact": {"ContactID": "AAAA0000-0000-0000-0000-000000000001"}},
    {"Name": "beta", "ContactStatus": "ARCHIVED", "IsSupplier": False, "Total": 250.5,
     "Contact": {"ContactID": "aaaa0000-0000-0000-0000-000000000002"}},
    {"Name": "Gamma & Sons", "ContactStatus": "ACTIVE", "IsSupplier": False, "Total": None,
     "Contact": {}},
]


def names(where: str) -> list[str]:
    pred = compile_where(where)
    return [r["Name"] for r in RECORDS if pred(r)]


@pytest.mark.parametrize(("where", "expected"), [
    ('ContactStatus=="ACTIVE"', ["Acme", "Gamma & Sons"]),
    ('ContactStatus != "ACTIVE"', ["beta"]),
    ("IsSupplier==true", ["Acme"]),
    ("Total > 100", ["beta"]),
    ("Total<=10", ["Acme"]),
    ('Name.ToLower()=="acme"', ["Acme"]),
    ('Name.Contains("&")', ["Gamma & Sons"]),
    ('Name.StartsWith("b") OR Name.EndsWith("Sons")', ["beta", "Gamma & Sons"]),
    ('ContactStatus=="ACTIVE" && IsSupplier==false || Name=="beta"', ["beta", "Gamma & Sons"]),
    ('Contact.ContactID==Guid("aaaa0000-0000-0000-0000-000000000001")', ["Acme"]),
    ('contactstatus=="ARCHIVED" AND name=="beta"', ["beta"]),
])
def test_where(where: str, expected: list[str]) -> None:
    assert names(where) == expected


@pytest.mark.parametrize("where", ['Name=="unterminated', "Name ~ 1", 'Name=="a" &&',
                                   "== 3", 'Name=="a" Name=="b"'])
def test_unreadable_where_is_refused_as_xero_words_it(where: str) -> None:
    # Xero's Dynamic LINQ texts (freakboy3742/pyxero#217, XeroAPI/xero-php-oauth2#307).
    with pytest.raises(QueryError, match=r"^(Syntax error|Expression expected)$"):
        compile_where(where)


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_equality_on_any_name(name: str) -> None:
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    pred = compile_where(f'Name=="{escaped}"')
    assert pred({"Name": name})
    assert not pred({"Name": name + "x"})


def test_order() -> None:
    by_name = compile_order("Name")(RECORDS)
    assert [r["Name"] for r in by_name] == ["Acme", "beta", "Gamma & Sons"]
    by_total = compile_order("Total DESC")(RECORDS)
    assert [r["Name"] for r in by_total] == ["Gamma & Sons", "beta", "Acme"]
    with pytest.raises(QueryError):
        compile_order("Name SIDEWAYS")
