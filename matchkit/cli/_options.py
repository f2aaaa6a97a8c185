"""Options and helpers every command module shares (no commands here)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import click

from .._config import Settings
from ..store import Workspace

__all__ = ["atera_client", "settings_from", "workspace_option", "xero_client"]

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


def settings_from(workspace_path: str | None = None) -> Settings:
    return Settings.from_env(workspace=workspace_path)


def xero_client(settings: Settings, ws: Workspace | None = None) -> Any:
    """A connected Xero client (OAuth as configured; see README), recorded in ``ws``."""
    from .._connect import connect_xero

    return connect_xero(ws, settings, on_url=lambda url: click.echo(
        f"Log in to Xero in your browser: {url}", err=True), on_wait=_say_wait)


def _say_wait(seconds: float, reason: str) -> None:
    # Without this a rate limit or retry looks like a hang from the terminal.
    click.echo(f"waiting {seconds:.1f} s: {reason}", err=True)


def atera_client(settings: Settings) -> Any:
    from .._connect import connect_atera

    return connect_atera(settings)
