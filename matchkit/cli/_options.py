"""Options and helpers every command module shares (no commands here)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from .._config import Settings
from .._exceptions import InputError
from ..store import Workspace

__all__ = ["atera_client", "chosen_tenant", "settings_from", "tenant_option", "workspace_option",
           "xero_client", "xero_login"]

F = TypeVar("F", bound=Callable[..., Any])


def workspace_option(func: F) -> F:
    """Add ``-w/--workspace`` (default ``$MATCHKIT_WORKSPACE`` or data/matchkit.duckdb) and pass
    ``settings: Settings`` and ``ws: Workspace`` to the command."""

    @click.option("-w", "--workspace", "workspace_path", metavar="PATH", default=None,
                  help="DuckDB workspace file [env MATCHKIT_WORKSPACE; default "
                       "data/matchkit.duckdb].")
    @functools.wraps(func)
    def wrapper(*args: Any, workspace_path: str | None, **kwargs: Any) -> Any:
        settings = settings_from(workspace_path)
        return func(*args, settings=settings, ws=Workspace.open(settings.workspace), **kwargs)

    return wrapper  # type: ignore[return-value]


_TENANT = "matchkit.tenant"


def tenant_option(func: F) -> F:
    """Add ``--tenant NAME-OR-ID`` to a command that talks to Xero; :func:`xero_client`
    (and :func:`chosen_tenant`) read it."""

    def remember(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is not None:
            if not value.strip():
                raise InputError("--tenant is empty: give the Xero organisation's name or "
                                 "tenant id (`matchkit tenants` lists them)")
            ctx.meta[_TENANT] = value.strip()

    return click.option(
        "--tenant", metavar="NAME-OR-ID", default=None, expose_value=False, callback=remember,
        help="The Xero organisation to work on (`matchkit tenants` lists them) [env "
             "MATCHKIT_XERO_TENANT_ID; default: the workspace's own, else the only one the "
             "login reaches].")(func)


def chosen_tenant() -> str | None:
    """The ``--tenant`` of the running command, if given."""
    ctx = click.get_current_context(silent=True)
    value = ctx.meta.get(_TENANT) if ctx is not None else None
    return str(value) if value else None


def settings_from(workspace_path: str | None = None) -> Settings:
    return Settings.from_env(workspace=workspace_path)


def xero_client(settings: Settings, ws: Workspace | None = None, *, record: bool = True
                ) -> Any:
    """A connected Xero client (OAuth as configured; see README) for ``--tenant``, else the
    workspace's organisation, else the only one; with ``record`` recorded in ``ws``."""
    from .._connect import connect_xero

    return connect_xero(ws, settings, tenant=chosen_tenant(), record=record,
                        on_url=_say_url, on_wait=_say_wait)


def xero_login(settings: Settings) -> Any:
    """The Xero login alone (its organisations: ``.tenants()``)."""
    from .._connect import xero_login as login

    return login(settings, on_url=_say_url, on_wait=_say_wait)


def _say_url(url: str) -> None:
    click.echo(f"Log in to Xero in your browser: {url}", err=True)


def _say_wait(seconds: float, reason: str) -> None:
    # Without this a rate limit or retry looks like a hang from the terminal.
    click.echo(f"waiting {seconds:.1f} s: {reason}", err=True)


def atera_client(settings: Settings) -> Any:
    from .._connect import connect_atera

    return connect_atera(settings)
