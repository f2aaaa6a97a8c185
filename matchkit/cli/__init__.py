"""The ``matchkit`` command line: one module per command group, all thin faces over services.

Every mistake a user can make ends in one line on stderr, ``error: ...``, and exit code 2:
a refused option or value (click's usage errors, reworded to one line), an input matchkit
refuses (:class:`MatchkitError`), a path the file system refuses (too long, not allowed).
Anything else is a bug in matchkit: one line that says so, exit code 70 (``EX_SOFTWARE``),
and the traceback only with ``MATCHKIT_DEBUG=1``.
"""

from __future__ import annotations

import errno
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import Any

import click

from .._exceptions import MatchkitError, one_line

__all__ = ["BUG_EXIT", "main"]

BUG_EXIT = 70  # EX_SOFTWARE (sysexits.h): an internal error, not the user's

# Every private module of this package may expose ``COMMANDS: list[click.Command]``; adding a
# command group is adding a module, so nobody edits a shared list.
_MODULES = sorted(
    f"{__name__}.{m.name}" for m in pkgutil.iter_modules(__path__) if m.name.startswith("_")
)


def _fail(message: str, code: int) -> None:
    click.echo(f"error: {one_line(message)}", err=True)
    sys.exit(code)


def _check_text(args: Sequence[str]) -> None:
    """Arguments must be text matchkit can print and store (UTF-8): a file name in another
    encoding reaches Python as surrogates, which no message, log or workspace can hold."""
    for i, arg in enumerate(args, start=1):
        try:
            str(arg).encode("utf-8")
            if "\x00" in str(arg):  # no file name or value holds one (a C string ends there)
                raise UnicodeEncodeError("utf-8", str(arg), 0, 1, "NUL")
        except UnicodeEncodeError:
            shown = str(arg).encode("utf-8", "backslashreplace").decode("ascii", "replace")
            _fail(f"argument {i} ({shown[:60]}) is not UTF-8 text; rename the file or "
                  "retype the value in UTF-8", 2)


# What the file system answers about a path someone gave (too long, not allowed, read-only,
# full): the user's to act on, not a bug in matchkit.
_PATH_ERRORS = {errno.ENAMETOOLONG, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC,
                errno.EDQUOT, errno.ELOOP, errno.ENOTDIR, errno.EISDIR}


def _path_problem(exc: Exception) -> str | None:
    """One line for an OS error on a named path (``None`` for any other error)."""
    if not isinstance(exc, OSError) or exc.errno not in _PATH_ERRORS or exc.filename is None:
        return None
    name = os.fsdecode(exc.filename)
    shown = name if len(name) <= 80 else f"{name[:40]}...{name[-20:]} ({len(name)} characters)"
    return f"{shown}: {(exc.strerror or 'cannot use this path').lower()}; choose another path"


class _Group(click.Group):
    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        _check_text(sys.argv[1:] if args is None else args)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.exceptions.NoArgsIsHelpError as exc:
            click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
            sys.exit(0)
        except click.UsageError as exc:
            hint = (f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else "")
            _fail(f"{exc.format_message()}{hint}", 2)
        except click.ClickException as exc:
            _fail(exc.format_message(), 2)
        except click.Abort:
            _fail("stopped", 1)
        except MatchkitError as exc:  # raised outside a command (settings, workspace option)
            _fail(str(exc), 2)
        except (KeyboardInterrupt, BrokenPipeError):
            _fail("stopped", 130)
        except Exception as exc:
            if (problem := _path_problem(exc)) is not None:
                _fail(problem, 2)
            if os.environ.get("MATCHKIT_DEBUG"):
                raise
            _fail(f"unexpected {type(exc).__name__} in matchkit: {exc} (a bug; run again with "
                  "MATCHKIT_DEBUG=1 for the details and report them)", BUG_EXIT)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except MatchkitError as exc:
            # A clear message, no traceback: these are errors the user can act on.
            _fail(str(exc), 2)
            return None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="matchkit-sync")
def main() -> None:
    """Keep Atera and Xero in step: snapshot, match, review, export."""


for _name in _MODULES:
    for _cmd in getattr(importlib.import_module(_name), "COMMANDS", []):
        main.add_command(_cmd)
