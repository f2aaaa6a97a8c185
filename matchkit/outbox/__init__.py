"""The one write path to Xero: intent recorded before the request, sent exactly once.

Contacts, items and link keys (``matchkit._xero_sync``) and invoices and credit notes
(``matchkit.export``) are channels of one :class:`Outbox`; see ``_engine`` for its rules.
"""

from ._engine import Channel, Outbox, Sent, idempotency_key, pair

__all__ = ["Channel", "Outbox", "Sent", "idempotency_key", "pair"]
