"""Deterministic seed data for both sandboxes: a realistic Australian MSP in Atera and its
Xero organisation, overlapping the way real data does, plus a ground truth to score matching.

``python -m matchkit.sandbox._seed [OUT_DIR]`` writes ``atera_demo.json``, ``xero_demo.json`` and
``truth.json`` (default ``data/seed/`` of the repository). The "large" seeds are built at run time
by :func:`large_atera_seed` and :func:`large_xero_seed` (same input, same output, every time).

Nothing here reads the clock or the environment: every date is fixed, every id comes from a
seeded ``random.Random``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "SEED_DIR",
    "build_demo",
    "large_atera_seed",
    "large_truth",
    "large_xero_seed",
    "load_seed",
    "write_demo",
]

SEED_DIR = Path(__file__).resolve().parents[2] / "data" / "seed"
DEMO_SEED = 20260801
LARGE_SEED = 20261101
N_LARGE_CUSTOMERS = 10_000
N_LARGE_INVOICES = 2_000
N_LARGE_CONTACTS = 100_000
N_LARGE_ITEMS = 5_000

# Three months of invoices (Atera dates carry no offset: they are in the account's time zone).
MONTHS = ((2026, 8), (2026, 9), (2026, 10))
EPOCH = dt.datetime(2024, 1, 15, 9, 0, 0)

Json = dict[str, Any]


# --- small helpers ------------------------------------------------------------------------


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _atera_ts(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S")


def _xero_ts(t: dt.datetime) -> str:
    # Xero's JSON dates: milliseconds since the epoch, UTC.
    ms = int(t.replace(tzinfo=dt.UTC).timestamp() * 1000)
    return f"/Date({ms}+0000)/"


def _abn(rng: random.Random) -> str:
    d = f"{rng.randrange(10, 99)}{rng.randrange(10**8, 10**9)}"
    return f"{d[:2]} {d[2:5]} {d[5:8]} {d[8:]}"


def _slug(name: str) -> str:
    base = re.sub(r"\b(pty|ltd|inc|limited|the|group|co)\b\.?", "", name.lower())
    return re.sub(r"[^a-z0-9]+", "", base)[:24] or "company"


# --- names ---------------------------------------------------------------------------------

_CITIES = [
    ("Sydney", "NSW", "2000", "02"), ("Parramatta", "NSW", "2150", "02"),
    ("Newcastle", "NSW", "2300", "02"), ("Wollongong", "NSW", "2500", "02"),
    ("Melbourne", "VIC", "3000", "03"), ("Geelong", "VIC", "3220", "03"),
    ("Brisbane", "QLD", "4000", "07"), ("Gold Coast", "QLD", "4217", "07"),
    ("Adelaide", "SA", "5000", "08"), ("Perth", "WA", "6000", "08"),
    ("Hobart", "TAS", "7000", "03"), ("Canberra", "ACT", "2600", "02"),
]
_NZ_CITIES = [("Auckland", "AUK", "1010", "09"), ("Wellington", "WGN", "6011", "04")]
_STREETS = ["George St", "Pitt St", "Church St", "High St", "Victoria Rd", "Station St",
            "Queen St", "King St", "Market St", "Railway Pde", "Beach Rd", "Park Ave"]
_FIRST = ["James", "Olivia", "Liam", "Charlotte", "Noah", "Amelia", "Jack", "Isla", "William",
          "Mia", "Thomas", "Grace", "Lucas", "Chloe", "Henry", "Ava", "Ethan", "Zoë", "Priya",
          "Wei", "Aroha", "Mateo", "Sienna", "Ravi", "Hannah", "Declan", "Ngaio", "Sofia"]
_LAST = ["Smith", "Nguyen", "Williams", "Brown", "Wilson", "Taylor", "Jones", "O'Brien",
         "Singh", "Chen", "Kelly", "Martin", "Walker", "Patel", "Murphy", "Anderson", "Ryan",
         "Thompson", "Lee", "Campbell", "Stewart", "Te Rangi", "Kowalski", "Rossi"]
_PLACES = ["Harbour", "Bayside", "Northside", "Riverside", "Coastal", "Summit", "Eastwood",
           "Greenfield", "Blue Gum", "Ironbark", "Wattle", "Southern Cross", "Pacific",
           "Redfern", "Kingsford", "Banksia", "Jacaranda", "Westgate", "Hillcrest", "Lakeside",
           "Sandstone", "Silver Oak", "Cedar", "Pinnacle", "Meridian", "Horizon", "Keystone",
           "Anchor", "Beacon", "Coral"]
_TRADES = [
    ("Dental", "Dental Group"), ("Legal", "Lawyers"), ("Accounting", "Accountants"),
    ("Physio", "Physiotherapy"), ("Vet", "Veterinary Clinic"), ("Plumbing", "Plumbing"),
    ("Electrical", "Electrical Services"), ("Realty", "Real Estate"), ("Medical", "Medical Centre"),
    ("Logistics", "Logistics"), ("Engineering", "Engineering"), ("Architects", "Architects"),
    ("Construction", "Constructions"), ("Freight", "Freight Services"), ("Pharmacy", "Pharmacy"),
    ("Finance", "Financial Planning"), ("Design", "Design Studio"), ("Marketing", "Marketing"),
    ("Insurance", "Insurance Brokers"), ("Motors", "Motors"), ("Optometry", "Optometrists"),
    ("Community", "Community Services"), ("School", "Grammar School"), ("Church", "Uniting Church"),
]
_SUFFIXES = ["Pty Ltd", "Pty Ltd", "Pty Ltd", "Pty. Ltd.", "Ltd", "", "", "Inc."]
_SPECIAL_CUSTOMERS = [
    "Smith & Jones Accountants Pty Ltd", "O'Brien & Sons Electrical", "Café Müller",
    "Zoë's Bakery", "Taylor, Kelly and Partners", "St Mary's Primary School",
    "Dr Priya Singh Medical Practice", "J.B. Walker Transport Pty Ltd",
    "Nguyen Brothers Import Export", "Ryan + Murphy Architects", "ACME Widgets (Aust) Pty Ltd",
    "Te Rangi Holdings Limited",
]
_SUPPLIERS = [
    ("Telstra Corporation Ltd", "telstra.com.au"), ("Ingram Micro Australia Pty Ltd",
    "ingrammicro.com.au"), ("Dicker Data Ltd", "dickerdata.com.au"),
    ("Microsoft Pty Ltd", "microsoft.com"), ("Leader Computers", "leadersystems.com.au"),
    ("Synnex Australia", "synnex.com.au"), ("Optus Business", "optus.com.au"),
    ("Atera Networks Ltd", "atera.com"), ("Xero Australia Pty Ltd", "xero.com"),
    ("Amazon Web Services Australia", "aws.amazon.com"), ("Officeworks", "officeworks.com.au"),
    ("Australia Post", "auspost.com.au"), ("Origin Energy", "originenergy.com.au"),
    ("Sydney Water", "sydneywater.com.au"), ("Bunnings Warehouse", "bunnings.com.au"),
    ("StarTrack Express", "startrack.com.au"), ("Aussie Broadband", "aussiebroadband.com.au"),
    ("Datto Inc", "datto.com"), ("SentinelOne", "sentinelone.com"),
    ("Qantas Airways", "qantas.com"), ("Budget Car Rental", "budget.com.au"),
    ("Wilson Parking", "wilsonparking.com.au"), ("NBN Co", "nbnco.com.au"),
    ("Lenovo Australia", "lenovo.com"), ("HP PPS Australia", "hp.com"),
    ("Cisco Systems Australia", "cisco.com"), ("Ubiquiti Distribution", "ui.com"),
    ("Dropbox International", "dropbox.com"), ("Adobe Systems", "adobe.com"),
    ("Google Australia", "google.com"), ("Commonwealth Bank", "commbank.com.au"),
    ("ATO", "ato.gov.au"), ("Allianz Insurance", "allianz.com.au"),
    ("Harvey Norman Commercial", "harveynorman.com.au"), ("JB Hi-Fi Solutions", "jbhifi.com.au"),
    ("Mimecast Australia", "mimecast.com"), ("Sophos Pty Ltd", "sophos.com"),
    ("Veeam Software", "veeam.com"), ("Acronis", "acronis.com"), ("Pax8 Australia", "pax8.com"),
]


def _company_names(rng: random.Random, n: int) -> list[str]:
    """``n`` distinct, realistic company names (a few special ones first)."""
    names: list[str] = list(_SPECIAL_CUSTOMERS)
    # Two customers whose names differ only by a legal suffix would make the truth ambiguous.
    seen = {_core_key(x) for x in names}
    while len(names) < n:
        style = rng.random()
        trade = rng.choice(_TRADES)
        if style < 0.55:
            core = f"{rng.choice(_PLACES)} {trade[1]}"
        elif style < 0.75:
            core = f"{rng.choice(_LAST)} {trade[1]}"
        elif style < 0.88:
            core = f"{rng.choice(_LAST)} & {rng.choice(_LAST)} {trade[1]}"
        else:
            core = f"{rng.choice(_PLACES)} {trade[0]} Group"
        suffix = rng.choice(_SUFFIXES)
        name = f"{core} {suffix}".strip()
        if _core_key(name) in seen:
            continue
        seen.add(_core_key(name))
        names.append(name)
    return names[:n]


def _norm_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _core_key(name: str) -> str:
    return _norm_key(_SUFFIX_RE.sub("", name))


# Spelling variants, as analysts meet them between a PSA and an accounting system.
_ABBREV = [("Services", "Svcs"), ("Group", "Grp"), ("Company", "Co"), ("Australia", "Aust"),
           ("Engineering", "Eng"), ("Medical Centre", "Med Ctr"), ("Constructions", "Constr"),
           ("Physiotherapy", "Physio"), ("Veterinary", "Vet"), ("International", "Intl"),
           ("Brothers", "Bros"), ("Saint", "St"), ("Accountants", "Acctnts")]
_SUFFIX_RE = re.compile(r"\s*(Pty\.? Ltd\.?|Ltd\.?|Limited|Inc\.?)$")


def _v_amp(name: str, rng: random.Random) -> str | None:
    if " & " in name:
        return name.replace(" & ", " and ")
    if " and " in name:
        return name.replace(" and ", " & ")
    return None


def _v_suffix(name: str, rng: random.Random) -> str | None:
    m = _SUFFIX_RE.search(name)
    if m:
        repl = {"Pty Ltd": "Ltd", "Pty. Ltd.": "Pty Ltd", "Ltd": "Pty Ltd", "Inc.": "Inc",
                "Limited": "Ltd"}.get(m.group(1).strip(), "")
        return (name[: m.start()] + (" " + repl if repl else "")).strip()
    return f"{name} Pty Ltd"


def _v_abbrev(name: str, rng: random.Random) -> str | None:
    for long, short in _ABBREV:
        if long in name:
            return name.replace(long, short, 1)
    return None


def _v_typo(name: str, rng: random.Random) -> str | None:
    letters = [i for i in range(1, len(name) - 2) if name[i].isalpha() and name[i + 1].isalpha()]
    if not letters:
        return None
    i = rng.choice(letters)
    if rng.random() < 0.5:  # swap two letters
        return name[:i] + name[i + 1] + name[i] + name[i + 2:]
    return name[:i] + name[i + 1:]  # drop one


def _v_order(name: str, rng: random.Random) -> str | None:
    m = re.match(r"^(\w[\w']*) (&|and|\+) (\w[\w']*)(.*)$", name)
    if m:
        return f"{m.group(3)} {m.group(2)} {m.group(1)}{m.group(4)}"
    return None


def _v_extra(name: str, rng: random.Random) -> str | None:
    return rng.choice([f"The {name}", f"{name} (Head Office)", f"{name} - Accounts",
                       _SUFFIX_RE.sub("", name) + " Holdings Pty Ltd"])


def _v_case(name: str, rng: random.Random) -> str | None:
    return name.upper() if rng.random() < 0.5 else name.lower()


def _v_acronym(name: str, rng: random.Random) -> str | None:
    # The books know the company by its initials ("HDG Pty Ltd"); only the evidence (email
    # domain, ABN) can tell who it is.
    m = _SUFFIX_RE.search(name)
    words = [w for w in _SUFFIX_RE.sub("", name).replace("&", " ").split() if w[:1].isupper()]
    if len(words) < 2:
        return None
    return "".join(w[0] for w in words) + (f" {m.group(1).strip()}" if m else "")


_VARIANTS: dict[str, Callable[[str, random.Random], str | None]] = {
    "ampersand": _v_amp, "suffix": _v_suffix, "abbreviation": _v_abbrev, "typo": _v_typo,
    "word_order": _v_order, "extra_words": _v_extra, "case": _v_case, "acronym": _v_acronym,
}
_WEIGHTS = {"ampersand": 3.0, "suffix": 3.0, "abbreviation": 2.0, "typo": 3.0,
            "word_order": 2.0, "extra_words": 2.0, "case": 0.7, "acronym": 0.8}


def _variant(name: str, rng: random.Random, prefer: str | None = None) -> tuple[str, str]:
    """A differently spelled ``name`` and the kind of change made."""
    # A weighted shuffle: typos and legal suffixes are common, shouting in capitals is rare.
    kinds = sorted(_VARIANTS, key=lambda k: -(rng.random() ** (1 / _WEIGHTS[k])))
    if prefer:
        kinds.insert(0, prefer)
    for kind in kinds:
        out = _VARIANTS[kind](name, rng)
        if out and out != name and out.strip():
            return out, kind
    return f"{name} Pty Ltd", "suffix"


# --- catalogue -------------------------------------------------------------------------------

# (Atera description, amount, SKU or None, category, Xero code, Xero name, how Xero spells it)
# kind: "exact" same name, "variant" named differently, "atera_only" not in Xero.
_PRODUCTS: list[tuple[str, float, str | None, str, str, str, str]] = [
    ("Microsoft 365 Business Premium (monthly)", 36.30, "CFQ7TTC0LCHC", "Licences",
     "M365-BP", "M365 Business Premium", "variant"),
    ("Microsoft 365 Business Standard (monthly)", 20.90, "CFQ7TTC0LDPB", "Licences",
     "M365-BS", "M365 Business Standard", "variant"),
    ("Microsoft 365 Business Basic (monthly)", 9.00, "CFQ7TTC0LH18", "Licences",
     "M365-BB", "Microsoft 365 Business Basic", "variant"),
    ("Microsoft 365 E3 (annual)", 605.00, "CFQ7TTC0LFLX", "Licences",
     "CFQ7TTC0LFLX", "Microsoft 365 E3 - annual commitment", "variant"),
    ("Exchange Online Plan 1", 6.60, "CFQ7TTC0LH16", "Licences",
     "EXO-P1", "Exchange Online Plan 1", "exact"),
    ("Microsoft Defender for Business", 4.90, None, "Security",
     "MDB", "Defender for Business", "variant"),
    ("Entra ID P1", 9.00, None, "Licences", "AAD-P1", "Azure AD Premium P1", "variant"),
    ("Microsoft Teams Phone Standard", 12.00, None, "Licences",
     "TEAMS-PHONE", "Microsoft Teams Phone Standard", "exact"),
    ("Google Workspace Business Starter", 10.80, None, "Licences",
     "GWS-START", "Google Workspace Business Starter", "exact"),
    ("Google Workspace Business Standard", 21.60, None, "Licences",
     "GWS-STD", "Google Workspace Business Std", "variant"),
    ("Adobe Acrobat Pro (annual)", 359.88, "65324067BA01A12", "Licences",
     "65324067BA01A12", "Adobe Acrobat Pro DC", "variant"),
    ("Adobe Creative Cloud All Apps", 104.99, None, "Licences",
     "ADOBE-CC", "Adobe Creative Cloud - All Apps", "variant"),
    ("Dropbox Business Standard", 22.00, None, "Licences", "", "", "atera_only"),
    ("SentinelOne Complete (per endpoint)", 11.50, "S1-COMPLETE", "Security",
     "S1-COMPLETE", "SentinelOne Complete per endpoint", "variant"),
    ("Sophos Intercept X Advanced", 7.80, None, "Security",
     "SOPHOS-IXA", "Sophos Intercept X Advanced", "exact"),
    ("Mimecast Email Security", 5.50, None, "Security",
     "MIMECAST", "Mimecast Email Security & Archiving", "variant"),
    ("Huntress Managed EDR", 6.50, None, "Security", "", "", "atera_only"),
    ("KnowBe4 Security Awareness Training", 3.20, None, "Security",
     "KB4-SAT", "KnowBe4 Security Awareness Training", "exact"),
    ("Datto SaaS Protection (per user)", 4.40, "DATTO-SAAS", "Backup",
     "DATTO-SAAS", "Datto SaaS Protection", "variant"),
    ("Veeam Backup for Microsoft 365", 3.90, None, "Backup",
     "VEEAM-M365", "Veeam Backup for M365", "variant"),
    ("Acronis Cyber Protect Cloud - Server", 45.00, None, "Backup",
     "ACRONIS-SRV", "Acronis Cyber Protect Server", "variant"),
    ("Offsite Backup Storage (per 100GB)", 15.00, None, "Backup",
     "BACKUP-100GB", "Offsite Backup Storage (per 100GB)", "exact"),
    ("Business NBN 100/40", 119.00, None, "Connectivity",
     "NBN-100", "Business NBN 100/40", "exact"),
    ("Business NBN 250/25", 149.00, None, "Connectivity",
     "NBN-250", "NBN Business 250/25", "variant"),
    ("Static IP Address", 10.00, None, "Connectivity", "STATIC-IP", "Static IP", "variant"),
    ("Hosted PBX Extension", 15.00, None, "Voice",
     "PBX-EXT", "Hosted PBX Extension", "exact"),
    ("SIP Trunk Channel", 12.50, None, "Voice", "", "", "atera_only"),
    ("Domain Registration .com.au (annual)", 29.95, None, "Web",
     "DOM-COMAU", "Domain Name .com.au 1yr", "variant"),
    ("SSL Certificate (annual)", 89.00, None, "Web", "SSL-CERT", "SSL Certificate", "variant"),
    ("Website Hosting - Business", 39.00, None, "Web",
     "WEBHOST-BUS", "Website Hosting - Business", "exact"),
    ("Dell Latitude 5450 Laptop", 1849.00, "DL5450-I7", "Hardware",
     "DL5450-I7", "Dell Latitude 5450 i7 16GB 512GB", "variant"),
    ("Dell OptiPlex 7020 Desktop", 1299.00, "OP7020-I5", "Hardware",
     "OP7020-I5", "Dell OptiPlex 7020 Desktop", "exact"),
    ("Lenovo ThinkPad T14 Gen 5", 1999.00, "21ML0029AU", "Hardware",
     "21ML0029AU", "ThinkPad T14 G5", "variant"),
    ("HP LaserJet Pro MFP 4101fdw", 749.00, "2Z619F", "Hardware", "", "", "atera_only"),
    ('Dell 27" Monitor P2725H', 389.00, "P2725H", "Hardware",
     "P2725H", "Dell 27 inch Monitor P2725H", "variant"),
    ("Ubiquiti UniFi U7 Pro Access Point", 329.00, "U7-PRO", "Hardware",
     "U7-PRO", "UniFi U7 Pro AP", "variant"),
    ("Ubiquiti UniFi Dream Machine Pro", 649.00, "UDM-PRO", "Hardware",
     "UDM-PRO", "Ubiquiti UniFi Dream Machine Pro", "exact"),
    ("Cisco Meraki MX68 Firewall", 1150.00, "MX68-HW", "Hardware",
     "MX68-HW", "Meraki MX68", "variant"),
    ("APC Back-UPS Pro 1500VA", 459.00, "BR1500GI", "Hardware",
     "BR1500GI", "APC Back-UPS Pro 1500VA", "exact"),
    ("Logitech MX Keys Keyboard", 179.00, None, "Accessories",
     "MXKEYS", "Logitech MX Keys", "variant"),
    ("USB-C Docking Station", 289.00, None, "Accessories",
     "DOCK-USBC", "USB C Dock", "variant"),
    ("Cat6 Patch Lead 2m", 6.50, None, "Accessories",
     "CAT6-2M", "Cat6 Patch Lead 2m", "exact"),
    ("Samsung 1TB SSD 990 Pro", 229.00, "MZ-V9P1T0", "Hardware", "", "", "atera_only"),
    ("Yubikey 5 NFC", 95.00, None, "Security", "YUBI-5NFC", "YubiKey 5 NFC", "case"),
]

_EXPENSES: list[tuple[str, float, str | None, str, str, str, str]] = [
    ("Travel - per km", 0.88, None, "Travel", "TRAVEL-KM", "Travel per km", "variant"),
    ("Travel Time (per hour)", 95.00, None, "Travel", "TRAVEL-TIME", "Travel Time", "variant"),
    ("Parking", 25.00, None, "Travel", "PARKING", "Parking", "exact"),
    ("Courier Delivery", 18.50, None, "Freight", "COURIER", "Courier", "variant"),
    ("Cabling Materials", 120.00, None, "Materials",
     "CABLING-MAT", "Cabling Materials", "exact"),
    ("Data Recovery - External Lab", 650.00, None, "Third Party", "", "", "atera_only"),
    ("Hardware Disposal (per device)", 35.00, None, "Materials",
     "DISPOSAL", "E-waste disposal per device", "variant"),
    ("Rack Installation Kit", 85.00, None, "Materials",
     "RACK-KIT", "Rack Installation Kit", "exact"),
    ("Toll Charges", 9.40, None, "Travel", "TOLLS", "Tolls", "variant"),
    ("Accommodation - Regional Site Visit", 189.00, None, "Travel", "", "", "atera_only"),
    ("Printer Toner (supplied)", 145.00, None, "Consumables",
     "TONER", "Printer Toner", "variant"),
]

# Labour rates live only inside contracts: (RateID, description, amount, SKU, category, code,
# Xero name, kind).
_LABOUR: list[tuple[int, str, float, str | None, str, str, str, str]] = [
    (9001, "Remote Support - Standard Hours", 150.0, "LAB-REMOTE", "Labour",
     "LAB-REMOTE", "Remote Support", "variant"),
    (9002, "On-site Labour", 180.0, "LAB-ONSITE", "Labour",
     "LAB-ONSITE", "Onsite Labour", "variant"),
    (9003, "After Hours Emergency", 250.0, None, "Labour",
     "LAB-AH", "After Hours Emergency Support", "variant"),
    (9004, "Project Engineering", 165.0, None, "Labour",
     "LAB-PROJ", "Project Engineering", "exact"),
    (9005, "Managed Services - per PC", 45.0, None, "Managed Services",
     "MS-PC", "Managed Services per workstation", "variant"),
    (9006, "Managed Services - per Server", 120.0, None, "Managed Services",
     "MS-SRV", "Managed Services - per Server", "exact"),
    (9007, "Cloud Backup per GB", 0.25, None, "Backup", "BACKUP-GB", "Cloud Backup / GB",
     "variant"),
    (9008, "Monthly IT Retainer - Essentials", 990.0, None, "Retainer",
     "RET-ESS", "IT Retainer Essentials (monthly)", "variant"),
    (9009, "Monthly IT Retainer - Premium", 2450.0, None, "Retainer",
     "RET-PREM", "Monthly IT Retainer - Premium", "exact"),
    (9010, "Block of 10 Support Hours", 1350.0, None, "Labour",
     "BLOCK-10", "10 Hour Support Block", "variant"),
    (9011, "Block Hours Overage", 165.0, None, "Labour", "", "", "atera_only"),
    (9012, "Prepaid Support Balance", 5000.0, None, "Labour",
     "PREPAID", "Prepaid Support", "variant"),
    (9013, "Office 365 Migration Project (fixed fee)", 4800.0, None, "Projects",
     "PROJ-M365MIG", "M365 Migration Project", "variant"),
    (9014, "Network Refresh Project (fixed fee)", 12500.0, None, "Projects", "", "",
     "atera_only"),
    (9015, "Junior Technician", 110.0, None, "Labour",
     "LAB-JNR", "Junior Technician", "exact"),
    (9016, "Server Monitoring - per Mac", 25.0, None, "Managed Services", "", "",
     "atera_only"),
]

# Xero items with no Atera counterpart.
_XERO_ONLY_ITEMS = [
    ("CONSULT", "IT Consulting (hourly)", 175.0), ("TRAINING", "End User Training", 140.0),
    ("AUDIT", "Security Audit", 2200.0), ("SETUP-FEE", "New Starter Setup", 250.0),
    ("WIN11-PRO", "Windows 11 Pro Upgrade", 199.0), ("ZOOM-PRO", "Zoom Pro (monthly)", 23.99),
    ("CCTV-CAM", "CCTV Camera 4MP", 289.0), ("PHONE-YEA", "Yealink T54W Handset", 299.0),
    ("SVC-CALL", "Service Call Fee", 95.0), ("PROJ-DEP", "Project Deposit", 1000.0),
    ("SURCHARGE", "Card Surcharge", 0.0), ("M365-BP-ANN", "M365 Business Premium (annual)",
    399.0),
]


# --- the demo ------------------------------------------------------------------------------

_ACCOUNT = {
    "AccountID": "sc-it-0001",
    "Country": "Australia",
    "CompanyName": "Southern Cross IT Solutions",
    "CreatedOn": "2019-03-04T10:21:00",
    "State": "NSW",
    "TimeZoneName": "AUS Eastern Standard Time",
    "City": "Sydney",
    "Address": "Level 4, 88 George St",
    "PostalCode": "2000",
    "Phone": "+61 2 9000 1234",
    "IsITDepartment": False,
    "Plan": "Expert",
}
_FROM = {
    "CompanyName": "Southern Cross IT Solutions",
    "ContactFirstName": "Accounts",
    "ContactLastName": "Team",
    "ContactFullName": "Accounts Team",
    "Address": "Level 4, 88 George St",
    "State": "NSW",
    "Country": "Australia",
    "ZipCode": 2000,
    "City": "Sydney",
    "Phone": "+61 2 9000 1234",
    "Email": "accounts@southerncrossit.com.au",
}


# Index in the customer list (see _SPECIAL_CUSTOMERS) -> the spelling Xero has for it.
_FORCED_VARIANT = {0: "ampersand", 1: "suffix", 4: "ampersand", 8: "abbreviation",
                   9: "word_order", 11: "suffix", 30: "acronym", 60: "acronym",
                   90: "acronym", 120: "acronym"}


def build_demo(seed: int = DEMO_SEED) -> tuple[Json, Json, Json]:
    """The demo seeds: ``(atera, xero, truth)``, identical for the same ``seed``."""
    rng = random.Random(seed)
    atera: Json = {"account": dict(_ACCOUNT)}
    xero: Json = {}
    truth: Json = {"seed": seed, "customers": [], "products": [], "invoice_customers": {}}

    # -- customers and contacts ------------------------------------------------------------
    names = _company_names(rng, 150)
    atera_keys = {_norm_key(n) for n in names}
    customers: list[Json] = []
    contacts: list[Json] = []
    xero_contacts: list[Json] = []
    used_xero_names: set[str] = set()

    def add_xero_contact(rec: Json) -> Json:
        key = rec["Name"].strip().lower()
        while key in used_xero_names:  # Xero refuses two contacts with one name
            rec["Name"] += " (2)"
            key = rec["Name"].strip().lower()
        used_xero_names.add(key)
        xero_contacts.append(rec)
        return rec

    # Customer i's fate in Xero: 0-69 exact, 70-129 spelled differently, 130-149 missing.
    fates = ["exact"] * 70 + ["variant"] * 60 + ["atera_only"] * 20
    rng.shuffle(fates)
    for idx in _FORCED_VARIANT:  # keep the special spellings in play, counts unchanged
        if fates[idx] != "variant":
            other = next(j for j in range(len(fates)) if fates[j] == "variant"
                         and j not in _FORCED_VARIANT)
            fates[idx], fates[other] = "variant", fates[idx]
    next_end_user = 50001
    for i, name in enumerate(names):
        cid = 101 + i
        nz = i % 37 == 5
        city, state, pc, area = rng.choice(_NZ_CITIES if nz else _CITIES)
        domain = f"{_slug(name)}.{'co.nz' if nz else 'com.au'}"
        phone = (f"+{64 if nz else 61} {area[1:]} {rng.randrange(1000, 9999)} "
                 f"{rng.randrange(1000, 9999)}")
        created = EPOCH + dt.timedelta(days=rng.randrange(0, 900), minutes=rng.randrange(0, 600))
        modified = dt.datetime(2026, 7, 1) + dt.timedelta(days=rng.randrange(0, 130),
                                                          minutes=rng.randrange(0, 1440))
        has_abn = not nz and rng.random() < 0.7
        cust: Json = {
            "CustomerID": cid,
            "CustomerName": name,
            "CreatedOn": _atera_ts(created),
            "LastModified": _atera_ts(modified),
            "BusinessNumber": _abn(rng) if has_abn else None,
            "Domain": domain if rng.random() < 0.85 else None,
            "Address": f"{rng.randrange(1, 400)} {rng.choice(_STREETS)}",
            "City": city,
            "State": state,
            "Country": "New Zealand" if nz else "Australia",
            "Phone": phone,
            "Fax": None,
            "Notes": None,
            "Logo": None,
            "Links": f"https://www.{domain}" if rng.random() < 0.5 else None,
            "Longitude": None,
            "Latitude": None,
            "ZipCodeStr": pc,
        }
        customers.append(cust)
        n_contacts = rng.choice([1, 1, 2, 2, 3])
        people: list[tuple[str, str, str]] = []
        for j in range(n_contacts):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            email_local = re.sub(r"[^a-z]", "", (first[0] + last).lower())
            email = f"{email_local}@{domain}"
            people.append((first, last, email))
            contacts.append({
                "EndUserID": next_end_user,
                "CustomerID": cid,
                "CustomerName": name,
                "Firstname": first,
                "Lastname": last,
                "JobTitle": rng.choice(["Office Manager", "Director", "Practice Manager",
                                        "Accounts", "Operations Manager", None]),
                "Email": email,
                "Phone": phone,
                "MobilePhone": f"+61 4{rng.randrange(10, 99)} {rng.randrange(100, 999)} "
                               f"{rng.randrange(100, 999)}",
                "IsContactPerson": j == 0,
                "InIgnoreMode": False,
                "CreatedOn": _atera_ts(created + dt.timedelta(days=j)),
                "LastModified": _atera_ts(modified),
                "Archived": j == 2 and rng.random() < 0.5,
                "DepartmentID": None,
                "DepartmentName": None,
                "DefaultAgentId": None,
            })
            next_end_user += 1

        fate = fates[i]
        if fate == "atera_only":
            truth["customers"].append({"atera_id": cid, "xero_id": None, "kind": "atera_only",
                                       "atera_name": name, "xero_name": None})
            continue
        prefer = _FORCED_VARIANT.get(i)
        if prefer is None and (" & " in name or " and " in name) and rng.random() < 0.6:
            prefer = "ampersand"
        xname, kind = (name, "exact") if fate == "exact" else _variant(name, rng, prefer)
        if kind != "exact" and _norm_key(xname) in atera_keys:  # another customer's name
            xname, kind = f"{name} (Accounts)", "extra_words"
        first, last, email = people[0]
        # An acronym can only be matched on evidence, so such contacts always carry some.
        sure = kind == "acronym"
        use_email = rng.random() < 0.75 or sure
        rec = add_xero_contact(_xero_contact(
            rng, xname, city=city, state=state, pc=pc, nz=nz,
            email=(f"accounts@{domain}" if rng.random() < 0.5 else email) if use_email else None,
            phone=phone if rng.random() < 0.6 or sure else None,
            tax=cust["BusinessNumber"] if cust["BusinessNumber"] and (rng.random() < 0.6 or sure)
            else None,
            website=f"https://www.{domain}" if rng.random() < 0.4 else None,
            first=first, last=last, customer=True, supplier=False, modified=modified,
        ))
        truth["customers"].append({"atera_id": cid, "xero_id": rec["ContactID"], "kind": kind,
                                   "atera_name": name, "xero_name": rec["Name"]})

    by_id = {c["CustomerID"]: c for c in customers}
    matched = [t for t in truth["customers"] if t["xero_id"]]

    # Near-duplicates in Xero: a second, similar contact beside a matched one (the truth still
    # points at the first); a few of them archived, as old duplicates usually are.
    for t in rng.sample(matched, 14):
        base = by_id[t["atera_id"]]
        dup_name, _ = _variant(t["xero_name"], rng, prefer="extra_words")
        if _norm_key(dup_name) in atera_keys:
            continue  # that is another Atera customer's name, not a duplicate
        add_xero_contact(_xero_contact(
            rng, dup_name, city=base["City"], state=base["State"], pc=base["ZipCodeStr"],
            nz=base["Country"] == "New Zealand", email=None, phone=None, tax=None, website=None,
            first=None, last=None, customer=True, supplier=False,
            modified=dt.datetime(2025, 2, 1), status="ARCHIVED" if rng.random() < 0.4 else None,
        ))
    # Xero customers that Atera does not have (candidates for import into Atera).
    for name in _company_names(random.Random(seed + 1), 190)[len(_SPECIAL_CUSTOMERS) + 40:][:70]:
        if _norm_key(name) in atera_keys:
            continue
        city, state, pc, _area = rng.choice(_CITIES)
        add_xero_contact(_xero_contact(
            rng, name, city=city, state=state, pc=pc, nz=False,
            email=f"accounts@{_slug(name)}.com.au", phone=None,
            tax=_abn(rng) if rng.random() < 0.5 else None, website=None, first=None, last=None,
            customer=True, supplier=False, modified=dt.datetime(2026, 6, 1),
            status="ARCHIVED" if rng.random() < 0.15 else None,
        ))
    for name, dom in _SUPPLIERS:
        add_xero_contact(_xero_contact(
            rng, name, city="Sydney", state="NSW", pc="2000", nz=False,
            email=f"billing@{dom}", phone=None, tax=_abn(rng), website=f"https://www.{dom}",
            first=None, last=None, customer=False, supplier=True,
            modified=dt.datetime(2026, 5, 1),
        ))
    add_xero_contact(_xero_contact(
        rng, "ACME Widgets <DO NOT USE>", city="Sydney", state="NSW", pc="2000", nz=False,
        email=None, phone=None, tax=None, website=None, first=None, last=None, customer=True,
        supplier=False, modified=dt.datetime(2023, 1, 1), status="ARCHIVED",
    ))
    add_xero_contact(_xero_contact(
        rng, "Cash Sales", city=None, state=None, pc=None, nz=False, email=None, phone=None,
        tax=None, website=None, first=None, last=None, customer=True, supplier=False,
        modified=dt.datetime(2022, 7, 1),
    ))
    truth["xero_only_customers"] = sorted(
        c["ContactID"] for c in xero_contacts
        if c["ContactID"] not in {t["xero_id"] for t in matched}
    )

    # -- products, expenses, labour rates -------------------------------------------------
    products: list[Json] = []
    expenses: list[Json] = []
    items: list[Json] = []
    codes: set[str] = set()

    def add_item(code: str, name: str, price: float, account: str, purchase: float | None
                 ) -> Json:
        if len(code) > 30 or len(name) > 50 or code in codes:  # Xero's own limits
            raise ValueError(f"seed item {code!r}/{name!r}: code > 30, name > 50 or a "
                             "duplicate code")
        codes.add(code)
        item = {
            "ItemID": _uuid(rng),
            "Code": code,
            "Name": name,
            "Description": name,
            "PurchaseDescription": name if purchase is not None else None,
            "IsSold": True,
            "IsPurchased": purchase is not None,
            "IsTrackedAsInventory": False,
            "SalesDetails": {"UnitPrice": price, "AccountCode": account, "TaxType": "OUTPUT"},
            "PurchaseDetails": (
                {"UnitPrice": purchase, "AccountCode": "310", "TaxType": "INPUT"}
                if purchase is not None else {}
            ),
            "UpdatedDateUTC": _xero_ts(dt.datetime(2026, 6, 1) + dt.timedelta(
                hours=rng.randrange(0, 2000))),
        }
        items.append(item)
        return item

    _account_for = {"Licences": "240", "Security": "240", "Backup": "210", "Hardware": "220",
                    "Accessories": "220", "Connectivity": "210", "Voice": "210", "Web": "210",
                    "Labour": "230", "Managed Services": "210", "Retainer": "210",
                    "Projects": "230"}

    def catalogue(rows: list[tuple[str, float, str | None, str, str, str, str]], start: int,
                  prefix: str, out: list[Json]) -> None:
        for k, (desc, amount, sku, cat, code, xname, kind) in enumerate(rows):
            rid = start + k
            out.append({"RateID": rid, "Amount": amount, "Description": desc, "SKU": sku,
                        "Category": cat})
            xid = None
            name_x = xname.upper() if kind == "case" else xname
            if kind != "atera_only":
                price = amount if rng.random() < 0.7 else round(amount * 1.05, 2)
                item = add_item(code, name_x, price, _account_for.get(cat, "260"),
                                round(amount * 0.7, 2) if cat in ("Hardware", "Accessories")
                                else None)
                xid = item["ItemID"]
            truth["products"].append({
                "atera_id": f"{prefix}:{rid}", "xero_id": xid,
                "kind": "exact" if kind == "exact" else ("atera_only" if xid is None
                                                         else "variant"),
                "atera_name": desc, "xero_name": name_x or None,
            })

    catalogue(_PRODUCTS, 1, "product", products)
    catalogue(_EXPENSES, 501, "expense", expenses)
    labour_by_id: dict[int, Json] = {}
    for rid, desc, amount, sku, cat, code, xname, kind in _LABOUR:
        labour_by_id[rid] = {"RateID": rid, "Amount": amount, "Description": desc, "SKU": sku,
                             "Category": cat}
        xid = None
        if kind != "atera_only":
            xid = add_item(code, xname, amount, _account_for[cat], None)["ItemID"]
        truth["products"].append({"atera_id": f"rate:{rid}", "xero_id": xid, "kind": kind,
                                  "atera_name": desc, "xero_name": xname or None})
    for code, name, price in _XERO_ONLY_ITEMS:
        add_item(code, name, price, "260" if price == 0 else "200", None)
    # A name clash to keep matchers honest: same words as an Atera product, different thing.
    add_item("M365-BP-SETUP", "M365 Business Premium setup", 150.0, "230", None)
    truth["xero_only_items"] = sorted(
        i["ItemID"] for i in items
        if i["ItemID"] not in {t["xero_id"] for t in truth["products"]}
    )

    # -- contracts --------------------------------------------------------------------------
    contracts = _contracts(rng, customers, labour_by_id)

    # -- invoices ------------------------------------------------------------------------------
    invoices = _invoices(rng, customers, contacts, contracts, products, expenses,
                         labour_by_id, truth)

    atera.update(customers=customers, contacts=contacts, contracts=contracts,
                 products=products, expenses=expenses, invoices=invoices)
    xero.update(
        Organisations=[_organisation()],
        Contacts=xero_contacts,
        Items=items,
        TaxRates=_tax_rates(),
        Accounts=_accounts(rng),
        TrackingCategories=_tracking_categories(),
        Currencies=[
            {"Code": "AUD", "Description": "Australian Dollar"},
            {"Code": "NZD", "Description": "New Zealand Dollar"},
            {"Code": "USD", "Description": "United States Dollar"},
        ],
    )
    return atera, xero, truth


def _xero_contact(
    rng: random.Random, name: str, *, city: str | None, state: str | None, pc: str | None,
    nz: bool, email: str | None, phone: str | None, tax: str | None, website: str | None,
    first: str | None, last: str | None, customer: bool, supplier: bool, modified: dt.datetime,
    status: str | None = None,
) -> Json:
    phones: list[Json] = [{"PhoneType": "DEFAULT", "PhoneNumber": "", "PhoneAreaCode": "",
                           "PhoneCountryCode": ""}]
    if phone:
        parts = phone.split(" ", 2)
        phones[0] = {"PhoneType": "DEFAULT", "PhoneNumber": parts[2], "PhoneAreaCode": parts[1],
                     "PhoneCountryCode": parts[0].lstrip("+")}
    phones += [{"PhoneType": t, "PhoneNumber": "", "PhoneAreaCode": "", "PhoneCountryCode": ""}
               for t in ("DDI", "FAX", "MOBILE")]
    addresses: list[Json] = [
        {"AddressType": "POBOX", "AddressLine1": f"PO Box {rng.randrange(100, 9999)}"
         if city else "", "City": city or "", "Region": state or "", "PostalCode": pc or "",
         "Country": ("New Zealand" if nz else "Australia") if city else ""},
        {"AddressType": "STREET", "City": "", "Region": "", "PostalCode": "", "Country": ""},
    ]
    rec: Json = {
        "ContactID": _uuid(rng),
        "ContactStatus": status or "ACTIVE",
        "Name": name,
        "FirstName": first or "",
        "LastName": last or "",
        "EmailAddress": email or "",
        "BankAccountDetails": "",
        "Addresses": addresses,
        "Phones": phones,
        "UpdatedDateUTC": _xero_ts(modified),
        "ContactGroups": [],
        "IsSupplier": supplier,
        "IsCustomer": customer,
        "ContactPersons": [],
        "HasAttachments": False,
        "HasValidationErrors": False,
    }
    if tax:
        rec["TaxNumber"] = tax
    if website:
        rec["Website"] = website
    if nz:
        rec["DefaultCurrency"] = "NZD"
    return rec


def _contracts(rng: random.Random, customers: list[Json], labour: dict[int, Json]
               ) -> list[Json]:
    """One or two contracts per customer; every one of Atera's eight types occurs."""
    types = ["RetainerFlatFee", "BlockHours", "Hourly", "RemoteMonitoring", "BlockMoney",
             "ProjectOneTimeFee", "ProjectHourlyRate", "OnlineBackup"]
    weights = [18, 10, 30, 25, 5, 4, 4, 8]
    out: list[Json] = []
    cid = 3001
    for n, cust in enumerate(customers):
        k = 2 if rng.random() < 0.35 else 1
        chosen = [types[n % 8]] if n < 8 else rng.choices(types, weights, k=k)
        for j, ctype in enumerate(dict.fromkeys(chosen)):
            start = dt.datetime(2025, rng.randrange(1, 13), 1)
            project = ctype.startswith("Project")
            rec: Json = {
                "CustomerID": cust["CustomerID"],
                "CustomerName": cust["CustomerName"],
                "ContractID": cid,
                "ContractName": _contract_name(ctype, rng),
                "ContractType": ctype,
                "Active": rng.random() < 0.93,
                "Default": j == 0,
                "Taxable": rng.random() < 0.8,
                "StartDate": _atera_ts(start),
                "EndDate": _atera_ts(start.replace(year=start.year + (1 if project else 3))),
            }
            rec.update(_contract_body(ctype, rng, labour))
            out.append(rec)
            cid += 1
    return out


