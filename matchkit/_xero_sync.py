"""Create missing contacts and items in Xero exactly once (shared by the wizard and the export).

The order is what makes it safe to kill the process at any moment:

1. what already exists in Xero is read (contacts by Name among active ones, items by Code),
   so an earlier run's work, or a same-named contact someone made by hand, is reused;
2. the intent (Atera id, the Name/Code to be sent, the Idempotency-Key) is written to the
   workspace *before* the request leaves;
3. records go in ``PUT`` requests of at most 50 with ``summarizeErrors=false`` and an
   ``Idempotency-Key``; when the answer is lost (dropped connection, 5xx, 429 after the client's
   own retries) Xero is read again and only what is still missing is sent, with a new key;
4. each Xero id is written back as a ``match`` decision with method ``created`` (or ``exact``
   when an existing record was found by name or code instead).

A resumed run finds its earlier intents, and so the names and codes it chose, and looks those
up first; nothing is ever created twice.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import pandas as pd

from ._exceptions import ApiError, ExportError
from ._gate import Verdict, judge
from ._keys import CODE_MAX, contact_key, contact_key_of, item_code, item_key, item_key_of
from ._presend import account_numbers_of, contact_problems
from ._sources import contacts_frame, items_frame, to_create, typed
from .outbox import Outbox, Sent
from .store import Decision, Workspace, held_rows, log_sync, sync_intents

__all__ = [
    "ContactSpec",
    "ItemSpec",
    "KeyResult",
    "SyncFailure",
    "SyncPreview",
    "XeroSyncError",
    "default_sales_account",
    "ensure_contact_keys",
    "ensure_contacts",
    "ensure_items",
    "preview_contact_keys",
    "preview_contacts",
    "preview_items",
    "xero_contact_name",
    "xero_item_name",
]

CHUNK = 50  # Xero's advice: at most 50 elements per request
ITEM_NAME_MAX = 50
CONTACT_NAME_MAX = 255


class XeroWriter(Protocol):
    """The part of :class:`matchkit.xero.XeroClient` this module uses."""

    @property
    def tenant_id(self) -> str: ...

    def contacts(self, include_archived: bool = ..., modified_since: Any = ...
                 ) -> Iterator[dict[str, Any]]: ...

    def items(self, modified_since: Any = ...) -> list[dict[str, Any]]: ...

    def accounts(self) -> list[dict[str, Any]]: ...

    def create_contacts(self, records: list[dict[str, Any]], *, idempotency_key: str
                        ) -> Sequence[Sent]: ...

    def update_contacts(self, records: list[dict[str, Any]], *, idempotency_key: str
                        ) -> Sequence[Sent]: ...

    def create_items(self, records: list[dict[str, Any]], *, idempotency_key: str
                     ) -> Sequence[Sent]: ...


@dataclass(frozen=True)
class ContactSpec:
    """An Atera customer to have as a Xero contact.

    It is found (its link key in ContactNumber, or its name) or created only when clearly
    new (``matchkit._gate``); ``confirmed``: a person named this record for creation, so a
    look-alike may be created (never a record that exists).
    """

    atera_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    tax_number: str | None = None
    website: str | None = None
    confirmed: bool = False

    @property
    def key(self) -> str:
        """The ContactNumber the contact carries: ``ATERA-<CustomerID>``."""
        return contact_key(self.atera_id)

    def payload(self, name: str) -> dict[str, Any]:
        body: dict[str, Any] = {"Name": name, "ContactNumber": self.key}
        if self.email:
            body["EmailAddress"] = self.email
        if self.tax_number:
            body["TaxNumber"] = self.tax_number[:50]
        # Website is read-only in Xero's API (the spec marks it so): kept on the spec only.
        if self.phone:
            body["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": self.phone[:50]}]
        if any((self.address, self.city, self.region, self.postal_code, self.country)):
            addr = {"AddressType": "STREET", "AddressLine1": self.address, "City": self.city,
                    "Region": self.region, "PostalCode": self.postal_code,
                    "Country": self.country}
            body["Addresses"] = [{k: v for k, v in addr.items() if v}]
        return body


@dataclass(frozen=True)
class ItemSpec:
    """An Atera product, expense or labour rate to have as a Xero item (Atera's price).

    ``code``: the Code to create it with; by default its link-key code
    (``matchkit._keys.item_code``). ``confirmed`` as for :class:`ContactSpec`.
    """

    atera_id: str
    name: str
    price: float | None = None
    description: str | None = None
    code: str | None = None
    sales_account: str | None = None
    confirmed: bool = False

    @property
    def key(self) -> str:
        return item_key(self.atera_id)

    def wanted_code(self) -> str:
        return (self.code or "").strip() or item_code(self.atera_id, self.name)

    def payload(self, code: str) -> dict[str, Any]:
        body: dict[str, Any] = {"Code": code, "Name": xero_item_name(self.name),
                                "Description": (self.description or self.name)[:4000],
                                "IsSold": True, "IsPurchased": False}
        sales: dict[str, Any] = {}
        if self.price is not None:
            sales["UnitPrice"] = round(float(self.price), 4)
        if self.sales_account:
            sales["AccountCode"] = self.sales_account
        # No TaxType: Xero's own tax (the account's default) must apply.
        if sales:
            body["SalesDetails"] = sales
        return body


@dataclass(frozen=True)
class SyncFailure:
    kind: str
    atera_id: str
    name: str
    reason: str
    held: bool = False  # not refused by Xero: it looks like a record there, a person decides

    def __str__(self) -> str:
        return f"{self.kind} {self.name!r} (Atera {self.atera_id}): {self.reason}"


class XeroSyncError(ExportError):
    """Some contacts or items could not be created; ``done`` holds those that were."""

    def __init__(self, failures: Sequence[SyncFailure], done: Mapping[str, str]) -> None:
        self.failures = list(failures)
        self.done = dict(done)
        lines = "\n  ".join(str(f) for f in self.failures[:50])
        more = len(self.failures) - 50
        super().__init__(
            f"{len(self.failures)} record(s) could not be created in Xero "
            f"({len(self.done)} done):\n  {lines}" + (f"\n  ... and {more} more" if more > 0
                                                      else "")
        )


# --- names ------------------------------------------------------------------------------

_WS = re.compile(r"\s+")


def fold_name(name: object) -> str:
    """How Xero compares names and codes: NFKC, spaces collapsed, case folded."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", str(name or ""))).strip().casefold()


