"""A widget handler that raises shows one line in its view, never a traceback (issue 17)."""

from __future__ import annotations

import logging

import ipywidgets as w
import pytest

from matchkit._exceptions import ExportValidationError, InputError
from matchkit.export._problem import Problem
from matchkit.widgets import ErrorArea, guard


def _clicked(exc: BaseException) -> ErrorArea:
    errors = ErrorArea()
    button = w.Button()

    def handler(_b: object) -> None:
        raise exc

    button.on_click(guard(errors)(handler))
    button.click()
    return errors


def test_a_refusal_is_one_line_in_its_own_words() -> None:
    problems = [Problem("1001", 2, "bad_number", "Quantity 'x' is not a number"),
                Problem("1002", None, "currency", "currency XYZ is not enabled")]
    errors = _clicked(ExportValidationError(problems))
    html = errors.widget.value
    assert "\n" not in html and "Traceback" not in html
    assert "2 problem(s) in the batch: invoice 1001 line 2: Quantity &#x27;x&#x27;" in html
    assert "is not a number; invoice 1002: currency XYZ" in html
    assert "ExportValidationError" not in html and "bug" not in html
    assert isinstance(errors.last, ExportValidationError)


def test_an_unexpected_error_is_one_line_named_as_a_bug_and_logged_with_its_traceback(
        caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="matchkit.widgets"):
        errors = _clicked(KeyError("<script>x</script>"))
    html = errors.widget.value
    assert "unexpected KeyError: &#x27;&lt;script&gt;x&lt;/script&gt;&#x27;" in html
    assert "a bug in matchkit" in html and "\n" not in html
    (record,) = caplog.records
    assert record.exc_info is not None  # the traceback is in the kernel log, not the page


def test_a_long_message_is_cut_and_a_success_clears_the_area() -> None:
    errors = _clicked(InputError("x" * 5000))
    assert len(errors.widget.value) < 600 and "…" in errors.widget.value
    ok = guard(errors)(lambda: 42)
    assert ok() == 42 and errors.widget.value == "" and errors.last is None


def test_the_export_view_needs_xero_and_says_so_when_it_is_not_there() -> None:
    from matchkit.store import Workspace
    from matchkit.widgets import ExportView

    ws = Workspace.open()
    view = ExportView(ws, xero=None)
    assert view.check_button.disabled and view.export_button.disabled
    assert "Not connected to Xero, so Check batch and Export to Xero are off" in \
        view.offline.value
    view.check_button.click()  # a stale page may still send the click: refused in words
    assert "Not connected to Xero" in view.errors.widget.value
    assert isinstance(view.errors.last, InputError)