def _contract_name(ctype: str, rng: random.Random) -> str:
    return {
        "RetainerFlatFee": rng.choice(["Managed IT Retainer", "IT Essentials Retainer"]),
        "BlockHours": "Prepaid Support Hours",
        "Hourly": rng.choice(["Break/Fix Support", "Ad-hoc Support (hourly)"]),
        "RemoteMonitoring": rng.choice(["Managed Workstations", "Device Monitoring"]),
        "BlockMoney": "Prepaid Support Balance",
        "ProjectOneTimeFee": rng.choice(["M365 Migration Project", "Network Refresh"]),
        "ProjectHourlyRate": "Office Fit-out Project",
        "OnlineBackup": "Cloud Backup",
    }[ctype]


def _contract_body(ctype: str, rng: random.Random, L: dict[int, Json]) -> Json:
    def r(rid: int) -> Json:
        return dict(L[rid])

    period = "Monthly"
    if ctype == "RetainerFlatFee":
        return {"RetainerFlatFeeContract": {
            "BillingPeriod": period, "Quantity": 1.0, "Rate": r(rng.choice([9008, 9009]))}}
    if ctype == "Hourly":
        extra = [r(9002), r(9003)] if rng.random() < 0.7 else [r(9003)]
        primary = 9015 if rng.random() < 0.15 else 9001
        return {"HourlyContract": {"PrimaryRate": r(primary), "AdditionalRates": extra,
                                   "BillingPeriod": period}}
    if ctype == "BlockHours":
        return {"BlockHoursContract": {"HoursIncluded": 10.0, "PricePerHour": r(9010),
                                       "OverageRate": r(9011), "CommitRollover": True,
                                       "BillingPeriod": period}}
    if ctype == "BlockMoney":
        return {"BlockMoneyContract": {"Amount": 5000.0, "ContractAmount": r(9012),
                                       "PrimaryRate": r(9001), "AdditionalRates": [r(9002)],
                                       "CommitRollover": False, "BillingPeriod": "Quarterly"}}
    if ctype == "RemoteMonitoring":
        count_by, rid = rng.choice([("PCAgents", 9005), ("ServerAgents", 9006),
                                    ("MacAgents", 9016)])
        return {"RemoteMonitoringContract": {"RatePerDevice": r(rid), "CountBy": count_by,
                                             "BillingPeriod": period}}
    if ctype == "OnlineBackup":
        return {"OnlineBackupContract": {"RatePerGB": r(9007), "CountBy": "TotalGB",
                                         "BillingPeriod": period}}
    if ctype == "ProjectOneTimeFee":
        return {"ProjectOneTimeFeeContract": {"TotalAmount": r(rng.choice([9013, 9014]))}}
    if ctype == "ProjectHourlyRate":
        return {"ProjectHourlyRateContract": {"PrimaryRate": r(9004),
                                              "AdditionalRates": [r(9002)]}}
    raise ValueError(f"unknown contract type {ctype!r}")


