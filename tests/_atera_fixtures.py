"""Fixtures for the Atera tests: the demo seed, a loopback Atera sandbox per test, and a client
whose backoff sleeps are recorded instead of slept."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from matchkit.atera import AteraClient
from matchkit.sandbox._atera import DEFAULT_ATERA_KEY, AteraApp
from matchkit.sandbox._seed import SEED_DIR
from matchkit.sandbox._server import FaultPlan, Ledger, ServerThread

REPO = Path(__file__).resolve().parents[1]
ATERA_SPEC = REPO / "reference" / "atera" / "atera-openapi.json"  # see reference/README.md
KEY = DEFAULT_ATERA_KEY
LONG_TOKEN = "eyJ" + "a" * 150  # a 2026-style token: longer than 100 characters, sent as Bearer

_SEED_CACHE: dict[str, Any] = {}


def demo_seed() -> dict[str, Any]:
    """A fresh copy of ``data/seed/atera_demo.json`` (read once per session)."""
    if "atera" not in _SEED_CACHE:
        _SEED_CACHE["atera"] = json.loads((SEED_DIR / "atera_demo.json").read_text("utf-8"))
    return copy.deepcopy(_SEED_CACHE["atera"])


@dataclass
class Sleeps:
    """Records what the client would have slept."""

    calls: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@dataclass
class AteraSandbox:
    app: AteraApp
    server: ServerThread
    sleeps: Sleeps

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def ledger(self) -> Ledger:
        return self.app.ledger

    def client(self, key: str = KEY, **kwargs: Any) -> AteraClient:
        kwargs.setdefault("sleep", self.sleeps)
        kwargs.setdefault("rate", 0)  # pacing has its own test
        return AteraClient(self.url, key, **kwargs)

    def faults(self, spec: str, seed: int = 7) -> None:
        from matchkit.sandbox._server import parse_faults

        self.app.set_faults(parse_faults(spec, seed=seed))

    def requests(self, path_prefix: str = "/api/v3") -> int:
        return self.ledger.count(system="atera", path_prefix=path_prefix)


def start_sandbox(seed: dict[str, Any] | None = None, api_key: str = KEY) -> AteraSandbox:
    app = AteraApp(demo_seed() if seed is None else seed, api_key=api_key,
                   faults=FaultPlan(), retry_after=0.25)
    server = ServerThread(app)
    # Poll for shutdown every 20 ms instead of 500 ms: each test stops its own server.
    server._thread = threading.Thread(target=server.server.serve_forever,
                                      kwargs={"poll_interval": 0.02}, daemon=True)
    return AteraSandbox(app, server.start(), Sleeps())


@pytest.fixture
def atera() -> Iterator[AteraSandbox]:
    sb = start_sandbox()
    try:
        yield sb
    finally:
        sb.server.stop()
