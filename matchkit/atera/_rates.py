"""Labour (service) rates, which Atera lists only inside contracts.

Every contract type embeds one or more ``RateDto`` objects (``PrimaryRate``, ``PricePerHour``,
``RatePerDevice``...). Matching needs them as one de-duplicated list, like products.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["RATE_FIELDS", "labour_rates", "rate_key"]

# contract sub-object -> the rate-bearing fields inside it
RATE_FIELDS: dict[str, tuple[str, ...]] = {
    "RetainerFlatFeeContract": ("Rate",),
    "HourlyContract": ("PrimaryRate", "AdditionalRates"),
    "BlockHoursContract": ("PricePerHour", "OverageRate"),
    "BlockMoneyContract": ("ContractAmount", "PrimaryRate", "AdditionalRates"),
    "RemoteMonitoringContract": ("RatePerDevice",),
    "OnlineBackupContract": ("RatePerGB",),
    "ProjectOneTimeFeeContract": ("TotalAmount",),
    "ProjectHourlyRateContract": ("PrimaryRate", "AdditionalRates"),
}


def rate_key(rate: Mapping[str, Any]) -> str:
    """A stable key: Atera's RateID when present, else a hash of name, SKU and amount."""
    rid = rate.get("RateID")
    if rid not in (None, "", 0):
        return f"rate:{rid}"
    basis = "|".join(
        str(rate.get(k) or "").strip().lower() for k in ("Description", "SKU", "Amount")
    )
    return "rate:h" + hashlib.sha1(basis.encode()).hexdigest()[:12]


def labour_rates(contracts: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One record per distinct rate embedded in ``contracts``, in first-seen order.

    Each record keeps the RateDto fields and adds ``RateKey``, ``ContractIDs`` (comma list) and
    ``Roles`` (where the rate was used, e.g. ``HourlyContract.PrimaryRate``).
    """
    out: dict[str, dict[str, Any]] = {}
    for contract in contracts:
        for sub, names in RATE_FIELDS.items():
            body = contract.get(sub)
            if not isinstance(body, Mapping):
                continue
            for name in names:
                value = body.get(name)
                rates = value if isinstance(value, list) else [value]
                for rate in rates:
                    if not isinstance(rate, Mapping) or not (rate.get("Description") or "").strip():
                        continue
                    key = rate_key(rate)
                    rec = out.get(key)
                    if rec is None:
                        rec = {
                            "RateKey": key,
                            "RateID": rate.get("RateID"),
                            "Description": rate.get("Description"),
                            "Amount": rate.get("Amount"),
                            "SKU": rate.get("SKU"),
                            "Category": rate.get("Category"),
                            "_contracts": [],
                            "_roles": [],
                        }
                        out[key] = rec
                    cid = contract.get("ContractID")
                    if cid is not None and str(cid) not in rec["_contracts"]:
                        rec["_contracts"].append(str(cid))
                    role = f"{sub}.{name}"
                    if role not in rec["_roles"]:
                        rec["_roles"].append(role)
    result = []
    for rec in out.values():
        rec["ContractIDs"] = ",".join(rec.pop("_contracts"))
        rec["Roles"] = ",".join(rec.pop("_roles"))
        result.append(rec)
    return result
