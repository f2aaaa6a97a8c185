"""A generated MSP and its accounting organisation: Atera and Xero records as the APIs give
them, with the truth of which record is which. Seeded, so every run is the same.

The generator knows nothing about the matcher. It writes the same company or product twice
the way two people keep two systems: legal forms dropped or changed, "&" for "and",
abbreviations, one-letter typos, words added ("The", "Group", "(Accounts)"), word order,
acronyms (then the e-mail domain, phone or ABN is the same), vendor names dropped, "M365"
for "Microsoft 365", billing periods spelt another way, prices moved. Records only one side
has are drawn from the same vocabulary, so look-alikes that are *not* the same record
(another town's plumber, the annual plan beside the monthly one, the next laptop model)
come naturally. A record only one side has never carries a name that Xero's own rule (case
and spaces) would call the same as a record of the other side, nor the other side's domain,
phone or tax number: the truth would be wrong otherwise.

``org(customers=2000, products=1000, seed=...)`` returns ``(xero_seed, atera_seed, truth)``:
the first two are what ``matchkit.sandbox.start(seed=..., atera_seed=...)`` takes.
"""

from __future__ import annotations

import random
import re
import string
import uuid
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Org", "org"]

_SYL = ["al", "an", "bar", "bel", "ber", "bra", "cal", "car", "cor", "dal", "del", "den",
        "dor", "el", "en", "far", "fen", "gal", "gar", "gil", "gor", "hal", "har", "hol",
        "ing", "jen", "kal", "ker", "kin", "lan", "lar", "len", "lin", "lor", "mal", "mar",
        "mer", "mon", "mor", "nel", "nor", "or", "pal", "pen", "per", "quin", "ral", "ren",
        "ros", "sal", "sen", "ster", "tal", "ten", "tor", "val", "ven", "wal", "wen", "win",
        "yar", "zel"]
_TRADES = ["Plumbing", "Electrical", "Dental", "Accountants", "Legal", "Bakery", "Motors",
           "Physiotherapy", "Architects", "Landscaping", "Logistics", "Consulting",
           "Veterinary Clinic", "Pharmacy", "Builders", "Cafe", "Engineering", "Real Estate",
           "Optometrists", "Insurance Brokers", "Printing", "Roofing", "Cleaning Services",
           "Medical Centre", "Fitness", "Construction", "Design Studio", "Financial Planning",
           "Hair Studio", "Joinery", "Removals", "Surveyors", "Childcare", "Florist",
           "Auto Repairs", "Pest Control", "Solar", "Travel", "Photography", "Wines"]
_WORDS = ["Coastal", "Northern", "Summit", "Harbour", "Golden", "Pacific", "Bright", "Metro",
          "Valley", "Riverside", "Oak", "Red", "Blue", "Green", "Central", "United", "Prime",
          "First", "Allied", "Capital", "Eastern", "Western", "Southern", "Heritage",
          "Wattle", "Banksia", "Ironbark", "Sandstone", "Bluegum", "Kestrel", "Anchor",
          "Beacon", "Compass", "Evergreen", "Granite", "Horizon", "Keystone", "Lighthouse",
          "Meridian", "Pinnacle", "Silverleaf", "Tidewater", "Willow"]
_SUFFIXES = ["Pty Ltd", "Pty Ltd", "Pty. Ltd.", "Ltd", "Limited", "Inc", "LLC", "Co", "", "",
             "", ""]
_CITIES = [("Sydney", "02"), ("Melbourne", "03"), ("Brisbane", "07"), ("Perth", "08"),
           ("Adelaide", "08"), ("Hobart", "03"), ("Canberra", "02"), ("Newcastle", "02"),
           ("Geelong", "03"), ("Wollongong", "02"), ("Cairns", "07"), ("Darwin", "08")]
_ABBREV = [("Services", "Svcs"), ("Group", "Grp"), ("International", "Intl"),
           ("Brothers", "Bros"), ("Company", "Co"), ("Australia", "Aust"),
           ("Engineering", "Eng"), ("Consulting", "Consultants"), ("Centre", "Center"),
           ("Architects", "Architecture"), ("and", "&")]
