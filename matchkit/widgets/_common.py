"""What every matchkit widget shares: escaping, CSS classes, errors shown, progress.

Rules kept here so each view does not have to remember them: every name from Atera or Xero
goes through :func:`esc` before it reaches an ``HTML`` widget; every control gets a stable
``mk-...`` class (tests and the browser test find controls by it); a callback that raises
shows one line in the view (:class:`ErrorArea`), never a traceback in the page and never
nothing: a refusal (:class:`MatchkitError`) in its own words, anything else as an unexpected
error whose traceback goes to the kernel log.
"""

from __future__ import annotations

import contextlib
import functools
import html
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import ipywidgets as w

from .._exceptions import MatchkitError, one_line
from ..store import Workspace
from ..xero import XeroReader

__all__ = ["ErrorArea", "ProgressBar", "css", "esc", "guard", "html_list", "html_table",
           "lean", "slug", "xero_unavailable"]

log = logging.getLogger("matchkit.widgets")

W = TypeVar("W", bound=w.DOMWidget)
F = TypeVar("F", bound=Callable[..., Any])


def esc(value: Any) -> str:
    """Text made safe for an HTML widget (``None`` becomes an empty string)."""
    return "" if value is None else html.escape(str(value), quote=True)


def slug(value: Any) -> str:
    """A CSS-class-safe form of an id (``product:12`` -> ``product-12``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(value)).strip("-") or "x"


def css(widget: W, *names: str) -> W:
    """Add ``mk-<name>`` classes to ``widget`` and return it."""
    for name in names:
        widget.add_class(f"mk-{name}")
    return widget


def lean() -> Callable[..., Any]:
    """A maker of widgets that share one empty ``Layout`` and one default style of each kind.

    Each ipywidget made alone opens a comm for its own layout and style besides its own: the
    review grid's 60 widgets sent 130 comm_open messages, each a step for the kernel, the
    server and the page before the view shows. ``mk(w.Button, description="Go")``; a layout
    or style passed in is kept. Only for widgets whose layout and style nobody changes later
    (a change would reach every widget sharing it). ``css="name"`` (or a tuple of names)
    gives the widget its ``mk-name`` classes as it is made (:func:`css` afterwards sends one
    more message a class).
    """
    layout = w.Layout()
    styles: dict[type, w.Widget] = {}

    def make(cls: type[Any], *args: Any, css: str | tuple[str, ...] = (), **kwargs: Any
             ) -> Any:
        if css:
            names = (css,) if isinstance(css, str) else css
            kwargs["_dom_classes"] = tuple(f"mk-{n}" for n in names)
        kwargs.setdefault("layout", layout)
        trait = cls.class_traits().get("style")
        if trait is not None and "style" not in kwargs:
            kind = trait.klass
            if kind not in styles:
                styles[kind] = kind()
            kwargs["style"] = styles[kind]
        return cls(*args, **kwargs)

    return make


def html_table(rows: Iterable[Mapping[str, Any]], columns: Sequence[str],
               headers: Sequence[str] | None = None, css_class: str = "mk-table") -> str:
    """An escaped HTML table of ``rows``."""
    head = "".join(f"<th>{esc(h)}</th>" for h in (headers or columns))
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(r.get(c))}</td>" for c in columns) + "</tr>" for r in rows
    )
    return f'<table class="{esc(css_class)}"><thead><tr>{head}</tr></thead>' \
           f"<tbody>{body}</tbody></table>"


def html_list(items: Iterable[Any], limit: int = 200) -> str:
    """An escaped bullet list, cut at ``limit`` with a count of the rest."""
    items = list(items)
    shown = "".join(f"<li>{esc(i)}</li>" for i in items[:limit])
    more = f"<li>… and {len(items) - limit} more</li>" if len(items) > limit else ""
    return f"<ul>{shown}{more}</ul>"


MAX_ERROR = 400  # characters of a message shown; a batch's problem list is in its own table


def error_line(exc: BaseException) -> str:
    """What the person reads: a refusal in its own words, anything else named as unexpected;
    always one line (a message over several lines is joined with '; ')."""
    text = one_line(str(exc))
    if not isinstance(exc, MatchkitError):
        text = (f"unexpected {type(exc).__name__}: {text} (a bug in matchkit; the details are "
                "in the kernel log)")
    return text if len(text) <= MAX_ERROR else text[:MAX_ERROR - 1] + "…"


def xero_unavailable(ws: Workspace, xero: XeroReader | None, actions: str) -> str | None:
    """Why ``actions`` (e.g. "Check and Export"), which need Xero, cannot run now (no
    client, or the workspace disconnected), in words for the page; None when they can."""
    if xero is None or ws.connection("xero") is None:
        return (f"Not connected to Xero, so {actions} are off (the matches stay in the "
                "workspace). Connect again with the wizard (notebook 01).")
    return None


class ErrorArea:
    """An HTML area (``mk-error``) where failed actions say, in one line, what went wrong."""

    def __init__(self) -> None:
        self.widget = w.HTML(value="", _dom_classes=("mk-error",))  # one message, not two
        self.last: BaseException | None = None

    def show(self, exc: BaseException) -> None:
        self.last = exc
        self.widget.value = (f'<div class="mk-error-box" role="alert" style="color:#b00020">'
                             f"<b>Error:</b> {esc(error_line(exc))}</div>")

    def clear(self) -> None:
        self.last = None
        self.widget.value = ""


def guard(errors: ErrorArea) -> Callable[[F], F]:
    """Wrap a widget callback: errors are shown in ``errors`` (and logged), never lost."""

    def deco(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:  # shown to the user; a callback has nobody else to tell
                if isinstance(exc, MatchkitError):
                    log.warning("widget action refused: %s: %s", type(exc).__name__, exc)
                else:  # a bug: the traceback goes to the kernel log, one line to the page
                    log.exception("widget action failed")
                errors.show(exc)
                return None
            errors.clear()
            return result

        return wrapper  # type: ignore[return-value]

    return deco


class ProgressBar:
    """A progress bar with a label; call it as ``progress(label, done, total)``."""

    def __init__(self) -> None:
        self.bar = css(w.IntProgress(value=0, min=0, max=1, layout=w.Layout(width="300px")),
                       "progress")
        self.label = css(w.HTML(value=""), "progress-label")
        self.widget = css(w.HBox([self.bar, self.label]), "progress-box")
        self.widget.layout.display = "none"

    def __call__(self, label: str, done: int, total: int) -> None:
        self.widget.layout.display = None
        self.bar.max = max(total, 1)
        self.bar.value = min(done, self.bar.max)
        self.label.value = f"{esc(label)}: {done}/{total}"

    def hide(self) -> None:
        self.widget.layout.display = "none"

    @contextlib.contextmanager
    def running(self, status: w.HTML, text: str = "applying…") -> Iterator[None]:
        """``text`` in ``status`` while the block runs; afterwards (even on an error) the bar
        is hidden and ``status`` is empty."""
        status.value = text
        try:
            yield
        finally:
            self.hide()
            status.value = ""
