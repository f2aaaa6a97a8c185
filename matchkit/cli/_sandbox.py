"""``matchkit sandbox``: run the Xero and Atera sandboxes until stopped."""

from __future__ import annotations

import json
import signal
import sys
import threading
from types import FrameType

import click

from ..sandbox import start

__all__ = ["COMMANDS"]


@click.command("sandbox")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Xero sandbox port on 127.0.0.1 (0 = any free port).")
@click.option("--atera-port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Atera sandbox port on 127.0.0.1 (0 = any free port).")
@click.option("--seed", type=click.Choice(["demo", "empty", "large"]), default="demo",
              show_default=True, help="Data to start with.")
@click.option("--faults", default=None, metavar="SPEC",
              help="Faults for the Xero API, e.g. 429=0.05,500=0.05,drop=0.02,latency=50ms.")
@click.option("--fault-seed", type=int, default=None, help="Make the faults repeatable.")
@click.option("--time-scale", type=float, default=1.0, show_default=True,
              help="Sandbox seconds per real second (60: a token expires in 30 s).")
@click.option("--orgs", type=click.IntRange(1, 50), default=1, show_default=True,
              help="Xero organisations one login reaches (the seed's first, the others "
                   "seeded apart, each with its own rate limits).")
def sandbox_cmd(port: int, atera_port: int, seed: str, faults: str | None,
                fault_seed: int | None, time_scale: float, orgs: int) -> None:
    """Serve Xero and Atera sandboxes on 127.0.0.1 until Ctrl-C.

    Prints one JSON line first: URLs, demo credentials, the tenant id (and every
    organisation's in `tenants`) and an `env` object with the MATCHKIT_* variables that
    point matchkit at this sandbox.
    """
    if time_scale <= 0:
        raise click.BadParameter("must be positive", param_hint="--time-scale")
    try:
        sb = start(seed=seed, faults=faults, time_scale=time_scale, port=port,
                   atera_port=atera_port, fault_seed=fault_seed, orgs=orgs)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:  # the port is taken or not ours to use
        raise click.ClickException(
            f"cannot listen on 127.0.0.1 port {port} or {atera_port}: {exc.strerror}") from exc
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with sb:
        # stdout may be a pipe: the reader waits for this line before connecting.
        sys.stdout.write(json.dumps(sb.info()) + "\n")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass


COMMANDS: list[click.Command] = [sandbox_cmd]
