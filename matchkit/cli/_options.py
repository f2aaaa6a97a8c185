"""Options and helpers every command module shares (no commands here)."""

from __future__ import annotations

import datetime as dt
import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, overload

import click

from .._config import Settings
from .._exceptions import InputError
from ..store import Workspace, remove_if_empty

__all__ = ["IsoDate", "atera_client", "chosen_tenant", "output_file", "settings_from",
           "tenant_option", "workspace_option", "xero_client", "xero_login"]

F = TypeVar("F", bound=Callable[..., Any])
DEFAULT_WORKSPACE = Settings().workspace


@overload
def workspace_option(func: F) -> F: ...
@overload
def workspace_option(*, create: bool = True) -> Callable[[F], F]: ...


def workspace_option(func: F | None = None, *, create: bool = True) -> Any:
    """Add ``-w/--workspace`` (default ``$MATCHKIT_WORKSPACE`` or data/matchkit.duckdb) and pass
    ``settings: Settings`` and ``ws: Workspace`` to the command.

    The workspace must be a matchkit workspace, or (``create``, for commands that fill one) a
    new file in a folder that exists; only the default folder ``data/`` is made when missing.
    A workspace this command made is removed again when the command wrote nothing to it (it
    failed, or only read), so a mistake leaves no file behind.
    """
    def deco(fn: F) -> F:
        @click.option("-w", "--workspace", "workspace_path", metavar="PATH", default=None,
                      help="DuckDB workspace file [env MATCHKIT_WORKSPACE; default "
                           "data/matchkit.duckdb].")
        @functools.wraps(fn)
        def wrapper(*args: Any, workspace_path: str | None, **kwargs: Any) -> Any:
            settings = settings_from(workspace_path)
            path = Path(settings.workspace)
            made_folder = False
            if settings.workspace == DEFAULT_WORKSPACE and not path.parent.exists() and create:
                path.parent.mkdir(parents=True)  # our own default, not a path someone typed
                made_folder = True
            fresh = not path.exists()
            try:
                ws = Workspace.open(settings.workspace, create=create)
                return fn(*args, settings=settings, ws=ws, **kwargs)
            finally:
                if fresh:
                    remove_if_empty(path)
                if made_folder and path.parent.exists() and not any(path.parent.iterdir()):
                    path.parent.rmdir()

        return wrapper  # type: ignore[return-value]

    return deco(func) if func is not None else deco


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


class IsoDate(click.ParamType[dt.date, Any]):
    """A date written YYYY-MM-DD; anything else is refused naming the option and the value."""

    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None
                ) -> dt.date:
        if isinstance(value, dt.date):
            return value
        text = str(value).strip()
        try:
            if len(text) != 10:
                raise ValueError
            return dt.date.fromisoformat(text)
        except ValueError:
            self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD (e.g. 2026-08-31)",
                      param, ctx)


def output_file(path: Path) -> Path:
    """``path`` as a file to write: its folder must exist and it must not be a folder."""
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file name")
    if not path.parent.is_dir():
        raise InputError(f"no folder {path.parent} for {path}: create the folder first, or "
                         "check the path")
    if path.exists() and not os.access(path, os.W_OK):
        raise InputError(f"{path} cannot be written (no permission)")
    return path


def xero_client(settings: Settings, ws: Workspace | None = None, *, record: bool = True
                ) -> Any:
    """A connected Xero client (OAuth as configured; see README) for ``--tenant``, else the
    workspace's organisation, else the only one; with ``record`` recorded in ``ws``."""
    from ..connect import connect_xero

    return connect_xero(ws, settings, tenant=chosen_tenant(), record=record,
                        on_url=_say_url, on_wait=_say_wait)


def xero_login(settings: Settings) -> Any:
    """The Xero login alone (its organisations: ``.tenants()``)."""
    from ..connect import xero_login as login

    return login(settings, on_url=_say_url, on_wait=_say_wait)


def _say_url(url: str) -> None:
    click.echo(f"Log in to Xero in your browser: {url}", err=True)


def _say_wait(seconds: float, reason: str) -> None:
    # Without this a rate limit or retry looks like a hang from the terminal.
    click.echo(f"waiting {seconds:.1f} s: {reason}", err=True)


def atera_client(settings: Settings) -> Any:
    from ..connect import connect_atera

    return connect_atera(settings)