def _clip(text: str, limit: int) -> str:
    return text[:limit].rstrip()


def xero_item_name(name: str) -> str:
    """Xero's item Name: whitespace tidied, at most 50 characters."""
    cleaned = _WS.sub(" ", name).strip()
    if not cleaned:
        raise ValueError("an item needs a name")
    return _clip(cleaned, ITEM_NAME_MAX)


def xero_contact_name(name: str) -> str:
    """Xero's contact Name: whitespace tidied, at most 255 characters. Never suffixed: a
    name an active contact has means that contact exists."""
    cleaned = _WS.sub(" ", name).strip()
    if not cleaned:
        raise ValueError("a contact needs a name")
    return _clip(cleaned, CONTACT_NAME_MAX)


# --- the shared engine ------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class _Job:
    atera_id: str
    label: str  # what identifies it in Xero: a contact Name or an item Code
    payload: dict[str, Any]
    name: str
    code: str | None = None


@dataclass
class _Engine:
    """The outbox channel of contacts, items and link keys (``matchkit.outbox``), and what
    one run found, created and could not."""

    ws: Workspace
    kind: str  # 'contact' | 'item' | 'contact_key'
    tenant: str
    run_id: str
    lookup: Callable[[], dict[str, str]]  # folded label -> Xero id (what exists now)
    create: Callable[[list[dict[str, Any]], str], Sequence[Sent]]
    id_field: str
    done_ids: dict[str, str] = field(default_factory=dict)
    how: dict[str, str] = field(default_factory=dict)  # atera_id -> 'created' | 'exact'
    failures: list[SyncFailure] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)  # log rows not yet written

    def run(self, jobs: list[_Job]) -> None:
        try:
            Outbox(self, self.tenant, self.run_id).run(jobs)
        finally:
            self.flush()

    # --- the outbox's channel
    def group(self, job: _Job) -> int:
        return 0

    def chunk_size(self, group: int) -> int:
        return CHUNK

    def payload(self, job: _Job) -> dict[str, Any]:
        return job.payload

    def record_id(self, record: dict[str, Any]) -> str | None:
        return str(record[self.id_field]) if record.get(self.id_field) else None

    def send(self, group: int, payloads: list[dict[str, Any]], key: str) -> Sequence[Sent]:
        return self.create(payloads, key)

    def intent(self, jobs: list[_Job], key: str) -> None:
        self.rows.extend(self._row(j, "sending", idempotency_key=key) for j in jobs)
        self.flush()

    def done(self, job: _Job, record: dict[str, Any]) -> None:
        self._ok(job, str(record[self.id_field]), "created")

    def refused(self, job: _Job, why: str) -> None:
        self._fail(job, why)

    def unsure(self, jobs: list[_Job], why: str) -> None:
        pass  # the 'sending' intent stays: the next round, or run, looks these up

    def gave_up(self, jobs: list[_Job], rounds: int) -> None:
        for job in jobs:
            self._fail(job, f"no answer from Xero after {rounds} attempts; run again")

    def settle(self, jobs: list[_Job]) -> list[_Job]:
        existing = self.lookup()
        missing = []
        for job in jobs:
            xid = existing.get(fold_name(job.label))
            if xid:
                self._ok(job, xid, "created")
            else:
                missing.append(job)
        return missing

    def flush(self) -> None:
        log_sync(self.ws, self.rows)
        self.rows.clear()

    # --- outcomes
    def _row(self, job: _Job, status: str, **extra: Any) -> dict[str, Any]:
        return {"tenant_id": self.tenant, "kind": self.kind, "atera_id": job.atera_id,
                "name": job.name, "code": job.code, "status": status, "run_id": self.run_id,
                **extra}

    def _ok(self, job: _Job, xero_id: str, how: str) -> None:
        self.rows.append(self._row(job, "created" if how == "created" else "found",
                                   xero_id=xero_id))
        self.done_ids[job.atera_id] = xero_id
        self.how[job.atera_id] = how

    def _fail(self, job: _Job, reason: str, *, held: bool = False) -> None:
        self.rows.append(self._row(job, "failed", error=reason[:2000]))
        self.failures.append(SyncFailure(self.kind, job.atera_id, job.name, reason, held))


