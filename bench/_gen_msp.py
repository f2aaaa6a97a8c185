"""Labelled matching sets generated from a seed: an MSP's small-business customers and its
catalogue (licences, hardware, labour rates), as Atera (left) and Xero (right) would hold them.

The generator knows nothing about the matcher: it writes names the way people do (legal forms
dropped or changed, "&"/"and", abbreviations, typos, word order, "(monthly)" vs "per month"),
adds hard negatives (the same trade in another town, Basic vs Premium, monthly vs annual) and
left rows with no true match.
"""

from __future__ import annotations

import random
import string

import pandas as pd

__all__ = ["customers", "products"]

_SYL = ["ka", "ro", "mi", "tan", "ver", "lo", "bel", "dor", "sa", "ni", "gar", "th", "wen",
        "mar", "cor", "lin", "ste", "ha", "pel", "quin", "bra", "del", "fio", "mon", "rus",
        "ell", "ax", "or", "ton", "vi", "zel", "ja", "ko", "ri", "nu", "pe"]
_TRADES = ["Plumbing", "Electrical", "Dental", "Accounting", "Legal", "Bakery", "Motors",
           "Physio", "Architects", "Landscaping", "Logistics", "Consulting", "Veterinary",
           "Pharmacy", "Builders", "Cafe", "Engineering", "Real Estate", "Optometry",
           "Insurance", "Printing", "Roofing", "Cleaning", "Medical Centre", "Fitness"]
_WORDS = ["Coastal", "Northern", "Summit", "Harbour", "Golden", "Pacific", "Bright", "Metro",
          "Valley", "Riverside", "Oak", "Red", "Blue", "Green", "Central", "United", "Prime",
          "First", "Allied", "Capital", "Eastern", "Western", "Southern", "Heritage"]
_SUFFIXES = ["Pty Ltd", "Ltd", "Limited", "LLC", "Inc", "Inc.", "Co", "GmbH", "", "", ""]
_CITIES = ["Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide", "Auckland", "Wellington",
           "London", "Manchester", "Leeds", "Denver", "Austin", "Boston", "Toronto", "Dublin"]
_ABBREV = {"International": "Intl", "Services": "Svcs", "Group": "Grp", "Brothers": "Bros",
           "Technology": "Tech", "Management": "Mgmt", "Medical Centre": "Medical Center"}


def _surname(rng: random.Random) -> str:
    return "".join(rng.choice(_SYL) for _ in range(rng.randint(2, 3))).capitalize()


def _company(rng: random.Random) -> str:
    shape = rng.random()
    if shape < 0.35:
        core = f"{_surname(rng)} {rng.choice(_TRADES)}"
    elif shape < 0.55:
        core = f"{_surname(rng)} & {_surname(rng)}"
    elif shape < 0.8:
        core = f"{rng.choice(_WORDS)} {_surname(rng)} {rng.choice(_TRADES)}"
    else:
        core = f"{rng.choice(_WORDS)} {rng.choice(_TRADES)} {rng.choice(['Group', 'Services'])}"
    suffix = rng.choice(_SUFFIXES)
    return f"{core} {suffix}".strip()


def _typo(rng: random.Random, s: str) -> str:
    if len(s) < 4:
        return s
    i = rng.randrange(1, len(s) - 1)
    op = rng.random()
    if op < 0.33:
        return s[:i] + s[i + 1:]
    if op < 0.66:
        return s[:i] + s[i + 1] + s[i] + s[i + 2:]
    return s[:i] + rng.choice(string.ascii_lowercase) + s[i + 1:]


def _perturb_company(rng: random.Random, name: str) -> str:
    out = name
    for full, short in _ABBREV.items():
        if full in out and rng.random() < 0.5:
            out = out.replace(full, short)
    if rng.random() < 0.3:
        out = out.replace(" & ", " and ") if " & " in out else out.replace(" and ", " & ")
    if rng.random() < 0.5:  # legal form dropped or changed
        for suf in sorted(_SUFFIXES, key=len, reverse=True):
            if suf and out.endswith(" " + suf):
                out = out[: -len(suf) - 1]
                break
        out = f"{out} {rng.choice(_SUFFIXES)}".strip()
    if rng.random() < 0.25:
        out = _typo(rng, out)
    if rng.random() < 0.2:
        out = out.upper() if rng.random() < 0.5 else out.lower()
    if rng.random() < 0.1:
        out = "The " + out
    return out


def _slug(name: str) -> str:
    return "".join(c for c in name.lower().split(" pty")[0] if c.isalnum())[:20]


