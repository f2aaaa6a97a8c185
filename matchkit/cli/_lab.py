"""``matchkit lab [--app]``: the sandbox plus JupyterLab (or Voilà) on the notebooks.

Used by ``make lab`` / ``make app``. Everything listens on 127.0.0.1 only; the sandbox's
``MATCHKIT_*`` variables are given to the Jupyter server, so the notebooks reach the very
sandbox this command started.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from types import FrameType

import click

__all__ = ["COMMANDS", "NOTEBOOKS", "jupyter_command", "lab_settings_dir"]

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
APP_NOTEBOOK = "01_connect_and_sync.ipynb"
# Quiet JupyterLab: no news or update toasts over the wizard.
_OVERRIDES = {"@jupyterlab/apputils-extension:notification": {
    "fetchNews": "false", "checkForUpdates": False, "doNotDisturbMode": True}}


def lab_settings_dir(where: Path) -> Path:
    """A settings directory with the overrides above (``--LabApp.app_settings_dir``)."""
    where.mkdir(parents=True, exist_ok=True)
    (where / "overrides.json").write_text(json.dumps(_OVERRIDES))
    return where


def jupyter_command(root: Path, port: int, token: str, settings_dir: Path, *,
                    app: bool = False) -> list[str]:
    """The command line for JupyterLab (or Voilà with ``app``) on 127.0.0.1:``port``."""
    if app:
        return [sys.executable, "-m", "voila", str(root / APP_NOTEBOOK), "--no-browser",
                f"--port={port}", "--Voila.ip=127.0.0.1", f"--token={token}",
                "--strip_sources=True"]
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", f"--LabApp.app_settings_dir={settings_dir}",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")  # containers often run as root; Jupyter refuses without
    return cmd


@click.command("lab")
@click.option("--app", is_flag=True,
              help="Serve notebook 01 with Voilà (code hidden) instead of JupyterLab.")
@click.option("--port", type=click.IntRange(1, 65535), default=8888, show_default=True)
@click.option("--sandbox/--no-sandbox", default=True, show_default=True,
              help="Start the sandbox and point the notebooks at it; --no-sandbox keeps "
                   "the MATCHKIT_* variables as they are (real Xero and Atera).")
@click.option("--seed", type=click.Choice(["demo", "empty", "large"]), default="demo",
              show_default=True, help="Sandbox data.")
def lab_cmd(app: bool, port: int, sandbox: bool, seed: str) -> None:
    """Start JupyterLab on notebooks/ (127.0.0.1) and print its URL with the token."""
    if not NOTEBOOKS.is_dir():
        raise click.ClickException(f"no notebooks folder at {NOTEBOOKS}: run this from a "
                                   "checkout of the matchkit repository")
    token = secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="matchkit-lab-") as tmp:
        env = dict(os.environ)
        env["MATCHKIT_WIZARD_AUTO"] = "0"  # people click; the notebooks' auto mode is off
        sb = None
        if sandbox:
            from ..sandbox import start

            sb = start(seed=seed)
            env.update(sb.env)
            env["MATCHKIT_TOKEN_DIR"] = str(Path(tmp) / "tokens")
            env.setdefault("MATCHKIT_WORKSPACE", str(Path(tmp) / "sandbox.duckdb"))
        cmd = jupyter_command(NOTEBOOKS, port, token, lab_settings_dir(Path(tmp) / "lab"),
                              app=app)
        proc = subprocess.Popen(cmd, env=env, start_new_session=True)

        def stop(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt  # SIGTERM too: stop the server, not just this process

        signal.signal(signal.SIGTERM, stop)
        path = "/" if app else "/lab/tree/" + APP_NOTEBOOK
        click.echo(f"{'Voilà' if app else 'JupyterLab'}: http://127.0.0.1:{port}{path}"
                   f"?token={token}")
        if sb is not None:
            click.echo(f"sandbox: Xero {sb.xero_url}, Atera {sb.atera_url}")
        click.echo("Ctrl-C stops it.")
        try:
            proc.wait()
        except KeyboardInterrupt:
            pass
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
            if sb is not None:
                sb.stop()


COMMANDS = [lab_cmd]