_METHOD = {"created": "created", "exact": "exact", "link": "link"}
_NOTE = {"exact": "found in Xero by name before creating",
         "link": "found in Xero by its link key before creating"}


def _run(ws: Workspace, engine: _Engine, jobs: list[_Job], entity: str, who: str | None
         ) -> dict[str, str]:
    """Send ``jobs``, then record every Xero id as a decision. When the run must stop (the
    connection refused, Xero's daily limit) what was done is recorded before the error
    goes on: the next run takes it from the log and looks the unsure ones up."""
    try:
        engine.run(jobs)
    except ApiError:
        _decide(ws, engine, entity, who)
        raise
    return _finish(ws, engine, entity, who)


def _decide(ws: Workspace, engine: _Engine, entity: str, who: str | None) -> None:
    engine.flush()
    decisions = [
        Decision(entity=entity, action="match", atera_id=aid, xero_id=xid,
                 method=_METHOD[engine.how[aid]], score=100.0, who=who, run_id=engine.run_id,
                 note=_NOTE.get(engine.how[aid]))
        for aid, xid in engine.done_ids.items()
    ]
    ws.record_decisions(decisions)


def _finish(ws: Workspace, engine: _Engine, entity: str, who: str | None) -> dict[str, str]:
    _decide(ws, engine, entity, who)
    if engine.failures:
        raise XeroSyncError(engine.failures, engine.done_ids)
    return dict(engine.done_ids)


