"""Seeds for the Xero sandbox: an empty AU organisation, the demo file, a generated large one."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

__all__ = ["DEMO_SEED_PATH", "empty_seed", "large_seed", "load_seed"]

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


def _account(code: str, name: str, acc_type: str, cls: str, tax: str) -> dict[str, Any]:
    return {
        "AccountID": str(uuid.uuid5(uuid.NAMESPACE_URL, f"matchkit-sandbox/account/{code}")),
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
