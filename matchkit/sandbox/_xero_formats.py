"""Xero's other formats: XML answers (its default), XML request bodies, invoice PDFs.

- Xero "returns XML by default and JSON if you ask for it" (FACTS.md §3): an API request
  without ``application/json`` in ``Accept`` gets XML. Success bodies are a ``<Response>``
  envelope, refusals an ``<ApiException>`` with ``<Elements><DataContractBase
  xsi:type="...">`` (freakboy3742/pyxero#43, waynerobinson/xeroizer#23); dates are ISO
  (``<Date>2014-08-22T00:00:00</Date>``), never MS-JSON.
- Request bodies may be XML (``<Invoices><Invoice>...``, as Xero's XML clients send them,
  e.g. waynerobinson/xeroizer#380); field types come from the spec (``_xero_fields.py``).
- ``Accept: application/pdf`` on one invoice or credit note (spec: ``getInvoiceAsPdf``)
  returns a PDF.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ._xero_fields import SCHEMAS

__all__ = ["XmlBodyError", "invoice_pdf", "json_to_xml", "parse_xml_body", "wants"]

_XSI = "http://www.w3.org/2001/XMLSchema-instance"
_XSD = "http://www.w3.org/2001/XMLSchema"
_MS_RE = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
# List fields whose XML items are named otherwise than by dropping the plural "s".
_SINGULAR = {"Addresses": "Address", "Currencies": "Currency", "Tracking": "TrackingCategory",
             "Elements": "DataContractBase", "Warnings": "Warning",
             "TaxComponents": "TaxComponent", "Organisations": "Organisation"}
_PLURAL = {v: k for k, v in _SINGULAR.items() if k not in ("Elements", "Warnings")}


def wants(accept: str | None) -> str:
    """``json``, ``pdf`` or ``xml`` (the default) for an ``Accept`` header."""
    text = (accept or "").lower()
    if "application/pdf" in text:
        return "pdf"
    if "json" in text:
        return "json"
    return "xml"


def _singular(name: str) -> str:
    if name in _SINGULAR:
        return _SINGULAR[name]
    return name[:-1] if name.endswith("s") else name


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, str):
        m = _MS_RE.match(value)
        if m:
            ts = datetime.fromtimestamp(int(m.group(1)) / 1000, UTC)
            out = ts.strftime("%Y-%m-%dT%H:%M:%S")
            return out + (f".{ts.microsecond // 1000:03d}" if ts.microsecond else "")
    return str(value)


def _fill(parent: ET.Element, key: str, value: Any) -> None:
    if value is None:
        return
    if key.endswith("DateString") or key == "UpdatedDateUTCString":
        return  # JSON-only companions of the ISO dates XML already carries
    if isinstance(value, dict):
        node = ET.SubElement(parent, key)
        for k, v in value.items():
            _fill(node, k, v)
    elif isinstance(value, list):
        node = ET.SubElement(parent, key)
        for item in value:
            child = ET.SubElement(node, _singular(key))
            if isinstance(item, dict):
                for k, v in item.items():
                    _fill(child, k, v)
            else:
                child.text = _text(item)
    else:
        ET.SubElement(parent, key).text = _text(value)


def json_to_xml(body: Any, element_type: str) -> bytes:
    """A JSON answer of the API as Xero's XML: ``<Response>`` or ``<ApiException>``."""
    if isinstance(body, dict) and "ErrorNumber" in body:
        root = ET.Element("ApiException", {"xmlns:xsi": _XSI, "xmlns:xsd": _XSD})
        for k in ("ErrorNumber", "Type", "Message"):
            _fill(root, k, body.get(k))
        if isinstance(body.get("Elements"), list):
            elements = ET.SubElement(root, "Elements")
            for el in body["Elements"]:
                node = ET.SubElement(elements, "DataContractBase",
                                     {"xsi:type": element_type})
                for k, v in el.items():
                    _fill(node, k, v)
    else:
        root = ET.Element("Response", {"xmlns:xsi": _XSI, "xmlns:xsd": _XSD})
        for k, v in (body or {}).items():
            _fill(root, k, v)
    out: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return out


class XmlBodyError(ValueError):
    """A request body that is not XML the sandbox can read."""


def parse_xml_body(data: bytes, key: str) -> dict[str, Any]:
    """``<Invoices><Invoice>..</Invoice></Invoices>`` (or one ``<Invoice>``) as the JSON
    body ``{"Invoices": [...]}``; leaves are typed by the spec's field types."""
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise XmlBodyError("DOCTYPE and ENTITY declarations are not accepted")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise XmlBodyError(str(exc)) from None
    schema = _PLURAL.get(key, key[:-1])
    if root.tag == key:
        return {key: [_element(child, schema) for child in root]}
    if root.tag == schema:
        return {key: [_element(root, schema)]}
    raise XmlBodyError(f"expected <{key}> or <{schema}>, got <{root.tag}>")


def _element(node: ET.Element, schema: str | None) -> Any:
    if len(node) == 0:
        return _typed(node.text or "", None)
    types = SCHEMAS[schema].types if schema in SCHEMAS else {}
    out: dict[str, Any] = {}
    for child in node:
        kind = types.get(child.tag, "")
        if kind.startswith("array:") or (not kind and len(child) and
                                         all(c.tag == _singular(child.tag) for c in child)):
            inner = kind.split(":", 1)[1] if kind else _singular(child.tag)
            out[child.tag] = [_element(c, inner) if len(c) else _typed(c.text or "", inner)
                              for c in child]
        elif kind.startswith("object:") or len(child):
            out[child.tag] = _element(child, kind.split(":", 1)[1] if kind else child.tag)
        else:
            out[child.tag] = _typed(child.text or "", kind)
    return out


def _typed(text: str, kind: str | None) -> Any:
    value = text.strip()
    if kind == "boolean":
        return value.lower() == "true"
    if kind == "number":
        try:
            return float(Decimal(value))
        except ArithmeticError:
            return value  # the write's own check names the field
    return text


def _pdf_escape(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def invoice_pdf(doc: dict[str, Any], organisation: dict[str, Any]) -> bytes:
    """A one-page PDF of an invoice or credit note (Xero renders its branding theme)."""
    number = doc.get("InvoiceNumber") or doc.get("CreditNoteNumber") or ""
    title = "TAX INVOICE" if doc.get("Type") == "ACCREC" else str(doc.get("Type") or "")
    rows = [title, str(organisation.get("Name") or ""), f"Number: {number}",
            f"Date: {_text(doc.get('Date') or '')[:10]}",
            f"To: {(doc.get('Contact') or {}).get('Name') or ''}",
            f"Reference: {doc.get('Reference') or ''}", ""]
    for li in doc.get("LineItems") or []:
        rows.append(f"{li.get('Description', '')}  {li.get('Quantity', '')} x "
                    f"{li.get('UnitAmount', '')} = {li.get('LineAmount', '')}")
    rows += ["", f"Subtotal: {doc.get('SubTotal')}", f"Tax: {doc.get('TotalTax')}",
             f"Total {doc.get('CurrencyCode') or ''}: {doc.get('Total')}"]
    text = "BT /F1 11 Tf 14 TL 56 780 Td " + " ".join(
        f"({_pdf_escape(r[:110])}) Tj T*" for r in rows[:50]) + " ET"
    stream = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << "
        b"/F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream +
        b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)
