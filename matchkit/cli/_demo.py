"""``matchkit demo``: the whole sync, headless, against the built-in sandbox."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .._config import Settings
from .._exceptions import InputError
from ..store import Workspace
from ..workspace_status import format_status, status

if TYPE_CHECKING:  # the wizard is imported when the command runs
    from ..wizard import Plan

__all__ = ["COMMANDS"]

DEMO_WORKSPACE = "data/demo.duckdb"
# Refusals that only mean "a person has not decided this customer or product yet".
_WAITS_FOR_REVIEW = ("needs_review", "customer_unmatched", "item_missing")


def _step(title: str) -> float:
    click.secho(f"\n== {title}", bold=True)
    return time.monotonic()


def _done(started: float) -> None:
    click.echo(f"   ({time.monotonic() - started:.1f} s)")


def _check_replaceable(path: Path, sandbox_tenants: set[str]) -> None:
    """The demo replaces its workspace: a file given with -w must be one an earlier demo
    made (its Xero organisation is the sandbox's), never someone's real work or another
    file."""
    ws = Workspace.open(path, create=False)  # a file that is no workspace is refused here
    try:
        org = ws.xero_organisation()
    finally:
        ws.close()
    if org is None or org["tenant_id"] not in sandbox_tenants:
        whose = (f"Xero organisation {org['tenant_name'] or org['tenant_id']}" if org
                 else "no demo organisation")
        raise InputError(f"{path} is not a demo workspace ({whose}); the demo replaces its "
                         "workspace on every run: give a new file, or leave out -w")


@click.command("demo")
@click.option("-w", "--workspace", "workspace_path", default=DEMO_WORKSPACE,
              show_default=True, help="Workspace for the demo (replaced on every run: a new "
                                      "file, or one an earlier demo made).")
def demo_cmd(workspace_path: str) -> None:
    """Start the sandbox and run the whole sync: connect, snapshot, match, the wizard's
    auto mode, export every invoice to Xero, read payment status back, status."""
    from ..connect import connect_atera, connect_xero
    from ..export import ExportOptions, batch_from_selection, export_batch, refresh_invoices
    from ..sandbox import start
    from ..wizard import Wizard, done_sentences, summary_sentences

    path = Path(workspace_path)
    if workspace_path == DEMO_WORKSPACE:
        path.parent.mkdir(exist_ok=True)  # the demo's own default; a path given must exist
    with tempfile.TemporaryDirectory(prefix="matchkit-demo-tokens-") as tokens, \
            start(seed="demo") as sb:
        if workspace_path != DEMO_WORKSPACE and path.exists():
            _check_replaceable(path, {t["tenant_id"] for t in sb.tenants})
        for old in (path, path.with_name(path.name + ".wal")):
            old.unlink(missing_ok=True)
        settings = Settings.from_env(sb.env, workspace=str(path), token_dir=tokens)
        t = _step(f"Sandbox: Xero {sb.xero_url}  Atera {sb.atera_url}")
        ws = Workspace.open(settings.workspace)
        xero = connect_xero(ws, settings)
        atera = connect_atera(settings)
        click.echo(f"   connected to Xero organisation {xero.tenant_name!r} "
                   f"({xero.short_code})")
        _done(t)

        t = _step("Wizard: connect and snapshot both systems")
        wiz = Wizard(ws, xero=xero, atera=atera, who="demo")
        wiz.connect(progress=lambda line: click.echo(f"   {line}"))
        _done(t)

        t = _step("Wizard: auto mode (what Xero has, safe suggestions, create only the "
                  "clearly new), Done")
        plan = wiz.auto()
        # the sentences; every record is listed in the wizard (notebook 01) and by
        # `matchkit wizard --auto --dry-run`
        will, _ = summary_sentences(plan)
        click.echo("   Summary (dry run), what Done will do:")
        for s in will:
            click.echo(f"     {s.text}")
        result = wiz.done()
        click.echo("   Done:")
        for line in done_sentences(result, None):
            click.echo(f"     {line}")
        _left_for_review(plan, path)
        _done(t)

        t = _step("Export every Atera invoice to Xero (missing customers created on the way)")
        # every invoice of the snapshot the wizard just took from Atera's API
        batch = batch_from_selection(ws)
        options = ExportOptions.from_workspace(ws, create_missing_customers=True)
        exported = export_batch(ws, xero, batch, options, who="demo")
        click.echo("   " + exported.summary().replace("\n", "\n   "))
        waiting = {p.invoice for p in exported.report.problems if p.severity == "error"
                   and p.code in _WAITS_FOR_REVIEW}
        if waiting:
            click.echo(f"   {len(waiting)} of the refused invoices wait for those rows: their "
                       "customer or a product is not decided yet (nothing of them was sent; "
                       "export again after the review)")
        for problem in exported.report.problems:
            if problem.severity == "error" and problem.invoice not in waiting:
                click.echo(f"   refused: {problem}")
        again = export_batch(ws, xero, batch, options, who="demo")
        click.echo("   run again: " + again.summary().splitlines()[0])
        refresh_invoices(ws, xero)
        _done(t)

        _step("Status")
        click.echo(format_status(status(ws), links=5))
        xero.close()
    click.echo(f"\nThe workspace is in {path}; look inside with `matchkit status -w {path}` "
               "or DuckDB.")
    if not exported.ok:
        raise SystemExit(1)


def _left_for_review(plan: Plan, path: Path) -> None:
    """The rows the wizard's auto mode left for a person, three of them named."""
    review = plan.left_for_review()
    if review:
        click.echo(f"   left for a person: {len(review)} row(s) look like a Xero record "
                   "(never created automatically), e.g.")
        for h in review[:3]:
            click.echo(f"     {h.name} ({h.key}): {h.reason}")
        click.echo(f"   decide them in notebook 01, or: matchkit review export -w {path} "
                   "--kind customers -o review.csv (and --kind products)")


COMMANDS = [demo_cmd]

