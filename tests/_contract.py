"""Contract checks: every exchange with a Xero sandbox, validated against Xero's official spec.

A ``ContractRecorder`` is registered as a process-wide exchange observer for the whole test
session (tests/conftest.py), so every sandbox any test starts is checked: the request the
client sent and the answer the sandbox gave. Exchanges are presented to openapi-core as if
they had gone to ``https://api.xero.com/api.xro/2.0`` (the spec's server).

What is checked:
- responses with a status the operation documents (200, 400, ...); undocumented ones (401,
  403, 404, 429, 5xx: Xero documents those shapes elsewhere) are counted, not validated;
- requests whose answer is not a refusal before the handler (401/403/404/429/5xx): tests
  that send broken requests on purpose are refused there, or use ``expect_violations()``.

The spec describes JSON only: exchanges in Xero's other formats (XML bodies, its default
answer, and invoice PDFs) are counted as ``other_formats``, checked by the sandbox's own
tests. One leniency, the spec's own: /Connections documents ``createdDateUtc`` as
``date-time`` yet gives ``2019-12-07T18:46:19.5165400`` (no zone) as its example, which is
what Xero sends; identity times are held to ISO 8601 without requiring the zone.
"""

from __future__ import annotations

import contextlib
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml

from matchkit.sandbox import Exchange

REPO = Path(__file__).resolve().parents[1]
# Kept in the repository (reference/README.md: source, version, licence), so every clone
# runs the contract checks; a missing file is an error, never a skip.
XERO_REFERENCE = REPO / "reference" / "xero"
API_PREFIX = "/api.xro/2.0"
_SKIP_REQUEST_STATUS = {401, 403, 404, 429}


def _fix_boolean_defaults(node: Any) -> None:
    """The spec writes 23 boolean defaults as strings ('false'); openapi-core refuses them."""
    if isinstance(node, dict):
        if node.get("type") == "boolean" and isinstance(node.get("default"), str):
            node["default"] = node["default"] == "true"
        for v in node.values():
            _fix_boolean_defaults(v)
    elif isinstance(node, list):
        for v in node:
            _fix_boolean_defaults(v)


def _iso_time(value: Any) -> bool:
    if not isinstance(value, str):
        return True  # type errors are the type validator's business
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00")[:26])
    except ValueError:
        return False
    return "T" in value


@cache
def _specs() -> tuple[Any, Any, dict[str, str], dict[str, str]]:
    """(accounting OpenAPI, identity OpenAPI, segment casing maps); parsed once per process."""
    from openapi_core import Config, OpenAPI

    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out: list[Any] = []
    casings: list[dict[str, str]] = []
    for name in ("xero_accounting.yaml", "xero-identity.yaml"):
        doc = yaml.load((XERO_REFERENCE / name).read_text(encoding="utf-8"), Loader=loader)
        _fix_boolean_defaults(doc)
        config = (Config(extra_format_validators={"date-time": _iso_time})
                  if name == "xero-identity.yaml" else None)
        out.append(OpenAPI.from_dict(doc, config=config) if config else OpenAPI.from_dict(doc))
        casing: dict[str, str] = {}
        for path in doc.get("paths", {}):
            for seg in path.split("/"):
                if seg and not seg.startswith("{"):
                    casing.setdefault(seg.lower(), seg)
        casings.append(casing)
    return out[0], out[1], casings[0], casings[1]


def _canonical(path: str, casing: dict[str, str]) -> str:
    # Xero's paths are case-insensitive; the spec spells them one way.
    return "/".join(casing.get(seg.lower(), seg) for seg in path.split("/"))


