"""Session-wide test plumbing: the Xero contract recorder and sandbox fixtures.

Every exchange with any Xero sandbox started during the session (by any test, through
``matchkit.sandbox.start``) is validated against the official spec in
``../shared/reference/xero``; any violation fails the session, listed in the summary.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _contract import XERO_REFERENCE, ContractRecorder, reference_available

from matchkit.sandbox import Sandbox, add_exchange_observer, remove_exchange_observer, start

CONTRACT = ContractRecorder()
_REGISTERED = False


def pytest_configure(config: pytest.Config) -> None:
    global _REGISTERED
    if reference_available() and not _REGISTERED:
        add_exchange_observer(CONTRACT)
        _REGISTERED = True


def pytest_unconfigure(config: pytest.Config) -> None:
    global _REGISTERED
    if _REGISTERED:
        remove_exchange_observer(CONTRACT)
        _REGISTERED = False


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    if not _REGISTERED:
        terminalreporter.write_line(
            f"Xero contract checks skipped: {XERO_REFERENCE} is absent")
        return
    terminalreporter.write_line(
        f"Xero contract: {CONTRACT.checked_requests} requests and "
        f"{CONTRACT.checked_responses} responses validated, {CONTRACT.undocumented} answers "
        f"with statuses the spec does not document, {len(CONTRACT.violations)} violations")
    if CONTRACT.violations:
        terminalreporter.section("Xero contract violations", red=True)
        for line in CONTRACT.violations[:50]:
            terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _REGISTERED and CONTRACT.violations and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def contract() -> ContractRecorder:
    """The session's contract recorder (skips when the spec is absent)."""
    if not _REGISTERED:
        pytest.skip(f"Xero reference spec not found at {XERO_REFERENCE}")
    return CONTRACT


@pytest.fixture
def off_contract() -> Callable[[], contextlib.AbstractContextManager[list[str]]]:
    """``with off_contract() as seen: ...`` collects (instead of failing on) the contract
    violations of requests sent there on purpose: broken input a test feeds the sandbox, or
    what real Xero accepts although the spec forbids it. Works without the spec too."""

    def enter() -> contextlib.AbstractContextManager[list[str]]:
        if not _REGISTERED:
            return contextlib.nullcontext([])
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