_FREE_MAIL = ["gmail.com", "outlook.com", "bigpond.com", "hotmail.com"]


def _surname(rng: random.Random) -> str:
    return "".join(rng.choice(_SYL) for _ in range(rng.randint(2, 3))).capitalize()


def _company_core(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.30:
        return f"{_surname(rng)} {rng.choice(_TRADES)}"
    if shape < 0.45:
        return f"{_surname(rng)} & {_surname(rng)}" + (f" {rng.choice(_TRADES)}"
                                                        if rng.random() < 0.6 else "")
    if shape < 0.70:
        return f"{rng.choice(_WORDS)} {_surname(rng)} {rng.choice(_TRADES)}"
    if shape < 0.85:
        return (f"{rng.choice(_WORDS)} {rng.choice(_TRADES)} "
                f"{rng.choice(['Group', 'Services', 'Partners', 'Company'])}")
    if shape < 0.93:
        return f"{_surname(rng)} Brothers {rng.choice(_TRADES)}"
    return f"{rng.choice(_CITIES)[0]} {_surname(rng)} {rng.choice(_TRADES)}"


def _fold(name: str) -> str:
    """Xero's own rule for "the same name": case and spaces."""
    return re.sub(r"\s+", " ", name).strip().casefold()


def _slug(name: str) -> str:
    core = re.split(r"\s(?:pty|ltd|limited|inc|llc|co)\b", name.lower())[0]
    return re.sub(r"[^a-z0-9]", "", core)[:24] or "company"


def _typo(rng: random.Random, s: str) -> str:
    letters = [i for i, c in enumerate(s) if c.isalpha()]
    if len(letters) < 5:
        return s
    i = rng.choice(letters[1:-1])
    op = rng.random()
    if op < 0.3:
        return s[:i] + s[i + 1:]
    if op < 0.6 and i + 1 < len(s):
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:i] + rng.choice(string.ascii_lowercase) + s[i + 1:]


def _legal(rng: random.Random, name: str) -> str:
    for suf in sorted({s for s in _SUFFIXES if s}, key=len, reverse=True):
        if name.endswith(" " + suf):
            name = name[: -len(suf) - 1]
            break
    return f"{name} {rng.choice(_SUFFIXES)}".strip()


def _vary_company(rng: random.Random, name: str, core: str) -> tuple[str, str]:
    """Xero's spelling of an Atera customer's name, and what was done."""
    r = rng.random()
    if r < 0.40:
        return name, "exact"
    if r < 0.45:
        return (name.upper() if rng.random() < 0.5 else name.lower()), "case"
    if r < 0.60:
        return _legal(rng, name), "legal form"
    if r < 0.65 and ("&" in name or " and " in name):
        return (name.replace(" & ", " and ") if "&" in name else name.replace(" and ", " & ")
                ), "ampersand"
    if r < 0.72:
        for full, short in rng.sample(_ABBREV, len(_ABBREV)):
            if re.search(rf"\b{full}\b", name):
                return re.sub(rf"\b{full}\b", short, name, count=1), "abbreviation"
        return _legal(rng, name), "legal form"
    if r < 0.80:
        return _typo(rng, name), "typo"
    if r < 0.88:
        extra = rng.choice(["The {}", "{} Group", "{} Holdings", "{} (Accounts)",
                            "{} - Head Office"])
        return extra.format(name), "extra words"
    if r < 0.91 and " & " in core:
        a, b = core.split(" & ", 1)
        rest = name[len(core):]
        b_words = b.split(" ")
        return f"{b_words[0]} & {a}{' ' + ' '.join(b_words[1:]) if len(b_words) > 1 else ''}" \
               f"{rest}", "word order"
    if r < 0.94:
        letters = "".join(w[0] for w in re.findall(r"[A-Za-z]+", core)
                          if w.lower() not in ("and", "the")).upper()
        if len(letters) >= 2:
            return f"{letters} {rng.choice(['Pty Ltd', 'Ltd', ''])}".strip(), "acronym"
    return _typo(rng, _legal(rng, name)), "legal form + typo"


# --- products --------------------------------------------------------------------------------

