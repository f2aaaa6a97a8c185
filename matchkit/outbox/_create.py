"""Creating missing contacts and items: the one run both take (``_contacts``, ``_items``).

Each spec is taken in turn: what an earlier run finished is taken from the sync log; what
Xero has (link key, name, code: the caller's ``place``) is matched; a second record of one
name in the run is held; the rest is judged (``matchkit._gate``) against Xero's records and
created only when clearly new or named by a person. Then the jobs go through the outbox
(``SyncChannel``) and every Xero id is recorded as a decision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import pandas as pd

from .._exceptions import ApiError
from .._gate import Verdict, judge
from ..sources import to_create
from ..store import Decision, Workspace, held_rows, sync_intents
from ._channel import Job, SyncChannel
from ._names import fold_name
from ._specs import ContactSpec, ItemSpec, SyncFailure, SyncPreview, XeroSyncError

__all__ = ["Build", "Placed", "ensure", "plan_jobs", "preview"]

Spec = TypeVar("Spec", ContactSpec, ItemSpec)
# run id -> the run's channel and the jobs to send
Build = Callable[[str], tuple[SyncChannel, list[Job]]]
# What ``place`` makes of a spec: None when settled (found in Xero, or failed), else its job
# and whether an earlier run sent it already (then it was judged then, and is sent again).
Placed = tuple[Job, bool] | None


def ensure(ws: Workspace, specs: Sequence[ContactSpec] | Sequence[ItemSpec], build: Build,
           run_id: str, entity: str, who: str | None,
           refuse: Callable[[SyncChannel, list[Job]], list[Job]] | None = None
           ) -> dict[str, str]:
    """``ensure_contacts``/``ensure_items``: build the jobs, let ``refuse`` fail what Xero
    would refuse (it returns the others), send, record; ``{atera_id: Xero id}``."""
    _check_unique(specs)
    if not specs:
        return {}
    engine, jobs = build(run_id)
    if refuse is not None:
        jobs = refuse(engine, jobs)
    return _run_and_record(ws, engine, jobs, entity, who)


def preview(specs: Sequence[ContactSpec] | Sequence[ItemSpec], build: Build) -> SyncPreview:
    """The dry run of :func:`ensure`: reads Xero, writes and sends nothing."""
    _check_unique(specs)
    if not specs:
        return SyncPreview({}, [])
    engine, jobs = build("preview")
    return SyncPreview(dict(engine.done_ids), [j.payload for j in jobs],
                       {f.atera_id: f.reason for f in engine.failures},
                       [j.atera_id for j in jobs])


def plan_jobs(ws: Workspace, engine: SyncChannel, specs: Sequence[Spec], entity: str,
              place: Callable[[Spec, Mapping[str, Any] | None], Placed],
              todo: Callable[[list[tuple[Spec, Job]]], pd.DataFrame],
              existing: Callable[[], pd.DataFrame], where: str) -> list[Job]:
    """The jobs to send for ``specs``: an earlier run's work is taken from the sync log,
    ``place`` (spec, its earlier intent) settles what Xero has, and the rest is judged:
    ``todo`` gives their matching frame, ``existing`` Xero's, ``where`` names a Xero record
    in a refusal ("Xero contact")."""
    earlier = sync_intents(ws, engine.tenant, engine.kind)
    jobs: list[Job] = []
    fresh: list[tuple[Spec, Job]] = []
    planned: dict[str, Job] = {}
    for spec in specs:
        prior = earlier.get(spec.atera_id)
        if _finished_before(engine, spec.atera_id, prior):
            continue
        placed = place(spec, prior)
        if placed is None:
            continue
        job, sent = placed
        if sent:
            jobs.append(job)  # judged when it was first sent
        elif not _twice(engine, job, planned):
            fresh.append((spec, job))
    if fresh:
        verdicts = judge(entity, to_create(ws, entity, todo(fresh)), existing(),
                         held=held_rows(ws, entity))
        for spec, job in fresh:
            v = verdicts[spec.atera_id]
            if v.allows(spec.confirmed):
                jobs.append(job)
            else:
                _hold(engine, job, v, where)
    return jobs


_METHOD = {"created": "created", "exact": "exact", "link": "link"}
_NOTE = {"exact": "found in Xero by name before creating",
         "link": "found in Xero by its link key before creating"}


def _run_and_record(ws: Workspace, engine: SyncChannel, jobs: list[Job], entity: str,
                    who: str | None) -> dict[str, str]:
    """Send ``jobs``, then record every Xero id as a decision. When the run must stop (the
    connection refused, Xero's daily limit) what was done is recorded before the error
    goes on: the next run takes it from the log and looks the unsure ones up."""
    try:
        engine.run(jobs)
    except ApiError:
        _decide(ws, engine, entity, who)
        raise
    _decide(ws, engine, entity, who)
    if engine.failures:
        raise XeroSyncError(engine.failures, engine.done_ids)
    return dict(engine.done_ids)


def _decide(ws: Workspace, engine: SyncChannel, entity: str, who: str | None) -> None:
    engine.flush()
    decisions = [
        Decision(entity=entity, action="match", atera_id=aid, xero_id=xid,
                 method=_METHOD[engine.how[aid]], score=100.0, who=who, run_id=engine.run_id,
                 note=_NOTE.get(engine.how[aid]))
        for aid, xid in engine.done_ids.items()
    ]
    ws.record_decisions(decisions)


def _check_unique(specs: Sequence[ContactSpec] | Sequence[ItemSpec]) -> None:
    seen: set[str] = set()
    for s in specs:
        if not str(s.atera_id).strip():
            raise ValueError(f"{type(s).__name__} {s.name!r} has no atera_id")
        if s.atera_id in seen:
            raise ValueError(f"atera_id {s.atera_id!r} appears twice")
        seen.add(s.atera_id)


def _twice(engine: SyncChannel, job: Job, planned: dict[str, Job]) -> bool:
    """A second record of one name in the same run: only the first is created (two of one
    name would be the very look-alikes this module exists to prevent)."""
    first = planned.setdefault(fold_name(job.name), job)
    if first is job:
        return False
    engine.fail(job, f"not created: Atera {first.atera_id} has the same name and is created "
                 "in this run; match this one to that record once it exists, or rename it in "
                 "Atera", held=True)
    return True


def _hold(engine: SyncChannel, job: Job, verdict: Verdict, where: str) -> None:
    engine.failures.append(SyncFailure(engine.kind, job.atera_id, job.name,
                                       "not created: " + verdict.why_not(where), held=True))


def _finished_before(engine: SyncChannel, atera_id: str, prior: Mapping[str, Any] | None
                     ) -> bool:
    """An earlier run already created or found this record: take its id, send nothing."""
    if prior is None or prior["status"] not in ("created", "found") or not prior["xero_id"]:
        return False
    engine.done_ids[atera_id] = str(prior["xero_id"])
    engine.how[atera_id] = "created" if prior["status"] == "created" else "exact"
    return True
