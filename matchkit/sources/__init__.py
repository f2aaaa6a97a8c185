"""What matching compares, built from the workspace: Atera's catalogue (products, expenses
and labour rates, one archived rule: ``_catalogue.py``) and the left (Atera) and right (Xero)
frames of customers and products (``_frames.py``)."""

from ._catalogue import atera_catalogue, is_archived
from ._frames import (
    atera_frame,
    contacts_frame,
    customers_frame,
    items_frame,
    products_frame,
    suggest,
    to_create,
    typed,
    xero_frame,
    xero_names,
)

__all__ = ["atera_catalogue", "atera_frame", "contacts_frame", "customers_frame", "is_archived",
           "items_frame", "products_frame", "suggest", "to_create", "typed", "xero_frame",
           "xero_names"]