def _check_unique(specs: Sequence[ContactSpec] | Sequence[ItemSpec]) -> None:
    seen: set[str] = set()
    for s in specs:
        if not str(s.atera_id).strip():
            raise ValueError(f"{type(s).__name__} {s.name!r} has no atera_id")
        if s.atera_id in seen:
            raise ValueError(f"atera_id {s.atera_id!r} appears twice")
        seen.add(s.atera_id)


@dataclass(frozen=True)
class SyncPreview:
    """What ensure_contacts / ensure_items would do: reuse ``found``, create ``to_create``,
    and leave ``held`` (atera_id -> why) for a person: each looks like a Xero record."""

    found: dict[str, str]  # atera_id -> Xero id already there (or created by an earlier run)
    to_create: list[dict[str, Any]]  # the payloads that would be sent
    held: dict[str, str] = field(default_factory=dict)
    created_for: list[str] = field(default_factory=list)  # atera_id of each payload


def ensure_contacts(ws: Workspace, xero: XeroWriter, specs: Sequence[ContactSpec], *,
                    run_id: str, who: str | None = None) -> dict[str, str]:
    """Make sure each spec has a Xero contact; return ``{atera_id: ContactID}``.

    A contact is found by its link key (ContactNumber ``ATERA-<id>``), then by its name
    (active contacts; a name is never suffixed to make room), and created (with its key)
    only when ``matchkit._gate`` finds nothing like it in Xero, or a person named it.
    Raises :class:`XeroSyncError` (after recording every success) when some were not
    created, a look-alike held for a person among them; its ``done`` holds the others.
    """
    _check_unique(specs)
    if not specs:
        return {}
    engine, jobs = _contact_jobs(ws, xero, specs, run_id)
    # What Xero would refuse (e-mail, AccountNumber, lengths) fails here, never sent.
    verdicts = contact_problems([j.payload for j in jobs], lambda: account_numbers_of(xero))
    for job, why in zip(jobs, verdicts, strict=True):
        if why:
            engine._fail(job, why)
    return _run(ws, engine, [j for j, why in zip(jobs, verdicts, strict=True) if not why],
                "customers", who)


def preview_contacts(ws: Workspace, xero: XeroWriter, specs: Sequence[ContactSpec]
                     ) -> SyncPreview:
    """The dry run of :func:`ensure_contacts`: reads Xero, writes and sends nothing."""
    _check_unique(specs)
    if not specs:
        return SyncPreview({}, [])
    engine, jobs = _contact_jobs(ws, xero, specs, "preview")
    return SyncPreview(dict(engine.done_ids), [j.payload for j in jobs],
                       {f.atera_id: f.reason for f in engine.failures},
                       [j.atera_id for j in jobs])


def _twice(engine: _Engine, job: _Job, planned: dict[str, _Job]) -> bool:
    """A second record of one name in the same run: only the first is created (two of one
    name would be the very look-alikes this module exists to prevent)."""
    first = planned.setdefault(fold_name(job.name), job)
    if first is job:
        return False
    engine._fail(job, f"not created: Atera {first.atera_id} has the same name and is created "
                 "in this run; match this one to that record once it exists, or rename it in "
                 "Atera", held=True)
    return True


def _held(engine: _Engine, job: _Job, verdict: Verdict, where: str) -> None:
    engine.failures.append(SyncFailure(engine.kind, job.atera_id, job.name,
                                       "not created: " + verdict.why_not(where), held=True))