def _primary_rate(contract: Json) -> tuple[Json, float]:
    """The rate a contract bills monthly, and how many units."""
    body = contract[contract["ContractType"] + "Contract"]
    ctype = contract["ContractType"]
    if ctype == "RetainerFlatFee":
        return body["Rate"], 1.0
    if ctype == "BlockHours":
        return body["PricePerHour"], 1.0
    if ctype == "BlockMoney":
        return body["ContractAmount"], 1.0
    if ctype == "RemoteMonitoring":
        return body["RatePerDevice"], 0.0  # quantity drawn per invoice
    if ctype == "OnlineBackup":
        return body["RatePerGB"], 0.0
    if ctype == "ProjectOneTimeFee":
        return body["TotalAmount"], 1.0
    return body["PrimaryRate"], 0.0


def _line(idx: int, product: str, desc: str, qty: float, rate: float, tax_pct: float | None,
          discount: float | None = None) -> Json:
    sub = round(qty * rate * (1 - (discount or 0) / 100), 2)
    tax = round(sub * (tax_pct or 0) / 100, 2)
    return {"Product": product, "Description": desc, "Quantity": qty, "Rate": rate,
            "TaxPercentage": tax_pct, "DiscountPercentage": discount, "Total": round(sub + tax, 2),
            "Subtotal": sub, "Tax": tax, "LineIdx": idx}