@dataclass
class ContractRecorder:
    """Validates exchanges; collects violations instead of raising inside the server."""

    checked_requests: int = 0
    checked_responses: int = 0
    undocumented: int = 0
    other_formats: int = 0
    violations: list[str] = field(default_factory=list)
    _expected: list[list[str]] = field(default_factory=list, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _check_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __call__(self, ex: Exchange) -> None:
        if ex.system != "xero":
            return  # the token endpoint and web pages are not in the OpenAPI specs
        try:
            with self._check_lock:
                problems = self.check(ex)
        except Exception as exc:  # a checker bug must surface, not kill the server thread
            problems = [f"contract checker failed: {type(exc).__name__}: {exc}"]
        with self._lock:
            if not problems:
                return
            target = self._expected[-1] if self._expected else self.violations
            target.extend(f"{ex.method} {ex.path}?{ex.query} -> {ex.status}: {p}"
                          for p in problems)

    def check(self, ex: Exchange) -> list[str]:
        """The problems of one exchange (empty when it keeps to the spec)."""
        with warnings.catch_warnings():
            # openapi-core warns that it cannot check OAuth2; the sandbox checks tokens itself.
            warnings.simplefilter("ignore", UserWarning)
            return self._check(ex)

    def _check(self, ex: Exchange) -> list[str]:
        from openapi_core.templating.paths.exceptions import PathError
        from openapi_core.templating.responses.exceptions import ResponseNotFound
        from openapi_core.testing import MockRequest, MockResponse

        accounting, identity, acc_case, id_case = _specs()
        low = ex.path.lower()
        if low.startswith(API_PREFIX):
            api = accounting
            path = API_PREFIX + _canonical(ex.path[len(API_PREFIX):], acc_case)
        elif low.startswith("/connections"):
            api = identity
            path = _canonical(ex.path, id_case)
        else:
            return [f"path {ex.path} is outside both specs"]
        content_type = ex.headers.get("Content-Type", "application/json").split(";")[0]
        resp_type = ex.response_headers.get("Content-Type", "application/json").split(";")[0]
        if "xml" in content_type or "xml" in resp_type or "pdf" in resp_type:
            with self._lock:
                self.other_formats += 1
            return []
        request = MockRequest("https://api.xero.com", ex.method.lower(), path,
                              args=parse_qsl(ex.query, keep_blank_values=True),  # type: ignore[arg-type]
                              headers=ex.headers, data=ex.body or None,
                              content_type=content_type)
        problems: list[str] = []
        if ex.status not in _SKIP_REQUEST_STATUS and ex.status < 500:
            try:
                api.validate_request(request)
                with self._lock:
                    self.checked_requests += 1
            except PathError as exc:
                problems.append(f"request to an operation the spec lacks: {exc}")
            except Exception as exc:
                problems.append(f"request: {_describe(exc)}")
        if ex.status == 404 or ex.fault is not None:
            # 404 is plain text by design (FACTS.md §7); injected faults are off-spec on purpose.
            return problems
        response = MockResponse(ex.response_body, status_code=ex.status,
                                headers=ex.response_headers, content_type=resp_type)
        try:
            api.validate_response(request, response)
            with self._lock:
                self.checked_responses += 1
        except ResponseNotFound:
            with self._lock:
                self.undocumented += 1
        except PathError as exc:
            problems.append(f"response for an operation the spec lacks: {exc}")
        except Exception as exc:
            problems.append(f"response: {_describe(exc)}")
        return problems

    @contextlib.contextmanager
    def expect_violations(self) -> Iterator[list[str]]:
        """Collect violations into the yielded list instead of failing the session."""
        bucket: list[str] = []
        with self._lock:
            self._expected.append(bucket)
        try:
            yield bucket
        finally:
            with self._lock:
                self._expected.remove(bucket)


def _describe(exc: Exception) -> str:
    parts = [f"{type(exc).__name__}: {exc}"]
    cause: BaseException | None = exc.__cause__
    while cause is not None:
        parts.append(f"{type(cause).__name__}: {cause}")
        for sub in getattr(cause, "schema_errors", []) or []:
            parts.append(f"  - {getattr(sub, 'message', sub)} at "
                         f"{'/'.join(str(p) for p in getattr(sub, 'absolute_path', []))}")
        cause = cause.__cause__
    return "; ".join(parts)[:2000]