def _contact_jobs(ws: Workspace, xero: XeroWriter, specs: Sequence[ContactSpec], run_id: str
                  ) -> tuple[_Engine, list[_Job]]:
    tenant = xero.tenant_id
    # Name is unique among ACTIVE contacts only; archived ones may share it.
    live = [c for c in xero.contacts(include_archived=False)
            if c.get("Name") and c.get("ContactStatus", "ACTIVE") == "ACTIVE"]

    def lookup() -> dict[str, str]:
        # after a lost answer: the contacts that carry a link key now
        return {fold_name(contact_key_of(c.get("ContactNumber"))): str(c["ContactID"])
                for c in xero.contacts(include_archived=False)
                if contact_key_of(c.get("ContactNumber"))}

    by_key = {str(contact_key_of(c.get("ContactNumber"))): c for c in live
              if contact_key_of(c.get("ContactNumber"))}
    by_name = {fold_name(c["Name"]): c for c in live}
    earlier = sync_intents(ws, tenant, "contact")
    engine = _Engine(ws, "contact", tenant, run_id, lookup,
                     lambda p, k: xero.create_contacts(p, idempotency_key=k), "ContactID")
    fresh: list[tuple[ContactSpec, _Job]] = []
    jobs: list[_Job] = []
    planned: dict[str, _Job] = {}
    for spec in specs:
        prior = earlier.get(spec.atera_id)
        if _finished_before(engine, spec.atera_id, prior):
            continue
        name = xero_contact_name(spec.name)
        job = _Job(spec.atera_id, spec.key, spec.payload(name), name)
        sent = prior is not None and prior["status"] == "sending"
        hit = by_key.get(spec.key)
        if hit is not None:  # (made by that earlier run, when one sent it)
            engine._ok(job, str(hit["ContactID"]), "created" if sent else "link")
            continue
        if sent:
            assert prior is not None
            # An earlier run sent this and may have created it (before link keys, by name).
            name = str(prior["name"])
            old = by_name.get(fold_name(name))
            if old is not None:
                engine._ok(replace(job, name=name), str(old["ContactID"]), "created")
                continue
            jobs.append(_Job(spec.atera_id, spec.key, spec.payload(name), name))
            continue
        same = by_name.get(fold_name(name))
        if same is not None:
            other = contact_key_of(same.get("ContactNumber"))
            if other is not None and other != spec.key:
                engine._fail(job, f"not created: Xero contact {same['Name']!r} has this name "
                             f"and carries the link key of another Atera customer ({other}); "
                             "match it by hand if it is the same company", held=True)
            else:
                engine._ok(job, str(same["ContactID"]), "exact")
            continue
        if _twice(engine, job, planned):
            continue
        fresh.append((spec, job))
    if fresh:
        todo = to_create(ws, "customers", pd.DataFrame({
            "id": [s.atera_id for s, _ in fresh], "name": [j.name for _, j in fresh],
            "key": [s.key for s, _ in fresh],
            "email": [s.email or "" for s, _ in fresh],
            "domain": [s.website or "" for s, _ in fresh],
            "phone": [s.phone or "" for s, _ in fresh],
            "tax_number": [s.tax_number or "" for s, _ in fresh],
            "city": [s.city or "" for s, _ in fresh],
            "country": [s.country or "" for s, _ in fresh]}))
        verdicts = judge("customers", todo, contacts_frame(typed("xero", "contacts", live)),
                         held=held_rows(ws, "customers"))
        for spec, job in fresh:
            v = verdicts[spec.atera_id]
            if v.allows(spec.confirmed):
                jobs.append(job)
            else:
                _held(engine, job, v, "Xero contact")
    return engine, jobs


def ensure_items(ws: Workspace, xero: XeroWriter, specs: Sequence[ItemSpec], *,
                 run_id: str, who: str | None = None) -> dict[str, str]:
    """Make sure each spec has a Xero item; return ``{atera_id: ItemID}``.

    An item is found by its link key (a Code starting ``ATERA-P12``...), by the Code it is
    to get, or by its Name (case and spaces aside); otherwise created, with its link-key
    Code and the Atera price, when ``matchkit._gate`` finds nothing like it (or a person
    named it). Raises :class:`XeroSyncError` as :func:`ensure_contacts` does.
    """
    _check_unique(specs)
    if not specs:
        return {}
    engine, jobs = _item_jobs(ws, xero, specs, run_id)
    return _run(ws, engine, jobs, "products", who)


