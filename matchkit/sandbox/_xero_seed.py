"""Seeds for the Xero sandbox: an empty AU organisation, the demo file, a generated large one,
and the further organisations of a sandbox that serves several (``extra_org_seed``)."""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from pathlib import Path
from typing import Any

__all__ = ["DEMO_SEED_PATH", "empty_seed", "extra_org_seed", "large_seed", "load_seed"]

DEMO_SEED_PATH = Path(__file__).resolve().parents[2] / "data" / "seed" / "xero_demo.json"
SEED_NAMES = ("demo", "empty", "large")

# A fixed tenant id so a sandbox restarted with the same seed keeps its connection details.
TENANT_ID = "f1d9c3a2-6b7e-4c8d-9a1b-2c3d4e5f6a7b"


def _tax(tax_type: str, name: str, rate: float, report: str, *, revenue: bool, expenses: bool,
         status: str = "ACTIVE") -> dict[str, Any]:
    return {
        "Name": name, "TaxType": tax_type, "ReportTaxType": report, "Status": status,
        "TaxComponents": [{"Name": "GST", "Rate": rate, "IsCompound": False,
                           "IsNonRecoverable": False}],
        "CanApplyToAssets": expenses, "CanApplyToEquity": expenses,
        "CanApplyToExpenses": expenses, "CanApplyToLiabilities": expenses,
        "CanApplyToRevenue": revenue, "DisplayTaxRate": rate, "EffectiveRate": rate,
    }


def _account(code: str, name: str, acc_type: str, cls: str, tax: str, org: str = ""
             ) -> dict[str, Any]:
    # ``org`` keeps ids apart between organisations (Xero's ids are unique everywhere).
    return {
        "AccountID": str(uuid.uuid5(uuid.NAMESPACE_URL,
                                    f"matchkit-sandbox/account/{org}{code}")),
        "Code": code, "Name": name, "Type": acc_type, "Class": cls, "Status": "ACTIVE",
        "TaxType": tax, "EnablePaymentsToAccount": False, "ShowInExpenseClaims": False,
        "ReportingCode": "", "HasAttachments": False,
    }


