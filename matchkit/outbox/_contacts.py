"""Create missing contacts in Xero exactly once (Done, the export's create-missing).

A contact is found first: by its link key (ContactNumber ``ATERA-<CustomerID>``), by an
earlier run's intent, by its name among active contacts (Xero's names are unique there; a
name is never suffixed to make room). Only what ``matchkit._gate`` finds clearly new (or a
person named) is created, through the outbox: intent in the sync log before the request,
then a ``match`` decision with method ``created`` (``link``/``exact`` when found). A resumed
run finds its earlier intents, so the names it chose, and looks those up first: nothing is
ever created twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from .._keys import contact_key_of
from ..sources import contacts_frame, typed
from ..store import Workspace
from ._channel import Job, SyncChannel
from ._create import Placed, ensure, plan_jobs, preview
from ._names import fold_name, xero_contact_name
from ._refusals import account_numbers_of, contact_problems
from ._specs import ContactSpec, SyncPreview, XeroWriter

__all__ = ["ensure_contacts", "preview_contacts"]


def ensure_contacts(ws: Workspace, xero: XeroWriter, specs: Sequence[ContactSpec], *,
                    run_id: str, who: str | None = None) -> dict[str, str]:
    """Make sure each spec has a Xero contact; return ``{atera_id: ContactID}``.

    A contact is found by its link key (ContactNumber ``ATERA-<id>``), then by its name
    (active contacts; a name is never suffixed to make room), and created (with its key)
    only when ``matchkit._gate`` finds nothing like it in Xero, or a person named it.
    Raises :class:`XeroSyncError` (after recording every success) when some were not
    created, a look-alike held for a person among them; its ``done`` holds the others.
    """
    def refuse(engine: SyncChannel, jobs: list[Job]) -> list[Job]:
        # What Xero would refuse (e-mail, AccountNumber, lengths) fails here, never sent.
        why = contact_problems([j.payload for j in jobs], lambda: account_numbers_of(xero))
        for job, reason in zip(jobs, why, strict=True):
            if reason:
                engine.fail(job, reason)
        return [j for j, reason in zip(jobs, why, strict=True) if not reason]

    return ensure(ws, specs, lambda run: _contact_jobs(ws, xero, specs, run), run_id,
                  "customers", who, refuse)


def preview_contacts(ws: Workspace, xero: XeroWriter, specs: Sequence[ContactSpec]
                     ) -> SyncPreview:
    """The dry run of :func:`ensure_contacts`: reads Xero, writes and sends nothing."""
    return preview(specs, lambda run: _contact_jobs(ws, xero, specs, run))


def _contact_jobs(ws: Workspace, xero: XeroWriter, specs: Sequence[ContactSpec], run_id: str
                  ) -> tuple[SyncChannel, list[Job]]:
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
    engine = SyncChannel(ws, "contact", tenant, run_id, lookup,
                         lambda p, k: xero.create_contacts(p, idempotency_key=k), "ContactID")

    def place(spec: ContactSpec, prior: Mapping[str, Any] | None) -> Placed:
        name = xero_contact_name(spec.name)
        job = Job(spec.atera_id, spec.key, spec.payload(name), name)
        sent = prior is not None and prior["status"] == "sending"
        hit = by_key.get(spec.key)
        if hit is not None:  # (made by that earlier run, when one sent it)
            engine.ok(job, str(hit["ContactID"]), "created" if sent else "link")
            return None
        if sent:
            assert prior is not None
            # An earlier run sent this and may have created it (before link keys, by name).
            name = str(prior["name"])
            old = by_name.get(fold_name(name))
            if old is not None:
                engine.ok(replace(job, name=name), str(old["ContactID"]), "created")
                return None
            return Job(spec.atera_id, spec.key, spec.payload(name), name), True
        same = by_name.get(fold_name(name))
        if same is None:
            return job, False
        other = contact_key_of(same.get("ContactNumber"))
        if other is not None and other != spec.key:
            engine.fail(job, f"not created: Xero contact {same['Name']!r} has this name "
                        f"and carries the link key of another Atera customer ({other}); "
                        "match it by hand if it is the same company", held=True)
        else:
            engine.ok(job, str(same["ContactID"]), "exact")
        return None

    def todo(fresh: list[tuple[ContactSpec, Job]]) -> pd.DataFrame:
        return pd.DataFrame({
            "id": [s.atera_id for s, _ in fresh], "name": [j.name for _, j in fresh],
            "key": [s.key for s, _ in fresh],
            "email": [s.email or "" for s, _ in fresh],
            "domain": [s.website or "" for s, _ in fresh],
            "phone": [s.phone or "" for s, _ in fresh],
            "tax_number": [s.tax_number or "" for s, _ in fresh],
            "city": [s.city or "" for s, _ in fresh],
            "country": [s.country or "" for s, _ in fresh]})

    jobs = plan_jobs(ws, engine, specs, "customers", place, todo,
                     lambda: contacts_frame(typed("xero", "contacts", live)), "Xero contact")
    return engine, jobs
