"""The Xero Accounting API client (see docs/internals.md, "Xero connector")."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from matchkit._config import Settings
from matchkit._exceptions import (
    ApiError,
    AuthError,
    InputError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)

from ._auth import TokenManager, XeroAuth, ssl_context
from ._limits import OnWait, RateLimiter, limiter_for
from ._paging import PAGE_SIZE, paged, query_chunks, size_chunks
from ._results import ElementResult, element_result, results_from_400, validation_messages
from ._retry import RetryPolicy

__all__ = ["XeroClient"]

log = logging.getLogger("matchkit.xero")

Modified = datetime | date | str | None
# Unit amounts and item prices at 4 places: without it Xero rounds them to 2 ("Rounding in
# Xero", developer.xero.com/documentation/api-guides/rounding-in-xero), and a rate of
# 12.345 lands as 12.35.
UNITDP = {"unitdp": 4}
UNITDP_WRITES = frozenset({"Invoices", "CreditNotes", "Items"})


class XeroClient:
    """A connected Xero organisation. Build it with :func:`connect`."""

    def __init__(
        self,
        settings: Settings,
        tokens: TokenManager,
        *,
        tenant_id: str,
        tenant_name: str | None = None,
        connection_id: str | None = None,
        transport: httpx.BaseTransport | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        time_scale: float = 1.0,
        on_wait: OnWait | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.settings = settings
        self.tenant_id = tenant_id
        self.tenant_name = tenant_name
        self.connection_id = connection_id
        self.tokens = tokens
        self.time_scale = time_scale
        self.limiter = limiter or limiter_for(tenant_id, time_scale, settings.xero_api_url)
        self.retry = retry or RetryPolicy()
        self.on_wait = on_wait
        self.calls = 0  # HTTP attempts made by this client (benchmarks, tests)
        self._organisation: dict[str, Any] | None = None
        self._http = httpx.Client(
            base_url=settings.xero_api_url.rstrip("/") + "/api.xro/2.0/",
            auth=XeroAuth(tokens),
            headers={"Accept": "application/json", "xero-tenant-id": tenant_id},
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            verify=ssl_context(),
        )
        self._api_root = settings.xero_api_url.rstrip("/")

    def __repr__(self) -> str:
        return f"XeroClient(tenant_id={self.tenant_id!r}, tenant_name={self.tenant_name!r})"

    def __enter__(self) -> XeroClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ the request loop

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        allow_statuses: Sequence[int] = (),
    ) -> httpx.Response:
        """One API call with rate limiting and the retry policy; errors mapped to ApiError.

        ``path`` is relative to ``/api.xro/2.0/`` unless it starts with ``/``.
        """
        method = method.upper()
        send_headers = dict(headers or {})
        if idempotency_key:
            if len(idempotency_key) > 128:
                raise InputError(f"Idempotency-Key for {method} {_where(path)} is "
                                 f"{len(idempotency_key)} characters; Xero allows 128")
            send_headers["Idempotency-Key"] = idempotency_key
        url = self._api_root + path if path.startswith("/") else path
        # encode the body once, so every retry sends the very same bytes with the same key
        content = None if json_body is None else json.dumps(json_body).encode()
        if content is not None:
            send_headers["Content-Type"] = "application/json"
        attempt = 0
        while True:
            attempt += 1
            self.limiter.acquire(self.on_wait)
            self.calls += 1
            try:
                response = self._http.request(method, url, params=params, content=content,
                                              headers=send_headers)
            except httpx.TransportError as exc:
                self.limiter.release(None)
                error: ApiError = TransportError(
                    f"no answer from Xero for {method} {_where(url)} ({type(exc).__name__})",
                    system="xero", url=_where(url))
                retry_after = None
            except BaseException:
                self.limiter.release(None)  # e.g. ReconnectRequired from the auth flow
                raise
            else:
                self.limiter.release(response.headers)
                if response.is_success or response.status_code in allow_statuses:
                    if response.status_code != 204 and response.content and not _is_json(
                            response) and response.status_code not in allow_statuses:
                        error = ProtocolError(
                            f"Xero answered {method} {_where(url)} with {response.status_code} "
                            f"but not JSON ({response.headers.get('content-type', '?')})",
                            system="xero", status=response.status_code, url=_where(url))
                        retry_after = None
                    else:
                        return response
                else:
                    error, retry_after = self._error_for(method, url, response)
            if isinstance(error, RateLimitError) and error.problem == "day":
                raise error
            retryable = isinstance(error, TransportError | ServerError | RateLimitError
                                   | ProtocolError)
            if not retryable or not self.retry.may_retry(method, idempotency_key, attempt):
                raise error
            wait = self.retry.delay(attempt, retry_after)
            if isinstance(error, RateLimitError):
                self.limiter.pause(wait)  # every caller of this tenant waits, not just us
            reason = f"{type(error).__name__} on {method} {_where(url)}; retry {attempt}"
            log.info("Xero: %s in %.1fs", reason, wait)
            if self.on_wait is not None:
                self.on_wait(wait, reason)
            time.sleep(wait)

    def _error_for(self, method: str, url: str, response: httpx.Response
                   ) -> tuple[ApiError, float | None]:
        status = response.status_code
        where = _where(url)
        body = _body(response)
        detail = _detail(body)
        kwargs: dict[str, Any] = {"system": "xero", "status": status, "url": where,
                                  "body": body}
        if status == 429:
            problem = response.headers.get("X-Rate-Limit-Problem", "").lower() or None
            retry_after = _retry_after(response.headers.get("Retry-After"))
            if problem == "day":
                message = (f"Xero's daily call limit for this organisation is used up; try "
                           f"again in {_duration(retry_after)}")
            else:
                message = f"Xero rate limit ({problem or 'unknown'}) hit on {method} {where}"
            return RateLimitError(message, retry_after=retry_after, problem=problem,
                                  **kwargs), retry_after
        if status >= 500:
            return ServerError(f"Xero server error {status} on {method} {where}: {detail}",
                               **kwargs), _retry_after(response.headers.get("Retry-After"))
        if status in (401, 403):
            if status == 403:
                hint = ("the connection may have been removed or the tenant id is wrong; "
                        "connect again")
            elif detail.startswith("TokenExpired"):
                hint = "the access token expired"
            else:
                # Xero answers a scope the login lacks with 401 AuthorizationUnsuccessful.
                hint = ("the access token was refused, or the login lacks the scope this "
                        "call needs: check MATCHKIT_XERO_SCOPES and connect again")
            return AuthError(f"Xero refused {method} {where} ({status} {detail}): {hint}",
                             **kwargs), None
        if status == 404:
            return NotFoundError(f"Xero has no {where} (404)", **kwargs), None
        if status == 400:
            messages = validation_messages(body)
            text = "; ".join(messages[:10]) or detail
            return ValidationError(f"Xero refused {method} {where}: {text}", errors=messages,
                                   **kwargs), None
        return ApiError(f"Xero answered {status} to {method} {where}: {detail}",
                        **kwargs), None

    def _get(self, path: str, params: Mapping[str, Any] | None = None,
             modified_since: Modified = None) -> dict[str, Any]:
        headers = {}
        if modified_since is not None:
            headers["If-Modified-Since"] = _http_date(modified_since)
        response = self.request("GET", path, params=params, headers=headers)
        data = _json(response, f"GET {path}")
        if not isinstance(data, dict):
            raise ProtocolError(f"Xero answered GET {path} with a JSON {type(data).__name__}",
                                system="xero", url=path)
        return data

    # ------------------------------------------------------------------------ reads

    def organisation(self, *, refresh: bool = False) -> dict[str, Any]:
        """``Organisations[0]``, fetched once per client (again with ``refresh``: lock dates
        move while a client lives)."""
        if self._organisation is None or refresh:
            orgs = self._get("Organisation").get("Organisations") or []
            if not orgs:
                raise ProtocolError("Xero's Organisation answer is empty", system="xero",
                                    url="Organisation")
            self._organisation = dict(orgs[0])
        return self._organisation

    @property
    def short_code(self) -> str | None:
        return self.organisation().get("ShortCode")

    def contacts(self, include_archived: bool = True,
                 modified_since: Modified = None) -> Iterator[dict[str, Any]]:
        """Every contact, ``pageSize=1000`` per call."""
        params: dict[str, Any] = {"pageSize": PAGE_SIZE}
        if include_archived:
            params["includeArchived"] = "true"
        return paged(lambda page: self._get("Contacts", {**params, "page": page},
                                            modified_since), "Contacts")

    def items(self, modified_since: Modified = None) -> list[dict[str, Any]]:
        """Every item, prices at 4 places (``unitdp=4``: Xero rounds to 2 otherwise)."""
        return list(self._get("Items", UNITDP, modified_since).get("Items") or [])

    def tax_rates(self) -> list[dict[str, Any]]:
        return list(self._get("TaxRates").get("TaxRates") or [])

    def currencies(self) -> list[dict[str, Any]]:
        return list(self._get("Currencies").get("Currencies") or [])

    def accounts(self) -> list[dict[str, Any]]:
        return list(self._get("Accounts").get("Accounts") or [])

    def invoices(
        self,
        ids: Sequence[str] | None = None,
        numbers: Sequence[str] | None = None,
        statuses: Sequence[str] | None = None,
        modified_since: Modified = None,
    ) -> Iterator[dict[str, Any]]:
        """Invoices, paged (only paged reads carry line items), unit amounts at 4 places;
        long ``ids``/``numbers`` lists are split so each query string stays short."""
        if ids is not None and numbers is not None:
            raise InputError("invoices(): pass ids or numbers, not both")
        base: dict[str, Any] = {"pageSize": PAGE_SIZE, **UNITDP}
        if statuses:
            base["Statuses"] = ",".join(statuses)
        filters: list[dict[str, Any]]
        if ids is not None:
            filters = [{"IDs": ",".join(chunk)} for chunk in query_chunks(list(ids))]
        elif numbers is not None:
            filters = [{"InvoiceNumbers": ",".join(chunk)}
                       for chunk in query_chunks(list(numbers))]
        else:
            filters = [{}]
        for extra in filters:
            params = {**base, **extra}
            yield from paged(lambda page, p=params: self._get(  # type: ignore[misc]
                "Invoices", {**p, "page": page}, modified_since), "Invoices")

    # ----------------------------------------------------------------------- writes

    def create_contacts(self, records: Sequence[Mapping[str, Any]], *,
                        idempotency_key: str | None = None) -> list[ElementResult]:
        return self._write("PUT", "Contacts", records, idempotency_key)

    def create_items(self, records: Sequence[Mapping[str, Any]], *,
                     idempotency_key: str | None = None) -> list[ElementResult]:
        return self._write("PUT", "Items", records, idempotency_key)

    def create_invoices(self, records: Sequence[Mapping[str, Any]], *,
                        idempotency_key: str | None = None) -> list[ElementResult]:
        return self._write("PUT", "Invoices", records, idempotency_key)

    def create_credit_notes(self, records: Sequence[Mapping[str, Any]], *,
                            idempotency_key: str | None = None) -> list[ElementResult]:
        return self._write("PUT", "CreditNotes", records, idempotency_key)

    def update_contacts(self, records: Sequence[Mapping[str, Any]], *,
                        idempotency_key: str | None = None) -> list[ElementResult]:
        """POST (update or create); send ``ContactID`` to update."""
        return self._write("POST", "Contacts", records, idempotency_key)

    def update_items(self, records: Sequence[Mapping[str, Any]], *,
                     idempotency_key: str | None = None) -> list[ElementResult]:
        """POST (update or create); Xero matches items by ``ItemID`` or ``Code``."""
        return self._write("POST", "Items", records, idempotency_key)

    def _write(self, method: str, key: str, records: Sequence[Mapping[str, Any]],
               idempotency_key: str | None) -> list[ElementResult]:
        """PUT/POST many elements with ``summarizeErrors=false``: one result per element.

        Amounts go with ``unitdp=4`` (Xero keeps 2 places of a unit amount otherwise). A body
        over Xero's 3.5 MB limit is sent in parts, each with its own derived Idempotency-Key.
        """
        if isinstance(records, Mapping):
            raise InputError(f"{key}: pass a list of records, not one record")
        sent = [dict(r) for r in records]
        if not sent:
            return []
        parts = size_chunks(sent, key)
        results: list[ElementResult] = []
        for n, part in enumerate(parts):
            part_key = idempotency_key
            if idempotency_key and len(parts) > 1:
                part_key = f"{idempotency_key[:120]}-p{n + 1}"
            offset = len(results)
            results += [replace(r, index=r.index + offset)
                        for r in self._write_part(method, key, part, part_key)]
        return results

    def _write_part(self, method: str, key: str, sent: list[dict[str, Any]],
                    idempotency_key: str | None) -> list[ElementResult]:
        params: dict[str, Any] = {"summarizeErrors": "false"}
        if key in UNITDP_WRITES:
            params.update(UNITDP)
        try:
            response = self.request(method, key, params=params, json_body={key: sent},
                                    idempotency_key=idempotency_key)
        except ValidationError as exc:
            # With summarizeErrors=false Xero answers 200; a 400 ValidationException still
            # lists its elements, so map them rather than lose which ones failed.
            elements = exc.body.get("Elements") if isinstance(exc.body, dict) else None
            if not isinstance(elements, list) or not elements:
                raise
            return results_from_400(sent, elements, key)
        body = _json(response, f"{method} {key}")
        elements = body.get(key) if isinstance(body, dict) else None
        if not isinstance(elements, list) or len(elements) != len(sent):
            raise ProtocolError(
                f"Xero answered {method} {key} with "
                f"{len(elements) if isinstance(elements, list) else 'no'} elements for "
                f"{len(sent)} sent", system="xero", status=response.status_code, url=key)
        return [element_result(i, element) for i, element in enumerate(elements)]

    # ---------------------------------------------------------------------- disconnect

    def disconnect(self) -> None:
        """Remove this app's connection to the organisation; when the login reaches no other
        organisation, also revoke the grant and forget the stored tokens. Revoking ends
        every connection of the grant (FACTS §1), so while other organisations of the same
        login remain connected the tokens are kept for them. Each step is attempted even if
        an earlier one fails."""
        errors: list[ApiError] = []
        if self.connection_id:
            try:
                self.request("DELETE", f"/connections/{self.connection_id}",
                             allow_statuses=(404,))
            except ApiError as exc:
                errors.append(exc)
        others: list[Any] | None = []
        if self.tokens.grant == "authorization_code":
            try:
                left = self.request("GET", "/connections").json()
                others = [c for c in left if isinstance(c, dict)
                          and c.get("tenantId") != self.tenant_id] if isinstance(
                    left, list) else None
            except (ApiError, ValueError) as exc:
                others = None  # unknown: keep the tokens rather than cut others off
                if isinstance(exc, ApiError):
                    errors.append(exc)
        if others == []:
            tokens = self.tokens.tokens or self.tokens.store.load()
            if tokens is not None and tokens.refresh_token:
                try:
                    self.tokens.oauth.revoke(tokens.refresh_token)
                except ApiError as exc:
                    errors.append(exc)
            with self.tokens.store.locked():
                self.tokens.store.delete()
        else:
            log.info("Xero login still reaches %d other organisation(s): tokens kept",
                     len(others or []))
        self.close()
        if errors:
            raise errors[0]


# ------------------------------------------------------------------------- helpers


def _where(url: str) -> str:
    """The request path without host or query: no secret ever travels in Xero URLs, but
    keep messages short and stable."""
    path = httpx.URL(url).path if "://" in url else "/" + url.lstrip("/")
    return path.removeprefix("/api.xro/2.0")


def _is_json(response: httpx.Response) -> bool:
    """A cheap check (no decode: pages of 1000 contacts are large) that catches the HTML
    pages proxies and login walls send with a 200; :func:`_json` catches the rest."""
    if "json" not in response.headers.get("content-type", ""):
        return False
    return response.content.lstrip()[:1] in (b"{", b"[")


def _json(response: httpx.Response, what: str) -> Any:
    try:
        return response.json()
    except ValueError:
        raise ProtocolError(f"Xero answered {what} with a body that is not valid JSON",
                            system="xero", status=response.status_code,
                            url=_where(str(response.request.url))) from None


def _body(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text[:500]


def _detail(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("Detail", "Message", "Title", "error"):
            if body.get(key):
                return str(body[key])[:300]
        return "no detail"
    return str(body).strip()[:200] or "no detail"


def _http_date(value: datetime | date | str) -> str:
    """``If-Modified-Since`` value in the spec's ISO form, in UTC."""
    if isinstance(value, str):
        return value
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day, tzinfo=UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds: Xero sends seconds; an HTTP date is accepted too."""
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - time.time())


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "a while (Xero did not say how long)"
    if seconds >= 3600:
        return f"about {seconds / 3600:.1f} hours"
    return f"about {max(1, round(seconds / 60))} minutes"