_LICENCES = [
    ("Microsoft 365", ["Business Basic", "Business Standard", "Business Premium", "E3", "E5",
                       "F3", "Apps for Business"], 6.0),
    ("Exchange Online", ["Plan 1", "Plan 2", "Kiosk"], 4.0),
    ("Microsoft Defender for Endpoint", ["P1", "P2"], 3.0),
    ("Microsoft Teams", ["Essentials", "Phone Standard", "Rooms Pro"], 5.0),
    ("Entra ID", ["P1", "P2"], 9.0),
    ("Google Workspace", ["Business Starter", "Business Standard", "Business Plus",
                          "Enterprise"], 7.2),
    ("Adobe Acrobat", ["Standard", "Pro"], 19.0),
    ("Adobe Creative Cloud", ["Photography", "Single App", "All Apps"], 30.0),
    ("Dropbox Business", ["Standard", "Advanced"], 18.0),
    ("SentinelOne", ["Core", "Control", "Complete"], 6.5),
    ("Sophos Intercept X", ["Essentials", "Advanced", "XDR"], 5.5),
    ("Huntress", ["Managed EDR", "Managed ITDR", "Security Awareness Training"], 4.0),
    ("Datto SaaS Protection", ["M365", "Google Workspace"], 3.5),
    ("Acronis Cyber Protect", ["Standard", "Advanced", "Backup"], 4.4),
    ("Veeam Backup for Microsoft 365", ["Standard", "Enterprise"], 3.9),
    ("Zoom", ["Pro", "Business", "Workplace"], 21.0),
    ("Mimecast", ["Email Security", "Email Security & Archiving", "Awareness Training"],
     4.5),
    ("Keeper", ["Business", "Enterprise"], 5.0),
    ("Bitdefender GravityZone", ["Business Security", "Elite"], 3.2),
    ("NinjaOne", ["RMM per device", "Backup per device"], 3.0),
]
_PERIODS = {"monthly": [" (monthly)", " - Monthly", " per month", " /mo", " Monthly"],
            "annual": [" (annual)", " - Annual", " per year", " 1 Year", " Annual"]}
_HARDWARE = [
    ("Dell", "Latitude", ["3440", "3540", "5440", "5540", "7440", "7640", "9440"], 1300.0),
    ("Dell", "OptiPlex", ["3000 Micro", "5000 Tower", "7010 SFF", "7020 Micro"], 1050.0),
    ("Dell", "UltraSharp", ["U2424H", "U2724D", "U2723QE", "U3224KB"], 600.0),
    ("HP", "ProBook", ["440 G10", "450 G10", "460 G11", "445 G10"], 1200.0),
    ("HP", "EliteBook", ["640 G10", "840 G10", "860 G11", "1040 G11"], 1800.0),
    ("HP", "LaserJet Pro", ["M404dn", "M428fdw", "4101fdw", "3002dw"], 450.0),
    ("Lenovo", "ThinkPad", ["T14 Gen 4", "T14s Gen 4", "X1 Carbon Gen 11", "E14 Gen 5",
                            "L14 Gen 4"], 1650.0),
    ("Lenovo", "ThinkCentre", ["M70q Gen 4", "M90q Gen 4", "M75s Gen 2"], 990.0),
    ("Ubiquiti", "UniFi", ["U6 Lite", "U6 Pro", "U6 Enterprise", "U7 Pro", "Switch 8 PoE",
                           "Switch 24 PoE", "Dream Machine Pro"], 250.0),
    ("Cisco Meraki", "MR", ["MR36", "MR46", "MR57"], 899.0),
    ("Cisco Meraki", "MX", ["MX67", "MX68", "MX75"], 1100.0),
    ("Fortinet", "FortiGate", ["40F", "60F", "80F", "100F"], 695.0),
    ("Synology", "DiskStation", ["DS224+", "DS423+", "DS923+", "DS1522+"], 700.0),
    ("APC", "Back-UPS Pro", ["900VA", "1300VA", "1500VA"], 380.0),
    ("APC", "Smart-UPS", ["1000VA", "1500VA", "2200VA", "3000VA"], 900.0),
    ("Netgear", "ProSAFE", ["GS108", "GS308", "GS316", "GS724T"], 90.0),
    ("Logitech", "MX", ["Keys", "Master 3S", "Anywhere 3", "Keys Mini"], 150.0),
    ("Yealink", "IP Phone", ["T31P", "T43U", "T54W", "T57W"], 220.0),
    ("Samsung", "Galaxy", ["A35", "A55", "S24", "S24 Ultra", "Tab S9"], 800.0),
    ("Apple", "MacBook", ["Air 13 M3", "Air 15 M3", "Pro 14 M3", "Pro 16 M3 Max"], 2100.0),
    ("Apple", "iPad", ["10th gen", "Air 11 M2", "Pro 11 M4"], 900.0),
    ("Microsoft", "Surface", ["Pro 10", "Laptop 6", "Go 4"], 1900.0),
]
_HW_EXTRAS = ["", " 16GB 512GB", " 8GB 256GB", " 32GB 1TB", " i5", " i7", " with dock",
              " 3yr warranty", " 5yr warranty", " refurbished"]