# Invoices (by position) whose To.CompanyName was typed by hand, with a typo.
_MISSPELT_AT = frozenset({17, 140, 301})


def _invoices(rng: random.Random, customers: list[Json], contacts: list[Json],
              contracts: list[Json], products: list[Json], expenses: list[Json],
              labour: dict[int, Json], truth: Json, *, start_number: int = 1001,
              months: tuple[tuple[int, int], ...] = MONTHS, limit: int | None = None
              ) -> list[Json]:
    by_customer: dict[int, list[Json]] = {}
    for c in contracts:
        if c["Active"]:
            by_customer.setdefault(c["CustomerID"], []).append(c)
    first_contact: dict[int, Json] = {}
    for p in contacts:
        first_contact.setdefault(p["CustomerID"], p)
    out: list[Json] = []
    number = start_number
    for year, month in months:
        for cust in customers:
            if limit is not None and len(out) >= limit:
                return out
            cons = by_customer.get(cust["CustomerID"])
            if not cons or rng.random() < 0.12:
                continue
            con = cons[0]
            nz = cust["Country"] == "New Zealand"
            tax_pct = None if nz or not con["Taxable"] else 10.0
            lines: list[Json] = []
            rate, qty = _primary_rate(con)
            if qty == 0.0:
                qty = float(rng.randrange(1, 40)) if con["ContractType"] != "OnlineBackup" \
                    else float(rng.randrange(50, 2000))
            if not con["ContractType"].startswith("Project") or month == months[0][1]:
                lines.append(_line(len(lines), rate["Description"], con["ContractName"], qty,
                                   rate["Amount"], tax_pct))
            if rng.random() < 0.5:  # licences resold monthly
                for p in rng.sample(products[:12], rng.randrange(1, 3)):
                    lines.append(_line(len(lines), p["Description"], p["Description"],
                                       float(rng.randrange(1, 25)), p["Amount"], tax_pct))
            if rng.random() < 0.25:  # hardware
                p = rng.choice(products[30:])
                lines.append(_line(len(lines), p["Description"], p["Description"],
                                   float(rng.randrange(1, 4)), p["Amount"], tax_pct,
                                   5.0 if rng.random() < 0.3 else None))
            if rng.random() < 0.3:  # billable labour outside the contract
                lab = labour[rng.choice([9001, 9002, 9003])]
                lines.append(_line(len(lines), lab["Description"],
                                   "Ticket #" + str(rng.randrange(10000, 99999)),
                                   rng.choice([0.5, 1.0, 1.5, 2.0, 3.25]), lab["Amount"],
                                   tax_pct))
            if rng.random() < 0.2:
                e = rng.choice(expenses)
                lines.append(_line(len(lines), e["Description"], e["Description"],
                                   float(rng.randrange(1, 60)) if e["Amount"] < 2 else 1.0,
                                   e["Amount"], tax_pct))
            if rng.random() < 0.04 and lines:  # a credit for an outage or a returned item
                credit = round(lines[0]["Subtotal"] * 0.2, 2) or 10.0
                lines.append(_line(len(lines), lines[0]["Product"],
                                   "Credit: service outage (20%)", -1.0, credit, tax_pct))
            if not lines:
                continue
            sub = round(sum(x["Subtotal"] for x in lines), 2)
            tax = round(sum(x["Tax"] for x in lines), 2)
            inv_date = dt.datetime(year, month, 1)
            end = (dt.datetime(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
            to_name = cust["CustomerName"]
            # Analysts type the To name by hand now and then.
            if (number - start_number) in _MISSPELT_AT:
                to_name, _ = _variant(to_name, rng, prefer="typo")
            who = first_contact.get(cust["CustomerID"], {})
            zipc = cust.get("ZipCodeStr")
            inv = {
                "IsAdhoc": False,
                "InvoiceId": _uuid(rng),
                "InvoiceNumber": number,
                "InvoiceNumberAsString": str(number),
                "Total": round(sub + tax, 2),
                "Subtotal": sub,
                "Tax": tax,
                "TaxPercentage": tax_pct,
                "InvoiceDate": _atera_ts(inv_date),
                "ContractName": con["ContractName"],
                "PeriodStartDate": _atera_ts(inv_date),
                "PeriodEndDate": _atera_ts(end),
                "Currency": "NZD" if nz else "AUD",
                "LineItems": lines,
                "From": dict(_FROM),
                "To": {
                    "CompanyName": to_name,
                    "ContactFirstName": who.get("Firstname"),
                    "ContactLastName": who.get("Lastname"),
                    "ContactFullName": f"{who.get('Firstname', '')} {who.get('Lastname', '')}"
                    .strip() or None,
                    "Address": cust["Address"],
                    "State": cust["State"],
                    "Country": cust["Country"],
                    "ZipCode": int(zipc) if zipc and zipc.isdigit() else None,
                    "City": cust["City"],
                    "Phone": cust["Phone"],
                    "Email": who.get("Email"),
                },
            }
            out.append(inv)
            truth["invoice_customers"][str(number)] = cust["CustomerID"]
            number += 1
        # An ad-hoc invoice or two a month (a one-off hardware sale).
        for _ in range(2):
            if limit is not None and len(out) >= limit:
                return out
            cust = rng.choice(customers)
            p = rng.choice(products[30:])
            line = _line(0, p["Description"], p["Description"], 1.0, p["Amount"], 10.0)
            d = dt.datetime(year, month, rng.randrange(5, 28))
            out.append({
                "IsAdhoc": True, "InvoiceId": _uuid(rng), "InvoiceNumber": number,
                "InvoiceNumberAsString": str(number), "Total": line["Total"],
                "Subtotal": line["Subtotal"], "Tax": line["Tax"], "TaxPercentage": 10.0,
                "InvoiceDate": _atera_ts(d), "ContractName": None,
                "PeriodStartDate": _atera_ts(d), "PeriodEndDate": _atera_ts(d),
                "Currency": "AUD", "LineItems": [line], "From": dict(_FROM),
                "To": {"CompanyName": cust["CustomerName"], "ContactFirstName": None,
                       "ContactLastName": None, "ContactFullName": None,
                       "Address": cust["Address"], "State": cust["State"],
                       "Country": cust["Country"], "ZipCode": None, "City": cust["City"],
                       "Phone": cust["Phone"], "Email": None},
            })
            truth["invoice_customers"][str(number)] = cust["CustomerID"]
            number += 1
    return out


def _organisation() -> Json:
    return {
        "OrganisationID": "8f2c5b1e-4a7d-4c1b-9e3f-2d6a0b9c7e41",
        "APIKey": "",
        "Name": "Southern Cross IT Solutions",
        "LegalName": "Southern Cross IT Solutions Pty Ltd",
        "PaysTax": True,
        "Version": "AU",
        "OrganisationType": "COMPANY",
        "BaseCurrency": "AUD",
        "CountryCode": "AU",
        "IsDemoCompany": False,
        "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": "",
        "TaxNumber": "51 824 753 556",
        "FinancialYearEndDay": 30,
        "FinancialYearEndMonth": 6,
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Exclusive",
        "PeriodLockDate": "/Date(1719705600000+0000)/",
        "CreatedDateUTC": "/Date(1551693660000+0000)/",
        "OrganisationEntityType": "COMPANY",
        "Timezone": "AUSEASTERNSTANDARDTIME",
        "ShortCode": "!mK3pT",
        "Edition": "BUSINESS",
        "Class": "STANDARD",
        "LineOfBusiness": "IT support and managed services",
        "Addresses": [{"AddressType": "STREET", "AddressLine1": "Level 4, 88 George St",
                       "City": "Sydney", "Region": "NSW", "PostalCode": "2000",
                       "Country": "Australia"}],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "9000 1234", "PhoneAreaCode": "02",
                    "PhoneCountryCode": "61"}],
        "ExternalLinks": [],
        "PaymentTerms": {"Sales": {"Day": 14, "Type": "DAYSAFTERBILLDATE"}},
    }


