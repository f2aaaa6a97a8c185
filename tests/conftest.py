"""Session-wide test plumbing: the Xero contract recorder and sandbox fixtures.

Every exchange with any Xero sandbox started during the session (by any test, through
``matchkit.sandbox.start``) is validated against the official spec in
``reference/xero`` (kept in the repository); any violation fails the session, listed in the
summary. Sandboxes in other processes (notebook kernels, ``matchkit sandbox`` children) log
their exchanges to a session file (``MATCHKIT_SANDBOX_EXCHANGE_LOG``), checked at the end of the
session.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _contract import ContractRecorder

from matchkit.sandbox import (
    EXCHANGE_LOG_ENV,
    Sandbox,
    add_exchange_observer,
    read_exchange_log,
    remove_exchange_observer,
    start,
)

CONTRACT = ContractRecorder()
_REGISTERED = False
_CHILD_LOG: str | None = None  # the exchange log of other processes' sandboxes
_CHILD_EXCHANGES = 0


def pytest_configure(config: pytest.Config) -> None:
    global _REGISTERED, _CHILD_LOG
    if not _REGISTERED:
        add_exchange_observer(CONTRACT)
        _REGISTERED = True
        if not os.environ.get(EXCHANGE_LOG_ENV):
            fd, _CHILD_LOG = tempfile.mkstemp(prefix="mk-exchanges-", suffix=".jsonl")
            os.close(fd)
            os.environ[EXCHANGE_LOG_ENV] = _CHILD_LOG  # children inherit it
            os.environ[EXCHANGE_LOG_ENV + "_OWNER"] = str(os.getpid())  # we observe ours


def _check_child_exchanges() -> None:
    """Validate what sandboxes in child processes logged (ours were seen as they happened)."""
    global _CHILD_EXCHANGES
    if _CHILD_LOG is None:
        return
    for ex in read_exchange_log(_CHILD_LOG, skip_pid=os.getpid()):
        CONTRACT(ex)
        _CHILD_EXCHANGES += 1
    for leftover in (_CHILD_LOG, _CHILD_LOG + ".lock"):
        with contextlib.suppress(OSError):
            os.unlink(leftover)


def pytest_unconfigure(config: pytest.Config) -> None:
    global _REGISTERED
    if _REGISTERED:
        remove_exchange_observer(CONTRACT)
        _REGISTERED = False
    if _CHILD_LOG is not None and os.environ.get(EXCHANGE_LOG_ENV) == _CHILD_LOG:
        del os.environ[EXCHANGE_LOG_ENV]
        os.environ.pop(EXCHANGE_LOG_ENV + "_OWNER", None)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    if not _REGISTERED:
        return
    terminalreporter.write_line(
        f"Xero contract: {CONTRACT.checked_requests} requests and "
        f"{CONTRACT.checked_responses} responses validated, {CONTRACT.undocumented} answers "
        f"with statuses the spec does not document, {CONTRACT.other_formats} in XML or PDF "
        f"(not in the spec), {len(CONTRACT.violations)} violations; "
        f"{_CHILD_EXCHANGES} exchanges came from sandboxes in notebook kernels and other "
        "processes")
    if CONTRACT.violations:
        terminalreporter.section("Xero contract violations", red=True)
        for line in CONTRACT.violations[:50]:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _REGISTERED:
        _check_child_exchanges()
    if _REGISTERED and CONTRACT.violations and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def contract() -> ContractRecorder:
    """The session's contract recorder."""
    return CONTRACT


@pytest.fixture
def off_contract() -> Callable[[], contextlib.AbstractContextManager[list[str]]]:
    """``with off_contract() as seen: ...`` collects (instead of failing on) the contract
    violations of requests sent there on purpose: broken input a test feeds the sandbox, or
    what real Xero accepts although the spec forbids it."""

    def enter() -> contextlib.AbstractContextManager[list[str]]:
        return CONTRACT.expect_violations()

    return enter


@pytest.fixture
def sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A running sandbox, seed "empty" (or ``@pytest.mark.parametrize("sandbox", ["demo"],
    indirect=True)``); stopped after the test."""
    seed = getattr(request, "param", "empty")
    with start(seed=seed) as sb:
        yield sb


@pytest.fixture
def start_sandbox() -> Iterator[Callable[..., Sandbox]]:
    """A factory: ``start_sandbox(seed="demo", time_scale=60, faults=...)``; all stopped after."""
    started: list[Sandbox] = []

    def make(**options: Any) -> Sandbox:
        sb = start(**options)
        started.append(sb)
        return sb

    yield make
    for sb in started:
        sb.stop()