_PARTS = [  # (name pattern, sizes, base price)
    ("Samsung 870 EVO SSD {}", ["250GB", "500GB", "1TB", "2TB", "4TB"], 90.0),
    ("Samsung 990 PRO NVMe {}", ["1TB", "2TB", "4TB"], 160.0),
    ("Kingston DDR4 3200 {} RAM", ["8GB", "16GB", "32GB"], 45.0),
    ("Kingston DDR5 5600 {} RAM", ["16GB", "32GB", "64GB"], 80.0),
    ("WD Red Plus NAS Drive {}", ["4TB", "6TB", "8TB", "12TB"], 170.0),
    ("Seagate IronWolf {}", ["4TB", "8TB", "12TB", "16TB"], 190.0),
    ("Cat6 Patch Cable {}", ["0.5m", "1m", "2m", "3m", "5m", "10m"], 6.0),
    ("Cat6A Patch Cable {}", ["1m", "2m", "5m"], 9.0),
    ("HDMI Cable {}", ["1m", "2m", "5m"], 12.0),
    ("USB-C to {} Adapter", ["HDMI", "DisplayPort", "Ethernet", "USB-A", "VGA"], 25.0),
    ("HP {} Toner", ["58A", "58X", "76A", "76X", "147A", "147X", "206A", "210A"], 130.0),
    ("Brother {} Toner", ["TN-2450", "TN-2480", "TN-3440", "TN-258"], 90.0),
    ("Dell {} Docking Station", ["WD19S", "WD22TB4", "UD22", "HD22Q"], 320.0),
    ("Lenovo ThinkPad {} Dock", ["Universal USB-C", "Thunderbolt 4", "Hybrid USB-C"],
     300.0),
    ("Jabra Evolve2 {} Headset", ["30", "40", "55", "65", "75", "85"], 150.0),
    ("Poly Voyager {} Headset", ["4320", "5200", "Focus 2"], 210.0),
    ("Microsoft 365 {} Add-on", ["Teams Premium", "Copilot", "Extra File Storage",
                                 "Advanced Compliance", "Audio Conferencing"], 15.0),
    ("{} Licence (perpetual)", ["Windows 11 Pro", "Office LTSC 2024", "Visio Standard 2024",
                                "Project Standard 2024", "Windows Server 2025 Standard"],
     300.0),
]
_SERVICES = [("Remote Support", 140.0), ("Onsite Support", 165.0), ("After Hours Support", 220.0),
             ("Project Work", 180.0), ("Emergency Call Out", 250.0), ("Network Design", 190.0),
             ("Security Audit", 1500.0), ("Server Migration", 2400.0),
             ("Microsoft 365 Migration", 4800.0), ("New Starter Setup", 150.0),
             ("End User Training", 120.0), ("Managed Services per workstation", 45.0),
             ("Managed Services per server", 180.0), ("Managed Firewall", 60.0),
             ("Cloud Backup 100GB", 20.0), ("Cloud Backup 500GB", 70.0),
             ("Cloud Backup 1TB", 120.0), ("Domain Renewal", 35.0), ("SSL Certificate", 95.0),
             ("Website Hosting", 30.0), ("Business NBN 100/40", 99.0),
             ("Business NBN 250/25", 149.0), ("Static IP", 10.0), ("VoIP Line", 25.0)]