def customers(n_left: int, n_right: int, seed: int = 7, matched: float = 0.8
              ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Atera-like customers (left), Xero-like contacts (right) and the truth pairs."""
    rng = random.Random(seed)
    right_rows: list[dict[str, str]] = []
    seen: set[str] = set()
    while len(right_rows) < n_right:
        name = _company(rng)
        city = rng.choice(_CITIES)
        if (name, city) in seen:
            continue
        seen.add((name, city))
        slug = _slug(name)
        tld = rng.choice([".com", ".com.au", ".co.uk", ".co.nz", ".net"])
        right_rows.append({
            "id": f"x{len(right_rows)}", "name": name,
            "email": f"accounts@{slug}{tld}" if rng.random() < 0.7 else "",
            "website": f"https://www.{slug}{tld}" if rng.random() < 0.3 else "",
            "phone": f"+61 {rng.randint(2, 8)} {rng.randint(1000, 9999)} "
                     f"{rng.randint(1000, 9999)}" if rng.random() < 0.7 else "",
            "tax_number": f"{rng.randint(10, 99)} {rng.randint(100, 999)} "
                          f"{rng.randint(100, 999)} {rng.randint(100, 999)}"
                          if rng.random() < 0.3 else "",
            "city": city, "country": "",
        })
    # hard negatives: the same trade name elsewhere
    for k in range(min(n_right // 20, len(right_rows))):
        src = right_rows[k * 7 % len(right_rows)]
        right_rows.append({**src, "id": f"x{len(right_rows)}",
                           "city": rng.choice([c for c in _CITIES if c != src["city"]]),
                           "email": "", "website": "", "tax_number": "",
                           "phone": f"+61 {rng.randint(2, 8)} {rng.randint(1000, 9999)} "
                                    f"{rng.randint(1000, 9999)}"})
    right = pd.DataFrame(right_rows)
    left_rows: list[dict[str, str]] = []
    truth: list[tuple[str, str]] = []
    picks = rng.sample(range(n_right), min(n_left, n_right))
    for i, j in enumerate(picks):
        lid = f"a{i}"
        if rng.random() < matched:
            src = right_rows[j]
            dom = (src["email"] or src["website"]).split("@")[-1].replace("https://www.", "")
            left_rows.append({
                "id": lid, "name": _perturb_company(rng, src["name"]),
                "domain": dom if rng.random() < 0.6 else "",
                "phone": src["phone"].replace("+61 ", "0") if rng.random() < 0.5 else "",
                "tax_number": src["tax_number"] if rng.random() < 0.5 else "",
                "city": src["city"] if rng.random() < 0.8 else "",
                "country": "",
            })
            truth.append((lid, src["id"]))
        else:
            name = _company(rng)
            left_rows.append({"id": lid, "name": name, "domain": f"{_slug(name)}.com",
                              "phone": "", "tax_number": "", "city": rng.choice(_CITIES),
                              "country": ""})
    return (pd.DataFrame(left_rows), right,
            pd.DataFrame(truth, columns=["left_id", "right_id"]))


# --- products ---------------------------------------------------------------------------------

_LICENCES = [
    ("Microsoft 365 Business Basic", "M365-BB", 6.0), ("Microsoft 365 Business Standard",
     "M365-BS", 12.5), ("Microsoft 365 Business Premium", "M365-BP", 22.0),
    ("Microsoft 365 E3", "M365-E3", 36.0), ("Exchange Online Plan 1", "EXO-P1", 4.0),
    ("Exchange Online Plan 2", "EXO-P2", 8.0), ("Defender for Endpoint P1", "MDE-P1", 3.0),
    ("Defender for Endpoint P2", "MDE-P2", 5.2), ("Google Workspace Business Starter",
     "GWS-BST", 7.2), ("Google Workspace Business Standard", "GWS-BSD", 14.4),
    ("Adobe Acrobat Pro", "ADB-ACP", 23.0), ("Adobe Creative Cloud All Apps", "ADB-CCA", 89.0),
    ("SentinelOne Control", "S1-CTRL", 6.5), ("SentinelOne Complete", "S1-CMPL", 9.0),
    ("Datto SaaS Protection", "DSP-365", 3.5), ("Acronis Cyber Protect Cloud", "ACR-CPC", 4.4),
    ("Huntress Managed EDR", "HNT-EDR", 4.0), ("Zoom Pro", "ZM-PRO", 21.0),
    ("Dropbox Business Advanced", "DBX-ADV", 24.0), ("Atera RMM Agent", "ATR-AGT", 3.0),
]
_HARDWARE = [
    ("Dell Latitude 5440 Laptop", "LAT5440", 1399.0), ("HP ProBook 450 G10", "PB450G10", 1249.0),
    ("Lenovo ThinkPad T14 Gen 4", "21HD0042AU", 1690.0), ("Ubiquiti UniFi U6 Pro Access Point",
     "U6-PRO", 259.0), ("Cisco Meraki MR36 Access Point", "MR36-HW", 899.0),
    ("Synology DiskStation DS923+", "DS923+", 949.0), ("APC Back-UPS Pro 1500VA",
     "BR1500GI", 579.0), ("Netgear GS308 8-Port Switch", "GS308", 49.0),
    ("Logitech MX Keys Keyboard", "920-009418", 169.0), ("Dell UltraSharp U2723QE 27in Monitor",
     "U2723QE", 899.0), ("Yubico YubiKey 5 NFC", "YK5NFC", 79.0),
    ("Fortinet FortiGate 40F Firewall", "FG-40F", 695.0),
]
_LABOUR = [("Remote Support", "LAB-REM", 140.0), ("Onsite Support", "LAB-ONS", 165.0),
           ("After Hours Support", "LAB-AH", 220.0), ("Project Work", "LAB-PRJ", 180.0),
           ("Travel Time", "LAB-TRV", 90.0), ("Emergency Call Out", "LAB-EMG", 250.0)]


def _period_spellings(period: str) -> list[str]:
    if period == "monthly":
        return [" (monthly)", " - Monthly", " per user/month", " /mo", " - per month", " Monthly"]
    return [" (annual)", " - Annual", " per user/year", " 1 Year", " - yearly", " Annual"]


def _abbrev_product(rng: random.Random, name: str) -> str:
    out = name
    for full, short in (("Microsoft 365", "M365"), ("Business", "Bus"), ("Premium", "Prem"),
                        ("Standard", "Std"), ("Support", "Supp"), ("Access Point", "AP"),
                        ("Exchange Online", "EXO"), ("Google Workspace", "GWS")):
        if full in out and rng.random() < 0.35:
            out = out.replace(full, short)
    if rng.random() < 0.15:
        out = _typo(rng, out)
    if rng.random() < 0.15:
        out = out.lower()
    return out


def products(seed: int = 11, unmatched: int = 15
             ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """An MSP catalogue: Atera products/expenses/labour rates (left) vs Xero items (right)."""
    rng = random.Random(seed)
    right_rows: list[dict[str, object]] = []
    catalogue: list[tuple[str, str, float, str]] = []
    for name, code, price in _LICENCES:
        for period in ("monthly", "annual"):
            p = price if period == "monthly" else round(price * 12 * 0.9, 2)
            suffix = "-M" if period == "monthly" else "-A"
            catalogue.append((name + rng.choice(_period_spellings(period)), code + suffix, p,
                              f"{name} licence, billed {period}"))
    for name, code, price in _HARDWARE:
        catalogue.append((name, code, price, f"{name} (hardware)"))
    for name, code, price in _LABOUR:
        catalogue.append((f"{name} - Hourly", code, price, f"{name} per hour"))
    for i, (name, code, price, desc) in enumerate(catalogue):
        right_rows.append({"id": f"item{i}", "name": name, "code": code, "price": price,
                           "description": desc})
    left_rows: list[dict[str, object]] = []
    truth: list[tuple[str, str]] = []
    for i, (name, code, price, _desc) in enumerate(catalogue):
        if rng.random() < 0.15:
            continue  # in Xero only
        base = name
        for sp in _period_spellings("monthly") + _period_spellings("annual"):
            if base.endswith(sp):
                base = base[: -len(sp)]
                period = "monthly" if sp in _period_spellings("monthly") else "annual"
                base += rng.choice(_period_spellings(period))
                break
        lid = ("rate:" if code.startswith("LAB") else "product:") + str(1000 + i)
        left_rows.append({
            "id": lid, "name": _abbrev_product(rng, base),
            "sku": code if rng.random() < 0.4 else "",
            "price": round(price * rng.choice([1.0, 1.0, 1.0, 1.05, 0.95]), 2),
            "description": "",
        })
        truth.append((lid, f"item{i}"))
    for k in range(unmatched):  # on the Atera side only
        left_rows.append({"id": f"expense:{5000 + k}",
                          "name": rng.choice(["Parking", "Courier", "Cabling", "Toner",
                                              "Domain renewal", "SSL certificate",
                                              "Freight", "Adapter"]) + f" {k}",
                          "sku": "", "price": round(rng.uniform(5, 200), 2),
                          "description": ""})
    return (pd.DataFrame(left_rows), pd.DataFrame(right_rows),
            pd.DataFrame(truth, columns=["left_id", "right_id"]))
