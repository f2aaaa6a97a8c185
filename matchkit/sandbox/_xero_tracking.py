"""Tracking categories of a Xero organisation (a mixin of ``XeroOrg``), and the ``Tracking``
of invoice and credit note lines.

What the spec and Xero's documents say, each with its source in docs/fidelity.md:

- ``/TrackingCategories``: list (``where``, ``order``, ``includeArchived``), one by id, create
  (PUT), rename or change status (POST), delete; ``/TrackingCategories/{id}/Options``: add
  (PUT), rename or change status (POST), delete (spec operations). Statuses ACTIVE, ARCHIVED,
  DELETED (spec ``TrackingCategory.Status``, ``TrackingOption.Status``); a list leaves out
  ARCHIVED ones unless ``includeArchived=true`` (spec parameter) and never shows DELETED
  ones; one category read by id shows it whatever its status (the spec's example is DELETED).
- At most two ACTIVE categories at a time; others must be archived
  (community.xero.com/business/discussion/54766610).
- A line's ``Tracking``: at most two entries (spec ``LineItem.Tracking``), each naming an
  ACTIVE category by ``TrackingCategoryID`` or ``Name`` and one of its ACTIVE options by
  ``TrackingOptionID`` or ``Option`` (both ways: XeroAPI/xero-php-oauth2#209, calcinai/xero-php
  #636); an unknown category is refused in Xero's words (XeroAPI/xero-php-oauth2#268,
  XeroAPI/Xero-NetStandard#485). Stored lines carry all four fields (the spec's examples).
"""

from __future__ import annotations

import copy
import threading
import uuid
from typing import TYPE_CHECKING, Any

from ._xero_outcome import ElementOutcome
from ._xero_rules import too_long

__all__ = ["MAX_ACTIVE_CATEGORIES", "MAX_LINE_TRACKING", "MSG_TRACKING_UNKNOWN", "TrackingMixin"]

Record = dict[str, Any]

MAX_ACTIVE_CATEGORIES = 2
MAX_LINE_TRACKING = 2
# XeroAPI/xero-php-oauth2#268 and XeroAPI/Xero-NetStandard#485 quote it.
MSG_TRACKING_UNKNOWN = ("Unknown tracking details. A Tracking Category did not match a known "
                        "Active TrackingCategory")
# The rest is sandbox wording: the rules are sourced, the texts are not.
MSG_TWO_ACTIVE = ("You can only have 2 active tracking categories: archive one before adding "
                  "or activating another.")
MSG_OPTION_UNKNOWN = ("Unknown tracking details. '{option}' is not an active option of the "
                      "tracking category '{category}'")
_STATUSES = ("ACTIVE", "ARCHIVED")


def _key(name: object) -> str:
    return str(name or "").strip().casefold()


