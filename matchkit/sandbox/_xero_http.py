"""The answers the Xero sandbox builds: JSON bodies, Xero's refusal shapes, plain text."""

from __future__ import annotations

import json
import uuid
from typing import Any

from werkzeug.wrappers import Response

__all__ = ["NOT_FOUND", "HttpError", "drop_nulls", "json_response", "problem", "server_error",
           "text", "validation"]

# XeroAPI/Xero-OpenAPI#163 (Wontfix): a 404 is this text, not JSON.
NOT_FOUND = "The resource you're looking for cannot be found"


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None
                  ) -> Response:
    return Response(json.dumps(body), status=status, headers=headers,
                    content_type="application/json; charset=utf-8")


def text(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


def problem(status: int, title: str, detail: str, *, with_type: bool = True) -> Response:
    """Xero's RFC 7807-style body for 401/403/413/429 (FACTS.md §7; the 413 as quoted in
    XeroAPI/Xero-Java#349 has no ``Type``)."""
    body: dict[str, Any] = {"Type": None} if with_type else {}
    body.update({"Title": title, "Status": status, "Detail": detail,
                 "Instance": str(uuid.uuid4()), "Extensions": {}})
    return json_response(body, status)


def server_error() -> Response:
    """XeroAPI/xero-node#466."""
    return json_response({"Title": "An error occurred",
                          "Detail": "An error occurred in Xero. Check the API Status page "
                                    "http://status.developer.xero.com for current service "
                                    "status.",
                          "Status": 500, "Instance": str(uuid.uuid4())}, 500)


def validation(elements: list[dict[str, Any]] | None = None, *, number: int = 10,
               kind: str = "ValidationException",
               message: str = "A validation exception occurred") -> Response:
    """Xero's 400 body (spec ``Error``): ValidationException 10, QueryParseException 16,
    PostDataInvalidException 14, NoDataProcessedException 17, HighVolumeException 51."""
    body: dict[str, Any] = {"ErrorNumber": number, "Type": kind, "Message": message}
    if elements is not None:
        body["Elements"] = elements
    return json_response(body, 400)


def drop_nulls(value: Any) -> Any:
    """Xero leaves out fields it has no value for; the spec has no nullable fields."""
    if isinstance(value, dict):
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value


class HttpError(Exception):
    """Carries an answer out of a handler."""

    def __init__(self, response: Response) -> None:
        self.response = response