def _tax_rates() -> list[Json]:
    """Xero's standard Australian tax rates (GST)."""
    def rate(name: str, code: str, pct: float, report: str, *, revenue: bool, expenses: bool,
             assets: bool = False, liabilities: bool = False, equity: bool = False,
             status: str = "ACTIVE", comp: str = "GST") -> Json:
        return {
            "Name": name, "TaxType": code, "ReportTaxType": report,
            "CanApplyToAssets": assets, "CanApplyToEquity": equity,
            "CanApplyToExpenses": expenses, "CanApplyToLiabilities": liabilities,
            "CanApplyToRevenue": revenue, "DisplayTaxRate": pct, "EffectiveRate": pct,
            "Status": status,
            "TaxComponents": [{"Name": comp, "Rate": pct, "IsCompound": False,
                               "IsNonRecoverable": False}],
        }

    return [
        rate("GST on Income", "OUTPUT", 10.0, "OUTPUT", revenue=True, expenses=False,
             liabilities=True),
        rate("GST on Expenses", "INPUT", 10.0, "INPUT", revenue=False, expenses=True,
             assets=True, liabilities=True),
        rate("GST Free Income", "EXEMPTOUTPUT", 0.0, "EXEMPTOUTPUT", revenue=True,
             expenses=False, liabilities=True),
        rate("GST Free Expenses", "EXEMPTEXPENSES", 0.0, "EXEMPTEXPENSES", revenue=False,
             expenses=True, assets=True),
        rate("GST on Capital", "CAPEXINPUT", 10.0, "CAPEXINPUT", revenue=False,
             expenses=True, assets=True),
        rate("GST Free Capital", "EXEMPTCAPITAL", 0.0, "EXEMPTCAPITAL", revenue=False,
             expenses=True, assets=True),
        rate("GST on Imports", "GSTONIMPORTS", 0.0, "GSTONIMPORTS", revenue=False,
             expenses=True, liabilities=True),
        rate("Input Taxed", "INPUTTAXED", 0.0, "INPUTTAXED", revenue=True, expenses=True),
        rate("BAS Excluded", "BASEXCLUDED", 0.0, "BASEXCLUDED", revenue=True, expenses=True,
             assets=True, liabilities=True, equity=True, comp="Tax"),
        rate("GST on Income (old 9.5%)", "TAX001", 9.5, "OUTPUT", revenue=True,
             expenses=False, status="ARCHIVED"),
    ]


