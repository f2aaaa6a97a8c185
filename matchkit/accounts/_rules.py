"""Pure rules of the accounts and tracking mapping: their shape, their check against the
organisation's chart of accounts and tracking categories, and what a line gets.

A rule maps an Atera key to a Xero revenue account and/or tracking options:
``category`` keys are the ``Category`` of Atera products, expenses and contract rates
(RateDto.Category); ``contract`` keys are Atera's ``ContractType`` (ContractTypeOptions) of
the contract the invoice names (InvoiceDto.ContractName). A line takes its category's rule
first, then its invoice's contract rule for what that leaves open; without any, the line is
exported as before (``export.sales_account``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .._exceptions import InputError

__all__ = ["KINDS", "MAX_TRACKING", "LineAccount", "OrgChoices", "Rule", "org_choices",
           "org_problems", "resolve"]

KINDS = ("category", "contract")
# Xero: "You can have up to two active tracking categories" and a line carries at most one
# option of each (developer.xero.com/documentation/api/accounting/trackingcategories).
MAX_TRACKING = 2


def _key(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


@dataclass(frozen=True)
class Rule:
    kind: str
    atera_key: str
    account_code: str | None = None
    tracking: tuple[tuple[str, str], ...] = ()  # (category name, option name)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise InputError(f"mapping kind {self.kind!r}: use category or contract")
        if not self.atera_key.strip():
            raise InputError(f"a {self.kind} rule needs an Atera {self.kind}")
        cats = [_key(c) for c, _ in self.tracking]
        if len(self.tracking) > MAX_TRACKING:
            raise InputError(f"{self.kind} {self.atera_key!r}: at most {MAX_TRACKING} tracking "
                             f"categories on a line (Xero's limit), got {len(self.tracking)}")
        if len(set(cats)) < len(cats):
            raise InputError(f"{self.kind} {self.atera_key!r}: tracking category "
                             f"{self.tracking[0][0]!r} given twice")
        for c, o in self.tracking:
            if not c.strip() or not o.strip():
                raise InputError(f"{self.kind} {self.atera_key!r}: a tracking entry needs both "
                                 "a category and an option")

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Rule:
        tracking = tuple((str(t["category"]), str(t["option"]))
                         for t in row.get("tracking") or [])
        return cls(str(row["kind"]), str(row["atera_key"]), row.get("account_code") or None,
                   tracking)

    def as_row(self) -> dict[str, Any]:
        return {"kind": self.kind, "atera_key": self.atera_key,
                "account_code": self.account_code,
                "tracking": [{"category": c, "option": o} for c, o in self.tracking]}

    def __str__(self) -> str:
        return f"{self.kind} {self.atera_key!r}"


def org_problems(rule: Rule, accounts: Sequence[Mapping[str, Any]],
                 categories: Sequence[Mapping[str, Any]]) -> list[str]:
    """Why Xero would refuse, or misbook, a line under ``rule``: one sentence each."""
    out = []
    if rule.account_code:
        acc = next((a for a in accounts
                    if str(a.get("Code") or "").casefold() == rule.account_code.casefold()),
                   None)
        if acc is None:
            out.append(f"{rule}: Xero has no account with code {rule.account_code!r}")
        elif str(acc.get("Status") or "ACTIVE").upper() != "ACTIVE":
            out.append(f"{rule}: account {rule.account_code} ({acc.get('Name')}) is "
                       f"{str(acc.get('Status')).lower()} in Xero; choose an active one")
        elif str(acc.get("Class") or "").upper() != "REVENUE":
            out.append(f"{rule}: account {rule.account_code} ({acc.get('Name')}) is not a "
                       f"revenue account (class {acc.get('Class')}); sales go to revenue")
    for cat_name, opt_name in rule.tracking:
        cat = next((c for c in categories if _key(c.get("Name")) == _key(cat_name)), None)
        if cat is None:
            out.append(f"{rule}: Xero has no tracking category {cat_name!r}")
            continue
        if str(cat.get("Status") or "ACTIVE").upper() != "ACTIVE":
            out.append(f"{rule}: tracking category {cat.get('Name')!r} is "
                       f"{str(cat.get('Status')).lower()} in Xero")
            continue
        opt = next((o for o in cat.get("Options") or []
                    if _key(o.get("Name")) == _key(opt_name)), None)
        if opt is None:
            out.append(f"{rule}: tracking category {cat.get('Name')!r} has no option "
                       f"{opt_name!r}")
        elif str(opt.get("Status") or "ACTIVE").upper() != "ACTIVE":
            out.append(f"{rule}: option {opt.get('Name')!r} of {cat.get('Name')!r} is "
                       f"{str(opt.get('Status')).lower()} in Xero")
    return out


@dataclass(frozen=True)
class OrgChoices:
    """What a rule may name: the active revenue accounts (code, name) and the active tracking
    categories with their active options, in Xero's order."""

    accounts: tuple[tuple[str, str], ...]
    tracking: tuple[tuple[str, tuple[str, ...]], ...]


def _active(record: Mapping[str, Any]) -> bool:
    return str(record.get("Status") or "ACTIVE").upper() == "ACTIVE"


def org_choices(accounts: Sequence[Mapping[str, Any]],
                categories: Sequence[Mapping[str, Any]]) -> OrgChoices:
    """The choices :func:`org_problems` accepts, for a face to offer."""
    return OrgChoices(
        tuple((str(a["Code"]), str(a.get("Name") or "")) for a in accounts
              if a.get("Code") and _active(a)
              and str(a.get("Class") or "").upper() == "REVENUE"),
        tuple((str(c["Name"]), tuple(str(o["Name"]) for o in c.get("Options") or []
                                     if o.get("Name") and _active(o)))
              for c in categories if c.get("Name") and _active(c)))


@dataclass(frozen=True)
class LineAccount:
    """What one line gets: an account code (None: as before) and tracking entries."""

    account_code: str | None = None
    tracking: tuple[tuple[str, str], ...] = ()
    rules: tuple[Rule, ...] = field(default=(), compare=False)

    def tracking_json(self) -> list[dict[str, str]]:
        return [{"Name": c, "Option": o} for c, o in self.tracking]


def resolve(rules: Iterable[Rule], category: str | None, contract_type: str | None
            ) -> LineAccount:
    """The line's account and tracking: its category's rule first, then its contract's."""
    by = {(r.kind, _key(r.atera_key)): r for r in rules}
    chain = [r for r in (by.get(("category", _key(category))) if category else None,
                         by.get(("contract", _key(contract_type))) if contract_type else None)
             if r is not None]
    account = next((r.account_code for r in chain if r.account_code), None)
    tracking: list[tuple[str, str]] = []
    for r in chain:
        for c, o in r.tracking:
            if all(_key(c) != _key(t) for t, _ in tracking):
                tracking.append((c, o))
    # more than MAX_TRACKING together is refused by the export's check, never cut silently
    return LineAccount(account, tuple(tracking), tuple(chain))
