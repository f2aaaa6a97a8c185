"""The per-tenant rate limiter, the retry policy and the paging helpers."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from matchkit.xero import RateLimiter, RetryPolicy, limiter_for
from matchkit.xero._paging import chunked, paged


def test_never_more_than_the_concurrency_cap_in_flight() -> None:
    limiter = RateLimiter(per_minute=1000, concurrent=3)
    in_flight = 0
    peak = 0
    lock = threading.Lock()

    def call() -> None:
        nonlocal in_flight, peak
        limiter.acquire()
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.02)
        with lock:
            in_flight -= 1
        limiter.release({})

    threads = [threading.Thread(target=call) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak == 3


def test_per_minute_window_makes_callers_wait_and_says_why() -> None:
    heard: list[tuple[float, str]] = []
    # time_scale=120: the "minute" lasts about half a real second
    limiter = RateLimiter(per_minute=4, concurrent=5, time_scale=120,
                          on_wait=lambda s, why: heard.append((s, why)))
    starts, ends = [], []
    for _ in range(6):
        limiter.acquire()
        starts.append(time.monotonic())
        ends.append(time.monotonic())
        limiter.release({"X-MinLimit-Remaining": "50", "X-DayLimit-Remaining": "4000"})
    assert heard and "4 calls in the last minute" in heard[0][1]
    # a call starts only a full window after the call four before it finished, so no
    # server-side window of that length can see five arrivals
    for i in range(len(starts) - 4):
        assert starts[i + 4] - ends[i] >= limiter.window
    assert limiter.day_remaining == 4000 and limiter.min_remaining == 50


def test_server_saying_zero_remaining_pauses_the_tenant() -> None:
    heard: list[str] = []
    limiter = RateLimiter(per_minute=60, time_scale=600)
    limiter.acquire()
    limiter.release({"X-MinLimit-Remaining": "0"})
    limiter.acquire(on_wait=lambda s, why: heard.append(why))
    limiter.release({})
    assert heard == ["Xero asked to slow down"]


def test_pause_holds_every_caller() -> None:
    heard: list[str] = []
    limiter = RateLimiter(time_scale=100)
    limiter.pause(0.2)
    limiter.acquire(on_wait=lambda s, why: heard.append(why))
    limiter.release(None)
    assert heard == ["Xero asked to slow down"]


def test_limiter_is_shared_per_tenant() -> None:
    assert limiter_for("t-1") is limiter_for("t-1")
    assert limiter_for("t-1") is not limiter_for("t-2")
    a = limiter_for("t-1", api_url="http://127.0.0.1:1/")
    assert a is limiter_for("t-1", api_url="http://127.0.0.1:1")
    assert a is not limiter_for("t-1", api_url="http://127.0.0.1:2")


def test_bad_limiter_settings() -> None:
    with pytest.raises(ValueError):
        RateLimiter(per_minute=0)


def test_retry_policy() -> None:
    policy = RetryPolicy(max_attempts=3, base_delay=1, max_delay=5, jitter=0)
    assert policy.may_retry("GET", None, 1)
    assert not policy.may_retry("GET", None, 3)
    assert not policy.may_retry("PUT", None, 1)
    assert not policy.may_retry("POST", "", 1)
    assert policy.may_retry("PUT", "key", 2)
    assert [policy.delay(a) for a in (1, 2, 3, 4)] == [1, 2, 4, 5]
    assert policy.delay(1, retry_after=3) == 3
    assert policy.delay(1, retry_after=7200) == 5


def test_chunked_and_paged() -> None:
    assert [len(c) for c in chunked(list(range(81)))] == [40, 40, 1]
    assert list(chunked([])) == []
    pages = {1: [1, 2], 2: [3, 4], 3: [5]}
    asked: list[int] = []

    def fetch(page: int) -> dict[str, Any]:
        asked.append(page)
        return {"Rows": [{"n": n} for n in pages.get(page, [])]}

    def numbers() -> list[int]:
        return [row["n"] for row in paged(fetch, "Rows", page_size=2)]

    assert numbers() == [1, 2, 3, 4, 5]
    assert asked == [1, 2, 3]
    asked.clear()
    pages[3] = [5, 6]
    assert numbers() == [1, 2, 3, 4, 5, 6]
    assert asked == [1, 2, 3, 4]  # no pagination block: an empty page ends it
