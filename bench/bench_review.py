"""Bulk review on 10,000 suggestions: how long the model and the grid take (measured, printed).

Targets from issue 8 (not asserted anywhere): the grid on screen within 1.5 s of running the
cell; a filter, a page flip or an accept answered within 200 ms.

    .venv/bin/python bench/bench_review.py            # kernel-side figures
    .venv/bin/python bench/bench_review.py --browser  # plus real JupyterLab + Chromium

Kernel-side figures time the Python work of each action (model + widget state changes); the
browser figures time what a person sees, from the click to the change on the page. Both are
printed for the grid now and, side by side, for the grid of ``--before COMMIT`` (default: the
last full-resend grid): that commit's whole ``matchkit`` package taken with ``git archive``
and imported in processes of its own (a child process here, its own kernel in the Lab), never
mixed with this checkout's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# MATCHKIT_BENCH_CODE: a folder holding another version's matchkit/ (the --before child)
sys.path.insert(0, os.environ.get("MATCHKIT_BENCH_CODE") or str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from _review_fixtures import build  # noqa: E402

from matchkit.review import Review  # noqa: E402

N = 10_000


def timed(fn: Callable[[], object], repeat: int = 5) -> tuple[float, float]:
    """Median and worst wall time of ``fn`` in milliseconds."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), max(times)


def line(what: str, med: float, worst: float, target: float | None = None) -> None:
    mark = "" if target is None else ("  ok" if worst <= target else f"  over {target:.0f} ms")
    print(f"  {what:<44} median {med:8.1f} ms   worst {worst:8.1f} ms{mark}")


def bench_model(tmp: Path) -> None:
    print(f"model (matchkit.review.Review), {N} Atera rows, file workspace")
    t = time.perf_counter()
    ws, sugg = build(N, path=str(tmp / "bench.duckdb"), extra_xero=500)
    print(f"  setup: workspace with {len(sugg)} suggestions in {time.perf_counter() - t:.1f} s")
    ws.record_suggestions("customers", sugg)
    med, worst = timed(lambda: Review.from_workspace(ws, "customers"), repeat=3)
    line("Review.from_workspace (suggestions, decisions)", med, worst)
    r = Review.from_workspace(ws, "customers")
    scores = iter(range(50, 100))
    line("filter score range (new view)", *timed(lambda: r.set_filter(score_min=next(scores))),
         200)
    line("filter text", *timed(lambda: r.set_filter(text="00042")), 200)
    r.set_filter(text="", score_min=None)
    pages = iter(range(100))
    line("page flip (50 rows)", *timed(lambda: r.page(next(pages), 50)), 200)
    ids = iter(r.view()["atera_id"].tolist())
    line("accept one row (log write + view)", *timed(lambda: r.accept(next(ids))), 200)
    line("reject one row", *timed(lambda: r.reject(next(ids))), 200)
    line("undo one action", *timed(r.undo), 200)
    r.set_filter(score_min=None)
    med, worst = timed(lambda: r.preview("accept", score_min=90), repeat=3)
    p = r.preview("accept", score_min=90)
    line(f"bulk preview (accept >= 90: {p.count} rows)", med, worst)
    t = time.perf_counter()
    r.apply(p)
    ms = (time.perf_counter() - t) * 1000
    line(f"bulk apply ({p.count} rows, one transaction)", ms, ms)
    t = time.perf_counter()
    r.undo()
    ms = (time.perf_counter() - t) * 1000
    line(f"undo the bulk accept ({p.count} rows)", ms, ms)
    out = tmp / "decisions.csv"
    line("export decisions CSV", *timed(lambda: r.export_csv(out), repeat=3))
    line("apply CSV round trip (validate all rows)", *timed(lambda: r.apply_csv(out), repeat=3))


def bench_widget(grid_cls: Any, label: str) -> None:
    print(f"grid widget {label} (kernel side: model + widget state), {N} rows")
    ws, sugg = build(N)
    r = Review(ws, "customers", sugg)
    med, worst = timed(lambda: grid_cls(Review(ws, "customers", sugg)), repeat=3)
    line("build ReviewGrid (all rows into the grid)", med, worst, 1500)
    g = grid_cls(r)
    lows = iter(range(60, 100))
    line("filter via the score slider", *timed(lambda: setattr(g.score, "value",
                                                              (next(lows), 100.0))), 200)
    highs = iter([100.0, 99.5] * 5)
    line("filter to (nearly) all rows", *timed(lambda: setattr(g.score, "value",
                                                              (0.0, next(highs)))), 200)
    def press(key: str) -> Callable[[], object]:
        if hasattr(g, "press"):  # a key pressed on the grid, as the page reports it
            return lambda: g.press(key)
        # grids before 2660c9e: the keys box grows as a browser's would; a character a key
        return lambda: setattr(g.keys, "value", g.keys.value + key)

    line("key j (next row + side panel)", *timed(press("j")), 200)
    line("key a (accept, row update, next row)", *timed(press("a")), 200)
    line("key u (undo)", *timed(press("u")), 200)
    t = time.perf_counter()
    g.show_histogram()
    ms = (time.perf_counter() - t) * 1000
    line("open histogram (first: imports matplotlib)", ms, ms)
    thr = iter(range(80, 100))
    line("move threshold (histogram line)", *timed(lambda: setattr(g.threshold, "value",
                                                                  float(next(thr)))), 200)
    line("bulk preview on shown rows", *timed(g.preview, repeat=3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--browser", action="store_true", help="also measure in JupyterLab")
    ap.add_argument("--rounds", type=int, default=3, help="browser rounds per grid")
    ap.add_argument("--before", metavar="COMMIT", default=None,
                    help="compare with the grid of this git commit (default: the last "
                         "full-resend grid, 853e199)")
    ap.add_argument("--widget-only", metavar="LABEL", help=argparse.SUPPRESS)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    from _review_lab import BEFORE_COMMIT, browser_figures, extract_package

    if args.widget_only:  # a child process, on the code under MATCHKIT_BENCH_CODE
        import matchkit
        from matchkit.widgets import ReviewGrid

        code = os.environ.get("MATCHKIT_BENCH_CODE", "")
        assert code and matchkit.__file__.startswith(code), matchkit.__file__
        bench_widget(ReviewGrid, args.widget_only)
        return
    with tempfile.TemporaryDirectory(prefix="mk-bench-review-") as tmp:
        bench_model(Path(tmp))
    commit = args.before or BEFORE_COMMIT
    # Both grids in fresh child processes, one after the other: the same start for each.
    sys.stdout.flush()
    with tempfile.TemporaryDirectory(prefix="mk-bench-before-") as tmp:
        versions = [("now", str(ROOT))]
        if extract_package(commit, Path(tmp)):
            versions.append((f"before ({commit})", tmp))
        else:
            print(f"no git commit {commit} here: no figures before")
        for label, code in versions:
            subprocess.run([sys.executable, __file__, "--widget-only", label],
                           env={**os.environ, "MATCHKIT_BENCH_CODE": code}, check=True)
    if args.browser:
        browser_figures(N, rounds=args.rounds, commit=commit)


if __name__ == "__main__":
    main()
