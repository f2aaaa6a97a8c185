"""Link keys on contacts that exist: Done's last step puts each matched Atera customer's key
(``ATERA-<CustomerID>``) in its Xero contact's ContactNumber, through the outbox."""

from __future__ import annotations

from collections.abc import Mapping

from .._keys import contact_key
from ..store import Workspace
from ._channel import Job, SyncChannel
from ._names import fold_name
from ._specs import KeyResult, XeroSyncError, XeroWriter

__all__ = ["ensure_contact_keys", "preview_contact_keys"]


def _key_jobs(ws: Workspace, xero: XeroWriter, pairs: Mapping[str, str], run_id: str
              ) -> tuple[SyncChannel, list[Job], KeyResult]:
    tenant = xero.tenant_id
    live = {str(c["ContactID"]): c for c in xero.contacts(include_archived=True)}

    def lookup() -> dict[str, str]:
        return {fold_name(f"{c.get('ContactNumber')}|{c['ContactID']}"): str(c["ContactID"])
                for c in xero.contacts(include_archived=True) if c.get("ContactNumber")}

    engine = SyncChannel(ws, "contact_key", tenant, run_id, lookup,
                     lambda p, k: xero.update_contacts(p, idempotency_key=k), "ContactID")
    result = KeyResult()
    jobs: list[Job] = []
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
            jobs.append(Job(atera_id, f"{key}|{contact_id}",
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