# What each revenue account is for (Account.Description, shown in Xero's chart).
_REVENUE_NOTES = {
    "200": "Sales not booked to a more specific revenue account",
    "210": "Monthly managed services: per-device and per-user agreements, backup, monitoring",
    "215": "Cloud hosting, domains and web services billed monthly",
    "220": "Hardware and accessories resold to customers",
    "225": "Hardware resold before the 2025 chart change; use 220",
    "230": "Labour: on-site and remote time, projects and after-hours call-outs",
    "240": "Software licences and subscriptions resold (Microsoft 365, security)",
}


def _accounts(rng: random.Random) -> list[Json]:
    """An MSP's chart: revenue split by what is sold (managed services, cloud, hardware,
    labour, licences), one archived revenue account, and the usual balance sheet accounts."""
    rows = [
        ("090", "Business Bank Account", "BANK", "ASSET", "BASEXCLUDED"),
        ("200", "Sales", "REVENUE", "REVENUE", "OUTPUT"),
        ("210", "Managed Services Revenue", "REVENUE", "REVENUE", "OUTPUT"),
        ("220", "Hardware Sales", "SALES", "REVENUE", "OUTPUT"),
        ("230", "Labour Revenue", "REVENUE", "REVENUE", "OUTPUT"),
        ("240", "Software Licence Revenue", "REVENUE", "REVENUE", "OUTPUT"),
        ("250", "Export Sales (GST Free)", "REVENUE", "REVENUE", "EXEMPTOUTPUT"),
        ("260", "Other Revenue", "OTHERINCOME", "REVENUE", "OUTPUT"),
        ("270", "Interest Income", "OTHERINCOME", "REVENUE", "INPUTTAXED"),
        ("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "INPUT"),
        ("400", "Advertising", "EXPENSE", "EXPENSE", "INPUT"),
        ("404", "Bank Fees", "EXPENSE", "EXPENSE", "INPUTTAXED"),
        ("449", "Motor Vehicle Expenses", "EXPENSE", "EXPENSE", "INPUT"),
        ("493", "Travel - National", "EXPENSE", "EXPENSE", "INPUT"),
        ("610", "Accounts Receivable", "CURRENT", "ASSET", "BASEXCLUDED"),
        ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "BASEXCLUDED"),
        ("820", "GST", "CURRLIAB", "LIABILITY", "BASEXCLUDED"),
        ("960", "Retained Earnings", "EQUITY", "EQUITY", "BASEXCLUDED"),
        # Added later: new ids come after the first ones, which stay as they were.
        ("215", "Cloud & Hosting Revenue", "REVENUE", "REVENUE", "OUTPUT"),
        ("225", "Hardware Resale (old)", "SALES", "REVENUE", "OUTPUT"),
    ]
    out = []
    for code, name, typ, cls, tax in rows:
        acc: Json = {
            "AccountID": _uuid(rng), "Code": code, "Name": name, "Type": typ, "TaxType": tax,
            "Status": "ARCHIVED" if code == "225" else "ACTIVE", "Class": cls,
            "EnablePaymentsToAccount": False,
            "ShowInExpenseClaims": typ == "EXPENSE", "BankAccountType": "",
            "ReportingCode": "", "HasAttachments": False,
            "UpdatedDateUTC": "/Date(1551693660000+0000)/", "AddToWatchlist": False,
        }
        if code in _REVENUE_NOTES:
            acc["Description"] = _REVENUE_NOTES[code]
        if typ == "BANK":
            acc.update(BankAccountNumber="062000 12345678", BankAccountType="BANK",
                       CurrencyCode="AUD")
        out.append(acc)
    return sorted(out, key=lambda a: a["Code"])


