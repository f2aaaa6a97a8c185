"""What the Xero spec says about the fields of the record types the sandbox serves: read
from reference/xero/xero_accounting.yaml, to hold matchkit/sandbox/_xero_fields.py to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

NAMES = ("Contact", "Address", "Phone", "ContactPerson", "Item", "Purchase", "Invoice",
         "LineItem", "CreditNote", "Payment", "Account", "TaxRate", "TaxComponent", "Currency",
         "BrandingTheme", "Organisation", "TrackingCategory", "TrackingOption",
         "LineItemTracking")



def kind(prop: dict[str, Any], schemas: dict[str, Any]) -> str:
    ref = prop.get("$ref")
    if ref:
        target = schemas[ref.rsplit("/", 1)[1]]
        if "properties" in target:
            return "object:" + ref.rsplit("/", 1)[1]
        return "enum" if "enum" in target else target.get("type", "string")
    t = prop.get("type", "string")
    if t == "array":
        items = prop.get("items", {})
        r = items.get("$ref")
        return "array:" + (r.rsplit("/", 1)[1] if r else items.get("type", "string"))
    if prop.get("x-is-msdate") or prop.get("x-is-msdate-time"):
        return "date"
    if t == "string" and prop.get("format") == "uuid":
        return "uuid"
    if t == "string" and "enum" in prop:
        return "enum"
    if t == "integer":
        return "number"
    return t



def spec_fields(path: Path) -> dict[str, dict[str, Any]]:
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    schemas = doc["components"]["schemas"]
    out = {}
    for name in NAMES:
        props = schemas[name]["properties"]
        out[name] = {
            "types": {k: kind(v, schemas) for k, v in props.items()},
            "max": {k: v["maxLength"] for k, v in props.items() if "maxLength" in v},
            "read_only": sorted(k for k, v in props.items() if v.get("readOnly")),
        }
    return out
