"""Moved to :mod:`matchkit.outbox` (issue 16). Kept only while ``export/_send.py`` and
``export/_validate.py`` still import from here (issue 17 edits them); removed then."""

from .outbox import (
    CHUNK,
    ContactSpec,
    ItemSpec,
    SyncPreview,
    XeroSyncError,
    default_sales_account,
    ensure_contacts,
    ensure_items,
    preview_contacts,
    preview_items,
    xero_contact_name,
)

__all__ = ["CHUNK", "ContactSpec", "ItemSpec", "SyncPreview", "XeroSyncError",
           "default_sales_account", "ensure_contacts", "ensure_items", "preview_contacts",
           "preview_items", "xero_contact_name"]