class TrackingMixin:
    """Tracking categories and options; ``XeroOrg`` provides the attributes declared here."""

    if TYPE_CHECKING:
        _lock: threading.RLock

    def _init_tracking(self, seed: list[Any]) -> None:
        # TrackingCategoryID -> the category in Xero's shape, its Options a list.
        self.tracking: dict[str, Record] = {}
        for raw in seed:
            cat = {"TrackingCategoryID": raw.get("TrackingCategoryID") or str(uuid.uuid4()),
                   "Name": raw["Name"], "Status": raw.get("Status", "ACTIVE"),
                   "Options": [{"TrackingOptionID": o.get("TrackingOptionID")
                                or str(uuid.uuid4()), "Name": o["Name"],
                                "Status": o.get("Status", "ACTIVE")}
                               for o in raw.get("Options", [])]}
            self.tracking[cat["TrackingCategoryID"]] = cat

    # ---------------------------------------------------------------- reads

    def tracking_categories(self, include_archived: bool = False) -> list[Record]:
        """What GET /TrackingCategories lists (options filtered the same way)."""
        shown = ("ACTIVE", "ARCHIVED") if include_archived else ("ACTIVE",)
        with self._lock:
            return [_category_out(c, shown) for c in self.tracking.values()
                    if c["Status"] in shown]

    def tracking_category(self, category_id: str) -> Record | None:
        """One category by id, whatever its status, with its options that are not deleted."""
        with self._lock:
            cat = self.tracking.get(category_id)
            return None if cat is None else _category_out(cat, ("ACTIVE", "ARCHIVED"))

    # ---------------------------------------------------------------- categories

    def put_tracking_category(self, element: Any) -> ElementOutcome:
        """PUT /TrackingCategories: a new ACTIVE (or ARCHIVED) category without options
        (options are added through .../Options)."""
        with self._lock:
            if not isinstance(element, dict):
                return ElementOutcome({}, ["A tracking category must be a JSON object."])
            status = element.get("Status") or "ACTIVE"
            errors = self._category_errors(element, None, status)
            if errors:
                return ElementOutcome(dict(element), errors)
            cat: Record = {"TrackingCategoryID": str(uuid.uuid4()),
                           "Name": str(element["Name"]).strip(), "Status": status,
                           "Options": []}
            self.tracking[cat["TrackingCategoryID"]] = cat
            return ElementOutcome(_category_out(cat, ("ACTIVE", "ARCHIVED")))

    def update_tracking_category(self, category_id: str, element: Any
                                 ) -> ElementOutcome | None:
        """POST /TrackingCategories/{id}: a new name or status (ACTIVE, ARCHIVED)."""
        with self._lock:
            cat = self.tracking.get(category_id)
            if cat is None or cat["Status"] == "DELETED":
                return None
            if not isinstance(element, dict):
                return ElementOutcome({}, ["A tracking category must be a JSON object."])
            status = element.get("Status") or cat["Status"]
            errors = self._category_errors(element, cat, status)
            if errors:
                return ElementOutcome({**element, "TrackingCategoryID": category_id}, errors)
            if element.get("Name"):
                cat["Name"] = str(element["Name"]).strip()
            cat["Status"] = status
            return ElementOutcome(_category_out(cat, ("ACTIVE", "ARCHIVED")))

    def delete_tracking_category(self, category_id: str) -> Record | None:
        with self._lock:
            cat = self.tracking.get(category_id)
            if cat is None or cat["Status"] == "DELETED":
                return None
            cat["Status"] = "DELETED"
            return _category_out(cat, ())

    def _category_errors(self, element: Record, existing: Record | None, status: Any
                         ) -> list[str]:
        errors = too_long(element, "TrackingCategory")
        name = element.get("Name") if "Name" in element or existing is None else existing["Name"]
        if not isinstance(name, str) or not name.strip():
            errors.append("Tracking category Name must be specified.")
        elif any(_key(c["Name"]) == _key(name) and c is not existing
                 and c["Status"] != "DELETED" for c in self.tracking.values()):
            errors.append(f"A tracking category with the name '{name.strip()}' already exists.")
        if status not in _STATUSES:
            errors.append("Status must be ACTIVE or ARCHIVED (delete a category to delete it).")
        elif status == "ACTIVE" and (existing is None or existing["Status"] != "ACTIVE"):
            active = sum(1 for c in self.tracking.values() if c["Status"] == "ACTIVE")
            if active >= MAX_ACTIVE_CATEGORIES:
                errors.append(MSG_TWO_ACTIVE)
        return errors

    # ---------------------------------------------------------------- options

    def put_tracking_options(self, category_id: str, elements: list[Any]
                             ) -> list[ElementOutcome] | None:
        """PUT /TrackingCategories/{id}/Options: new ACTIVE options."""
        with self._lock:
            cat = self.tracking.get(category_id)
            if cat is None or cat["Status"] == "DELETED":
                return None
            out = []
            for element in elements:
                if not isinstance(element, dict):
                    out.append(ElementOutcome({}, ["A tracking option must be a JSON object."]))
                    continue
                errors = self._option_errors(cat, element, None)
                if errors:
                    out.append(ElementOutcome(dict(element), errors))
                    continue
                opt = {"TrackingOptionID": str(uuid.uuid4()),
                       "Name": str(element["Name"]).strip(), "Status": "ACTIVE"}
                cat["Options"].append(opt)
                out.append(ElementOutcome(_option_out(opt, category_id)))
            return out

    def update_tracking_option(self, category_id: str, option_id: str, element: Any
                               ) -> ElementOutcome | None:
        """POST .../Options/{optionId}: a new name or status (ACTIVE, ARCHIVED)."""
        with self._lock:
            cat, opt = self._option(category_id, option_id)
            if cat is None or opt is None:
                return None
            if not isinstance(element, dict):
                return ElementOutcome({}, ["A tracking option must be a JSON object."])
            errors = self._option_errors(cat, element, opt)
            status = element.get("Status") or opt["Status"]
            if status not in _STATUSES:
                errors.append("Status must be ACTIVE or ARCHIVED (delete an option to delete "
                              "it).")
            if errors:
                return ElementOutcome({**element, "TrackingOptionID": option_id}, errors)
            if element.get("Name"):
                opt["Name"] = str(element["Name"]).strip()
            opt["Status"] = status
            return ElementOutcome(_option_out(opt, category_id))

    def delete_tracking_option(self, category_id: str, option_id: str) -> Record | None:
        with self._lock:
            cat, opt = self._option(category_id, option_id)
            if cat is None or opt is None:
                return None
            opt["Status"] = "DELETED"
            return _option_out(opt, category_id)

    def _option(self, category_id: str, option_id: str) -> tuple[Record | None, Record | None]:
        cat = self.tracking.get(category_id)
        if cat is None or cat["Status"] == "DELETED":
            return None, None
        opt = next((o for o in cat["Options"] if o["TrackingOptionID"] == option_id
                    and o["Status"] != "DELETED"), None)
        return cat, opt

    @staticmethod
    def _option_errors(cat: Record, element: Record, existing: Record | None) -> list[str]:
        errors = too_long(element, "TrackingOption")
        name = element.get("Name") if "Name" in element or existing is None else existing["Name"]
        if not isinstance(name, str) or not name.strip():
            errors.append("Tracking option Name must be specified.")
        elif any(_key(o["Name"]) == _key(name) and o is not existing
                 and o["Status"] != "DELETED" for o in cat["Options"]):
            errors.append(f"The option '{name.strip()}' already exists in the tracking "
                          f"category '{cat['Name']}'.")
        return errors

    # ---------------------------------------------------------------- line items

    def line_tracking(self, raw: Any, n: int, errors: list[str]) -> list[Record]:
        """A line's ``Tracking`` checked against the organisation's ACTIVE categories and
        options, each entry filled out with both ids and both names."""
        if raw is None:
            return []
        if not isinstance(raw, list):
            # Xero answers a 500 for a Tracking object (XeroAPI/xero-ruby#86); the sandbox
            # refuses the element instead.
            errors.append(f"Line {n}: Tracking must be a list of tracking categories.")
            return []
        if len(raw) > MAX_LINE_TRACKING:
            errors.append(f"Line {n}: a line item can have at most {MAX_LINE_TRACKING} "
                          "tracking categories.")
            return []
        out: list[Record] = []
        with self._lock:
            for entry in raw:
                cat = self._line_category(entry)
                if cat is None:
                    errors.append(MSG_TRACKING_UNKNOWN)
                    continue
                opt = self._line_option(cat, entry)
                if opt is None:
                    option = entry.get("Option") or entry.get("TrackingOptionID")
                    errors.append(MSG_OPTION_UNKNOWN.format(option=option,
                                                            category=cat["Name"]))
                    continue
                if any(t["TrackingCategoryID"] == cat["TrackingCategoryID"] for t in out):
                    errors.append(f"Line {n}: the tracking category '{cat['Name']}' is given "
                                  "twice.")
                    continue
                out.append({"Name": cat["Name"], "Option": opt["Name"],
                            "TrackingCategoryID": cat["TrackingCategoryID"],
                            "TrackingOptionID": opt["TrackingOptionID"]})
        return out

    def _line_category(self, entry: Any) -> Record | None:
        if not isinstance(entry, dict):
            return None
        cid = entry.get("TrackingCategoryID")
        if cid:
            cat = self.tracking.get(str(cid).lower())
        else:
            cat = next((c for c in self.tracking.values()
                        if c["Status"] == "ACTIVE" and _key(c["Name"]) == _key(entry.get("Name"))
                        and _key(entry.get("Name"))), None)
        return cat if cat is not None and cat["Status"] == "ACTIVE" else None

    @staticmethod
    def _line_option(cat: Record, entry: Record) -> Record | None:
        oid = entry.get("TrackingOptionID")
        options: list[Record] = cat["Options"]
        for opt in options:
            if opt["Status"] != "ACTIVE":
                continue
            if oid and opt["TrackingOptionID"] == str(oid).lower():
                return opt
            if not oid and _key(entry.get("Option")) and \
                    _key(opt["Name"]) == _key(entry.get("Option")):
                return opt
        return None


def _category_out(cat: Record, shown: tuple[str, ...]) -> Record:
    out = copy.deepcopy(cat)
    out["Options"] = [o for o in out["Options"] if o["Status"] in shown]
    return out


def _option_out(opt: Record, category_id: str) -> Record:
    """An option as the Options endpoints answer it (the spec's examples carry the flags)."""
    return {**opt, "TrackingCategoryID": category_id,
            "IsActive": opt["Status"] == "ACTIVE", "IsArchived": opt["Status"] == "ARCHIVED",
            "IsDeleted": opt["Status"] == "DELETED", "HasValidationErrors": False}
