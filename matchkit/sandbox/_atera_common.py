"""What the Atera sandbox's handlers share: errors as ProblemDetails, the paging envelope,
reading ids, query values and request bodies."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

__all__ = ["DEFAULT_PAGE", "MAX_PAGE", "Json", "Problem", "body_of", "by_id", "float_or_zero",
           "get", "int_arg", "json_response", "local_time", "page", "problem_response",
           "sorted_records", "stable_uuid"]

MAX_PAGE = 50
DEFAULT_PAGE = 20
Json = dict[str, Any]
_LOCAL_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?$")


class Problem(Exception):  # carries an HTTP answer; caught in _dispatch
    def __init__(self, status: int, detail: str, errors: Mapping[str, list[str]] | None = None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = dict(errors or {})


_TITLES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
           429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
           503: "Service Unavailable"}


def by_id(records: Any, key: str) -> dict[int, Json]:
    out: dict[int, Json] = {}
    for i, rec in enumerate(records or []):
        if not isinstance(rec, dict) or not isinstance(rec.get(key), int):
            raise ValueError(f"Atera seed: record {i} has no integer {key}")
        out[rec[key]] = rec
    return out


def sorted_records(records: Mapping[int, Json]) -> list[Json]:
    return [records[k] for k in sorted(records)]


def get(records: Mapping[int, Json], item_id: int, what: str) -> Json:
    rec = records.get(item_id)
    if rec is None:
        raise Problem(404, f"{what} {item_id} was not found")
    return rec


def int_arg(request: Request, name: str, default: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise Problem(400, f"{name} must be an integer, got {raw!r}", {name: [raw]}) from None


def body_of(request: Request, fields: Mapping[str, tuple[type, ...]]) -> Json:
    """The JSON object in the body, checked against a request DTO's fields and types."""
    try:
        data = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise Problem(400, "the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise Problem(400, "the request body must be a JSON object")
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        allowed = fields.get(key)
        if allowed is None:
            errors[key] = [f"unknown field {key!r}"]
        elif not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
            errors[key] = [f"{key} has the wrong type ({type(value).__name__})"]
    if errors:
        raise Problem(400, "; ".join(v[0] for v in errors.values()), errors)
    return data


def float_or_zero(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def stable_uuid(text: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"atera-sandbox:{text}"))


def json_response(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")


def problem_response(status: int, detail: str, instance: str,
                      errors: Mapping[str, list[str]] | None = None) -> Response:
    body: Json = {
        "type": f"https://httpstatuses.io/{status}",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors:
        body["errors"] = dict(errors)
    return Response(json.dumps(body, ensure_ascii=False), status=status,
                    content_type="application/json; charset=utf-8")


def page(request: Request, records: list[Json]) -> Response:
    """One page of ``records`` in Atera's envelope (``itemsInPage`` default 20, max 50)."""
    page = int_arg(request, "page", 1)
    size = int_arg(request, "itemsInPage", DEFAULT_PAGE)
    if page < 1:
        raise Problem(400, "page must be 1 or more", {"page": [str(page)]})
    if size < 1:
        raise Problem(400, "itemsInPage must be 1 or more", {"itemsInPage": [str(size)]})
    size = min(size, MAX_PAGE)
    total = len(records)
    pages = (total + size - 1) // size
    items = records[(page - 1) * size: page * size]
    base = request.base_url
    keep = [(k, v) for k, v in request.args.items(multi=True)
            if k not in ("page", "itemsInPage")]

    def link(p: int) -> str:
        return f"{base}?{urlencode([('page', p), ('itemsInPage', size), *keep])}"

    return json_response({
        "items": items, "page": page, "itemsInPage": size, "totalItemCount": total,
        "totalPages": pages, "prevLink": link(page - 1) if 1 < page <= pages + 1 else "",
        "nextLink": link(page + 1) if page < pages else "",
    })


def local_time(raw: str | None, name: str) -> str | None:
    """A time Atera reads in the account's time zone: yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss, no
    offset (the spec's parameter descriptions); ``None`` when not given."""
    if raw is None or raw == "":
        return None
    if not _LOCAL_TIME.match(raw):
        raise Problem(400, f"{name} must be yyyy-MM-dd or yyyy-MM-ddTHH:mm:ss, without an "
                      "offset", {name: [raw]})
    return raw if "T" in raw else raw + "T00:00:00"