def preview_items(ws: Workspace, xero: XeroWriter, specs: Sequence[ItemSpec]) -> SyncPreview:
    """The dry run of :func:`ensure_items`: reads Xero, writes and sends nothing."""
    _check_unique(specs)
    if not specs:
        return SyncPreview({}, [])
    engine, jobs = _item_jobs(ws, xero, specs, "preview")
    return SyncPreview(dict(engine.done_ids), [j.payload for j in jobs],
                       {f.atera_id: f.reason for f in engine.failures},
                       [j.atera_id for j in jobs])


def _finished_before(engine: _Engine, atera_id: str, prior: Mapping[str, Any] | None) -> bool:
    """An earlier run already created or found this record: take its id, send nothing."""
    if prior is None or prior["status"] not in ("created", "found") or not prior["xero_id"]:
        return False
    engine.done_ids[atera_id] = str(prior["xero_id"])
    engine.how[atera_id] = "created" if prior["status"] == "created" else "exact"
    return True


def default_sales_account(accounts: list[dict[str, Any]]) -> str | None:
    """The organisation's sales account: its tax rate is the one Xero applies to a line."""
    revenue = [a for a in accounts if a.get("Type") in ("REVENUE", "SALES")
               and a.get("Status", "ACTIVE") == "ACTIVE" and a.get("Code")]
    named = [a for a in revenue if str(a.get("Name", "")).strip().lower() == "sales"]
    pick = named or revenue
    return str(pick[0]["Code"]) if pick else None


def _item_jobs(ws: Workspace, xero: XeroWriter, specs: Sequence[ItemSpec], run_id: str
               ) -> tuple[_Engine, list[_Job]]:
    tenant = xero.tenant_id
    # An item without a sales account makes Xero apply no tax to its lines: new items get
    # the export's sales account setting, else the organisation's sales account.
    account: list[str | None] = []

    def sales_account() -> str | None:
        if not account:
            account.append(ws.get_setting("export.sales_account")
                           or default_sales_account(xero.accounts()))
        return account[0]

    current: list[dict[str, Any]] = []

    def lookup() -> dict[str, str]:
        current[:] = xero.items()
        return {fold_name(str(i["Code"])): str(i["ItemID"]) for i in current if i.get("Code")}

    by_code = lookup()
    live = list(current)
    by_key = {str(item_key_of(i.get("Code"))): str(i["ItemID"]) for i in live
              if item_key_of(i.get("Code"))}
    by_name = {fold_name(str(i["Name"])): str(i["ItemID"]) for i in live if i.get("Name")}
    earlier = sync_intents(ws, tenant, "item")
    engine = _Engine(ws, "item", tenant, run_id, lookup,
                     lambda p, k: xero.create_items(p, idempotency_key=k), "ItemID")
    fresh: list[tuple[ItemSpec, _Job]] = []
    jobs: list[_Job] = []
    planned: dict[str, _Job] = {}
    for spec in specs:
        prior = earlier.get(spec.atera_id)
        if _finished_before(engine, spec.atera_id, prior):
            continue
        name = xero_item_name(spec.name)
        if prior is not None and prior["status"] == "sending" and prior["code"]:
            code = str(prior["code"])
        else:
            code = spec.wanted_code()
        if len(code) > CODE_MAX:
            engine._fail(_Job(spec.atera_id, code, {}, name, code),
                         f"the Code {code!r} is longer than Xero's {CODE_MAX} characters")
            continue
        job = _Job(spec.atera_id, code, {}, name, code)
        # what exists: our key (whatever a person made of the rest of the code), the very
        # code, an item of the same name
        sent = prior is not None and prior["status"] == "sending"
        for xid, how in ((by_key.get(spec.key), "link"), (by_code.get(fold_name(code)), "exact"),
                         (by_name.get(fold_name(name)), "exact")):
            if xid:
                engine._ok(job, xid, "created" if sent else how)
                break
        else:
            if not spec.sales_account:
                spec = replace(spec, sales_account=sales_account())
            job = replace(job, payload=spec.payload(code))
            if sent:
                jobs.append(job)  # judged when it was first sent
            elif not _twice(engine, job, planned):
                fresh.append((spec, job))
    if fresh:
        todo = to_create(ws, "products", pd.DataFrame({
            "id": [s.atera_id for s, _ in fresh], "name": [j.name for _, j in fresh],
            "key": [s.key for s, _ in fresh],
            "price": [s.price for s, _ in fresh],
            "description": [s.description or "" for s, _ in fresh]}))
        verdicts = judge("products", todo, items_frame(typed("xero", "items", live)),
                         held=held_rows(ws, "products"))
        for spec, job in fresh:
            v = verdicts[spec.atera_id]
            if v.allows(spec.confirmed):
                jobs.append(job)
            else:
                _held(engine, job, v, "Xero item")
    return engine, jobs


