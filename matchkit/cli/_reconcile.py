"""``matchkit reconcile``: exported invoices, Atera's figures beside Xero's, and why."""

from __future__ import annotations

import json
import sys

import click

from .._config import Settings
from ..store import Workspace
from ._options import chosen_tenant, tenant_option, workspace_option, xero_client

__all__ = ["COMMANDS"]

_HEAD = (f"{'atera':>8} {'xero':<12} {'atera sub':>12} {'atera tax':>10} {'xero sub':>12} "
         f"{'xero tax':>10} {'xero total':>12} {'diff':>10}  reason")


def _money(v: float | None, width: int) -> str:
    return f"{'-':>{width}}" if v is None else f"{v:>{width},.2f}"


@click.command("reconcile")
@click.option("--batch", "batch_id", metavar="ID", help="Only the invoices of this export batch.")
@click.option("--json", "as_json", is_flag=True,
              help="Machine-readable: invoices[] and totals (keys in README).")
@workspace_option(create=False)
@tenant_option
def reconcile_cmd(batch_id: str | None, as_json: bool, *, settings: Settings,
                  ws: Workspace) -> None:
    """Read exported invoices back from Xero and set Atera's figures beside Xero's.

    Per invoice: Atera's subtotal and the Atera tax that was not sent, Xero's subtotal, tax
    and total, the difference and its reason (xero tax added, rounding; changed in xero is an
    error). Exit code 1 when any invoice is an error, 2 when it cannot run.
    """
    from ..reconcile import check_reconcilable, reconcile

    if chosen_tenant() is None:
        check_reconcilable(ws, batch_id)  # say what is wrong before any login
    xero = xero_client(settings, ws)
    try:
        result = reconcile(ws, xero, batch_id)
    finally:
        xero.close()
    if as_json:
        click.echo(json.dumps(result.as_json(), indent=2))
    else:
        click.echo(_HEAD)
        for r in result.invoices:
            click.echo(f"{r.atera_invoice:>8} {r.xero_number or '-':<12} "
                       f"{_money(r.atera_subtotal, 12)} {_money(r.atera_tax, 10)} "
                       f"{_money(r.xero_subtotal, 12)} {_money(r.xero_tax, 10)} "
                       f"{_money(r.xero_total, 12)} {_money(r.difference, 10)}  "
                       + ("ERROR " if r.error else "") + r.reason)
        click.echo(result.summary())
    if result.errors:
        sys.exit(1)


COMMANDS: list[click.Command] = [reconcile_cmd]
