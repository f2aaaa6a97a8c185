"""What the Xero and Atera sandboxes share: a scalable clock, faults on demand, a request
ledger and a threaded loopback HTTP server (werkzeug)."""

from __future__ import annotations

import errno
import random
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

__all__ = ["Clock", "FaultPlan", "Ledger", "LedgerEntry", "ServerThread", "parse_faults"]


class Clock:
    """Sandbox time. ``scale=60`` makes one real second count as one sandbox minute.

    Token lifetimes, rate-limit windows and idempotency-key expiry all read this clock, so
    tests can cross a 30-minute expiry in a few real seconds. ``advance()`` jumps ahead.
    """

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale
        self._start_real = time.monotonic()
        self._start_wall = time.time()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Sandbox time as a Unix timestamp."""
        with self._lock:
            elapsed = (time.monotonic() - self._start_real) * self.scale
            return self._start_wall + elapsed + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def sleep(self, sandbox_seconds: float) -> None:
        """Sleep for a span of sandbox time (real time divided by the scale)."""
        time.sleep(max(0.0, sandbox_seconds) / self.scale)


_FAULT_RE = re.compile(r"^\s*(\w+)\s*=\s*([0-9.]+)\s*(ms|s)?\s*$")
FAULT_KINDS = ("429", "500", "502", "503", "drop", "latency", "html")


@dataclass
class FaultPlan:
    """Faults injected before a request is handled.

    ``rates`` maps a kind to a probability: ``"429"``, ``"500"``, ``"502"``, ``"503"``,
    ``"drop"`` (close the connection without an answer) and ``"html"`` (200 with an HTML
    body, as a proxy or login page would). ``latency`` adds a delay in seconds to every
    request. ``seed`` makes a run repeatable. Writes that fault are never applied, except
    ``drop_after`` faults, which apply the write and then drop the answer (the hardest case
    for exactly-once clients).
    """

    rates: dict[str, float] = field(default_factory=dict)
    latency: float = 0.0
    drop_after_rate: float = 0.0
    seed: int | None = None
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        if self.seed is not None:
            self._rng.seed(self.seed)
        self._lock = threading.Lock()

    def draw(self) -> str | None:
        """Pick a fault for one request, or ``None``."""
        with self._lock:
            x = self._rng.random()
        acc = 0.0
        for kind, rate in self.rates.items():
            acc += rate
            if x < acc:
                return kind
        return None

    def draw_drop_after(self) -> bool:
        with self._lock:
            return self._rng.random() < self.drop_after_rate

    @property
    def active(self) -> bool:
        return bool(self.rates) or self.latency > 0 or self.drop_after_rate > 0


def parse_faults(spec: str | None, seed: int | None = None) -> FaultPlan:
    """Parse ``"429=0.05,500=0.05,drop=0.02,drop_after=0.01,latency=50ms"``."""
    plan = FaultPlan(seed=seed)
    if not spec:
        return plan
    for part in spec.split(","):
        if not part.strip():
            continue
        m = _FAULT_RE.match(part)
        if not m:
            raise ValueError(f"bad fault {part!r}: use KIND=RATE or latency=50ms")
        kind, value, unit = m.group(1), float(m.group(2)), m.group(3)
        if kind == "latency":
            plan.latency = value / 1000 if unit == "ms" else value
        elif kind == "drop_after":
            plan.drop_after_rate = value
        elif kind in FAULT_KINDS:
            if not 0 <= value <= 1:
                raise ValueError(f"fault rate for {kind} must be between 0 and 1")
            plan.rates[kind] = value
        else:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}, drop_after")
    return plan


@dataclass(frozen=True)
class LedgerEntry:
    at: float  # sandbox time
    system: str  # 'xero' | 'xero-identity' | 'atera'
    method: str
    path: str
    query: str
    status: int  # 0 when the connection was dropped
    tenant: str | None
    fault: str | None
    idempotency_key: str | None
    replayed: bool = False


class Ledger:
    """Every request a sandbox saw, for tests to count and inspect."""

    def __init__(self) -> None:
        self._entries: list[LedgerEntry] = []
        self._lock = threading.Lock()

    def add(self, entry: LedgerEntry) -> None:
        with self._lock:
            self._entries.append(entry)

    def entries(self, system: str | None = None) -> list[LedgerEntry]:
        with self._lock:
            return [e for e in self._entries if system is None or e.system == system]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def count(self, *, system: str | None = None, method: str | None = None,
              path_prefix: str | None = None, status: int | None = None) -> int:
        return sum(
            1 for e in self.entries(system)
            if (method is None or e.method == method)
            and (path_prefix is None or e.path.lower().startswith(path_prefix.lower()))
            and (status is None or e.status == status)
        )


class DropConnection(Exception):  # a signal, not an error
    """Raised by an app to close the connection without answering."""


class _QuietHandler(WSGIRequestHandler):
    """No access log on stderr: the Ledger records every request instead."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class ServerThread:
    """A threaded werkzeug server on 127.0.0.1 running ``app`` in a daemon thread."""

    def __init__(self, app: Callable[[Request], Response], port: int = 0,
                 host: str = "127.0.0.1") -> None:
        self._app = app
        try:
            self.server: BaseWSGIServer = make_server(host, port, self._wsgi, threaded=True,
                                                      request_handler=_QuietHandler)
        except SystemExit as exc:
            # werkzeug prints the reason and calls sys.exit(1) when it cannot bind; a library
            # must raise instead.
            raise OSError(errno.EADDRINUSE, f"cannot listen on {host}:{port}") from exc
        self.server.daemon_threads = True  # type: ignore[attr-defined]
        server_log = self.server.log

        def log(type: str, message: str, *args: Any) -> None:
            # A dropped connection is a fault asked for, not a server error worth a traceback.
            if "DropConnection" not in message:
                server_log(type, message, *args)

        setattr(self.server, "log", log)  # noqa: B010 - mypy refuses assigning a method
        self.host = host
        self.port = self.server.port
        # A short poll interval makes stop() quick (tests start and stop many servers).
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                        daemon=True, name=f"sandbox-{self.port}")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]
              ) -> Iterable[bytes]:
        request = Request(environ)
        try:
            response = self._app(request)
        except DropConnection:
            # Close the socket without an HTTP answer: the client sees a dropped connection.
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                try:
                    import socket

                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            raise
        return response(environ, start_response)

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
