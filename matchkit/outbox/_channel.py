"""The outbox channel of contacts, items and link keys (what creating them shares, a name
twice in one run, a look-alike held, what an earlier run finished: ``_create``).

The order is what makes it safe to kill the process at any moment:

1. what already exists in Xero is read (contacts by link key and by Name among active ones,
   items by link key, Code and Name), so an earlier run's work, or a same-named record
   someone made by hand, is reused;
2. the intent (Atera id, the Name/Code to be sent, the Idempotency-Key) is written to the
   sync log (``matchkit.store``) *before* the request leaves;
3. records go in ``PUT`` requests of at most 50 with ``summarizeErrors=false`` and an
   ``Idempotency-Key`` (the outbox's rules: a refusal reported once, a lost answer looked
   up, then what is still missing resent with a new key);
4. each Xero id is written back as a ``match`` decision with method ``created`` (or
   ``exact``/``link`` when an existing record was found instead).

A resumed run finds its earlier intents, and so the names and codes it chose, and looks
those up first; nothing is ever created twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..store import Workspace, log_sync
from ._engine import Outbox, Sent
from ._names import fold_name
from ._specs import SyncFailure

__all__ = ["CHUNK", "Job", "SyncChannel"]

CHUNK = 50  # Xero's advice: at most 50 elements per request


@dataclass
class Job:
    atera_id: str
    label: str  # what identifies it in Xero: a contact Name or an item Code
    payload: dict[str, Any]
    name: str
    code: str | None = None


@dataclass
class SyncChannel:
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

    def run(self, jobs: list[Job]) -> None:
        try:
            Outbox(self, self.tenant, self.run_id).run(jobs)
        finally:
            self.flush()

    # --- the outbox's channel
    def group(self, job: Job) -> int:
        return 0

    def chunk_size(self, group: int) -> int:
        return CHUNK

    def payload(self, job: Job) -> dict[str, Any]:
        return job.payload

    def record_id(self, record: dict[str, Any]) -> str | None:
        return str(record[self.id_field]) if record.get(self.id_field) else None

    def send(self, group: int, payloads: list[dict[str, Any]], key: str) -> Sequence[Sent]:
        return self.create(payloads, key)

    def intent(self, jobs: list[Job], key: str) -> None:
        self.rows.extend(self._row(j, "sending", idempotency_key=key) for j in jobs)
        self.flush()

    def done(self, job: Job, record: dict[str, Any]) -> None:
        self.ok(job, str(record[self.id_field]), "created")

    def refused(self, job: Job, why: str) -> None:
        self.fail(job, why)

    def unsure(self, jobs: list[Job], why: str) -> None:
        pass  # the 'sending' intent stays: the next round, or run, looks these up

    def gave_up(self, jobs: list[Job], rounds: int) -> None:
        for job in jobs:
            self.fail(job, f"no answer from Xero after {rounds} attempts; run again")

    def settle(self, jobs: list[Job]) -> list[Job]:
        existing = self.lookup()
        missing = []
        for job in jobs:
            xid = existing.get(fold_name(job.label))
            if xid:
                self.ok(job, xid, "created")
            else:
                missing.append(job)
        return missing

    def flush(self) -> None:
        log_sync(self.ws, self.rows)
        self.rows.clear()

    # --- outcomes
    def _row(self, job: Job, status: str, **extra: Any) -> dict[str, Any]:
        return {"tenant_id": self.tenant, "kind": self.kind, "atera_id": job.atera_id,
                "name": job.name, "code": job.code, "status": status, "run_id": self.run_id,
                **extra}

    def ok(self, job: Job, xero_id: str, how: str) -> None:
        self.rows.append(self._row(job, "created" if how == "created" else "found",
                                   xero_id=xero_id))
        self.done_ids[job.atera_id] = xero_id
        self.how[job.atera_id] = how

    def fail(self, job: Job, reason: str, *, held: bool = False) -> None:
        self.rows.append(self._row(job, "failed", error=reason[:2000]))
        self.failures.append(SyncFailure(self.kind, job.atera_id, job.name, reason, held))
