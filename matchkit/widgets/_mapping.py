"""The manage page's Accounts tab: the accounts and tracking mapping, seen and edited.

A thin face over :mod:`matchkit.accounts`: the rules from ``atera_keys``, the choices from
the workspace's snapshot of ``/Accounts`` and ``/TrackingCategories`` (``refresh_org`` reads
them again where a Xero client is connected), ``set_rule``/``unset_rule`` to change one.
A rule refused is one line under the editor; nothing is written then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ipywidgets as w
import pandas as pd

from .._exceptions import InputError
from ..accounts import (
    Rule,
    atera_keys,
    mapping,
    org_choices,
    org_problems,
    org_snapshot,
    refresh_org,
    set_rule,
    unset_rule,
)
from ..store import Workspace
from ..xero import XeroReader
from ._common import ErrorArea, css, esc, guard
from ._texts import local_time, plural

__all__ = ["MappingTab"]

_KIND = {"category": "Category", "contract": "Contract type"}
_DEFAULT = "(default sales account)"
_NONE = "(none)"
_OFF_STYLE = "color:#b00020"
_TD = ' style="padding:1px 14px 1px 0;text-align:left;white-space:nowrap"'


class MappingTab:
    """``MappingTab(ws, xero, errors, who=None)``; ``xero=None``: nothing to read from."""

    def __init__(self, ws: Workspace, xero: XeroReader | None, errors: ErrorArea,
                 who: str | None = None) -> None:
        self.ws, self.xero, self.who = ws, xero, who
        self.off_reason: str | None = (
            None if xero is not None else "not connected to Xero (connect in notebook 01)")
        self.message = ""  # the last outcome, as plain text
        g = guard(errors)
        self.intro = w.HTML(
            "<p>Each exported invoice line gets the Xero revenue account and tracking "
            "options of its Atera <b>category</b> (of its product, expense or contract rate), "
            "else of its invoice's <b>contract type</b>. Lines without a rule keep the default "
            "sales account. <i>Set rule</i> saves at once (no Apply needed); every export "
            "checks the rules against Xero again.</p>")
        self.table = css(w.HTML(), "mapping-table")
        self.org = css(w.HTML(), "mapping-org")
        self.refresh_button = css(w.Button(description="Refresh from Xero", icon="refresh",
                                           layout=w.Layout(width="auto")), "mapping-refresh")
        self.refresh_button.on_click(g(lambda _b: self.refresh_from_xero()))
        self.key = css(w.Dropdown(description="Atera", layout=w.Layout(width="420px")),
                       "mapping-key")
        self._quiet = False
        self.key.observe(g(lambda _c: None if self._quiet else self._prefill()), names="value")
        self.account = css(w.Dropdown(description="Account", layout=w.Layout(width="420px")),
                           "mapping-account")
        self.tracking: dict[str, w.Dropdown] = {}
        self.tracking_box = css(w.HBox(), "mapping-tracking")
        self.set_button = css(w.Button(description="Set rule", button_style="primary",
                                       icon="check"), "mapping-set")
        self.set_button.on_click(g(lambda _b: self.set_selected()))
        self.unset_button = css(w.Button(description="Remove rule", icon="times"),
                                "mapping-unset")
        self.unset_button.on_click(g(lambda _b: self.unset_selected()))
        self.status = css(w.HTML(), "mapping-message")
        self.refresh_button.layout.flex = "0 0 auto"  # its words whole, beside the text
        # what a person does first (read Xero's lists, change a rule) above the long table
        self.widget = css(w.VBox([
            self.intro, w.HBox([self.refresh_button, self.org]),
            w.HTML("<b>Change a rule</b>"), self.key, self.account, self.tracking_box,
            w.HBox([self.set_button, self.unset_button]), self.status, self.table]),
            "mapping")

    # --- drawing ----------------------------------------------------------------------

    def refresh(self) -> None:
        """Redraw from the workspace: the rules, the snapshot's choices, the buttons."""
        org = org_snapshot(self.ws)
        keys = atera_keys(self.ws)
        self.table.value = self.table_html(org, keys)
        snap = self.ws.latest_snapshot("xero", "accounts")
        if org is None or snap is None:
            self.org.value = ("<p>Xero's accounts and tracking categories are not in the "
                              "workspace yet: <i>Refresh from Xero</i> reads them.</p>")
        else:
            choices = org_choices(*org)
            self.org.value = (
                f"<p>Choices from Xero as read {esc(local_time(snap.taken_at))}: "
                f"{plural(len(choices.accounts), 'active revenue account')}, "
                f"{plural(len(choices.tracking), 'tracking category', 'tracking categories')}"
                ".</p>")
        self.refresh_button.disabled = self.off_reason is not None
        self.refresh_button.tooltip = (f"Off: {self.off_reason}" if self.off_reason
                                       else "Read /Accounts and /TrackingCategories again")
        if self.off_reason:
            self.org.value += (f'<p style="{_OFF_STYLE}">Refresh from Xero is off: '
                               f"{esc(self.off_reason)}.</p>")
        chosen = self.key.value
        options = [(f"{_KIND[k]}: {key}" + (f" ({n} in Atera)" if n else " (not in Atera)"),
                    (k, key))
                   for k, key, n in keys[["kind", "atera_key", "records"]].itertuples(
                       index=False)]
        values = [v for _, v in options]
        self._quiet = True  # one prefill below, not one per trait the options move
        try:
            if list(self.key.options) != options:
                self.key.options = options
            self.key.value = chosen if chosen in values else (values[0] if values else None)
        finally:
            self._quiet = False
        self._prefill()
        editable = org is not None and bool(values)
        self.set_button.disabled = not editable
        self.key.disabled = self.account.disabled = not values

    def table_html(self, org: Any, keys: pd.DataFrame) -> str:
        if keys.empty:
            return ("<p>No Atera categories or contract types in the workspace yet: the "
                    "wizard's Connect (notebook 01) reads them from Atera.</p>")
        names = {str(a.get("Code")): str(a.get("Name") or "") for a in (org or ([], []))[0]}
        rules = {(r.kind, r.atera_key.casefold()): r for r in mapping(self.ws)}
        rows = []
        for kind, key, n, code, tracking in keys.itertuples(index=False):
            rule = rules.get((kind, str(key).casefold()))
            problems = org_problems(rule, *org) if rule is not None and org else []
            account = (f"{code} {names[code]}".strip() if isinstance(code, str) and code in names
                       else code if isinstance(code, str) else _DEFAULT)
            check = ("" if rule is None else
                     f'<span style="{_OFF_STYLE}">{esc(problems[0])}</span>' if problems
                     else "ok" if org else "not checked (no snapshot)")
            style = ' style="font-weight:600"' if rule is not None else ""
            cells = [esc(_KIND[kind]), esc(key), esc(n), esc(account), esc(tracking)]
            # the check's sentence may be long: it alone wraps
            rows.append(f"<tr{style}>" + "".join(f"<td{_TD}>{c}</td>" for c in cells)
                        + f"<td>{check}</td></tr>")
        ruled = sum(1 for k in keys.itertuples(index=False)
                    if (k.kind, str(k.atera_key).casefold()) in rules)
        head = "".join(f"<th{_TD}>{h}</th>" for h in (
            "Kind", "Atera", "Records", "Xero account", "Tracking", "Check"))
        return (f"<p><b>{plural(ruled, 'rule')}</b> for {len(keys)} Atera categories and "
                'contract types.</p><table class="mk-mapping-rules" style="line-height:1.5;'
                f'border-collapse:collapse"><thead><tr>{head}</tr></thead><tbody>'
                + "".join(rows) + "</tbody></table>")

    def _prefill(self) -> None:
        """The editor shows the selected key's rule (or nothing chosen) among the choices."""
        org = org_snapshot(self.ws)
        choices = org_choices(*org) if org else None
        rule = self.selected_rule()
        accounts = [(_DEFAULT, "")] + [(f"{c} {n}", c)
                                       for c, n in (choices.accounts if choices else ())]
        if rule is not None and rule.account_code and \
                rule.account_code not in [v for _, v in accounts]:
            accounts.append((f"{rule.account_code} (not an active revenue account)",
                             rule.account_code))
        if list(self.account.options) != accounts:
            self.account.options = accounts
        self.account.value = (rule.account_code or "") if rule else ""
        wanted = dict(rule.tracking) if rule else {}
        cats = [(name, list(opts)) for name, opts in (choices.tracking if choices else ())]
        for cat, opt in wanted.items():  # a rule naming what Xero no longer offers: shown
            found = next((c for c in cats if c[0].casefold() == cat.casefold()), None)
            if found is None:
                cats.append((cat, [opt]))
            elif opt.casefold() not in [o.casefold() for o in found[1]]:
                found[1].append(opt)
        # Dropdowns are kept while their category stays (a new widget per key would make
        # the page redraw them, and a choice made meanwhile would go to a discarded one).
        kept = {}
        for name, opts in cats:
            current = next((o for c, o in wanted.items() if c.casefold() == name.casefold()),
                           "")
            value = next((o for o in opts if o.casefold() == current.casefold()), "")
            drop = self.tracking.get(name) or css(w.Dropdown(
                description=name, style={"description_width": "initial"},
                layout=w.Layout(width="300px")), "mapping-option")
            options = [(_NONE, "")] + [(o, o) for o in opts]
            if list(drop.options) != options:
                drop.options = options
            drop.value = value
            kept[name] = drop
        if list(kept) != list(self.tracking):
            self.tracking_box.children = list(kept.values())
        self.tracking = kept
        self.unset_button.disabled = rule is None

    # --- actions ----------------------------------------------------------------------

    def selected_rule(self) -> Rule | None:
        if not self.key.value:
            return None
        kind, key = self.key.value
        return next((r for r in mapping(self.ws)
                     if r.kind == kind and r.atera_key.casefold() == str(key).casefold()), None)

    def select(self, kind: str, atera_key: str) -> None:
        """Choose the Atera key to edit (what the Atera dropdown does)."""
        self.key.value = next(v for _, v in self.key.options
                              if v[0] == kind and v[1].casefold() == atera_key.casefold())

    def set_selected(self) -> Rule | None:
        """Set the selected key's rule from the dropdowns; a refusal is one line."""
        if not self.key.value:
            return None
        kind, key = self.key.value
        tracking = [(c, d.value) for c, d in self.tracking.items() if d.value]
        if not self.account.value and not tracking:
            self._refused(f"{kind} {key!r}: choose an account or a tracking option "
                          "(Remove rule takes a rule away)")
            return None
        return self._write(lambda: set_rule(self.ws, kind, key, self.account.value or None,
                                            tracking, org=org_snapshot(self.ws), who=self.who))

    def unset_selected(self) -> None:
        if not self.key.value:
            return
        kind, key = self.key.value
        self._write(lambda: unset_rule(self.ws, kind, key, who=self.who))

    def _write(self, action: Callable[[], Rule | None]) -> Rule | None:
        kind, key = self.key.value
        try:
            rule = action()
        except InputError as exc:
            self._refused(str(exc))
            return None
        self.refresh()
        if rule is None:
            self.message = f"Removed the rule of {kind} {key!r}: its lines get the default " \
                           "sales account."
        else:
            self.message = (f"Saved: {rule} gets account {rule.account_code or '(default)'}"
                            + ("; tracking " + ", ".join(f"{c} = {o}" for c, o in rule.tracking)
                               if rule.tracking else "") + ".")
        self.status.value = f"<p>{esc(self.message)}</p>"
        return rule

    def _refused(self, why: str) -> None:
        self.message = f"Refused: {why}. Nothing was saved."
        self.status.value = f'<p style="{_OFF_STYLE}">{esc(self.message)}</p>'
        return None

    def refresh_from_xero(self) -> None:
        """Read the organisation's accounts and tracking categories into the workspace."""
        if self.off_reason is not None:
            self.message = f"Refresh from Xero is off: {self.off_reason}."
            self.status.value = f'<p style="{_OFF_STYLE}">{esc(self.message)}</p>'
            return
        assert self.xero is not None  # no client: off_reason says so from the start
        accounts, categories = refresh_org(self.ws, self.xero)
        choices = org_choices(accounts, categories)
        self.refresh()
        self.message = (f"Read from Xero: {plural(len(accounts), 'account')} "
                        f"({len(choices.accounts)} active revenue), "
                        f"{plural(len(categories), 'tracking category', 'tracking categories')}"
                        ".")
        self.status.value = f"<p>{esc(self.message)}</p>"

    def xero_off(self, reason: str) -> None:
        """No more reads from Xero (after Disconnect): the button says why."""
        self.off_reason = reason
        self.refresh()
