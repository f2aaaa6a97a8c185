"""A real JupyterLab for browser tests: free port, token, quiet settings, own process group.

Use the ``jupyter_lab`` fixture (import it into the test module) or :func:`running_lab`
directly. Each server gets its own config, runtime and workspaces directories under the
test's tmp folder, so no kernel or layout from an earlier run is reused, and the whole
process group is stopped afterwards. Recipe: ../shared/reference/jupyter-testing.md.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from matchkit.cli._lab import jupyter_command, lab_settings_dir

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def chromium_path() -> str | None:
    """Debian's chromium (``MATCHKIT_CHROMIUM`` or /usr/bin/chromium), if installed."""
    path = os.environ.get("MATCHKIT_CHROMIUM") or "/usr/bin/chromium"
    return path if Path(path).exists() else shutil.which("chromium")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Lab:
    base: str
    token: str
    root: Path
    log: Path

    def notebook_url(self, name: str) -> str:
        # ?reset: ignore any saved layout
        return f"{self.base}/lab/tree/{name}?reset&token={self.token}"

    def log_tail(self, n: int = 40) -> str:
        lines = self.log.read_text(errors="replace").splitlines()
        return "\n".join(lines[-n:])


@contextmanager
def running_lab(root: Path, workdir: Path, env: Mapping[str, str] | None = None,
                timeout: float = 60.0) -> Iterator[Lab]:
    """JupyterLab serving ``root`` on 127.0.0.1 until the block ends."""
    workdir.mkdir(parents=True, exist_ok=True)
    port, token = free_port(), secrets.token_hex(16)
    full_env = {**os.environ, **(env or {}),
                "JUPYTER_CONFIG_DIR": str(workdir / "jcfg"),
                "JUPYTER_RUNTIME_DIR": str(workdir / "jrt")}
    cmd = jupyter_command(root, port, token, lab_settings_dir(workdir / "lab-settings"))
    cmd.append(f"--LabApp.workspaces_dir={workdir / 'jws'}")
    log = workdir / "lab.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    lab = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited ({proc.returncode}):\n{lab.log_tail()}")
            try:
                r = httpx.get(f"{lab.base}/api/status", params={"token": token}, timeout=2)
                if r.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start in {timeout:.0f} s:\n"
                                   f"{lab.log_tail()}")
            time.sleep(0.3)
        yield lab
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


@pytest.fixture
def jupyter_lab(tmp_path: Path) -> Iterator[Callable[..., Lab]]:
    """A factory: ``jupyter_lab(root, env=...)`` starts a Lab, stopped at teardown."""
    with ExitStack() as stack:

        def start(root: Path, env: Mapping[str, str] | None = None) -> Lab:
            return stack.enter_context(running_lab(root, tmp_path / "jupyter", env))

        yield start