# --- link keys on contacts that exist -----------------------------------------------------


@dataclass(frozen=True)
class KeyResult:
    """The link keys Done put on matched contacts (atera_id -> ContactID), and those it
    left: the contact carries another Contact Code already (``kept``: atera_id -> that
    code, never overwritten) or is gone from Xero (``missing``)."""

    set: dict[str, str] = field(default_factory=dict)
    already: dict[str, str] = field(default_factory=dict)
    kept: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _key_jobs(ws: Workspace, xero: XeroWriter, pairs: Mapping[str, str], run_id: str
              ) -> tuple[_Engine, list[_Job], KeyResult]:
    tenant = xero.tenant_id
    live = {str(c["ContactID"]): c for c in xero.contacts(include_archived=True)}

    def lookup() -> dict[str, str]:
        return {fold_name(f"{c.get('ContactNumber')}|{c['ContactID']}"): str(c["ContactID"])
                for c in xero.contacts(include_archived=True) if c.get("ContactNumber")}

    engine = _Engine(ws, "contact_key", tenant, run_id, lookup,
                     lambda p, k: xero.update_contacts(p, idempotency_key=k), "ContactID")
    result = KeyResult()
    jobs: list[_Job] = []
    queued: dict[str, str] = {}  # ContactID -> the Atera id whose key it gets
    for atera_id, contact_id in sorted(pairs.items()):
        contact = live.get(contact_id)
        if contact is None:
            result.missing.append(atera_id)
            continue
        key = contact_key(atera_id)
        if contact_id in queued:  # one contact for two customers (a person allowed it)
            result.kept[atera_id] = contact_key(queued[contact_id])
            continue
        queued[contact_id] = atera_id
        number = str(contact.get("ContactNumber") or "").strip()
        if fold_name(number) == fold_name(key):
            result.already[atera_id] = contact_id
        elif number:
            result.kept[atera_id] = number  # an accountant's code, or another customer's key
        else:
            # the label is what the lookup finds once the key is there
            jobs.append(_Job(atera_id, f"{key}|{contact_id}",
                             {"ContactID": contact_id, "ContactNumber": key},
                             str(contact.get("Name") or contact_id), key))
    return engine, jobs, result


def ensure_contact_keys(ws: Workspace, xero: XeroWriter, pairs: Mapping[str, str], *,
                        run_id: str) -> KeyResult:
    """Put each Atera customer's link key on the Xero contact it is matched to (``pairs``:
    atera_id -> ContactID) with ``POST /Contacts`` of ``ContactID`` and ``ContactNumber``
    only, so nothing else of the contact changes. A contact with another ContactNumber keeps
    it (reported in ``kept``). Intent logged first and idempotency keys, as for creating.
    """
    engine, jobs, result = _key_jobs(ws, xero, pairs, run_id)
    engine.run(jobs)
    result.set.update({a: x for a, x in engine.done_ids.items()})
    if engine.failures:
        raise XeroSyncError(engine.failures, engine.done_ids)
    return result


def preview_contact_keys(ws: Workspace, xero: XeroWriter, pairs: Mapping[str, str]
                         ) -> KeyResult:
    """The dry run of :func:`ensure_contact_keys` (``set``: those it would set)."""
    _, jobs, result = _key_jobs(ws, xero, pairs, "preview")
    result.set.update({j.atera_id: str(j.payload["ContactID"]) for j in jobs})
    return result
