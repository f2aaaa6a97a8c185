"""Notebooks 01 (wizard) and 02 (manage) under nbval, in auto mode against their own sandbox.

They are committed without widget outputs; the ``# NBVAL_CHECK_OUTPUT`` cells keep their
expected text, which nbval compares.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = ["notebooks/01_connect_and_sync.ipynb", "notebooks/02_manage_integration.ipynb"]

pytestmark = [
    pytest.mark.notebook,
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("matchkit.sources") is None,
                       reason="the matching service (matchkit.sources) is missing"),
]


def test_wizard_notebooks_under_nbval(tmp_path: Path) -> None:
    # The notebooks start their own sandbox unless MATCHKIT_* point elsewhere: clear them.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MATCHKIT_")}
    env["MATCHKIT_WIZARD_AUTO"] = "1"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", "-o", "addopts=", "-o", "testpaths=", *NOTEBOOKS],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "failed" not in proc.stdout
