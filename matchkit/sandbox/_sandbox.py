"""The two sandboxes started together: Xero on one loopback port, Atera on another."""

from __future__ import annotations

import contextlib
import importlib
import random
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from ._server import Clock, FaultPlan, Ledger, ServerThread, parse_faults
from ._xero import Exchange, XeroApp
from ._xero_limits import Limits
from ._xero_org import XeroOrg
from ._xero_seed import extra_org_seed, load_seed

__all__ = ["DEMO_CLIENT_ID", "Sandbox", "start"]

# Fixed demo credentials: they only open this loopback sandbox. The secret and the Atera key
# are still kept out of reprs and logs like real ones.
DEMO_CLIENT_ID = "9C1E5D3A7B2F4E6A8C0D1E2F3A4B5C6D"


class Sandbox:
    """A running Xero sandbox (and the Atera one when that app exists); stop() ends both.

    ``orgs``: how many Xero organisations one login reaches; the first is ``seed``, the
    others are seeded apart (``extra_org_seed``: own name, tenant id, short code, chart,
    contacts, items), each with its own rate limits under the app-wide one.
    """

    def __init__(self, *, seed: str | dict[str, Any] = "demo", faults: str | None = None,
                 time_scale: float = 1.0, port: int = 0, atera_port: int = 0,
                 fault_seed: int | None = None, limits: Limits | None = None,
                 validate: Callable[[Exchange], None] | None = None,
                 atera_seed: dict[str, Any] | None = None,
                 redirect_uris: list[str] | None = None, orgs: int = 1) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        if orgs < 1:
            raise ValueError("orgs must be at least 1")
        self.seed_name = seed if isinstance(seed, str) else "custom"
        self.clock = Clock(time_scale)
        self.ledger = Ledger()
        self.client_id = DEMO_CLIENT_ID
        self._client_secret = secrets.token_urlsafe(32)
        self._atera_key = secrets.token_hex(16)
        # The 2026 scheme's credential: a JWT longer than 100 characters, sent as Bearer.
        self._atera_token = "eyJ" + secrets.token_urlsafe(120)
        seeds = [load_seed(seed)] + [extra_org_seed(k) for k in range(1, orgs)]
        organisations = [XeroOrg(data, now=self.clock.now) for data in seeds]
        if len({o.tenant_id for o in organisations}) != orgs:
            raise ValueError("the seed's OrganisationID is one of the extra organisations'")
        self.tenant_id = organisations[0].tenant_id
        self.xero = XeroApp(organisations, clock=self.clock, ledger=self.ledger,
                            faults=parse_faults(faults, fault_seed), client_id=self.client_id,
                            client_secret=self._client_secret, limits=limits,
                            validate=validate)
        # Xero takes only registered redirect URIs, exactly (no wildcards, no "any port"):
        # the sandbox registers a loopback callback on a free port, which ``env`` hands to
        # matchkit (MATCHKIT_XERO_REDIRECT_PORT) as a real app's settings would.
        if redirect_uris is None:
            self.redirect_port = _free_port()
            redirect_uris = [f"http://127.0.0.1:{self.redirect_port}/callback",
                             f"http://localhost:{self.redirect_port}/callback"]
        else:
            self.redirect_port = 0
        self.xero.auth.redirect_uris = list(redirect_uris)
        self._xero_server = ServerThread(self.xero, port=port)
        self.atera: Any = None
        self._atera_server: ServerThread | None = None
        atera_cls = _atera_app_class()
        if atera_cls is not None:
            self.atera = atera_cls(
                atera_seed if atera_seed is not None else _atera_seed(self.seed_name),
                clock=self.clock, ledger=self.ledger, faults=parse_faults(None, fault_seed),
                api_key=self._atera_key, api_token=self._atera_token)
            self._atera_server = ServerThread(self.atera, port=atera_port)
        self._started = False

    def __repr__(self) -> str:
        return f"<Sandbox seed={self.seed_name!r} xero={self.xero_url} atera={self.atera_url}>"

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> Sandbox:
        self._xero_server.start()
        if self._atera_server is not None:
            self._atera_server.start()
        self._started = True
        return self

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        self._xero_server.stop()
        if self._atera_server is not None:
            self._atera_server.stop()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # ------------------------------------------------------------------ facts

    @property
    def xero_url(self) -> str:
        return self._xero_server.url

    @property
    def atera_url(self) -> str | None:
        return self._atera_server.url if self._atera_server is not None else None

    @property
    def redirect_uri(self) -> str:
        """The first registered redirect URI (what a login should send)."""
        return self.xero.auth.redirect_uris[0]

    @property
    def tenants(self) -> list[dict[str, str]]:
        """Every organisation one login reaches, the first (the seed's) first."""
        return [{"tenant_id": o.tenant_id, "name": str(o.organisation.get("Name", "")),
                 "short_code": str(o.organisation.get("ShortCode", ""))}
                for o in self.xero.orgs.values()]

    @property
    def client_secret(self) -> str:
        return self._client_secret

    @property
    def atera_api_key(self) -> str:
        """The legacy Atera key (sent as ``X-API-KEY``)."""
        return self._atera_key

    @property
    def atera_api_token(self) -> str:
        """An Atera API token (a JWT, sent as ``Authorization: Bearer``)."""
        return self._atera_token

    @property
    def env(self) -> dict[str, str]:
        """The MATCHKIT_* variables that point matchkit at this sandbox."""
        url = self.xero_url
        env = {
            "MATCHKIT_XERO_CLIENT_ID": self.client_id,
            "MATCHKIT_XERO_CLIENT_SECRET": self._client_secret,
            "MATCHKIT_XERO_LOGIN_URL": url,
            "MATCHKIT_XERO_IDENTITY_URL": url,
            "MATCHKIT_XERO_API_URL": url,
            "MATCHKIT_XERO_WEB_URL": url,
            "MATCHKIT_ATERA_API_KEY": self._atera_key,
        }
        if self.redirect_port:
            env["MATCHKIT_XERO_REDIRECT_PORT"] = str(self.redirect_port)
        if self.atera_url is not None:
            env["MATCHKIT_ATERA_URL"] = self.atera_url
        return env

    def info(self) -> dict[str, Any]:
        """What ``matchkit sandbox`` prints first (one JSON line)."""
        url = self.xero_url
        return {
            "xero": {
                "authorize_url": f"{url}/identity/connect/authorize",
                "token_url": f"{url}/connect/token",
                "revocation_url": f"{url}/connect/revocation",
                "connections_url": f"{url}/connections",
                "api_url": f"{url}/api.xro/2.0",
                "web_url": url,
                "client_id": self.client_id,
                "client_secret": self._client_secret,
                "redirect_uris": list(self.xero.auth.redirect_uris),
                "jwks_url": f"{url}/.well-known/openid-configuration/jwks",
                "tenant_id": self.tenant_id,
                "short_code": self.xero.org.organisation.get("ShortCode"),
            },
            "atera": {"api_url": self.atera_url, "api_key": self._atera_key,
                      "api_token": self._atera_token},
            "tenant_id": self.tenant_id,
            "tenants": self.tenants,
            "seed": self.seed_name,
            "time_scale": self.clock.scale,
            "env": self.env,
        }

    def set_faults(self, system: str, spec: str | FaultPlan | None,
                   seed: int | None = None) -> None:
        """Change faults at run time: ``sb.set_faults("xero", "429=0.1,drop=0.05")``;
        systems "xero" (API), "xero-identity" (token endpoint), "atera"."""
        plan = spec if isinstance(spec, FaultPlan) else parse_faults(spec, seed)
        if system == "xero":
            self.xero.set_faults(plan)
        elif system == "xero-identity":
            self.xero.set_identity_faults(plan)
        elif system == "atera":
            if self.atera is None:
                raise ValueError("the Atera sandbox is not available in this build")
            self.atera.set_faults(plan)
        else:
            raise ValueError(f"unknown system {system!r}; use 'xero', 'xero-identity' or "
                             "'atera'")


def _free_port() -> int:
    """A free loopback port below the ephemeral range: one the OS will not hand to another
    socket binding port 0 before matchkit's login listener binds it."""
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(20000, max(20001, low))
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:  # a crowded machine
        s.bind(("127.0.0.1", 0))
        fallback: int = s.getsockname()[1]
        return fallback


def _atera_app_class() -> Any:
    """The Atera sandbox app if its module exists (built separately)."""
    try:
        module = importlib.import_module(f"{__package__}._atera")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__package__}._atera":
            raise
        return None
    return getattr(module, "AteraApp", None)


def _atera_seed(name: str) -> dict[str, Any]:
    from . import _seed

    if name == "large":
        return dict(_seed.large_atera_seed())
    if name == "demo":
        return dict(_seed.load_seed("atera_demo"))
    return {}


def start(seed: str | dict[str, Any] = "demo", faults: str | None = None,
          time_scale: float = 1.0, **options: Any) -> Sandbox:
    """Start the sandboxes on free loopback ports; use as a context manager to stop them."""
    return Sandbox(seed=seed, faults=faults, time_scale=time_scale, **options).start()

