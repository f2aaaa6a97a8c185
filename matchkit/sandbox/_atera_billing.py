"""Atera's billing catalogue in the sandbox (a mixin of ``AteraApp``): contracts and the
rates they are built on (``/rates/products``, ``/rates/expenses``), as Atera's OpenAPI document
defines them.

- a contract is created with rate ids (services, products or expenses) and shows them embedded
  as RateDto; an update changes quantities and billing periods, never the rates;
- archived products/expenses drop out of the lists but can still be fetched by id (RateDto has
  no ``Archived`` field to show it); products and expenses share one id sequence.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from ._atera_common import Json, Problem, body_of, get, json_response, sorted_records

__all__ = ["AteraBillingMixin"]

_STR = (str, type(None))
_NUM = (int, float, type(None))
_BOOL = (bool, type(None))

_CONTRACT_TYPES = ("RetainerFlatFee", "BlockHours", "Hourly", "RemoteMonitoring", "BlockMoney",
                   "ProjectOneTimeFee", "ProjectHourlyRate", "OnlineBackup")
_RATE_CREATE: dict[str, tuple[type, ...]] = {
    "Description": _STR, "Amount": (int, float), "SKU": _STR, "Category": _STR,
}
_RATE_UPDATE = {**_RATE_CREATE, "Amount": _NUM, "Archived": _BOOL}
_INT = (int, type(None))
_CONTRACT_UPDATE: dict[str, tuple[type, ...]] = {
    "ContractName": _STR, "Default": (bool,), "StartDate": _STR, "EndDate": _STR,
    "Active": (bool,), "Taxable": (bool,), "TaxId": _INT, "Notes": _STR,
    **{f"{t}Contract": (dict, type(None)) for t in _CONTRACT_TYPES},
}
_CONTRACT_CREATE = {**_CONTRACT_UPDATE, "SLAId": _INT, "CustomerID": (int,),
                    "ContractType": (str,)}
_PERIOD = ("EndOfContractDuration", "Weekly", "BiWeekly", "Monthly", "Quarterly", "TwiceAYear",
           "Yearly", "OnDemand")
_COUNT_BY = ("PCAgents", "ServerAgents", "OtherDevices", "AgentsOnly", "All", "PCsTotalGB",
             "ServersTotalGB", "TotalGB", "MacAgents")
# Sub-object fields of CreateContractDto / UpdateContractDto; a tuple of strings is an enum.
_Spec = dict[str, tuple[type, ...] | tuple[str, ...]]
_CONTRACT_SUB_CREATE: dict[str, _Spec] = {
    "RetainerFlatFee": {"RateID": (int,), "Quantity": _NUM, "BillingPeriod": _PERIOD},
    "Hourly": {"HourlyRateID": (int,), "AdditionalRateIDs": (list, type(None)),
               "BillingPeriod": _PERIOD},
    "BlockHours": {"HourlyRateID": (int,), "OverageRateID": _INT, "HoursIncluded": _NUM,
                   "CommitRollover": _BOOL, "BillingPeriod": _PERIOD},
    "BlockMoney": {"ContractAmountRateID": (int,), "HourlyRateID": _INT, "OverageRateID": _INT,
                   "CommitRollover": _BOOL, "BillingPeriod": _PERIOD},
    "RemoteMonitoring": {"PerDeviceRateID": (int,), "CountBy": _COUNT_BY,
                         "BillingPeriod": _PERIOD},
    "OnlineBackup": {"PerGBRateID": (int,), "CountBy": _COUNT_BY, "BillingPeriod": _PERIOD},
    "ProjectOneTimeFee": {"TotalAmountRateId": (int,)},
    "ProjectHourlyRate": {"TotalAmountRateId": (int,), "AdditionalRateIDs": (list, type(None))},
}
_CONTRACT_SUB_UPDATE: dict[str, _Spec] = {
    "RetainerFlatFee": {"Quantity": _NUM, "BillingPeriod": _PERIOD},
    "Hourly": {"BillingPeriod": _PERIOD},
    "BlockHours": {"HoursIncluded": _NUM, "CommitRollover": _BOOL, "BillingPeriod": _PERIOD},
    "BlockMoney": {"CommitRollover": _BOOL, "BillingPeriod": _PERIOD},
    "RemoteMonitoring": {"CountBy": _COUNT_BY, "BillingPeriod": _PERIOD},
    "OnlineBackup": {"CountBy": _COUNT_BY, "BillingPeriod": _PERIOD},
}


class AteraBillingMixin:
    """Contract and rate handlers ``AteraApp`` dispatches to; it provides the attributes
    declared here."""

    if TYPE_CHECKING:
        customers: dict[int, Json]
        contracts: dict[int, Json]
        products: dict[int, Json]
        expenses: dict[int, Json]
        archived: dict[str, set[int]]
        _page: Callable[[Request, list[Json]], Response]

    def _h_contracts_list(self, request: Request) -> Response:
        return self._page(request, sorted_records(self.contracts))

    def _h_contracts_get(self, request: Request, item_id: int) -> Response:
        return json_response(get(self.contracts, item_id, "contract"))

    def _h_contracts_customer(self, request: Request, item_id: int) -> Response:
        get(self.customers, item_id, "customer")
        return self._page(request, [c for c in sorted_records(self.contracts)
                                    if c.get("CustomerID") == item_id])

    def _rate_table(self) -> dict[int, Json]:
        """Every rate a contract may reference: services (as embedded in contracts so far),
        products and expenses; Atera keeps them in one table."""
        table: dict[int, Json] = {}
        for c in self.contracts.values():
            for value in (c.get(c.get("ContractType", "") + "Contract") or {}).values():
                for rate in value if isinstance(value, list) else [value]:
                    if isinstance(rate, dict) and isinstance(rate.get("RateID"), int):
                        table.setdefault(rate["RateID"], rate)
        table.update(self.products)
        table.update(self.expenses)
        return table

    def _h_contracts_create(self, request: Request) -> Response:
        body = body_of(request, _CONTRACT_CREATE)
        ctype = body.get("ContractType")
        if ctype not in _CONTRACT_TYPES:
            raise Problem(400, f"ContractType must be one of {', '.join(_CONTRACT_TYPES)}",
                           {"ContractType": [str(ctype)]})
        if body.get("CustomerID") is None:
            raise Problem(400, "CustomerID is required",
                           {"CustomerID": ["The CustomerID field is required."]})
        customer = get(self.customers, int(body["CustomerID"]), "customer")
        key = f"{ctype}Contract"
        others = [k for k in body if k.endswith("Contract") and k != key]
        if others or not isinstance(body.get(key), dict):
            raise Problem(400, f"a {ctype} contract needs {key} (and no other sub-object)",
                           {key: ["required"], **{k: ["not allowed"] for k in others}})
        sub = _fields(body[key], _CONTRACT_SUB_CREATE[ctype], key)
        embedded = _embed(ctype, sub, self._rate_table())
        new_id = max(self.contracts, default=0) + 1
        rec: Json = {
            "CustomerID": customer["CustomerID"], "CustomerName": customer["CustomerName"],
            "ContractID": new_id, "ContractName": body.get("ContractName"),
            "ContractType": ctype, "Active": bool(body.get("Active", True)),
            "Default": bool(body.get("Default", False)),
            "Taxable": bool(body.get("Taxable", False)),
            "StartDate": body.get("StartDate"), "EndDate": body.get("EndDate"),
            key: embedded,
        }
        self.contracts[new_id] = rec
        return json_response({"ActionID": str(new_id)}, 201)

    def _h_contracts_update(self, request: Request, item_id: int) -> Response:
        rec = get(self.contracts, item_id, "contract")
        body = body_of(request, _CONTRACT_UPDATE)
        key = f"{rec['ContractType']}Contract"
        others = [k for k in body if k.endswith("Contract") and k != key]
        if others:
            raise Problem(400, f"contract {item_id} is {rec['ContractType']}: only {key} "
                           "can be updated", {k: ["not allowed"] for k in others})
        sub = body.pop(key, None)
        if sub is not None:
            allowed = _CONTRACT_SUB_UPDATE.get(rec["ContractType"])
            if allowed is None or not isinstance(sub, dict):
                raise Problem(400, f"{key} cannot be updated", {key: ["not updatable"]})
            rec[key].update(_fields(sub, allowed, key))  # rates themselves never change
        for k in ("TaxId", "Notes"):
            body.pop(k, None)  # accepted, not shown in ContractDto
        rec.update(body)
        return Response(status=204)

    def _rates(self, kind: str) -> dict[int, Json]:
        return self.products if kind == "products" else self.expenses

    def _h_rates_list(self, request: Request, kind: str) -> Response:
        hidden = self.archived[kind]
        return self._page(request, [r for r in sorted_records(self._rates(kind))
                                    if r["RateID"] not in hidden])

    def _h_rates_get(self, request: Request, kind: str, item_id: int) -> Response:
        return json_response(get(self._rates(kind), item_id, kind[:-1]))

    def _h_rates_create(self, request: Request, kind: str) -> Response:
        body = body_of(request, _RATE_CREATE)
        desc = (body.get("Description") or "").strip()
        errors: dict[str, list[str]] = {}
        if not desc:
            errors["Description"] = ["The Description field is required."]
        if "Amount" not in body:
            errors["Amount"] = ["The Amount field is required."]
        if errors:
            raise Problem(400, "; ".join(f"{k}: {v[0]}" for k, v in errors.items()), errors)
        # Products and expenses share one rate table in Atera, so ids never collide.
        new_id = max([*self.products, *self.expenses], default=0) + 1
        self._rates(kind)[new_id] = {"RateID": new_id, "Amount": float(body["Amount"]),
                                     "Description": desc, "SKU": body.get("SKU"),
                                     "Category": body.get("Category")}
        return json_response({"ActionID": str(new_id)}, 201)

    def _h_rates_update(self, request: Request, kind: str, item_id: int) -> Response:
        rec = get(self._rates(kind), item_id, kind[:-1])
        body = body_of(request, _RATE_UPDATE)
        if "Description" in body and not (body["Description"] or "").strip():
            raise Problem(400, "Description cannot be empty",
                           {"Description": ["The Description field is required."]})
        archived = body.pop("Archived", None)
        if body.get("Amount") is None:
            body.pop("Amount", None)
        rec.update(body)
        if archived is True:
            self.archived[kind].add(item_id)
        elif archived is False:
            self.archived[kind].discard(item_id)
        return json_response({"ActionID": str(item_id)})

# --- module helpers ------------------------------------------------------------------------


def _fields(data: Mapping[str, Any], spec: _Spec, where: str) -> Json:
    """Check a contract sub-object: known fields, JSON types, enum values."""
    errors: dict[str, list[str]] = {}
    for key, value in data.items():
        allowed = spec.get(key)
        name = f"{where}.{key}"
        if allowed is None:
            errors[name] = [f"unknown field {name!r}"]
        elif allowed and isinstance(allowed[0], str):
            if value not in allowed:
                errors[name] = [f"{name} must be one of {', '.join(map(str, allowed))}"]
        elif not isinstance(value, tuple(t for t in allowed if isinstance(t, type))) or (
                isinstance(value, bool) and bool not in allowed):
            errors[name] = [f"{name} has the wrong type ({type(value).__name__})"]
    for key, allowed in spec.items():  # the rate ids a contract is built on are required
        if key.endswith(("RateID", "RateId")) and allowed == (int,) and key not in data:
            errors[f"{where}.{key}"] = [f"{where}.{key} is required"]
    if errors:
        raise Problem(400, "; ".join(v[0] for v in errors.values()), errors)
    return dict(data)


def _embed(ctype: str, sub: Mapping[str, Any], table: Mapping[int, Json]) -> Json:
    """The ContractDto sub-object for a create: rate ids replaced by their RateDto."""
    def rate(key: str) -> Json | None:
        rid = sub.get(key)
        if rid is None:
            return None
        if rid not in table:
            raise Problem(400, f"{ctype}Contract.{key}: rate {rid} does not exist",
                           {f"{ctype}Contract.{key}": [str(rid)]})
        r = table[rid]
        return {k: r.get(k) for k in ("RateID", "Amount", "Description", "SKU", "Category")}

    def many() -> list[Json]:
        ids = sub.get("AdditionalRateIDs") or []
        if not all(isinstance(i, int) and not isinstance(i, bool) for i in ids):
            raise Problem(400, "AdditionalRateIDs must be integers",
                           {f"{ctype}Contract.AdditionalRateIDs": [str(ids)]})
        out = []
        for i in ids:
            if i not in table:
                raise Problem(400, f"{ctype}Contract.AdditionalRateIDs: rate {i} does not "
                               "exist", {f"{ctype}Contract.AdditionalRateIDs": [str(i)]})
            out.append({k: table[i].get(k) for k in ("RateID", "Amount", "Description", "SKU",
                                                      "Category")})
        return out

    period = sub.get("BillingPeriod", "Monthly")
    body: Json
    if ctype == "RetainerFlatFee":
        body = {"BillingPeriod": period, "Quantity": sub.get("Quantity", 1.0),
                "Rate": rate("RateID")}
    elif ctype == "Hourly":
        body = {"PrimaryRate": rate("HourlyRateID"), "AdditionalRates": many(),
                "BillingPeriod": period}
    elif ctype == "BlockHours":
        body = {"HoursIncluded": sub.get("HoursIncluded"), "PricePerHour": rate("HourlyRateID"),
                "OverageRate": rate("OverageRateID"),
                "CommitRollover": bool(sub.get("CommitRollover")), "BillingPeriod": period}
    elif ctype == "BlockMoney":
        amount = rate("ContractAmountRateID")
        body = {"Amount": amount["Amount"] if amount else None, "ContractAmount": amount,
                "PrimaryRate": rate("HourlyRateID"),
                "AdditionalRates": [r for r in [rate("OverageRateID")] if r],
                "CommitRollover": bool(sub.get("CommitRollover")), "BillingPeriod": period}
    elif ctype == "RemoteMonitoring":
        body = {"RatePerDevice": rate("PerDeviceRateID"), "CountBy": sub.get("CountBy", "All"),
                "BillingPeriod": period}
    elif ctype == "OnlineBackup":
        body = {"RatePerGB": rate("PerGBRateID"), "CountBy": sub.get("CountBy", "TotalGB"),
                "BillingPeriod": period}
    elif ctype == "ProjectOneTimeFee":
        body = {"TotalAmount": rate("TotalAmountRateId")}
    else:
        body = {"PrimaryRate": rate("TotalAmountRateId"), "AdditionalRates": many()}
    # RateDto sub-objects are not nullable in ContractDto: leave absent ones out
    return {k: v for k, v in body.items() if v is not None}

