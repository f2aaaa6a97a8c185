"""What the rest of matchkit may ask of a Xero client: :class:`XeroClient` is one, and so is
any test double with these members. Services take these, never ``Any``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

from ._results import ElementResult

__all__ = ["XeroReader", "XeroWriter"]


class XeroReader(Protocol):
    """The reads (and ``request`` for any other endpoint) of one organisation."""

    @property
    def tenant_id(self) -> str: ...

    @property
    def tenant_name(self) -> str | None: ...

    @property
    def connection_id(self) -> str | None: ...

    @property
    def short_code(self) -> str | None: ...

    def organisation(self, *, refresh: bool = ...) -> dict[str, Any]: ...

    def contacts(self, include_archived: bool = ..., modified_since: Any = ...
                 ) -> Iterator[dict[str, Any]]: ...

    def items(self, modified_since: Any = ...) -> list[dict[str, Any]]: ...

    def tax_rates(self) -> list[dict[str, Any]]: ...

    def currencies(self) -> list[dict[str, Any]]: ...

    def accounts(self) -> list[dict[str, Any]]: ...

    def invoices(self, ids: Sequence[str] | None = ..., numbers: Sequence[str] | None = ...,
                 statuses: Sequence[str] | None = ..., modified_since: Any = ...
                 ) -> Iterator[dict[str, Any]]: ...

    def request(self, method: str, path: str, *, params: Mapping[str, Any] | None = ...,
                json_body: Any = ..., headers: Mapping[str, str] | None = ...,
                idempotency_key: str | None = ..., allow_statuses: Sequence[int] = ...
                ) -> Any: ...


class XeroWriter(XeroReader, Protocol):
    """The reads, and the writes matchkit makes (each through ``matchkit.outbox``)."""

    def create_contacts(self, records: Sequence[Mapping[str, Any]], *,
                        idempotency_key: str | None = ...) -> Sequence[ElementResult]: ...

    def update_contacts(self, records: Sequence[Mapping[str, Any]], *,
                        idempotency_key: str | None = ...) -> Sequence[ElementResult]: ...

    def create_items(self, records: Sequence[Mapping[str, Any]], *,
                     idempotency_key: str | None = ...) -> Sequence[ElementResult]: ...

    def create_invoices(self, records: Sequence[Mapping[str, Any]], *,
                        idempotency_key: str | None = ...) -> Sequence[ElementResult]: ...

    def create_credit_notes(self, records: Sequence[Mapping[str, Any]], *,
                            idempotency_key: str | None = ...) -> Sequence[ElementResult]: ...

    def disconnect(self) -> None: ...