_SERVICE_SPELLINGS = [" - Hourly", " (hourly)", " per hour", "", " - Fixed Fee"]
_EXPENSES = [("Travel", ["per km", "per hour", "flat"], 0.9), ("Parking", [""], 15.0),
             ("Courier", ["same day", "overnight"], 25.0), ("Cabling", ["per metre",
                                                                       "per point"], 8.0),
             ("Tolls", [""], 9.0), ("Card Surcharge", [""], 1.5),
             ("Equipment Hire", ["per day", "per week"], 60.0),
             ("Accommodation", ["per night"], 180.0)]
_PRODUCT_ABBREV = [("Microsoft 365", "M365"), ("Microsoft", "MS"), ("Business", "Bus"),
                   ("Standard", "Std"), ("Premium", "Prem"), ("Support", "Supp"),
                   ("Google Workspace", "GWS"), ("Exchange Online", "EXO"),
                   ("Professional", "Pro"), ("Enterprise", "Ent"), ("Generation", "Gen"),
                   ("Security", "Sec"), ("Management", "Mgmt")]


def _catalogue(rng: random.Random) -> list[tuple[str, str, float, str]]:
    """(name, SKU, price, category) of every product an MSP might sell, in a stable order."""
    out: list[tuple[str, str, float, str]] = []
    for vendor, editions, base in _LICENCES:
        for k, ed in enumerate(editions):
            for period in ("monthly", "annual"):
                for offer, factor in (("", 1.0), (" Nonprofit", 0.6)):
                    price = round(base * factor * (1 + 0.6 * k)
                                  * (12 * 0.9 if period == "annual" else 1), 2)
                    sku = (f"{''.join(w[0] for w in vendor.split())}{k}{period[0]}"
                           f"{offer[:2].strip()}").upper() + str(rng.randint(100, 999))
                    out.append((f"{vendor} {ed}{offer}{rng.choice(_PERIODS[period])}", sku,
                                price, "Licences"))
    for pattern, sizes, base in _PARTS:
        for k, size in enumerate(sizes):
            sku = re.sub(r"[^A-Z0-9]", "", pattern.format(size).upper())[:10] + \
                str(rng.randint(10, 99))
            out.append((pattern.format(size), sku, round(base * (1 + 0.5 * k), 2), "Parts"))
    for vendor, family, models, base in _HARDWARE:
        for model in models:
            for extra in _HW_EXTRAS:
                sku = re.sub(r"[^A-Z0-9]", "", f"{family[:3]}{model}{extra}".upper())[:12] + \
                    str(rng.randint(10, 99))
                out.append((f"{vendor} {family} {model}{extra}", sku,
                            round(base * rng.uniform(0.8, 1.3), 2), "Hardware"))
    for name, price in _SERVICES:
        out.append((name + rng.choice(_SERVICE_SPELLINGS), "", price, "Services"))
    for name, kinds, price in _EXPENSES:
        for kind in kinds:
            out.append((f"{name} - {kind}" if kind else name, "", price, "Expenses"))
    return out


def _vary_product(rng: random.Random, name: str) -> tuple[str, str]:
    r = rng.random()
    if r < 0.35:
        return name, "exact"
    if r < 0.50:
        out = name
        for full, short in rng.sample(_PRODUCT_ABBREV, len(_PRODUCT_ABBREV)):
            if full in out:
                out = out.replace(full, short, 1)
                if rng.random() < 0.5:
                    break
        return (out, "abbreviation") if out != name else (name.lower(), "case")
    if r < 0.65:
        for spellings in _PERIODS.values():
            for sp in spellings:
                if name.endswith(sp):
                    others = [x for x in spellings if x != sp]
                    return name[: -len(sp)] + rng.choice(others), "period spelling"
        return _typo(rng, name), "typo"
    if r < 0.75:
        words = name.split(" ")
        if len(words) > 3:
            return " ".join(words[1:]), "vendor dropped"
        return name, "exact"
    if r < 0.82:
        return _typo(rng, name), "typo"
    if r < 0.88:
        return name.replace(" - ", " ").replace("(", "").replace(")", ""), "punctuation"
    return name.lower(), "case"


