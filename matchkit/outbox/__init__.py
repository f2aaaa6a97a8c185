"""Every write to Xero, sent exactly once, and the creating of missing contacts and items.

- ``_engine``: the one write path (:class:`Outbox`: intent recorded before the request, one
  Idempotency-Key rule, results paired by position, a refusal reported once, a lost answer
  looked up, the daily limit a clean stop). Invoices and credit notes (``matchkit.export``)
  and the channel below are its channels.
- **create missing contacts and items**: :func:`ensure_contacts` (``_contacts``),
  :func:`ensure_items` (``_items``), each found by link key or name first and created only
  when clearly new; :func:`ensure_contact_keys` (``_contact_keys``) puts link keys on
  matched contacts; ``preview_*`` are their dry runs. ``_create`` is the run contacts and
  items share (an earlier run's work, a name twice, the gate, the decisions), ``_channel``
  their outbox channel (the sync log), ``_specs`` what they take and give, ``_names`` Xero's
  names, ``_refusals`` what Xero would refuse of a contact (asked before sending, here and
  by the export).
"""

from ._channel import CHUNK
from ._contact_keys import ensure_contact_keys, preview_contact_keys
from ._contacts import ensure_contacts, preview_contacts
from ._engine import Channel, Outbox, Sent, idempotency_key, pair
from ._items import default_sales_account, ensure_items, preview_items
from ._names import fold_name, xero_contact_name, xero_item_name
from ._refusals import account_numbers_of, contact_problems, valid_email
from ._specs import (
    ContactSpec,
    ItemSpec,
    KeyResult,
    SyncFailure,
    SyncPreview,
    XeroSyncError,
    XeroWriter,
)

__all__ = [
    "CHUNK",
    "Channel",
    "ContactSpec",
    "ItemSpec",
    "KeyResult",
    "Outbox",
    "Sent",
    "SyncFailure",
    "SyncPreview",
    "XeroSyncError",
    "XeroWriter",
    "account_numbers_of",
    "contact_problems",
    "default_sales_account",
    "ensure_contact_keys",
    "ensure_contacts",
    "ensure_items",
    "fold_name",
    "idempotency_key",
    "pair",
    "preview_contact_keys",
    "preview_contacts",
    "preview_items",
    "valid_email",
    "xero_contact_name",
    "xero_item_name",
]
