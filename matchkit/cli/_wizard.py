"""``matchkit wizard --auto`` and ``matchkit disconnect``: the wizard from a terminal."""

from __future__ import annotations

import getpass
import json
from typing import Any

import click

from .._config import Settings
from ..store import Workspace
from ..wizard import Wizard, disconnect, done_sentences, pending_run
from ._options import tenant_option, workspace_option, xero_client

__all__ = ["COMMANDS"]


def _clients(settings: Settings, ws: Workspace) -> tuple[Any, Any]:
    from ..connect import connect_atera, is_loopback

    # record=False: the wizard records the connection itself, at Done ("without Done,
    # nothing is saved"); the workspace's organisation is still the only one allowed.
    xero = xero_client(settings, ws, record=False)
    # the loopback sandbox needs no pacing; real Atera gets the client's default
    pace = {"rate": 100.0} if is_loopback(settings.atera_url) else {}
    return xero, connect_atera(settings, **pace)


@click.command("wizard")
@click.option("--auto", "auto", is_flag=True,
              help="Keep what Xero has (link keys, same names), accept the safe suggestions, "
                   "create only the clearly new rows, leave look-alikes undecided, Done.")
@click.option("--import-all", is_flag=True,
              help="With --auto: also import every clearly new Xero customer into Atera.")
@click.option("--add-items", is_flag=True,
              help="With --auto: also add every clearly new sold Xero item to Atera's "
                   "product list (without it, none is added).")
@click.option("--exact-only", is_flag=True,
              help="With --auto: do not accept safe suggestions (score >= 95, unambiguous, "
                   "one-to-one; products undisputed): leave them for a person too.")
@click.option("--create", "create", multiple=True, metavar="ATERA_ID",
              help="With --auto: create this Atera row in Xero although Xero has a "
                   "look-alike (a customer id, or product:/expense:/rate: ids); repeat it "
                   "for each row. Never creates a row whose name or link key Xero has.")
@click.option("--dry-run", is_flag=True, help="Print the Summary and stop before Done.")
@click.option("--json", "as_json", is_flag=True, help="Print the Summary and result as JSON.")
@workspace_option
@tenant_option
def wizard_cmd(auto: bool, import_all: bool, add_items: bool, exact_only: bool,
               create: tuple[str, ...],
               dry_run: bool, as_json: bool, settings: Settings, ws: Workspace) -> None:
    """Run the sync wizard headless (the interactive one is notebook 01: `matchkit lab`)."""
    if not auto:
        raise click.UsageError("the interactive wizard runs in JupyterLab (`matchkit lab`, "
                               "notebook 01); from a terminal use --auto")
    named = [("products" if ":" in a else "customers", a.strip()) for a in create]
    interrupted = pending_run(ws)
    if interrupted:
        click.echo(f"An earlier Done ({interrupted.get('run_id')}) did not finish: this run "
                   "completes it.", err=True)
    xero, atera = _clients(settings, ws)
    wiz = Wizard(ws, xero=xero, atera=atera, who=f"cli:{getpass.getuser()}")
    wiz.connect(progress=lambda line: click.echo(f"snapshot {line}", err=True))
    plan = wiz.auto(import_all=import_all, accept_suggestions=not exact_only, create=named,
                    add_items=add_items)
    if not as_json:
        click.echo(plan.text())
    review = plan.left_for_review()
    if review:
        click.echo(f"{len(review)} row(s) left undecided for review: Xero has something like "
                   "them (listed above). Decide them in notebook 01, with `matchkit review "
                   "export --kind customers|products` and `review apply`, or name one with "
                   "--create ATERA_ID.", err=True)
    if dry_run:
        wiz.close()
        if as_json:
            click.echo(json.dumps({"summary": plan.as_dict()}, default=str))
        click.echo("dry run: nothing was saved", err=True)
        return

    def progress(label: str, done: int, total: int) -> None:
        if done == total:
            click.echo(f"{label}: {done}/{total}", err=True)

    result = wiz.done(progress=progress)
    if as_json:
        click.echo(json.dumps({"summary": plan.as_dict(), "done": result.counts()},
                              default=str))
    else:
        click.echo("Done:")
        for line in done_sentences(result, plan):  # its notes among them
            click.echo(f"  {line}")
    for line in result.held:
        click.echo(f"note: {line}", err=True)


@click.command("disconnect")
@workspace_option(create=False)
@tenant_option
def disconnect_cmd(settings: Settings, ws: Workspace) -> None:
    """Remove matchkit's connection to the workspace's Xero organisation (and the login's
    tokens when it reaches no other); record it."""
    if ws.connection("xero") is None:
        click.echo("Not connected to Xero: nothing to disconnect.")
        return
    xero = xero_client(settings, ws, record=False)
    click.echo(disconnect(ws, xero))


COMMANDS = [wizard_cmd, disconnect_cmd]