# --- the organisation ------------------------------------------------------------------------


@dataclass
class Org:
    xero: dict[str, Any]  # {"Contacts": [...], "Items": [...]} (Xero's API shapes)
    atera: dict[str, Any]  # customers, contacts, products, expenses, ... (Atera's shapes)
    # atera id (CustomerID as text, product:<id>, expense:<id>) -> Xero id or None
    truth: dict[str, dict[str, str | None]] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)  # atera id -> the variation made

    def pairs(self) -> dict[str, str]:
        """Xero id -> Atera id of every record both sides have."""
        return {x: a for kind in self.truth.values() for a, x in kind.items() if x}


def _phone(rng: random.Random, area: str) -> str:
    return f"{area} {rng.randint(5000, 9999)} {rng.randint(1000, 9999)}"


def org(customers: int = 2000, products: int = 1000, seed: int = 20261205,
        shared: float = 0.78, shared_products: float = 0.8) -> Org:
    """An Atera MSP with ``customers`` customers and ``products`` products and expenses, and
    its Xero organisation (the shared records, spelt the Xero way, and records only Xero
    has). ``shared``: the share of Atera customers Xero has (products: ``shared_products``)."""
    rng = random.Random(seed)
    o = Org({"Contacts": [], "Items": []}, {"customers": [], "contacts": [], "products": [],
                                            "expenses": [], "contracts": [], "invoices": []})
    o.truth = {"customers": {}, "products": {}}
    taken: set[str] = set()  # folded names in use on either side
    evidence: set[str] = set()  # domains, phones and tax numbers in use
    # --- customers -------------------------------------------------------------------
    companies: list[dict[str, Any]] = []
    while len(companies) < int(customers * 1.4):
        core = _company_core(rng)
        name = f"{core} {rng.choice(_SUFFIXES)}".strip()
        city, area = rng.choice(_CITIES)
        slug = _slug(core)
        domain = f"{slug}.com.au"
        phone = _phone(rng, area)
        abn = " ".join(str(rng.randint(10, 99)) + "".join(str(rng.randint(0, 9))
                                                           for _ in range(k))
                       for k in (0, 1, 1, 1))[:14]
        if _fold(name) in taken or domain in evidence or phone in evidence:
            continue
        taken.add(_fold(name))
        evidence |= {domain, phone, abn}
        companies.append({"core": core, "name": name, "city": city, "domain": domain,
                          "phone": phone, "abn": abn})
    atera_side = companies[:customers]
    xero_only = companies[customers:]
    end_user = 500000
    for i, c in enumerate(atera_side):
        cid = 10000 + i
        has_domain = rng.random() < 0.6
        o.atera["customers"].append({
            "CustomerID": cid, "CustomerName": c["name"],
            "Domain": c["domain"] if has_domain else None,
            "Phone": f"+61 {c['phone'][1:]}" if rng.random() < 0.6 else None,
            "BusinessNumber": c["abn"] if rng.random() < 0.4 else None,
            "City": c["city"], "Country": "Australia", "CreatedOn": "2024-01-01T00:00:00",
            "LastModified": "2026-07-01T00:00:00"})
        for _ in range(rng.randint(1, 3)):
            end_user += 1
            first = rng.choice(["amy", "ben", "chen", "dev", "eli", "fatima", "gus", "hana",
                                "ivan", "jo", "kai", "lena", "mo", "nina", "omar", "pia"])
            host = c["domain"] if rng.random() < 0.8 else rng.choice(_FREE_MAIL)
            o.atera["contacts"].append({
                "EndUserID": end_user, "CustomerID": cid, "CustomerName": c["name"],
                "Firstname": first.title(), "Lastname": _surname(rng),
                "Email": f"{first}{end_user % 97}@{host}", "Phone": None,
                "IsContactPerson": True, "Archived": False})
        if rng.random() < shared:
            xname, how = _vary_company(rng, c["name"], c["core"])
            if _fold(xname) in taken and _fold(xname) != _fold(c["name"]):
                xname, how = c["name"], "exact"  # the variation hit another company's name
            taken.add(_fold(xname))
            xid = str(uuid.UUID(int=rng.getrandbits(128)))
            # an acronym is only recognisable by what else the two records share
            o.xero["Contacts"].append(_xero_contact(rng, xid, xname, c,
                                                    email=how == "acronym"))
            o.truth["customers"][str(cid)] = xid
            o.kinds[str(cid)] = how
        else:
            o.truth["customers"][str(cid)] = None
            o.kinds[str(cid)] = "atera only"
    for c in xero_only:
        xid = str(uuid.UUID(int=rng.getrandbits(128)))
        o.xero["Contacts"].append(_xero_contact(rng, xid, c["name"], c,
                                                supplier=rng.random() < 0.3))
    # --- products --------------------------------------------------------------------
    cat = _catalogue(rng)
    rng.shuffle(cat)
    names_taken: set[str] = set()
    picked: list[tuple[str, str, float, str]] = []
    for entry in cat:
        if _fold(entry[0]) not in names_taken:
            names_taken.add(_fold(entry[0]))
            picked.append(entry)
    atera_items = picked[:products]
    xero_items_only = picked[products:products + products // 10]
    code_taken: set[str] = set()
    for i, (name, sku, price, category) in enumerate(atera_items):
        expense = category == "Expenses"
        rid = (500 if expense else 1) + i
        aid = f"{'expense' if expense else 'product'}:{rid}"
        o.atera["expenses" if expense else "products"].append({
            "RateID": rid, "Description": name, "Amount": price,
            "SKU": sku if sku and rng.random() < 0.7 else None, "Category": category})
        if rng.random() < shared_products:
            xname, how = _vary_product(rng, name)
            if _fold(xname) in names_taken and _fold(xname) != _fold(name):
                xname, how = name, "exact"
            names_taken.add(_fold(xname))
            code = sku if sku and sku.casefold() not in code_taken and rng.random() < 0.4 \
                else f"I{len(code_taken) + 1:05d}"
            code_taken.add(code.casefold())
            xprice = price if rng.random() < 0.75 else round(price * rng.uniform(0.9, 1.1), 2)
            xid = str(uuid.UUID(int=rng.getrandbits(128)))
            o.xero["Items"].append(_xero_item(xid, code, xname, xprice))
            o.truth["products"][aid] = xid
            o.kinds[aid] = how
        else:
            o.truth["products"][aid] = None
            o.kinds[aid] = "atera only"
    for name, _sku, price, _category in xero_items_only:
        code = f"X{len(code_taken) + 1:05d}"
        code_taken.add(code.casefold())
        o.xero["Items"].append(_xero_item(str(uuid.UUID(int=rng.getrandbits(128))), code,
                                          name, price))
    o.atera["account"] = {"AccountID": "gen-0001", "CompanyName": "Generated MSP Pty Ltd",
                          "Country": "Australia"}
    return o


def _xero_contact(rng: random.Random, xid: str, name: str, c: dict[str, Any], *,
                  supplier: bool = False, email: bool = False) -> dict[str, Any]:
    phone = c["phone"] if rng.random() < 0.5 else ""
    return {
        "ContactID": xid, "ContactStatus": "ACTIVE", "Name": name,
        "EmailAddress": f"accounts@{c['domain']}" if email or rng.random() < 0.7 else "",
        "TaxNumber": c["abn"] if rng.random() < 0.4 else "",
        "Addresses": [{"AddressType": "STREET", "City": c["city"], "Country": "Australia"}],
        "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": phone}],
        "IsSupplier": supplier, "IsCustomer": not supplier,
    }


def _xero_item(xid: str, code: str, name: str, price: float) -> dict[str, Any]:
    return {"ItemID": xid, "Code": code[:30], "Name": name[:50], "Description": name,
            "IsSold": True, "IsPurchased": False,
            "SalesDetails": {"UnitPrice": price, "AccountCode": "200"}}