def _tracking_categories() -> list[Json]:
    """Two active tracking categories as MSPs use them (where, and what kind of work), and
    an archived one; an archived option too. Ids are fixed (uuid5), not drawn."""
    def tid(*parts: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, "matchkit-sandbox/tracking/" + "/".join(parts)))

    def category(name: str, status: str, options: list[tuple[str, str]]) -> Json:
        return {"TrackingCategoryID": tid(name), "Name": name, "Status": status,
                "Options": [{"TrackingOptionID": tid(name, o), "Name": o, "Status": st}
                            for o, st in options]}

    return [
        category("Region", "ACTIVE", [
            ("Sydney", "ACTIVE"), ("Melbourne", "ACTIVE"), ("Brisbane", "ACTIVE"),
            ("Perth", "ACTIVE"), ("Adelaide", "ACTIVE"), ("Canberra", "ACTIVE"),
            ("New Zealand", "ACTIVE"), ("Hobart", "ARCHIVED")]),
        category("Service Line", "ACTIVE", [
            ("Managed Services", "ACTIVE"), ("Projects", "ACTIVE"), ("Break-fix", "ACTIVE"),
            ("Licensing", "ACTIVE"), ("Hardware", "ACTIVE")]),
        category("Department", "ARCHIVED", [("Sales", "ACTIVE"), ("Support", "ACTIVE")]),
    ]


