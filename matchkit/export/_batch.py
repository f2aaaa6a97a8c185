"""Invoice batches: Atera invoices of a period (API), of a file, or of a saved selection.

A batch is a list of Atera invoices exactly as Atera's ``InvoiceDto`` gives them. Atera's
invoices carry no customer id, only the ``To`` company name, so each invoice is tied to its
Atera customer by that name with the customer matching rules (exact, then normalised, then the
one customer whose name differs only by a typo), and so to its Xero contact through the
current decisions.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
from rapidfuzz import fuzz, process

from .._exceptions import InputError, LoadError
from .._gate import NAMED_METHODS
from .._limits import bad_text
from .._text import decode_utf8
from ..matching import exact_key, match_frames, normalise_company
from ..store import Workspace, saved_batch
from ._invoice import iso_day

__all__ = ["Batch", "CustomerLink", "batch_from_api", "batch_from_file",
           "batch_from_selection", "link_customers", "load_batch"]


# Normalised names this similar differ by a typo or two (one edit in ten characters), not by
# a word: "pinnacle mootrs" / "pinnacle motors" is 93, "cafe" / "cafe muller" is 53.
TYPO_SIMILARITY = 90.0


class _AteraInvoices(Protocol):
    def invoices(self, date_from: Any = ..., date_to: Any = ...) -> Iterable[dict[str, Any]]: ...


def _new_batch_id() -> str:
    return f"batch-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


@dataclass
class Batch:
    """Atera invoices to export together; ``source`` says where they came from."""

    invoices: list[dict[str, Any]]
    source: str
    batch_id: str = field(default_factory=_new_batch_id)

    def __len__(self) -> int:
        return len(self.invoices)

    @property
    def numbers(self) -> list[str]:
        return [invoice_number(i) for i in self.invoices]


def invoice_number(inv: Mapping[str, Any]) -> str:
    n = inv.get("InvoiceNumber")
    if n is None or isinstance(n, bool) or str(n).strip() == "":
        return "?"
    return str(n).strip()


_WHOLE = re.compile(r"[0-9]+")


def _check_shape(records: Sequence[Any], where: str) -> list[dict[str, Any]]:
    """Each record must be an invoice object with a whole InvoiceNumber (what identifies it in
    the export log) and text that can be stored; every other problem refuses only its invoice,
    in validation."""
    out = []
    for i, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            raise LoadError(f"expected an invoice object, got {type(rec).__name__}",
                            file=where, row=i)
        n = rec.get("InvoiceNumber")
        if n is None or isinstance(n, bool | float) or not _WHOLE.fullmatch(str(n).strip()):
            raise LoadError(f"InvoiceNumber must be a whole number, got {_short(n)}",
                            file=where, row=i, field="InvoiceNumber")
        bad = bad_text(rec)
        if bad is not None:
            raise LoadError("text that is not valid Unicode (a lone surrogate such as \\ud800);"
                            " fix the file", file=where, row=i, field=bad)
        out.append(rec)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def batch_from_file(path: str | Path) -> Batch:
    """A batch from a JSON file in Atera's invoice shape.

    Accepted: a list of invoices, Atera's paged envelope ``{"items": [...]}``, or
    ``{"invoices": [...]}``. Raises :class:`LoadError` naming the file and row.
    """
    p = Path(path)
    try:
        text = decode_utf8(p.read_bytes(), str(p))
        if not text.strip():
            raise LoadError("the file is empty", file=str(p))
        data = json.loads(text)
    except LoadError:
        raise  # the text's own refusal (not UTF-8, empty): a ValueError, said as it is
    except FileNotFoundError:
        raise LoadError("file not found", file=str(p)) from None
    except OSError as exc:
        raise LoadError(f"cannot read the file ({exc.strerror})", file=str(p)) from None
    except json.JSONDecodeError as exc:
        raise LoadError(f"not valid JSON ({exc})", file=str(p)) from None
    except (ValueError, RecursionError) as exc:  # a 5,000-digit number; nesting too deep
        raise LoadError(f"not usable JSON ({str(exc)[:100]})", file=str(p)) from None
    if isinstance(data, dict):
        for key in ("items", "invoices", "Invoices"):
            if isinstance(data.get(key), list):
                data = data[key]
                break
        else:
            raise LoadError("expected a list of invoices, or an object with 'items'",
                            file=str(p))
    if not isinstance(data, list):
        raise LoadError("expected a list of invoices", file=str(p))
    if not data:
        raise LoadError("the file holds no invoices", file=str(p))
    return Batch(_check_shape(data, str(p)), source=f"file:{p}")


def batch_from_api(atera: _AteraInvoices, date_from: dt.date | str, date_to: dt.date | str
                   ) -> Batch:
    """The Atera invoices dated ``date_from`` to ``date_to`` (inclusive), read from the API."""
    f, t = _date(date_from, "date_from"), _date(date_to, "date_to")
    if f > t:
        raise InputError(f"--from {f} is after --to {t}")
    records = list(atera.invoices(date_from=f.isoformat(), date_to=t.isoformat()))
    return Batch(_check_shape(records, f"Atera invoices {f}..{t}"), source=f"api:{f}..{t}")


def batch_from_selection(ws: Workspace, numbers: Sequence[int | str] | None = None, *,
                         date_from: dt.date | str | None = None,
                         date_to: dt.date | str | None = None) -> Batch:
    """Invoices from the workspace's latest Atera invoice snapshot, by number and/or date."""
    records = ws.records("atera", "invoices")
    if not records:
        raise InputError("the workspace has no Atera invoices: take a snapshot first")
    wanted = {str(n).strip() for n in numbers} if numbers is not None else None
    f = _date(date_from, "date_from") if date_from else None
    t = _date(date_to, "date_to") if date_to else None
    out = []
    for r in records:
        if wanted is not None and invoice_number(r) not in wanted:
            continue
        d = iso_day(r.get("InvoiceDate"))
        if (f and (d is None or d < f)) or (t and (d is None or d > t)):
            continue
        out.append(r)
    if wanted is not None:
        missing = wanted - {invoice_number(r) for r in out}
        if missing:
            raise InputError(f"not in the workspace's Atera invoices: {sorted(missing)}")
    return Batch(out, source="selection")


