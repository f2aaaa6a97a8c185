"""``matchkit review export`` / ``matchkit review apply``: bulk review as a file."""

from __future__ import annotations

import getpass
from pathlib import Path

import click

from .._config import Settings
from ..review import Review, file_kind
from ..store import Workspace
from ._options import output_file, workspace_option

__all__ = ["COMMANDS"]


def _who() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in some containers
        return None


@click.group("review")
def review_group() -> None:
    """Review match suggestions as a CSV file (edit it in any spreadsheet)."""


@review_group.command("export")
@click.option("--kind", type=click.Choice(["customers", "products"]), required=True)
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="CSV file to write (UTF-8), in a folder that exists.")
@workspace_option(create=False)
def export_cmd(kind: str, output: Path, *, settings: Settings, ws: Workspace) -> None:
    """Write the latest suggestions and current decisions of KIND to a CSV file.

    \b
    Edit the columns action (match, create, unmatch, clear, or empty for undecided),
    xero_id (for match; empty means the suggested one) and note, then run
    `matchkit review apply FILE`.
    """
    output_file(output)
    review = Review.from_workspace(ws, kind, who=_who())
    n = review.export_csv(output)
    click.echo(f"{n} {kind} written to {output} ({review.counts()})")


@review_group.command("apply")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and count changes; write nothing.")
@workspace_option(create=False)
def apply_cmd(file: str, dry_run: bool, *, settings: Settings, ws: Workspace) -> None:
    """Apply an edited decisions FILE: every row is checked first, then all or nothing."""
    kind = file_kind(file)
    review = Review.from_workspace(ws, kind, who=_who())
    result = review.apply_csv(file, dry_run=dry_run)
    verb = "would change" if dry_run else "changed"
    click.echo(f"{file}: {result.rows} rows, {result.changed} {verb}, {result.unchanged} "
               f"unchanged" + (f" (run {result.run_id})" if result.run_id and not dry_run
                               else ""))


COMMANDS: list[click.Command] = [review_group]
