"""``matchkit settings``: the export settings kept in the workspace (``export.*``)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import click

from .._config import Settings
from .._exceptions import InputError
from ..store import Workspace
from ._options import workspace_option

__all__ = ["COMMANDS"]

_TRUE, _FALSE = {"true", "yes", "on", "1"}, {"false", "no", "off", "0"}


def _option_field(key: str) -> Any:
    from ..export import ExportOptions

    name = key.removeprefix("export.")
    for f in fields(ExportOptions):
        if f.name == name:
            return f
    known = ", ".join("export." + f.name for f in fields(ExportOptions))
    raise InputError(f"unknown setting {key!r}; known: {known}")


def _parse(f: Any, text: str) -> Any:
    """``text`` as the type of the option's default (the dataclass says which)."""
    if isinstance(f.default, bool):
        low = text.strip().lower()
        if low not in _TRUE | _FALSE:
            raise InputError(f"export.{f.name} takes true or false, got {text!r}")
        return low in _TRUE
    if isinstance(f.default, int):
        try:
            return int(text)
        except ValueError:
            raise InputError(f"export.{f.name} takes a whole number, got {text!r}") from None
    return text


@click.group("settings")
def settings_group() -> None:
    """Export settings kept in the workspace (show, set KEY VALUE, unset KEY)."""


@settings_group.command("show")
@workspace_option
def show_cmd(*, settings: Settings, ws: Workspace) -> None:
    """Every export setting, its value, and whether it is the default."""
    from ..export import ExportOptions

    stored, options = ws.settings(), ExportOptions.from_workspace(ws)
    for f in fields(ExportOptions):
        key = "export." + f.name
        origin = "set" if key in stored else "default"
        click.echo(f"{key:<34} {getattr(options, f.name)!s:<14} ({origin})")


@settings_group.command("set", context_settings={"ignore_unknown_options": True})
@click.argument("key")
@click.argument("value")
@workspace_option
def set_cmd(key: str, value: str, *, settings: Settings, ws: Workspace) -> None:
    """Set KEY (e.g. export.sales_account) to VALUE; refused unless the options it makes
    are valid together (AUTHORISED needs a sales account ...)."""
    from ..export import ExportOptions

    f = _option_field(key)
    parsed = _parse(f, value)
    ExportOptions.from_workspace(ws, **{f.name: parsed})  # raises ConfigError when invalid
    ws.set_setting("export." + f.name, parsed)
    click.echo(f"export.{f.name} = {parsed}")


@settings_group.command("unset")
@click.argument("key")
@workspace_option(create=False)
def unset_cmd(key: str, *, settings: Settings, ws: Workspace) -> None:
    """Back to the default for KEY; refused if the rest would no longer be valid."""
    from ..export import ExportOptions

    f = _option_field(key)
    with ws.transaction():
        ws.delete_setting("export." + f.name)
        ExportOptions.from_workspace(ws)  # raises, and the transaction rolls back
    click.echo(f"export.{f.name} = {f.default} (default)")


COMMANDS = [settings_group]
