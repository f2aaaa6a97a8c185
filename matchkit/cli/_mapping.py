"""``matchkit mapping``: which Xero account and tracking options exported lines get."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from .._config import Settings
from .._exceptions import InputError, LoadError
from ..store import Workspace
from ._options import output_file, tenant_option, workspace_option, xero_client

__all__ = ["COMMANDS"]


@click.group("mapping")
def mapping_group() -> None:
    """Xero revenue accounts and tracking options by Atera category or contract type.

    A line takes the rule of its product's category, then of its invoice's contract type;
    lines no rule covers keep the sales account (setting export.sales_account). Rules are
    checked against the organisation's accounts and tracking categories (`mapping refresh`
    reads them) and again before every export.
    """


def _org(settings: Settings, ws: Workspace) -> Any:
    from ..accounts import org_snapshot, refresh_org

    org = org_snapshot(ws)
    if org is not None:
        return org
    xero = xero_client(settings, ws)
    try:
        return refresh_org(ws, xero)
    finally:
        xero.close()


@mapping_group.command("show")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per Atera key.")
@workspace_option(create=False)
def show_cmd(as_json: bool, *, settings: Settings, ws: Workspace) -> None:
    """Every Atera category and contract type of the workspace, with its rule."""
    from ..accounts import atera_keys

    df = atera_keys(ws)
    if as_json:
        click.echo(json.dumps(json.loads(df.to_json(orient="records")), indent=2))
        return
    if df.empty:
        click.echo("no Atera categories or contracts in the workspace yet: run `matchkit "
                   "snapshot atera` first")
        return
    click.echo(f"{'kind':<9} {'atera key':<26} {'records':>7}  {'account':<8} tracking")
    for r in df.to_dict("records"):
        code = str(r["account_code"]) if isinstance(r["account_code"], str) else "(default)"
        click.echo(f"{r['kind']:<9} {r['atera_key']:<26} {r['records']:>7}  {code:<8} "
                   f"{r['tracking']}")


def _tracking(values: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for v in values:
        cat, sep, opt = v.partition("=")
        if not sep or not cat.strip() or not opt.strip():
            raise InputError(f"--tracking {v!r}: write CATEGORY=OPTION, e.g. Region=Sydney")
        out.append((cat.strip(), opt.strip()))
    return out


@mapping_group.command("set")
@click.argument("kind", type=click.Choice(["category", "contract"]))
@click.argument("atera_key")
@click.option("--account", "account_code", metavar="CODE", help="Xero revenue account code.")
@click.option("--tracking", multiple=True, metavar="CATEGORY=OPTION",
              help="A tracking option (at most two).")
@workspace_option
@tenant_option
def set_cmd(kind: str, atera_key: str, account_code: str | None, tracking: tuple[str, ...], *,
            settings: Settings, ws: Workspace) -> None:
    """Set the rule of one Atera category (or contract type)."""
    from ..accounts import set_rule

    parsed = _tracking(tracking)
    rule = set_rule(ws, kind, atera_key, account_code, parsed, org=_org(settings, ws))
    click.echo(f"{rule}: account {rule.account_code or '(default)'}"
               + (", tracking " + ", ".join(f"{c}={o}" for c, o in rule.tracking)
                  if rule.tracking else ""))


@mapping_group.command("unset")
@click.argument("kind", type=click.Choice(["category", "contract"]))
@click.argument("atera_key")
@workspace_option(create=False)
def unset_cmd(kind: str, atera_key: str, *, settings: Settings, ws: Workspace) -> None:
    """Remove the rule of one Atera category (or contract type)."""
    from ..accounts import unset_rule

    unset_rule(ws, kind, atera_key)
    click.echo(f"{kind} {atera_key!r}: rule removed (its lines get the default account)")


@mapping_group.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
@workspace_option
@tenant_option
def load_cmd(path: str, *, settings: Settings, ws: Workspace) -> None:
    """Replace the whole mapping by a CSV file (`mapping export` writes one); all or nothing."""
    from ..accounts import load_csv

    if not Path(path).is_file():  # before the login: a mistyped name is said at once
        raise LoadError("file not found", file=path)
    rules = load_csv(ws, path, org=_org(settings, ws))
    click.echo(f"{len(rules)} rule(s) loaded from {path}")


@mapping_group.command("export")
@click.argument("path", type=click.Path(dir_okay=False))
@workspace_option(create=False)
def export_cmd(path: str, *, settings: Settings, ws: Workspace) -> None:
    """Write the mapping to a CSV file (UTF-8)."""
    from ..accounts import export_csv

    output_file(Path(path))
    click.echo(f"{export_csv(ws, path)} rule(s) written to {path}")


@mapping_group.command("refresh")
@workspace_option
@tenant_option
def refresh_cmd(*, settings: Settings, ws: Workspace) -> None:
    """Read the organisation's accounts and tracking categories into the workspace."""
    from ..accounts import org_choices, refresh_org

    xero = xero_client(settings, ws)
    try:
        accounts, categories = refresh_org(ws, xero)
    finally:
        xero.close()
    revenue = org_choices(accounts, categories).accounts
    click.echo(f"{len(accounts)} accounts ({len(revenue)} active revenue), "
               f"{len(categories)} tracking categories")


COMMANDS: list[click.Command] = [mapping_group]
