"""The Connect step's choice of Xero organisation, when a login reaches several.

A workspace belongs to one organisation (``matchkit/store/_tenant.py``): when it already
belongs to one, that one is chosen and no other is allowed; a fresh workspace takes the only
organisation offered, or waits for a person (or code) to choose.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .._exceptions import WizardError
from ..store import Workspace

__all__ = ["Organisation", "OrganisationChoice"]


@dataclass(frozen=True)
class Organisation:
    """An organisation the login reaches."""

    tenant_id: str
    name: str
    short_code: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.short_code})" if self.short_code else self.name

    @classmethod
    def of(cls, tenant: Any) -> Organisation:
        """From a :class:`matchkit.xero.Tenant`, a sandbox tenant dict, or the like."""
        get = tenant.get if isinstance(tenant, dict) else (
            lambda k, d=None: getattr(tenant, k, d))
        short = get("short_code")
        return cls(str(get("tenant_id")), str(get("name") or get("tenant_name") or ""),
                   str(short) if short else None)


class OrganisationChoice:
    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.offered: list[Organisation] = []
        self.chosen: Organisation | None = None
        self.fixed = False  # the workspace's own: no other may be chosen

    def offer(self, tenants: Iterable[Any]) -> list[Organisation]:
        orgs = [Organisation.of(t) for t in tenants]
        if not orgs:
            raise WizardError("this Xero login reaches no organisation; connect again and "
                              "pick one in Xero's consent screen")
        self.offered, self.chosen, self.fixed = orgs, None, False
        owner = self.ws.xero_organisation()
        if owner is not None:
            mine = [o for o in orgs if o.tenant_id.casefold() == owner["tenant_id"].casefold()]
            if not mine:
                raise WizardError(
                    f"this workspace belongs to Xero organisation {_owner(owner)}, which this "
                    f"login does not reach (it reaches {_names(orgs)}); open that "
                    "organisation's workspace, or connect with a login that reaches it")
            self.chosen, self.fixed = mine[0], True
        elif len(orgs) == 1:
            self.chosen = orgs[0]
        return orgs

    def choose(self, name_or_id: str) -> Organisation:
        if not self.offered:
            raise WizardError("no organisations to choose from: connect to Xero first")
        key = name_or_id.strip().casefold()
        found = [o for o in self.offered if o.tenant_id.casefold() == key] or [
            o for o in self.offered if o.name.strip().casefold() == key]
        if not found:
            raise WizardError(f"no Xero organisation {name_or_id!r} among those this login "
                              f"reaches: {_names(self.offered)}")
        if len(found) > 1:
            raise WizardError(f"{name_or_id!r} names several organisations: "
                              f"{_names(found)}; choose by tenant id")
        org = found[0]
        owner = self.ws.xero_organisation()
        if owner is not None and owner["tenant_id"].casefold() != org.tenant_id.casefold():
            raise WizardError(f"this workspace belongs to Xero organisation {_owner(owner)}; "
                              f"it cannot be used for {org.name!r} ({org.tenant_id}): open "
                              "that organisation's own workspace")
        self.chosen = org
        return org

    def check(self, xero: object) -> None:
        """Before Connect: an organisation is chosen when several were offered, and the
        client is for it."""
        if self.offered and self.chosen is None:
            raise WizardError("this Xero login reaches several organisations: choose one "
                              f"first ({_names(self.offered)})")
        tenant = getattr(xero, "tenant_id", None)
        if self.chosen is not None and isinstance(tenant, str) and \
                tenant.casefold() != self.chosen.tenant_id.casefold():
            raise WizardError(f"the Xero client is for another organisation ({tenant}) than "
                              f"the one chosen, {self.chosen.name!r}")


def _names(orgs: Iterable[Organisation]) -> str:
    return ", ".join(f"{o.name!r} ({o.tenant_id})" for o in orgs)


def _owner(owner: dict[str, Any]) -> str:
    name = owner.get("tenant_name")
    return f"{name!r} ({owner['tenant_id']})" if name else str(owner["tenant_id"])
