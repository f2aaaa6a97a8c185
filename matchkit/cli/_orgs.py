"""``matchkit tenants`` and ``matchkit run-orgs``: the Xero organisations a login reaches, and
one command run for each of them, each in a workspace of its own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import click

from .._exceptions import InputError
from ._options import settings_from, xero_login

__all__ = ["COMMANDS"]

# Xero's limits (FACTS §2): 60 calls a minute per organisation, 10,000 a minute per app. Each
# organisation runs in one process whose limiter keeps to its 60; at most this many at once
# keep the app under its 10,000 whatever they do.
PER_ORG_MINUTE = 60
APP_MINUTE = 10_000
MAX_JOBS = APP_MINUTE // PER_ORG_MINUTE
DEFAULT_FOLDER = "data/orgs"


@click.command("tenants")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per organisation.")
def tenants_cmd(as_json: bool) -> None:
    """The Xero organisations the login reaches: name, tenant id, short code."""
    orgs = xero_login(settings_from()).tenants(short_codes=True)
    if as_json:
        click.echo(json.dumps([{"name": t.name, "tenant_id": t.tenant_id,
                                "short_code": t.short_code} for t in orgs]))
        return
    if not orgs:
        click.echo("This Xero login reaches no organisation.")
        return
    width = max(len(t.name) for t in orgs)
    for t in orgs:
        click.echo(f"{t.name:<{width}}  {t.tenant_id}  {t.short_code or ''}".rstrip())


@dataclass
class _Run:
    name: str
    tenant_id: str
    workspace: Path
    returncode: int = -1
    output: str = ""


def workspace_for(folder: Path, name: str, tenant_id: str) -> Path:
    """``folder/<name>-<first 8 of the tenant id>.duckdb``; an existing file of the same
    tenant is kept even when the organisation was renamed since."""
    tag = tenant_id.lower()[:8]
    existing = sorted(folder.glob(f"*-{tag}.duckdb"))
    if existing:
        return existing[0]
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40] or "organisation"
    return folder / f"{slug}-{tag}.duckdb"


def _workspaces_folder(folder: str) -> Path:
    """The folder of the organisations' workspaces: one that exists, or a new one in a folder
    that exists (as ``-w`` makes a new file only there); only the default's parents are made."""
    where = Path(folder)
    if where.exists() and not where.is_dir():
        raise InputError(f"--workspaces {folder} is a file, not a folder")
    if not where.exists() and folder != DEFAULT_FOLDER and not where.parent.is_dir():
        raise InputError(f"no folder {where.parent} for --workspaces {folder}: create the "
                         "folder first, or check the path")
    return where


@click.command("run-orgs", context_settings={"ignore_unknown_options": True,
                                             "allow_interspersed_args": False})
@click.option("--tenant", "tenants", multiple=True, metavar="NAME-OR-ID",
              help="Only these organisations (repeat it); default: every one the login "
                   "reaches.")
@click.option("--workspaces", "folder", default=DEFAULT_FOLDER, show_default=True,
              metavar="DIR", help="Where each organisation's workspace lives.")
@click.option("--jobs", type=click.IntRange(1, MAX_JOBS), default=2, show_default=True,
              help=f"Organisations run at once (at most {MAX_JOBS}: Xero's app limit of "
                   f"{APP_MINUTE:,} calls a minute over {PER_ORG_MINUTE} per organisation).")
@click.argument("command")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def run_orgs_cmd(tenants: tuple[str, ...], folder: str, jobs: int, command: str,
                 args: tuple[str, ...]) -> None:
    """Run COMMAND (snapshot, export, refresh-invoices, wizard ...) once per Xero
    organisation, each with --tenant and its own workspace in DIR; print each one's output
    and a summary. Example: matchkit run-orgs export --from 2026-08-01 --to 2026-08-31"""
    ctx = click.get_current_context()
    group = ctx.parent.command if ctx.parent is not None else None
    target = group.commands.get(command) if isinstance(group, click.Group) else None
    if target is None or not any(p.name == "tenant" for p in target.params):
        raise click.UsageError(f"{command!r} is not a matchkit command that talks to Xero; "
                               "use snapshot, export, refresh-invoices, wizard or disconnect")
    taken = {"-w", "--workspace", "--tenant"} & {a.split("=", 1)[0] for a in args}
    if taken:
        raise click.UsageError(f"run-orgs gives each organisation its own --tenant and "
                               f"--workspace; leave out {', '.join(sorted(taken))}")
    where = _workspaces_folder(folder)  # before the login: a mistyped DIR is said at once
    login = xero_login(settings_from())
    chosen = ([login.pick(t) for t in tenants] if tenants else login.tenants())
    if not chosen:
        raise click.UsageError("this Xero login reaches no organisation")
    where.mkdir(parents=folder == DEFAULT_FOLDER, exist_ok=True)
    runs = [_Run(t.name, t.tenant_id, workspace_for(where, t.name, t.tenant_id))
            for t in dict((t.tenant_id, t) for t in chosen).values()]

    # progress bars of several organisations would only garble each other's output
    env = {**os.environ, "TQDM_DISABLE": "1"}

    def run(r: _Run) -> _Run:
        proc = subprocess.run(
            [sys.executable, "-m", "matchkit", command, *args, "--tenant", r.tenant_id,
             "-w", str(r.workspace)], capture_output=True, text=True, env=env, check=False)
        r.returncode, r.output = proc.returncode, (proc.stdout + proc.stderr).rstrip()
        return r

    failed = 0
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        # one organisation's output at a time, in the order they were listed
        for r in pool.map(run, runs):
            click.echo(f"== {r.name} ({r.tenant_id}) -> {r.workspace}: "
                       + ("ok" if r.returncode == 0 else f"failed (exit {r.returncode})"))
            if r.output:
                click.echo(r.output)
            failed += r.returncode != 0
    click.echo(f"{len(runs)} organisation(s): {len(runs) - failed} ok, {failed} failed")
    if failed:
        sys.exit(1)


COMMANDS = [tenants_cmd, run_orgs_cmd]
