"""Xero's per-element answers to a write, as :class:`ElementResult` in request order."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matchkit._exceptions import ProtocolError

__all__ = ["UNCONFIRMED", "ElementResult", "element_result", "results_from_400",
           "validation_messages"]

# The start of the error given to an element a summarised 400 does not mention: Xero may
# well have created it (PITFALLS 5), so it is looked up, never taken as refused.
UNCONFIRMED = "not confirmed:"


@dataclass(frozen=True)
class ElementResult:
    """Xero's answer for one element of a write, at the element's position in the request."""

    index: int
    ok: bool
    record: dict[str, Any]
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def validation_messages(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    messages: list[str] = []
    for element in body.get("Elements") or []:
        if isinstance(element, dict):
            messages.extend(_messages(element.get("ValidationErrors")))
    if not messages and body.get("Message"):
        messages.append(str(body["Message"]))
    return messages


def _messages(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    return [str(i.get("Message")) for i in items if isinstance(i, dict) and i.get("Message")]


def element_result(index: int, element: Any) -> ElementResult:
    if not isinstance(element, dict):
        raise ProtocolError(f"Xero element {index} of a write answer is not an object",
                            system="xero")
    errors = _messages(element.get("ValidationErrors"))
    status = str(element.get("StatusAttributeString", "")).upper()
    ok = not errors and status != "ERROR" and not element.get("HasErrors")
    if not ok and not errors:
        errors = ["Xero marked this element as failed without a message"]
    return ElementResult(index=index, ok=ok, record=element, errors=errors,
                         warnings=_messages(element.get("Warnings")))


_IDENTIFYING = {
    "Invoices": ("InvoiceNumber", "Reference"),
    "CreditNotes": ("CreditNoteNumber", "Reference"),
    "Contacts": ("ContactNumber", "Name"),
    "Items": ("Code",),
}


def results_from_400(records: list[dict[str, Any]], elements: list[Any],
                      key: str) -> list[ElementResult]:
    """Map a 400 ValidationException's elements back onto the records sent.

    The 400 may list only the failed elements, while the others were created; those are
    reported not-ok with an :data:`UNCONFIRMED` note, since Xero returned no id for them
    (PITFALLS 5): the write path looks them up.
    """
    if len(elements) == len(records):
        return [element_result(i, e) for i, e in enumerate(elements)]
    fields = _IDENTIFYING.get(key, ())
    failed: dict[tuple[str, str], dict[str, Any]] = {}
    for element in elements:
        if isinstance(element, dict):
            for f in fields:
                if element.get(f):
                    failed[(f, str(element[f]))] = element
    results = []
    for i, record in enumerate(records):
        match = next((failed[(f, str(record[f]))] for f in fields
                      if record.get(f) and (f, str(record[f])) in failed), None)
        if match is not None:
            results.append(element_result(i, match))
        else:
            results.append(ElementResult(i, False, record, errors=[
                f"{UNCONFIRMED} Xero refused the batch without saying whether this element "
                "was created; look it up before sending it again"]))
    return results
