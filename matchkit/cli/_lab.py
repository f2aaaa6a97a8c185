"""``matchkit lab [--app]``: the sandbox plus JupyterLab (or Voilà) on the notebooks.

Used by ``make lab`` / ``make app``. Everything listens on 127.0.0.1 only; the sandbox's
``MATCHKIT_*`` variables are given to the Jupyter server, so the notebooks reach the very
sandbox this command started. The URL printed is the one the server listens on, read back
from the operating system once it listens (a taken port makes Jupyter and Voilà move on to
another one).
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import FrameType

import click
import httpx

__all__ = ["COMMANDS", "NOTEBOOKS", "jupyter_command", "lab_settings_dir", "served_port"]

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
                    app: bool = False, port_retries: int = 0) -> list[str]:
    """The command line for JupyterLab (or Voilà with ``app``) on 127.0.0.1:``port``, or,
    when it is taken, on one of the next ``port_retries`` ports."""
    if app:
        return [sys.executable, "-m", "voila", str(root / APP_NOTEBOOK), "--no-browser",
                f"--port={port}", f"--Voila.port_retries={port_retries}",
                "--Voila.ip=127.0.0.1", f"--token={token}", "--strip_sources=True"]
    cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", f"--port-retries={port_retries}",
           f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={root}", f"--LabApp.app_settings_dir={settings_dir}",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "getuid") and os.getuid() == 0:
        cmd.append("--allow-root")  # containers often run as root; Jupyter refuses without
    return cmd


def served_port(proc: subprocess.Popen[bytes], token: str, timeout: float = 90.0) -> int:
    """The port the server ``proc`` listens on, read from the operating system (psutil)
    once it answers HTTP there, not assumed from the port it was asked for."""
    import psutil

    server = psutil.Process(proc.pid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise click.ClickException(f"the server stopped (exit code {proc.returncode}); "
                                       "its messages are above")
        try:
            ports = sorted({c.laddr.port for c in server.net_connections(kind="tcp")
                            if c.status == psutil.CONN_LISTEN})
        except psutil.Error:
            ports = []
        for port in ports:
            try:
                # a light page: "/" of Voilà would start a kernel and run the notebook
                r = httpx.get(f"http://127.0.0.1:{port}/api/status", params={"token": token},
                              timeout=5)
            except httpx.HTTPError:
                continue
            if r.status_code < 500:
                return port
        time.sleep(0.3)
    raise click.ClickException(f"the server did not answer within {timeout:.0f} s")


@click.command("lab")
@click.option("--app", is_flag=True,
              help="Serve notebook 01 with Voilà (code hidden) instead of JupyterLab.")
@click.option("--port", type=click.IntRange(1, 65535), default=8888, show_default=True,
              help="The port to try first; a taken one makes the server use the next free.")
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
                              app=app, port_retries=50)
        proc = subprocess.Popen(cmd, env=env, start_new_session=True)

        def stop(signum: int, frame: FrameType | None) -> None:
            raise KeyboardInterrupt  # SIGTERM too: stop the server, not just this process

        signal.signal(signal.SIGTERM, stop)
        path = "/" if app else "/lab/tree/" + APP_NOTEBOOK
        try:
            served = served_port(proc, token)
            click.echo(f"{'Voilà' if app else 'JupyterLab'}: http://127.0.0.1:{served}{path}"
                       f"?token={token}")
            if served != port:
                click.echo(f"(port {port} was taken)")
            if sb is not None:
                click.echo(f"sandbox: Xero {sb.xero_url}, Atera {sb.atera_url}")
            click.echo("Ctrl-C stops it.")
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
