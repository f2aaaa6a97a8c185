"""The one way matchkit writes records to Xero exactly once.

Every write (contacts, items, invoices, credit notes, link keys on contacts) goes through
:class:`Outbox`. A :class:`Channel` says what a kind of record is (its endpoint, its payload,
how its outcome is recorded and how it is looked up); the outbox owns the rules:

* **intent first**: each request's records and Idempotency-Key are recorded (on disk) before
  the request leaves, and each outcome as soon as Xero answers;
* **one key rule**: :func:`idempotency_key`, a hash of the canonical JSON of tenant, kind and
  payloads, with the run and the round (a resend gets a new key);
* **one pairing rule**: :func:`pair`, by position in the request (Xero's
  ``summarizeErrors=false`` answer keeps the order), checked against the count Xero returned;
* **one error taxonomy** (:func:`fate_of`): a record Xero refuses is reported with Xero's
  words and never resent; a record Xero says exists already ("must be unique", "already
  exists") is looked up and taken when found, else reported as refused; an answer lost
  (transport error, 5xx, 429 after the client's retries, an answer that cannot be paired, an
  element a summarised 400 leaves out) is looked up, then what is missing is resent with a
  new key; Xero's daily limit and a refused connection stop the run at once
  (:class:`AuthError`, :class:`RateLimitError` raised) with the intents on disk, so the next
  run looks them up first and resumes. The minute limit is waited out by the client's
  limiter, below this module.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Generic, Protocol, TypeVar

from .._exceptions import ApiError, AuthError, RateLimitError, ValidationError
from ..xero import UNCONFIRMED

__all__ = ["Channel", "Fate", "Outbox", "Sent", "fate_of", "idempotency_key", "pair",
           "stops_the_run"]

MAX_ROUNDS = 5  # send, then look up and resend what is missing, at most this often

# Xero's words for "a record with this name/code/number exists": perhaps ours, from a lost answer
_CLASH = ("already assigned to another contact", "already exists", "must be unique")

J = TypeVar("J")


class Sent(Protocol):
    """Xero's answer for one record of a write (:class:`matchkit.xero.ElementResult`)."""

    @property
    def index(self) -> int: ...

    @property
    def ok(self) -> bool: ...

    @property
    def record(self) -> dict[str, Any]: ...

    @property
    def errors(self) -> list[str]: ...


class Fate(Enum):
    DONE = "done"  # Xero holds it: its id is in the answer
    REFUSED = "refused"  # Xero said why not: report its words, never resend
    CLASH = "clash"  # Xero holds one like it: look it up (an earlier lost answer's record?)
    LOST = "lost"  # Xero's answer does not say: look it up, resend it if Xero lacks it


def idempotency_key(tenant: str, kind: str, run_id: str, round_no: int,
                    payloads: Sequence[dict[str, Any]]) -> str:
    """The Idempotency-Key of one request (<= 128 characters): the same request in the same
    run and round gets the same key, anything else another. Canonical JSON, so a key does
    not depend on dict order or on how Python prints a value."""
    canonical = json.dumps([tenant, kind, list(payloads)], sort_keys=True, ensure_ascii=False,
                           separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:40]
    run = re.sub(r"[^A-Za-z0-9-]", "", run_id)[-40:]
    return f"mk-{kind}-{run}-r{round_no}-{digest}"[:128]


def pair(results: Sequence[Sent], count: int) -> list[Sent] | None:
    """Xero's answers, the i-th for the i-th record sent; ``None`` when they cannot be paired
    (another count, or out of order): then the answer counts as lost and is looked up."""
    if len(results) != count or any(r.index != i for i, r in enumerate(results)):
        return None
    return list(results)


def fate_of(result: Sent, has_id: bool) -> Fate:
    """What Xero's answer for one record means (``has_id``: the answer carries its id)."""
    if result.ok and has_id:
        return Fate.DONE
    if result.errors and result.errors[0].startswith(UNCONFIRMED):
        return Fate.LOST
    text = " ".join(result.errors).lower()
    return Fate.CLASH if any(c in text for c in _CLASH) else Fate.REFUSED


def stops_the_run(exc: ApiError) -> bool:
    """A refused connection, or Xero's daily limit (it resets hours later: retrying now
    only hides why nothing moves)."""
    return isinstance(exc, AuthError) or (isinstance(exc, RateLimitError)
                                          and exc.problem == "day")


def words(exc_or_errors: ValidationError | Sequence[str]) -> str:
    if isinstance(exc_or_errors, ValidationError):
        return "; ".join(exc_or_errors.errors) or str(exc_or_errors)
    return "; ".join(exc_or_errors) or "refused by Xero without a message"


