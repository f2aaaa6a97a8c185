"""Create missing items in Xero exactly once (Done, the export's create-missing).

An item is found first: by its link key (a Code starting ``ATERA-P12``...), by the Code it
is to get, by its Name (case and spaces aside); otherwise created with its link-key Code,
Atera's price and the sales account, when ``matchkit._gate`` finds nothing like it (or a
person named it), through the outbox as contacts are (``_contacts``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import pandas as pd

from .._keys import CODE_MAX, item_key_of
from ..sources import items_frame, typed
from ..store import Workspace
from ._channel import Job, SyncChannel
from ._create import Placed, ensure, plan_jobs, preview
from ._names import fold_name, xero_item_name
from ._specs import ItemSpec, SyncPreview, XeroWriter

__all__ = ["default_sales_account", "ensure_items", "preview_items"]


def ensure_items(ws: Workspace, xero: XeroWriter, specs: Sequence[ItemSpec], *,
                 run_id: str, who: str | None = None) -> dict[str, str]:
    """Make sure each spec has a Xero item; return ``{atera_id: ItemID}``.

    An item is found by its link key (a Code starting ``ATERA-P12``...), by the Code it is
    to get, or by its Name (case and spaces aside); otherwise created, with its link-key
    Code and the Atera price, when ``matchkit._gate`` finds nothing like it (or a person
    named it). Raises :class:`XeroSyncError` as :func:`ensure_contacts` does.
    """
    return ensure(ws, specs, lambda run: _item_jobs(ws, xero, specs, run), run_id, "products",
                  who)


def preview_items(ws: Workspace, xero: XeroWriter, specs: Sequence[ItemSpec]) -> SyncPreview:
    """The dry run of :func:`ensure_items`: reads Xero, writes and sends nothing."""
    return preview(specs, lambda run: _item_jobs(ws, xero, specs, run))


def default_sales_account(accounts: list[dict[str, Any]]) -> str | None:
    """The organisation's sales account: its tax rate is the one Xero applies to a line."""
    revenue = [a for a in accounts if a.get("Type") in ("REVENUE", "SALES")
               and a.get("Status", "ACTIVE") == "ACTIVE" and a.get("Code")]
    named = [a for a in revenue if str(a.get("Name", "")).strip().lower() == "sales"]
    pick = named or revenue
    return str(pick[0]["Code"]) if pick else None


def _item_jobs(ws: Workspace, xero: XeroWriter, specs: Sequence[ItemSpec], run_id: str
               ) -> tuple[SyncChannel, list[Job]]:
    tenant = xero.tenant_id
    # An item without a sales account makes Xero apply no tax to its lines: new items get
    # the export's sales account setting, else the organisation's sales account.
    account: list[str | None] = []

    def sales_account() -> str | None:
        if not account:
            account.append(ws.get_setting("export.sales_account")
                           or default_sales_account(xero.accounts()))
        return account[0]

    current: list[dict[str, Any]] = []

    def lookup() -> dict[str, str]:
        current[:] = xero.items()
        return {fold_name(str(i["Code"])): str(i["ItemID"]) for i in current if i.get("Code")}

    by_code = lookup()
    live = list(current)
    by_key = {str(item_key_of(i.get("Code"))): str(i["ItemID"]) for i in live
              if item_key_of(i.get("Code"))}
    by_name = {fold_name(str(i["Name"])): str(i["ItemID"]) for i in live if i.get("Name")}
    engine = SyncChannel(ws, "item", tenant, run_id, lookup,
                         lambda p, k: xero.create_items(p, idempotency_key=k), "ItemID")

    def place(spec: ItemSpec, prior: Mapping[str, Any] | None) -> Placed:
        name = xero_item_name(spec.name)
        if prior is not None and prior["status"] == "sending" and prior["code"]:
            code = str(prior["code"])
        else:
            code = spec.wanted_code()
        if len(code) > CODE_MAX:
            engine.fail(Job(spec.atera_id, code, {}, name, code),
                        f"the Code {code!r} is longer than Xero's {CODE_MAX} characters")
            return None
        job = Job(spec.atera_id, code, {}, name, code)
        # what exists: our key (whatever a person made of the rest of the code), the very
        # code, an item of the same name
        sent = prior is not None and prior["status"] == "sending"
        for xid, how in ((by_key.get(spec.key), "link"), (by_code.get(fold_name(code)), "exact"),
                         (by_name.get(fold_name(name)), "exact")):
            if xid:
                engine.ok(job, xid, "created" if sent else how)
                return None
        if not spec.sales_account:
            spec = replace(spec, sales_account=sales_account())
        return replace(job, payload=spec.payload(code)), sent

    def todo(fresh: list[tuple[ItemSpec, Job]]) -> pd.DataFrame:
        return pd.DataFrame({
            "id": [s.atera_id for s, _ in fresh], "name": [j.name for _, j in fresh],
            "key": [s.key for s, _ in fresh],
            "price": [s.price for s, _ in fresh],
            "description": [s.description or "" for s, _ in fresh]})

    jobs = plan_jobs(ws, engine, specs, "products", place, todo,
                     lambda: items_frame(typed("xero", "items", live)), "Xero item")
    return engine, jobs
