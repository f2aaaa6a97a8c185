"""Export commands: ``matchkit export`` and ``matchkit refresh-invoices``."""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING, Any

import click

from .._config import Settings
from .._exceptions import InputError
from ..store import Workspace, export_state
from ..xero import XeroReader
from ._options import IsoDate, atera_client, tenant_option, workspace_option, xero_client

if TYPE_CHECKING:  # the export package is imported when a command runs
    from ..export import ExportResult

__all__ = ["COMMANDS"]


def _check_choice(date_from: dt.date | None, date_to: dt.date | None, file: str | None,
                  batch_id: str | None) -> None:
    """One batch, and a whole one: checked before anything is read or asked."""
    chosen = sum(x is not None for x in (file, batch_id)) + (1 if date_from or date_to else 0)
    if chosen != 1:
        raise InputError("choose one batch: --from YYYY-MM-DD --to YYYY-MM-DD, --file F, or "
                         "--batch ID")
    if (date_from is None) != (date_to is None):
        given, missing = ("--from", "--to") if date_from else ("--to", "--from")
        raise InputError(f"{given} needs {missing} too: the batch is the Atera invoices "
                         "dated from one day to another (YYYY-MM-DD)")
    if date_from is not None and date_to is not None and date_from > date_to:
        raise InputError(f"--from {date_from} is after --to {date_to}")


def _batch(ws: Workspace, settings: Settings, date_from: dt.date | None,
           date_to: dt.date | None, file: str | None, batch_id: str | None) -> Any:
    from ..export import batch_from_api, batch_from_file, load_batch

    if file:
        return batch_from_file(file)
    if batch_id:
        return load_batch(ws, batch_id)
    assert date_from is not None and date_to is not None
    return batch_from_api(atera_client(settings), date_from, date_to)


def _need_setup(ws: Workspace) -> None:
    """Exporting needs what the wizard's Done leaves: the Xero connection, set up."""
    conn = ws.connection("xero")
    if conn is None or conn.get("setup_done_at") is None:
        state = ("is not connected to Xero" if conn is None else
                 "has not finished the wizard (Done)")
        raise InputError(f"the workspace {ws.path} {state}: run `matchkit wizard --auto` (or "
                         "the wizard in JupyterLab, `matchkit lab`) first; the export needs "
                         "its matches of customers and products")


@click.command("export")
@click.option("--from", "date_from", type=IsoDate(), help="First invoice date (Atera).")
@click.option("--to", "date_to", type=IsoDate(), help="Last invoice date (Atera).")
@click.option("--file", type=click.Path(dir_okay=False), help="Invoices in Atera's JSON shape.")
@click.option("--batch", "batch_id", metavar="ID", help="Run a saved batch again (resume).")
@click.option("--create-missing-customers", is_flag=True, default=None,
              help="Create customers that have no Xero contact yet.")
@click.option("--status", type=click.Choice(["DRAFT", "SUBMITTED", "AUTHORISED"]),
              default=None, help="Status of the new invoices [setting export.status; DRAFT].")
@click.option("--dry-run", is_flag=True, help="Validate and show every call; send nothing.")
@click.option("--payloads", is_flag=True, help="With --dry-run: print every invoice payload.")
@workspace_option
@tenant_option
def export_cmd(date_from: dt.date | None, date_to: dt.date | None, file: str | None,
               batch_id: str | None, create_missing_customers: bool | None, status: str | None,
               dry_run: bool, payloads: bool, *, settings: Settings, ws: Workspace) -> None:
    """Export a batch of Atera invoices to Xero, exactly once.

    Every problem is listed first; invalid invoices are refused, the rest are sent. Running
    it again sends only what is missing. Exit code 0 only when every valid invoice of the
    batch is in Xero (now or before); 1 otherwise; 2 when the export could not start.
    """
    from ..export import ExportOptions, export_batch, plan_export

    options = ExportOptions.from_workspace(ws, status=status,
                                           create_missing_customers=create_missing_customers)
    # What the user typed is checked first (a file is read, nothing is asked of Atera yet);
    # then what the workspace needs; only then are Atera and Xero asked anything.
    _check_choice(date_from, date_to, file, batch_id)
    batch = _batch(ws, settings, None, None, file, batch_id) if file or batch_id else None
    _need_setup(ws)
    if batch is None:
        batch = _batch(ws, settings, date_from, date_to, None, None)
    xero = xero_client(settings, ws)
    try:
        if dry_run:
            plan = plan_export(ws, xero, batch, options)
            _problems(plan.report.problems)
            click.echo(plan.text(with_payloads=payloads))
            return
        bar = _progress_bar()
        try:
            result = export_batch(ws, xero, batch, options,
                                  progress=bar.update_to if bar is not None else None)
        finally:
            if bar is not None:
                bar.close()
        checked = _reconcile(ws, xero, result)
    finally:
        xero.close()
    _problems(result.report.problems)
    for number in result.failed:
        o = result.outcomes[number]
        click.echo(f"invoice {number}: {o.status}: {o.error}", err=True)
    click.echo(result.summary())
    if checked:
        click.echo(checked)
    if not result.ok:
        sys.exit(1)


def _reconcile(ws: Workspace, xero: XeroReader, result: ExportResult) -> str | None:
    """The batch read back from Xero and reconciled: its one-line summary."""
    from ..reconcile import reconcile_batch

    if not result.exported:
        return None
    line, ok = reconcile_batch(ws, xero, result.batch_id)
    if not ok:  # the export is done; only the check could not be made
        click.echo(line, err=True)
        return None
    return line


class _Bar:
    def __init__(self) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=0, unit="invoice", file=sys.stderr, leave=False)

    def update_to(self, done: int, total: int) -> None:
        self._bar.total = total
        self._bar.n = done
        self._bar.refresh()

    def close(self) -> None:
        self._bar.close()


def _progress_bar() -> _Bar | None:
    return _Bar() if sys.stderr.isatty() else None


def _problems(problems: list[Any]) -> None:
    order = {"error": 0, "fix": 1, "info": 2}
    for p in sorted(problems, key=lambda p: (order[p.severity], p.invoice, p.line or 0)):
        click.echo(f"{p.severity:>5}  {p}", err=True)


@click.command("refresh-invoices")
@workspace_option(create=False)
@tenant_option
def refresh_cmd(*, settings: Settings, ws: Workspace) -> None:
    """Read status, amount due and amount paid of exported invoices back from Xero."""
    from ..export import refresh_invoices

    if export_state(ws, exported=True).empty:
        raise InputError(f"no invoice of the workspace {ws.path} is exported yet, so there is "
                         "nothing to read back: run `matchkit export` first")

    xero = xero_client(settings, ws)
    try:
        df = refresh_invoices(ws, xero)
    finally:
        xero.close()
    done = df[df["status"] == "exported"]
    if done.empty:
        click.echo("no exported invoices yet")
        return
    for state, n in done["payment"].value_counts().sort_index().items():
        click.echo(f"{state:<22} {n:>6}")
    due = float(done["amount_due"].fillna(0).sum())
    paid = float(done["amount_paid"].fillna(0).sum())
    click.echo(f"{'amount due':<22} {due:>12,.2f}\n{'amount paid':<22} {paid:>12,.2f}")


COMMANDS: list[click.Command] = [export_cmd, refresh_cmd]
