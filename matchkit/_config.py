"""Settings read from the environment.

The same variables point every entry point (CLI, notebooks, Python) at the built-in sandbox
or at the real services; ``matchkit sandbox`` prints the sandbox's values. Secrets are kept
out of ``repr`` so a settings object can be printed or logged safely.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

import platformdirs

from ._exceptions import ConfigError

__all__ = ["ENV_VARS", "Settings"]

DEFAULT_SCOPES = "offline_access accounting.contacts accounting.settings accounting.invoices"

# variable -> (Settings field, default, description); README documents the same list.
ENV_VARS: dict[str, tuple[str, str | None, str]] = {
    "MATCHKIT_WORKSPACE": ("workspace", "data/matchkit.duckdb", "DuckDB workspace file"),
    "MATCHKIT_XERO_CLIENT_ID": ("xero_client_id", None, "Xero app client id"),
    "MATCHKIT_XERO_CLIENT_SECRET": ("xero_client_secret", None, "Xero app client secret"),
    "MATCHKIT_XERO_GRANT": (
        "xero_grant",
        "authorization_code",
        "authorization_code (PKCE, a person logs in) or client_credentials (custom connection)",
    ),
    "MATCHKIT_XERO_SCOPES": ("xero_scopes", DEFAULT_SCOPES, "OAuth scopes to request"),
    "MATCHKIT_XERO_LOGIN_URL": (
        "xero_login_url",
        "https://login.xero.com",
        "where /identity/connect/authorize lives",
    ),
    "MATCHKIT_XERO_IDENTITY_URL": (
        "xero_identity_url",
        "https://identity.xero.com",
        "where /connect/token and /connect/revocation live",
    ),
    "MATCHKIT_XERO_API_URL": (
        "xero_api_url",
        "https://api.xero.com",
        "where /connections and /api.xro/2.0 live",
    ),
    "MATCHKIT_XERO_WEB_URL": (
        "xero_web_url",
        "https://go.xero.com",
        "the Xero web app, for links to invoices",
    ),
    "MATCHKIT_XERO_TENANT_ID": ("xero_tenant_id", None, "pick this organisation if several"),
    "MATCHKIT_XERO_REDIRECT_PORT": (
        "xero_redirect_port",
        "0",
        "port of the login's loopback listener; real Xero needs it fixed and registered as "
        "http://127.0.0.1:PORT/callback (0: any free port, fine for the sandbox)",
    ),
    "MATCHKIT_ATERA_URL": ("atera_url", "https://app.atera.com", "Atera API base URL"),
    "MATCHKIT_ATERA_API_KEY": ("atera_api_key", None, "Atera API key or token"),
    "MATCHKIT_ATERA_RATE": (
        "atera_rate",
        "5",
        "Atera requests per second at most (Atera publishes no limit; 0: unpaced)",
    ),
    "MATCHKIT_TOKEN_DIR": (
        "token_dir",
        None,
        "where Xero tokens are kept (0600 files); default: the user data dir",
    ),
}


@dataclass(frozen=True)
class Settings:
    """Where matchkit's workspace is and how it reaches Xero and Atera."""

    workspace: str = "data/matchkit.duckdb"
    xero_client_id: str | None = None
    xero_client_secret: str | None = field(default=None, repr=False)
    xero_grant: str = "authorization_code"
    xero_scopes: str = DEFAULT_SCOPES
    xero_login_url: str = "https://login.xero.com"
    xero_identity_url: str = "https://identity.xero.com"
    xero_api_url: str = "https://api.xero.com"
    xero_web_url: str = "https://go.xero.com"
    xero_tenant_id: str | None = None
    xero_redirect_port: int = 0
    atera_url: str = "https://app.atera.com"
    atera_api_key: str | None = field(default=None, repr=False)
    atera_rate: float = 5.0
    token_dir: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from ``env`` (default ``os.environ``), then ``overrides``."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for var, (name, _default, _doc) in ENV_VARS.items():
            if env.get(var):
                values[name] = env[var]
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "xero_redirect_port" in values:
            try:
                values["xero_redirect_port"] = int(values["xero_redirect_port"])
            except ValueError:
                raise ConfigError("MATCHKIT_XERO_REDIRECT_PORT must be a port number, got "
                                  f"{values['xero_redirect_port']!r}") from None
        if "atera_rate" in values:
            given = values["atera_rate"]
            try:
                values["atera_rate"] = float(given)
            except ValueError:
                values["atera_rate"] = -1.0
            if not 0 <= values["atera_rate"] <= 1000:
                raise ConfigError("MATCHKIT_ATERA_RATE must be requests per second (0-1000; "
                                  f"0: unpaced), got {given!r}")
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise TypeError(f"unknown settings: {sorted(unknown)}")
        return cls(**values)

    def with_(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def token_path(self) -> Path:
        """Directory for token files; outside the repository by default."""
        if self.token_dir:
            return Path(self.token_dir)
        return Path(platformdirs.user_data_dir("matchkit", appauthor=False)) / "tokens"
