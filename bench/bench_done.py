"""Done (the wizard's carry-out) timed on a generated MSP, side by side with another commit.

    .venv/bin/python bench/bench_done.py                           # this checkout
    .venv/bin/python bench/bench_done.py --before 31683cd --rounds 3

Each run starts fresh loopback sandboxes seeded with the same generated organisation
(``bench/_gen_org.py``: 600 Atera customers and 300 products by default) and, in a child
process on one version's code (``git archive`` of the commit's ``matchkit/`` first on the
path), does what ``matchkit wizard --auto --import-all`` does: connect (fresh snapshots),
auto, Done. Done is what is timed: contacts and items created in Xero through the write
path, Xero customers imported into Atera, unmatched Atera products archived, link keys put
on matched contacts, fresh snapshots. Printed per run: Done's seconds, the Xero API calls
Done made (the client's own count), what it created, and the sandbox's count of contacts
and items afterwards (so two versions that did different work are seen to). The versions
take turns within each round; the machine is shared, so compare within a round.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, os.environ.get("MATCHKIT_BENCH_CODE") or str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _gen_org import org  # noqa: E402

SCALE = 60.0  # one real second is a sandbox minute: Xero's limits are not what is measured


def _done(tmp: Path) -> dict[str, Any]:
    """In the child: connect, auto, Done on this version's code."""
    from matchkit._config import Settings
    try:
        conn = importlib.import_module("matchkit.connect")
    except ImportError:  # a commit before the services moved into folders (e1cd990)
        conn = importlib.import_module("matchkit._connect")
    connect_atera, connect_xero = conn.connect_atera, conn.connect_xero
    from matchkit.store import Workspace
    from matchkit.wizard import Wizard

    env = {k: v for k, v in os.environ.items() if k.startswith("MATCHKIT_")}
    s = Settings.from_env(env, token_dir=str(tmp / "tokens"), workspace=str(tmp / "ws.duckdb"))
    xero = connect_xero(None, s, time_scale=SCALE)
    w = Wizard(Workspace.open(s.workspace), xero=xero, atera=connect_atera(s, rate=0),
               who="bench")
    t = time.perf_counter()
    w.connect()
    plan = w.auto(import_all=True)
    before_done = time.perf_counter()
    calls = xero.calls
    result = w.done()
    done_s = time.perf_counter() - before_done
    out = {"done_s": done_s, "connect_auto_s": before_done - t, "xero_calls": xero.calls - calls,
           "contacts": len(result.xero_contacts), "items": len(result.xero_items),
           "planned": len(plan.xero_contacts) + len(plan.xero_items)}
    w.close()
    return out


def _run(code: Path | None, seed: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """One run: fresh sandboxes (this checkout's), Done in a child on ``code``."""
    from matchkit.sandbox import start

    with start(seed=seed["xero"], atera_seed=seed["atera"], time_scale=SCALE) as sb:
        env = {**os.environ, **sb.env, "MATCHKIT_BENCH_CODE": str(code or ROOT)}
        out = subprocess.run([sys.executable, __file__, "--child", str(tmp)], env=env,
                             capture_output=True, text=True, check=True)
        r: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
        r["xero_contacts_after"] = len(sb.xero.org.contacts)
        r["xero_items_after"] = len(sb.xero.org.items)
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--customers", type=int, default=600)
    ap.add_argument("--products", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20261205)
    ap.add_argument("--before", metavar="COMMIT")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--child", metavar="FOLDER", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        print(json.dumps(_done(Path(a.child))))
        return
    o = org(a.customers, a.products, seed=a.seed)
    seed = {"xero": o.xero, "atera": o.atera}
    print(f"generated (seed {a.seed}): Atera {len(o.atera['customers'])} customers, "
          f"{len(o.atera['products']) + len(o.atera['expenses'])} products and expenses; "
          f"Xero {len(o.xero['Contacts'])} contacts, {len(o.xero['Items'])} items")
    with tempfile.TemporaryDirectory(prefix="mk-bench-done-") as tmpdir:
        tmp = Path(tmpdir)
        versions: list[tuple[str, Path | None]] = [("now", None)]
        if a.before:
            code = tmp / "before"
            code.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", a.before, "matchkit"],
                                     capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
            versions.append((a.before, code))
        done: dict[str, list[float]] = {name: [] for name, _ in versions}
        for n in range(1, a.rounds + 1):
            for name, code in versions:
                r = _run(code, seed, tmp / f"{name}-{n}")
                done[name].append(r["done_s"])
                print(f"round {n} {name:>8}: Done {r['done_s']:6.2f} s ({r['xero_calls']} Xero "
                      f"calls; {r['contacts']} contacts, {r['items']} items created of "
                      f"{r['planned']} planned; Xero then holds {r['xero_contacts_after']} "
                      f"contacts, {r['xero_items_after']} items); connect + auto "
                      f"{r['connect_auto_s']:.2f} s", flush=True)
    for name, secs in done.items():
        secs.sort()
        print(f"{name:>8}: Done in {', '.join(f'{x:.2f}' for x in secs)} s "
              f"(median {secs[len(secs) // 2]:.2f})")


if __name__ == "__main__":
    main()
