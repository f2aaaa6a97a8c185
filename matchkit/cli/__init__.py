"""The ``matchkit`` command line: one module per command group, all thin faces over services."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click

from .._exceptions import MatchkitError

__all__ = ["main"]

# Every private module of this package may expose ``COMMANDS: list[click.Command]``; adding a
# command group is adding a module, so nobody edits a shared list.
_MODULES = sorted(
    f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__) if m.name.startswith("_")
)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MatchkitError as exc:
            # A clear message, no traceback: these are errors the user can act on.
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="matchkit-sync")
def main() -> None:
    """Keep Atera and Xero in step: snapshot, match, review, export."""


for _name in _MODULES:
    for _cmd in getattr(importlib.import_module(_name), "COMMANDS", []):
        main.add_command(_cmd)