# --- large ---------------------------------------------------------------------------------


def _large_names(n: int, seed: int) -> list[str]:
    """``n`` distinct names, cheaply: combinations of word lists with a sequence number."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        trade = _TRADES[i % len(_TRADES)][1]
        out.append(f"{rng.choice(_PLACES)} {rng.choice(_LAST)} {trade} {i:05d} "
                   f"{_SUFFIXES[i % len(_SUFFIXES)]}".strip())
    return out


def large_atera_seed(seed: int = LARGE_SEED) -> Json:
    """The demo Atera seed plus 10,000 customers and 2,000 invoices (deterministic)."""
    atera, _xero, _truth = build_demo()
    rng = random.Random(seed)
    names = _large_names(N_LARGE_CUSTOMERS, seed)
    first_id = max(c["CustomerID"] for c in atera["customers"]) + 1
    base_mod = dt.datetime(2026, 7, 1)
    extra = []
    for i, name in enumerate(names):
        city, state, pc, area = _CITIES[i % len(_CITIES)]
        extra.append({
            "CustomerID": first_id + i, "CustomerName": name,
            "CreatedOn": _atera_ts(EPOCH + dt.timedelta(minutes=i * 7)),
            "LastModified": _atera_ts(base_mod + dt.timedelta(minutes=i * 13)),
            "BusinessNumber": None, "Domain": f"c{first_id + i}.example.com.au",
            "Address": f"{1 + i % 300} {_STREETS[i % len(_STREETS)]}", "City": city,
            "State": state, "Country": "Australia", "Phone": f"+61 {area[1:]} 5{i:07d}",
            "Fax": None, "Notes": None, "Logo": None, "Links": None, "Longitude": None,
            "Latitude": None, "ZipCodeStr": pc,
        })
    atera["customers"] = atera["customers"] + extra
    # Invoices for the new customers: contracts are not needed to read invoices, so a light
    # "Managed Services" invoice per customer keeps start-up fast.
    number = max(i["InvoiceNumber"] for i in atera["invoices"]) + 1
    products = atera["products"]
    invoices = []
    for k in range(N_LARGE_INVOICES):
        cust = extra[(k * 7919) % len(extra)]
        p = products[k % len(products)]
        lines = [_line(0, "Managed Services - per PC", "Managed Workstations",
                       float(1 + k % 30), 45.0, 10.0),
                 _line(1, p["Description"], p["Description"], float(1 + k % 5), p["Amount"],
                       10.0)]
        sub = round(sum(x["Subtotal"] for x in lines), 2)
        tax = round(sum(x["Tax"] for x in lines), 2)
        y, m = MONTHS[k % 3]
        d = dt.datetime(y, m, 1 + k % 28)
        invoices.append({
            "IsAdhoc": False, "InvoiceId": _uuid(rng), "InvoiceNumber": number + k,
            "InvoiceNumberAsString": str(number + k), "Total": round(sub + tax, 2),
            "Subtotal": sub, "Tax": tax, "TaxPercentage": 10.0, "InvoiceDate": _atera_ts(d),
            "ContractName": "Managed Workstations", "PeriodStartDate": _atera_ts(d),
            "PeriodEndDate": _atera_ts(d + dt.timedelta(days=27)), "Currency": "AUD",
            "LineItems": lines, "From": dict(_FROM),
            "To": {"CompanyName": cust["CustomerName"], "ContactFirstName": None,
                   "ContactLastName": None, "ContactFullName": None,
                   "Address": cust["Address"], "State": cust["State"],
                   "Country": cust["Country"], "ZipCode": int(cust["ZipCodeStr"]),
                   "City": cust["City"], "Phone": cust["Phone"], "Email": None},
        })
    atera["invoices"] = atera["invoices"] + invoices
    return atera


def large_xero_seed(seed: int = LARGE_SEED) -> Json:
    """The demo Xero seed grown to 100,000 contacts and 5,000 items (deterministic).

    70% of the large Atera customers appear among the contacts (a quarter of those spelled
    differently); the rest are Xero-only names.
    """
    _atera, xero, _truth = build_demo()
    rng = random.Random(seed + 7)
    atera_names = _large_names(N_LARGE_CUSTOMERS, seed)
    have = {c["Name"].lower() for c in xero["Contacts"]}
    contacts = list(xero["Contacts"])
    need = N_LARGE_CONTACTS - len(contacts)
    shared = [n for i, n in enumerate(atera_names) if i % 10 < 7]
    names: list[str] = []
    for i, n in enumerate(shared):
        names.append(n if i % 4 else _VARIANTS["typo"](n, rng) or n)
    names += _large_names(need - len(names), seed + 99)
    when = _xero_ts(dt.datetime(2026, 6, 1))
    for i, name in enumerate(names[:need]):
        if name.lower() in have:
            name = f"{name} ({i})"
        have.add(name.lower())
        city, state, pc, _area = _CITIES[i % len(_CITIES)]
        contacts.append({
            "ContactID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "ContactStatus": "ARCHIVED" if i % 50 == 49 else "ACTIVE", "Name": name,
            "FirstName": "", "LastName": "", "EmailAddress": "",
            "Addresses": [{"AddressType": "POBOX", "City": city, "Region": state,
                           "PostalCode": pc, "Country": "Australia"}],
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": "", "PhoneAreaCode": "",
                        "PhoneCountryCode": ""}],
            "UpdatedDateUTC": when, "IsSupplier": i % 20 == 0, "IsCustomer": i % 20 != 0,
            "HasAttachments": False,
        })
    items = list(xero["Items"])
    for k in range(N_LARGE_ITEMS - len(items)):
        trade = _TRADES[k % len(_TRADES)][0]
        items.append({
            "ItemID": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "Code": f"SKU-{k:05d}", "Name": f"{trade} Kit {k:05d}",
            "Description": f"{trade} Kit {k:05d}", "IsSold": True, "IsPurchased": False,
            "IsTrackedAsInventory": False,
            "SalesDetails": {"UnitPrice": float(5 + k % 500), "AccountCode": "200",
                             "TaxType": "OUTPUT"},
            "PurchaseDetails": {}, "UpdatedDateUTC": when,
        })
    xero["Contacts"] = contacts
    xero["Items"] = items
    return xero


def large_truth(seed: int = LARGE_SEED) -> dict[str, str]:
    """Large Atera customer name -> the Xero contact name it should match (70% of them)."""
    rng = random.Random(seed + 7)
    atera_names = _large_names(N_LARGE_CUSTOMERS, seed)
    shared = [n for i, n in enumerate(atera_names) if i % 10 < 7]
    return {n: (n if i % 4 else _VARIANTS["typo"](n, rng) or n) for i, n in enumerate(shared)}


# --- files ---------------------------------------------------------------------------------


def _dump(obj: Any, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(obj, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)  # never leave a half-written seed behind


def write_demo(out_dir: Path = SEED_DIR) -> list[Path]:
    """Write the three demo files into ``out_dir``; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    atera, xero, truth = build_demo()
    paths = [out_dir / "atera_demo.json", out_dir / "xero_demo.json", out_dir / "truth.json"]
    for obj, path in zip((atera, xero, truth), paths, strict=True):
        _dump(obj, path)
    return paths


def load_seed(name: str, seed_dir: Path = SEED_DIR) -> Json:
    """Load ``<name>.json`` from the seed folder (e.g. ``"atera_demo"``)."""
    path = seed_dir / f"{name}.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(
            f"seed file {path} is missing; run `python -m matchkit.sandbox._seed`"
        ) from None
    if not isinstance(data, dict):
        raise ValueError(f"seed file {path} must hold a JSON object")
    return data


if __name__ == "__main__":  # pragma: no cover - a generator script
    for p in write_demo(Path(sys.argv[1]) if len(sys.argv) > 1 else SEED_DIR):
        print(p)