def load_batch(ws: Workspace, batch_id: str) -> Batch:
    """A batch saved by an earlier export (to resume it)."""
    saved = saved_batch(ws, batch_id)
    if saved is None:
        raise InputError(f"no saved batch {batch_id!r}")
    source, invoices = saved
    return Batch(invoices, source=source, batch_id=batch_id)


def _date(value: dt.date | str | None, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(f"{name}: expected YYYY-MM-DD, got {value!r}") from None


@dataclass(frozen=True)
class CustomerLink:
    """How one ``To.CompanyName`` was tied to an Atera customer and a Xero contact."""

    company: str
    atera_id: str | None  # CustomerID as text
    atera_name: str | None
    method: str  # 'exact' | 'normalised' | 'fuzzy' | 'ambiguous' | 'none'
    action: str | None  # the current decision: 'match' | 'create' | 'unmatch' | None
    xero_id: str | None
    candidates: tuple[str, ...] = ()
    score: float | None = None  # fuzzy: how alike the normalised names are (0-100)
    named: bool = False  # the decision was a person's (manual, file): see matchkit._gate


def link_customers(ws: Workspace, companies: Iterable[str]) -> dict[str, CustomerLink]:
    """Tie each company name to its Atera customer and, via decisions, to a Xero contact."""
    names = sorted({c for c in companies if c})
    customers = ws.rows("atera", "customers")
    decisions = ws.current_decisions("customers")
    by_id = {str(r.atera_id): r for r in decisions.itertuples()}
    exact: dict[str, list[tuple[str, str]]] = {}
    norm: dict[str, list[tuple[str, str]]] = {}
    if not customers.empty:
        cids = [str(int(x)) for x in customers["CustomerID"]]
        cnames = [str(x) for x in customers["CustomerName"]]
        for cid, cname, ek, nk in zip(cids, cnames, exact_key(cnames), normalise_company(cnames),
                                      strict=True):
            exact.setdefault(ek, []).append((cid, cname))
            if nk:
                norm.setdefault(nk, []).append((cid, cname))
    out: dict[str, CustomerLink] = {}
    if not names:
        return out
    for name, ek, nk in zip(names, exact_key(names), normalise_company(names), strict=True):
        hits, method = exact.get(ek, []), "exact"
        if not hits:
            hits, method = norm.get(nk, []) if nk else [], "normalised"
        if len(hits) > 1:
            out[name] = CustomerLink(name, None, None, "ambiguous", None, None,
                                     tuple(f"{n} (Atera {i})" for i, n in hits))
            continue
        if not hits:
            out[name] = CustomerLink(name, None, None, "none", None, None)
            continue
        cid, cname = hits[0]
        out[name] = _link(name, cid, cname, method, by_id)
    unresolved = [n for n, link in out.items() if link.method == "none"]
    if unresolved and not customers.empty:
        # Typed by hand on the invoice ("Pinnacle Mootrs Ltd"): taken only when exactly one
        # Atera customer is a typo away (normalised names this alike), whatever the matching
        # score says. Two such customers, or a shorter or longer name ("Cafe" for "Cafe
        # Muller": another company, maybe), are for a person: the candidates are listed.
        cids = [str(int(x)) for x in customers["CustomerID"]]
        cnames = [str(x) for x in customers["CustomerName"]]
        norms = normalise_company(cnames).tolist()
        typed = normalise_company(unresolved).tolist()
        right = pd.DataFrame({"id": cids, "name": cnames})
        found = match_frames(pd.DataFrame({"id": unresolved, "name": unresolved}), right,
                             "customers", top=3)
        by_left = {str(k): rows for k, rows in found.groupby("left_id", sort=False)}
        for name, key in zip(unresolved, typed, strict=True):
            close: list[tuple[str, float, int]] = process.extract(
                key, norms, scorer=fuzz.ratio, limit=None,
                score_cutoff=TYPO_SIMILARITY) if key else []
            if len(close) == 1:
                _, sim, at = close[0]
                out[name] = _link(name, cids[at], cnames[at], "fuzzy", by_id,
                                  score=float(sim))
            elif close:
                out[name] = replace(out[name], candidates=tuple(
                    f"{cnames[at]} (Atera {cids[at]}, names {sim:.0f}% alike)"
                    for _, sim, at in close[:5]))
            elif name in by_left:
                out[name] = replace(out[name], candidates=tuple(
                    f"{r.right_name} (Atera {r.right_id}, score {r.score:.0f})"
                    for r in by_left[name].itertuples()))
    return out


def _link(name: str, cid: str, cname: str, method: str, by_id: Mapping[str, Any],
          score: float | None = None) -> CustomerLink:
    d = by_id.get(cid)
    action = str(d.action) if d is not None else None
    xero_id = str(d.xero_id) if d is not None and action == "match" else None
    named = d is not None and str(d.method) in NAMED_METHODS
    return CustomerLink(name, cid, cname, method, action, xero_id, score=score, named=named)
