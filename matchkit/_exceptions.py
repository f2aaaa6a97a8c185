"""The one exception tree of matchkit.

Everything matchkit raises on purpose derives from :class:`MatchkitError`, so callers can
write a single ``except MatchkitError``::

    MatchkitError
    ├── ConfigError (ValueError)            missing or bad settings / credentials
    ├── InputError (ValueError)             a file or a user choice that cannot be used
    │   └── LoadError                       a snapshot file refused (file, row, field)
    ├── WorkspaceError                      the DuckDB workspace
    │   ├── WorkspaceBusyError              another process holds the write lock
    │   └── WorkspaceTenantError            it belongs to another Xero organisation
    ├── MatchConfigError (ValueError)       matching called with unusable frames
    ├── ApiError                            any upstream API (Xero, Atera)
    │   ├── TransportError                  no answer: connect error, timeout, dropped
    │   ├── AuthError                       401/403, token or connection problems
    │   │   └── ReconnectRequired           refresh token dead or revoked: log in again
    │   ├── RateLimitError                  429 (minute or day), with retry_after
    │   ├── NotFoundError                   404
    │   ├── ValidationError                 400 with per-element messages
    │   ├── ServerError                     5xx
    │   └── ProtocolError                   an answer that is not what the API documents
    ├── WizardError                         an action the wizard's current state refuses
    └── ExportError                         an export that cannot proceed
        ├── ExportValidationError           every problem of a batch, listed at once
        └── ExportBusyError                 another export runs for the same organisation

Messages never contain tokens, keys or secrets.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "ApiError",
    "AuthError",
    "ConfigError",
    "ExportBusyError",
    "ExportError",
    "ExportValidationError",
    "InputError",
    "LoadError",
    "MatchConfigError",
    "MatchkitError",
    "NotFoundError",
    "ProtocolError",
    "RateLimitError",
    "ReconnectRequired",
    "ServerError",
    "TransportError",
    "ValidationError",
    "WizardError",
    "WorkspaceBusyError",
    "WorkspaceError",
    "WorkspaceTenantError",
    "one_line",
]


class MatchkitError(Exception):
    """Root of every error matchkit raises on purpose."""


def one_line(text: str) -> str:
    """A message on one line, as the CLI and the widgets show it: its lines joined with '; '
    (with a space after a line that ends in ':', which introduces the next)."""
    out = ""
    for part in (p.strip() for p in str(text).splitlines()):
        if part:
            out += ("" if not out else " " if out.endswith(":") else "; ") + part
    return out or "(no message)"


class ConfigError(MatchkitError, ValueError):
    """Settings or credentials are missing or unusable."""


class InputError(MatchkitError, ValueError):
    """A file, a row or a user choice cannot be used."""


class LoadError(InputError):
    """A snapshot file was refused; names the file, the row and the field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | None = None,
        field: str | None = None,
    ) -> None:
        where = []
        if file is not None:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{': '.join([', '.join(where), message]) if where else message}")
        self.file = file
        self.row = row
        self.field = field
        self.reason = message


class WorkspaceError(MatchkitError):
    """The DuckDB workspace cannot be used."""


class WorkspaceBusyError(WorkspaceError):
    """Another process holds the workspace's write lock."""


class WorkspaceTenantError(WorkspaceError):
    """The workspace belongs to one Xero organisation and was asked to take another's."""


class MatchConfigError(MatchkitError, ValueError):
    """Matching was called with frames or options it cannot use."""


class ApiError(MatchkitError):
    """An upstream API (Xero or Atera) failed.

    ``status`` is the HTTP status (``None`` when no answer came), ``system`` is
    ``"xero"`` or ``"atera"``, ``url`` is the request URL with secrets removed.
    """

    def __init__(
        self,
        message: str,
        *,
        system: str | None = None,
        status: int | None = None,
        url: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.system = system
        self.status = status
        self.url = url
        self.body = body


class TransportError(ApiError):
    """No usable answer: connection refused or dropped, or a timeout."""


class AuthError(ApiError):
    """Authentication or authorisation failed (401/403, token endpoint errors)."""


class ReconnectRequired(AuthError):
    """The stored grant is dead (revoked, expired, ``invalid_grant``): connect again."""


class RateLimitError(ApiError):
    """429: a rate limit was hit. ``problem`` is Xero's ``X-Rate-Limit-Problem``."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        problem: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
        self.problem = problem


class NotFoundError(ApiError):
    """404: the resource does not exist."""


class ValidationError(ApiError):
    """400: the API refused the request; ``errors`` holds the per-element messages."""

    def __init__(
        self, message: str, *, errors: Sequence[str] = (), **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.errors = list(errors)


class ServerError(ApiError):
    """5xx from the API."""


class ProtocolError(ApiError):
    """An answer that does not have the documented shape (e.g. HTML with status 200)."""


class WizardError(MatchkitError):
    """The wizard refused an action in its current state."""


class ExportError(MatchkitError):
    """An invoice export cannot proceed."""


class ExportValidationError(ExportError, InputError):
    """A batch failed validation; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Any]) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems[:50]]
        more = len(self.problems) - len(lines)
        text = "\n  ".join(lines) + (f"\n  ... and {more} more" if more > 0 else "")
        super().__init__(f"{len(self.problems)} problem(s) in the batch:\n  {text}")


class ExportBusyError(ExportError):
    """Another export is running for the same Xero organisation."""