class Channel(Protocol[J]):
    """One kind of record written through the outbox (contacts, items, invoices ...)."""

    kind: str  # in the Idempotency-Key: 'contact', 'item', 'inv' ...

    def group(self, job: J) -> int:
        """Records of one group go in one request (invoices apart from credit notes); lower
        groups first."""

    def chunk_size(self, group: int) -> int: ...

    def payload(self, job: J) -> dict[str, Any]: ...

    def record_id(self, record: dict[str, Any]) -> str | None:
        """The id Xero gave a record (ContactID, InvoiceID ...), if it holds one."""

    def send(self, group: int, payloads: list[dict[str, Any]], key: str
             ) -> Sequence[Sent]: ...

    def intent(self, jobs: list[J], key: str) -> None:
        """Record that ``jobs`` are about to be sent with ``key``, on disk, now."""

    def done(self, job: J, record: dict[str, Any]) -> None: ...

    def refused(self, job: J, why: str) -> None: ...

    def unsure(self, jobs: list[J], why: str) -> None:
        """Xero's answer for ``jobs`` is lost (or the run stops before it): they are looked
        up before anything is sent again."""

    def gave_up(self, jobs: list[J], rounds: int) -> None: ...

    def settle(self, jobs: list[J]) -> list[J]:
        """Look ``jobs`` up in Xero; record those found (:meth:`done` or :meth:`refused`);
        return those Xero does not hold."""

    def flush(self) -> None:
        """Write the outcomes recorded so far (one transaction)."""


@dataclass
class Outbox(Generic[J]):
    """Sends a channel's records exactly once (see the module's docstring)."""

    channel: Channel[J]
    tenant: str
    run_id: str
    max_rounds: int = MAX_ROUNDS
    requests: int = 0  # write and look-up requests made (before the client's own retries)
    resends: int = 0  # records sent again after a lost answer
    _clashes: dict[int, str] = field(default_factory=dict)  # id(job) -> Xero's words

    def run(self, jobs: list[J]) -> None:
        """Send ``jobs``; look up and resend what is lost. Raises :class:`AuthError` or
        :class:`RateLimitError` (daily limit) when the run must stop."""
        pending, unsure = list(jobs), []
        for round_no in range(1, self.max_rounds + 1):
            for group, chunk in self._chunks(pending):
                unsure += self._send(group, chunk, round_no)
            pending = []
            if not unsure:
                return
            try:
                missing = self.settle(unsure)
            except ApiError as exc:
                if stops_the_run(exc):
                    raise
                # Xero cannot say what it holds right now: never resend blind; ask again.
                time.sleep(min(0.5 * round_no, 5.0))
                continue
            unsure = []
            for job in missing:
                clash = self._clashes.pop(id(job), None)
                if clash is not None:  # not ours after all: Xero's refusal stands
                    self.channel.refused(job, clash)
                else:
                    pending.append(job)
            self.channel.flush()
            if round_no < self.max_rounds:
                self.resends += len(pending)
        left = pending + unsure
        if left:
            self.channel.gave_up(left, self.max_rounds)
            self.channel.flush()

    def settle(self, jobs: list[J]) -> list[J]:
        """Look ``jobs`` up (after a lost answer or an earlier run); those Xero does not hold."""
        if not jobs:
            return []
        self.requests += 1
        return self.channel.settle(jobs)

    def _chunks(self, jobs: list[J]) -> Iterator[tuple[int, list[J]]]:
        groups: dict[int, list[J]] = {}
        for job in jobs:
            groups.setdefault(self.channel.group(job), []).append(job)
        for group, members in sorted(groups.items(), key=lambda g: g[0]):
            size = self.channel.chunk_size(group)
            for i in range(0, len(members), size):
                yield group, members[i:i + size]

    def _send(self, group: int, chunk: list[J], round_no: int) -> list[J]:
        """Send one request; return the records whose fate is unknown."""
        ch = self.channel
        payloads = [ch.payload(j) for j in chunk]
        key = idempotency_key(self.tenant, ch.kind, self.run_id, round_no, payloads)
        ch.intent(chunk, key)  # on disk before the request leaves
        self.requests += 1
        try:
            results = ch.send(group, payloads, key)
        except ValidationError as exc:  # the whole request refused: nothing was created
            for job in chunk:
                ch.refused(job, words(exc))
            ch.flush()
            return []
        except ApiError as exc:
            ch.unsure(chunk, ("stopped: Xero refused the connection; reconnect and run again"
                              if isinstance(exc, AuthError) else f"no answer: {exc}"[:500]))
            ch.flush()
            if stops_the_run(exc):
                raise
            return chunk
        paired = pair(results, len(chunk))
        if paired is None:
            ch.unsure(chunk, f"no answer: Xero answered {len(results)} records for "
                      f"{len(chunk)} sent")
            ch.flush()
            return chunk
        unsure = []
        for job, res in zip(chunk, paired, strict=True):
            fate = fate_of(res, ch.record_id(res.record) is not None)
            if fate is Fate.DONE:
                ch.done(job, res.record)
            elif fate is Fate.CLASH:
                self._clashes[id(job)] = words(res.errors)
                unsure.append(job)
            elif fate is Fate.LOST:
                unsure.append(job)
            else:
                ch.refused(job, words(res.errors))
        ch.flush()  # each outcome on disk as soon as Xero's answer is in
        return unsure