def empty_seed(name: str = "Sandbox Company (AU)") -> dict[str, Any]:
    """An AU organisation (like the demo seed) with GST rates, accounts, currencies; no contacts."""
    return {
        "Organisations": [{
            "OrganisationID": TENANT_ID, "Name": name, "LegalName": name + " Pty Ltd",
            "PaysTax": True, "Version": "AU", "OrganisationType": "COMPANY",
            "BaseCurrency": "AUD", "CountryCode": "AU", "IsDemoCompany": True,
            "OrganisationStatus": "ACTIVE", "FinancialYearEndDay": 30,
            "FinancialYearEndMonth": 6, "SalesTaxBasis": "ACCRUALS",
            "SalesTaxPeriod": "QUARTERLY1", "DefaultSalesTax": "Tax Exclusive",
            "DefaultPurchasesTax": "Tax Exclusive", "ShortCode": "!sB4xQ",
            "Timezone": "AUSEASTERNSTANDARDTIME", "OrganisationEntityType": "COMPANY",
            "Class": "DEMO", "Edition": "BUSINESS",
        }],
        "TaxRates": [
            _tax("OUTPUT", "GST on Income", 10.0, "OUTPUT", revenue=True, expenses=False),
            _tax("INPUT", "GST on Expenses", 10.0, "INPUT", revenue=False, expenses=True),
            _tax("EXEMPTOUTPUT", "GST Free Income", 0.0, "OUTPUT", revenue=True,
                 expenses=False),
            _tax("EXEMPTEXPENSES", "GST Free Expenses", 0.0, "INPUT", revenue=False,
                 expenses=True),
            _tax("GSTONIMPORTS", "GST on Imports", 0.0, "GSTONIMPORTS", revenue=False,
                 expenses=True),
            _tax("INPUTTAXED", "Input Taxed", 0.0, "EXEMPTOUTPUT", revenue=True,
                 expenses=True),
            _tax("BASEXCLUDED", "BAS Excluded", 0.0, "NONE", revenue=True, expenses=True),
            _tax("TAX001", "GST on Income (old 9.5%)", 9.5, "OUTPUT", revenue=True,
                 expenses=False, status="ARCHIVED"),
        ],
        "Accounts": [
            _account("090", "Business Bank Account", "BANK", "ASSET", "BASEXCLUDED"),
            _account("200", "Sales", "REVENUE", "REVENUE", "OUTPUT"),
            _account("250", "Export Sales (GST Free)", "REVENUE", "REVENUE", "EXEMPTOUTPUT"),
            _account("260", "Other Revenue", "OTHERINCOME", "REVENUE", "OUTPUT"),
            _account("270", "Interest Income", "OTHERINCOME", "REVENUE", "INPUTTAXED"),
            _account("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "INPUT"),
            _account("400", "Advertising", "EXPENSE", "EXPENSE", "INPUT"),
            _account("610", "Accounts Receivable", "CURRENT", "ASSET", "BASEXCLUDED"),
        ],
        "Currencies": [
            {"Code": "AUD", "Description": "Australian Dollar"},
            {"Code": "NZD", "Description": "New Zealand Dollar"},
            {"Code": "USD", "Description": "United States Dollar"},
        ],
        "Contacts": [],
        "Items": [],
    }


# The organisations after the first in a sandbox serving several (``start(orgs=N)``).
_EXTRA_NAMES = ("Harbour City Networks", "Coral Coast IT Services", "Red Centre Cloud",
                "Tasman Tech Partners", "Blue Mountains Computing", "Swan River Systems",
                "Derwent Digital", "Murray Valley IT")
_PLACES = ("Bondi", "Manly", "Fremantle", "Noosa", "Ballarat", "Bendigo", "Toowoomba",
           "Cairns", "Launceston", "Mildura", "Orange", "Dubbo", "Albury", "Mackay")
_TRADES = ("Dental", "Legal", "Physio", "Accounting", "Architects", "Vets", "Motors",
           "Freight", "Bakery", "Builders", "Optometry", "Pharmacy")
# (code, name, price, account code): each organisation's own catalogue and revenue accounts.
_EXTRA_ITEMS = (("MS-DEVICE", "Managed device (monthly)", 45.0, "4100"),
                ("MS-USER", "Managed user (monthly)", 32.0, "4100"),
                ("LAB-HOUR", "Technician hour", 150.0, "4200"),
                ("LAB-AH", "After-hours call-out", 240.0, "4200"),
                ("LIC-M365-BS", "Microsoft 365 Business Standard", 18.7, "4300"),
                ("HW-DOCK", "USB-C docking station", 329.0, "4400"))


def extra_org_seed(index: int) -> dict[str, Any]:
    """Organisation number ``index + 1`` (``index`` >= 1) of a sandbox serving several: its
    own name, tenant id, short code, chart of accounts, contacts and items; the same every
    time."""
    if index < 1:
        raise ValueError("the first organisation is the seed itself; extras start at 1")
    name = (_EXTRA_NAMES[index - 1] if index <= len(_EXTRA_NAMES)
            else f"Sandbox Organisation {index + 1}")
    tenant = str(uuid.uuid5(uuid.NAMESPACE_URL, f"matchkit-sandbox/organisation/{index}"))
    digest = hashlib.sha256(tenant.encode()).digest()
    alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    short = "!" + "".join(alphabet[b % len(alphabet)] for b in digest[:5])
    data = empty_seed(name)
    data["Organisations"] = [{**data["Organisations"][0], "OrganisationID": tenant,
                              "LegalName": f"{name} Pty Ltd", "ShortCode": short,
                              "IsDemoCompany": False, "Class": "STANDARD"}]
    data["Accounts"] = [_account(str(a["Code"]), a["Name"], a["Type"], a["Class"],
                                 a["TaxType"], tenant)
                        for a in data["Accounts"]] + [
        _account("4100", "Managed Services Income", "REVENUE", "REVENUE", "OUTPUT", tenant),
        _account("4200", "Labour Income", "REVENUE", "REVENUE", "OUTPUT", tenant),
        _account("4300", "Licence Income", "REVENUE", "REVENUE", "OUTPUT", tenant),
        _account("4400", "Hardware Income", "SALES", "REVENUE", "OUTPUT", tenant)]
    rng = random.Random(f"matchkit-sandbox/organisation/{index}")
    # One trade per organisation keeps customer names apart between organisations.
    trade = _TRADES[(index - 1) % len(_TRADES)]
    suffix = "Pty Ltd" if index <= len(_TRADES) else f"No. {index}"
    names = sorted(f"{place} {trade} {suffix}" for place in rng.sample(_PLACES, 12))
    data["Contacts"] = [
        {"ContactID": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "Name": n,
         "ContactStatus": "ACTIVE", "ContactNumber": "", "IsCustomer": True,
         "IsSupplier": False, "EmailAddress": "accounts@" + n.split()[0].lower() + "-"
         + n.split()[1].lower() + ".example.com.au"} for n in names]
    bump = 1 + index / 20  # each organisation charges its own prices
    data["Items"] = [
        {"ItemID": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "Code": code,
         "Name": item, "Description": item, "IsSold": True, "IsPurchased": False,
         "IsTrackedAsInventory": False,
         "SalesDetails": {"UnitPrice": round(price * bump, 2), "AccountCode": account,
                          "TaxType": "OUTPUT"}, "PurchaseDetails": {}}
        for code, item, price, account in _EXTRA_ITEMS]
    return data


def large_seed() -> dict[str, Any]:
    """The demo organisation grown to 100k contacts and 5k items (built by ``_seed``)."""
    from ._seed import large_xero_seed

    return large_xero_seed()


def load_seed(seed: str | dict[str, Any]) -> dict[str, Any]:
    """The seed for ``seed`` ("demo", "empty", "large", or a dict in xero_demo.json's shape)."""
    if isinstance(seed, dict):
        data = {**empty_seed(), **seed}
    elif seed == "empty":
        return empty_seed()
    elif seed == "large":
        return large_seed()
    elif seed == "demo":
        if not DEMO_SEED_PATH.exists():
            raise FileNotFoundError(
                f"Xero demo seed {DEMO_SEED_PATH} is missing; start with seed='empty'")
        try:
            loaded = json.loads(DEMO_SEED_PATH.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise ValueError(f"{DEMO_SEED_PATH}: not valid JSON: {exc}") from exc
        if not isinstance(loaded, dict):
            raise ValueError(f"{DEMO_SEED_PATH}: expected a JSON object")
        # Missing sections fall back to the empty organisation's (tax rates, accounts, ...).
        data = {**empty_seed("Demo Company (AU)"), **loaded}
    else:
        raise ValueError(f"unknown seed {seed!r}; use one of {', '.join(SEED_NAMES)}")
    org = data["Organisations"][0] if data.get("Organisations") else None
    if not isinstance(org, dict) or not org.get("OrganisationID"):
        raise ValueError("Xero seed: Organisations[0] needs an OrganisationID")
    return data
