"""The Atera API v3 client: one ``httpx.Client``, paging, a polite request rate, retries on
reads, typed errors.

Atera publishes no rate limit, so the client keeps to a few requests a second and backs off on
429/5xx (honouring ``Retry-After``). Atera has no idempotency key, so a create or update is sent
again only when it certainly did not arrive (connection refused, or a 429 refusal); a write
whose answer was lost raises :class:`TransportError` saying so, and the caller checks first.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from .._exceptions import (
    ApiError,
    AuthError,
    ConfigError,
    NotFoundError,
    ProtocolError,
    RateLimitError,
    ServerError,
    TransportError,
    ValidationError,
)
from ._rates import labour_rates

__all__ = ["AteraClient"]

log = logging.getLogger("matchkit.atera")

API = "/api/v3"
PAGE_SIZE = 50  # Atera's documented maximum
BEARER_MIN_LEN = 100  # longer secrets are the 2026 JWT tokens (PSAtera's rule)
_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})

Json = dict[str, Any]
When = dt.datetime | dt.date | str | None


class _Pacer:
    """At most ``rate`` request starts per second, across threads."""

    def __init__(self, rate: float, sleep: Callable[[float], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self._sleep = sleep
        self._clock = clock
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


class AteraClient:
    """Atera API v3 over one ``httpx.Client``.

    ``api_key`` is a legacy key (sent as ``X-API-KEY``) or a token longer than 100 characters
    (sent as ``Authorization: Bearer``). ``rate`` caps requests per second; reads are tried
    ``max_attempts`` times with exponential backoff (``backoff`` seconds, doubling, at most
    ``max_backoff``; ``Retry-After`` wins when the server sends it). ``transport`` and
    ``sleep`` are injectable for tests.
    """

    system = "atera"

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        transport: httpx.BaseTransport | None = None,
        rate: float = 5.0,
        max_attempts: int = 5,
        backoff: float = 0.5,
        max_backoff: float = 30.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not api_key or not api_key.strip():
            raise ConfigError("no Atera API key: set MATCHKIT_ATERA_API_KEY")
        if max_attempts < 1:
            raise ConfigError("max_attempts must be 1 or more")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigError(f"Atera base URL must be http(s)://host, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._origin = (parts.scheme, parts.netloc.lower())
        key = api_key.strip()
        self.auth_scheme = "Bearer" if len(key) > BEARER_MIN_LEN else "X-API-KEY"
        headers = ({"Authorization": f"Bearer {key}"} if self.auth_scheme == "Bearer"
                   else {"X-API-KEY": key})
        headers["Accept"] = "application/json"
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=timeout,
                                  transport=transport, follow_redirects=False)
        self._pacer = _Pacer(rate, sleep)
        self._sleep = sleep
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.max_backoff = max_backoff

    @classmethod
    def from_settings(cls, settings: Any, **kwargs: Any) -> AteraClient:
        """A client for ``settings.atera_url`` with ``settings.atera_api_key``, paced at
        ``settings.atera_rate`` requests per second unless ``rate=`` is given."""
        key = getattr(settings, "atera_api_key", None)
        if not key:
            raise ConfigError("no Atera API key: set MATCHKIT_ATERA_API_KEY (or start the "
                              "sandbox, which prints one)")
        kwargs.setdefault("rate", getattr(settings, "atera_rate", 5.0))
        return cls(settings.atera_url, key, **kwargs)

    def __repr__(self) -> str:
        return f"AteraClient(base_url={self.base_url!r}, auth={self.auth_scheme}, key=***)"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AteraClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reads -----------------------------------------------------------------------------

    def account(self) -> Json:
        return self._object("GET", f"{API}/account")

    def customers(self, modified_since: When = None) -> list[Json]:
        """Every customer, or those modified on or after ``modified_since``."""
        return list(self.iter_pages("customers", _since(modified_since)))

    def customer(self, customer_id: int) -> Json:
        return self._object("GET", f"{API}/customers/{int(customer_id)}")

    def contacts(self, modified_since: When = None, customer_id: int | None = None
                 ) -> list[Json]:
        """Contacts; Atera has no per-customer route, so ``customer_id`` filters here."""
        out = list(self.iter_pages("contacts", _since(modified_since)))
        if customer_id is not None:
            out = [c for c in out if c.get("CustomerID") == customer_id]
        return out

    def contact(self, contact_id: int) -> Json:
        return self._object("GET", f"{API}/contacts/{int(contact_id)}")

    def contracts(self, customer_id: int | None = None) -> list[Json]:
        path = "contracts" if customer_id is None else f"contracts/customer/{int(customer_id)}"
        return list(self.iter_pages(path))

    def contract(self, contract_id: int) -> Json:
        return self._object("GET", f"{API}/contracts/{int(contract_id)}")

    def labour_rates(self) -> list[Json]:
        """The labour/service rates embedded in contracts, de-duplicated."""
        return labour_rates(self.contracts())

    def products(self) -> list[Json]:
        return list(self.iter_pages("rates/products"))

    def product(self, product_id: int) -> Json:
        return self._object("GET", f"{API}/rates/products/{int(product_id)}")

    def expenses(self) -> list[Json]:
        return list(self.iter_pages("rates/expenses"))

    def expense(self, expense_id: int) -> Json:
        return self._object("GET", f"{API}/rates/expenses/{int(expense_id)}")

    def invoices(self, date_from: When = None, date_to: When = None) -> list[Json]:
        """Invoices dated ``date_from`` to ``date_to`` (inclusive, the account's time zone)."""
        params: dict[str, str] = {}
        if date_from is not None:
            params["invoiceDateFrom"] = _day(date_from, "date_from")
        if date_to is not None:
            params["invoiceDateTo"] = _day(date_to, "date_to")
        if params.keys() == {"invoiceDateFrom", "invoiceDateTo"} and \
                params["invoiceDateFrom"] > params["invoiceDateTo"]:
            raise ConfigError(f"date_from {params['invoiceDateFrom']} is after date_to "
                              f"{params['invoiceDateTo']}")
        return list(self.iter_pages("billing/invoices", params))

    def invoice(self, number: int) -> Json:
        return self._object("GET", f"{API}/billing/invoice/{int(number)}")

    def custom_value(self, customer_id: int, field: str) -> str | None:
        """A customer custom field's value as text, or ``None`` when it is not set."""
        data = self._request("GET", _custom_path(customer_id, field))
        if not isinstance(data, list):
            raise ProtocolError("Atera returned a custom value that is not a list",
                                system="atera", url=_custom_path(customer_id, field))
        if not data or not isinstance(data[0], Mapping):
            return None
        value = data[0].get("ValueAsString")
        return None if value is None else str(value)

    def iter_pages(self, path: str, params: Mapping[str, str] | None = None
                   ) -> Iterator[Json]:
        """Every item of a paged list, following ``nextLink`` to the last page."""
        url: str | None = f"{API}/{path.strip('/')}"
        query: dict[str, Any] | None = {"page": 1, "itemsInPage": PAGE_SIZE, **(params or {})}
        seen: set[str] = set()
        while url:
            page = self._request("GET", url, params=query)
            if not isinstance(page, Mapping) or not isinstance(page.get("items"), list):
                raise ProtocolError(f"Atera's answer for {path} is not a paged list (no "
                                    "'items')", system="atera", url=_safe(url))
            yield from page["items"]
            nxt = page.get("nextLink") or ""
            if not nxt or not page["items"]:
                return
            if nxt in seen:
                raise ProtocolError(f"Atera's nextLink for {path} repeats itself",
                                    system="atera", url=_safe(nxt))
            seen.add(nxt)
            self._check_origin(nxt)
            url, query = nxt, None

    # --- writes ------------------------------------------------------------------------------

    def create_customer(self, body: Mapping[str, Any]) -> int:
        return self._create(f"{API}/customers", body, "customer")

    def update_customer(self, customer_id: int, body: Mapping[str, Any]) -> None:
        self._request("PUT", f"{API}/customers/{int(customer_id)}", json_body=body)

    def create_contact(self, body: Mapping[str, Any]) -> int:
        return self._create(f"{API}/contacts", body, "contact")

    def update_contact(self, contact_id: int, body: Mapping[str, Any]) -> None:
        self._request("PUT", f"{API}/contacts/{int(contact_id)}", json_body=body)

    def create_contract(self, body: Mapping[str, Any]) -> int:
        """Create a contract (CreateContractDto: rates are given by id)."""
        return self._create(f"{API}/contracts", body, "contract")

    def update_contract(self, contract_id: int, body: Mapping[str, Any]) -> None:
        """Update quantities, periods, dates or flags; Atera never changes a contract's rates."""
        self._request("PUT", f"{API}/contracts/{int(contract_id)}", json_body=body)

    def create_product(self, body: Mapping[str, Any]) -> int:
        return self._create(f"{API}/rates/products", body, "product")

    def update_product(self, product_id: int, body: Mapping[str, Any]) -> None:
        """Update a product; ``{"Archived": True}`` archives it."""
        self._request("PUT", f"{API}/rates/products/{int(product_id)}", json_body=body)

    def create_expense(self, body: Mapping[str, Any]) -> int:
        return self._create(f"{API}/rates/expenses", body, "expense")

    def update_expense(self, expense_id: int, body: Mapping[str, Any]) -> None:
        self._request("PUT", f"{API}/rates/expenses/{int(expense_id)}", json_body=body)

    def set_custom_value(self, customer_id: int, field: str, value: str | None) -> None:
        self._request("PUT", _custom_path(customer_id, field), json_body={"Value": value})

    # --- plumbing ------------------------------------------------------------------------------

    def _object(self, method: str, path: str) -> Json:
        data = self._request(method, path)
        if not isinstance(data, dict):
            raise ProtocolError(f"Atera's answer for {path} is not a JSON object",
                                system="atera", url=path)
        return data

    def _create(self, path: str, body: Mapping[str, Any], what: str) -> int:
        data = self._request("POST", path, json_body=body, what=what)
        action = data.get("ActionID") if isinstance(data, Mapping) else None
        try:
            return int(str(action))
        except ValueError:
            raise ProtocolError(f"Atera created a {what} but its ActionID {action!r} is not an "
                                "id", system="atera", url=path) from None

    def _check_origin(self, url: str) -> None:
        # The key goes with every request: never follow a link to another host.
        parts = urlsplit(url)
        if parts.netloc and (parts.scheme, parts.netloc.lower()) != self._origin:
            raise ProtocolError(f"Atera's nextLink points to another host ({parts.netloc}); "
                                "not following it with the API key", system="atera",
                                url=_safe(url))

    def _request(self, method: str, url: str, *, params: Mapping[str, Any] | None = None,
                 json_body: Mapping[str, Any] | None = None, what: str | None = None) -> Any:
        if json_body is not None and not isinstance(json_body, Mapping):
            raise ConfigError(f"the body for {method} {url} must be a JSON object")
        read = method == "GET"
        attempt = 0
        while True:
            attempt += 1
            self._pacer.wait()
            try:
                resp = self._http.request(method, url, params=params, json=json_body)
            except httpx.TransportError as exc:
                # A refused connection never reached Atera, so even a write may go again.
                sent = not isinstance(exc, httpx.ConnectError)
                if (read or not sent) and attempt < self.max_attempts:
                    self._backoff(attempt, None, f"{type(exc).__name__}")
                    continue
                raise _transport_error(method, url, exc, read, sent, what) from None
            log.debug("atera %s %s -> %s", method, resp.url.path, resp.status_code)
            if resp.status_code in _RETRY_STATUS and attempt < self.max_attempts and (
                    read or resp.status_code == 429):
                self._backoff(attempt, _retry_after(resp), str(resp.status_code))
                continue
            return _decode(resp, method)

    def _backoff(self, attempt: int, retry_after: float | None, why: str) -> None:
        delay = retry_after if retry_after is not None else self.backoff * 2 ** (attempt - 1)
        delay = max(0.0, min(delay, self.max_backoff))
        log.info("atera: %s, retrying in %.2fs (attempt %d of %d)", why, delay, attempt + 1,
                 self.max_attempts)
        self._sleep(delay)


# --- helpers ------------------------------------------------------------------------------


def _safe(url: str) -> str:
    """A URL fit for a message: path and query only (the key never is in it anyway)."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _custom_path(customer_id: int, field: str) -> str:
    if not field or "/" in field:
        raise ConfigError(f"custom field name {field!r} must be non-empty and contain no '/'")
    # field names are free text ("Xero Contact ID"): encode everything but letters/digits
    return f"{API}/customvalues/customerfield/{int(customer_id)}/{quote(field, safe='')}"


def _since(value: When) -> dict[str, str]:
    """``FromLastModifiedDate`` as Atera reads it: no offset, the account's time zone.

    An aware datetime is turned into UTC first; callers that care about the account's zone
    should ask for a little earlier (the snapshot service overlaps by a day).
    """
    if value is None:
        return {}
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return {"FromLastModifiedDate": value.strftime("%Y-%m-%dT%H:%M:%S")}
    if isinstance(value, dt.date):
        return {"FromLastModifiedDate": value.isoformat()}
    text = str(value).strip()
    try:
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(f"modified_since {value!r} is not a date or time") from None
    return _since(parsed if len(text) > 10 else parsed.date())


def _day(value: When, name: str) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()[:10]).isoformat()
    except ValueError:
        raise ConfigError(f"{name} {value!r} is not a date (use YYYY-MM-DD)") from None


def _retry_after(resp: httpx.Response) -> float | None:
    raw = resp.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:  # an HTTP date
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(raw)
        return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def _transport_error(method: str, url: str, exc: httpx.TransportError, read: bool, sent: bool,
                     what: str | None) -> TransportError:
    path = _safe(url)
    if read or not sent:
        msg = f"Atera did not answer {method} {path}: {type(exc).__name__}"
    else:
        thing = what or "change"
        msg = (f"the answer to {method} {path} was lost ({type(exc).__name__}); the {thing} "
               "may or may not have been saved in Atera: check before trying again")
    return TransportError(msg, system="atera", url=path)


def _problem_text(resp: httpx.Response) -> tuple[str, list[str], Any]:
    """ProblemDetails' title/detail and per-field errors, or a short piece of the body."""
    try:
        body = resp.json()
    except ValueError:
        text = resp.text.strip()
        return (text[:200] or resp.reason_phrase), [], text[:2000] or None
    if isinstance(body, Mapping):
        detail = body.get("detail") or body.get("title") or body.get("message") or ""
        errors: list[str] = []
        raw_errors = body.get("errors")
        if isinstance(raw_errors, Mapping):
            for field, msgs in raw_errors.items():
                for m in msgs if isinstance(msgs, list) else [msgs]:
                    errors.append(f"{field}: {m}")
        return str(detail) or resp.reason_phrase, errors, body
    return resp.reason_phrase, [], body


def _decode(resp: httpx.Response, method: str) -> Any:
    status = resp.status_code
    path = _safe(str(resp.request.url))
    where = f"{method} {path}"
    common: dict[str, Any] = {"system": "atera", "status": status, "url": path}
    if status in (401, 403):
        raise AuthError(f"Atera refused the API key ({status}) for {where}: check "
                        "MATCHKIT_ATERA_API_KEY and the key's permissions", **common)
    if status == 204:
        return None
    if status >= 400:
        detail, errors, body = _problem_text(resp)
        common["body"] = body
        if status == 404:
            raise NotFoundError(f"Atera: not found: {where}: {detail}", **common)
        if status == 429:
            raise RateLimitError(f"Atera is rate limiting ({where}); try again later",
                                 retry_after=_retry_after(resp), **common)
        if status >= 500:
            raise ServerError(f"Atera failed with {status} on {where}: {detail}", **common)
        if status in (400, 409, 422):
            raise ValidationError(f"Atera refused {where}: {detail}", errors=errors, **common)
        raise ApiError(f"Atera answered {status} to {where}: {detail}", **common)
    ctype = resp.headers.get("Content-Type", "")
    if not resp.content:
        return None
    if "json" not in ctype and not ctype.startswith("text/plain"):
        raise ProtocolError(f"Atera answered {where} with {ctype or 'no content type'} "
                            "instead of JSON (a proxy or login page?)", **common)
    try:
        return json.loads(resp.content)
    except ValueError:
        raise ProtocolError(f"Atera's answer to {where} is not valid JSON", **common) from None
