"""Normalisation of company and product names, and of the evidence fields beside them.

Everything here works on whole columns (pandas string methods with precompiled patterns), so
100,000 names normalise in well under a second. The original text is never replaced: callers
keep it beside the normalised form, and the evidence text quotes what was removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pandas as pd

__all__ = [
    "FREE_MAIL",
    "LEGAL_SUFFIXES",
    "code_key",
    "company_parts",
    "domain_key",
    "exact_key",
    "legal_suffix",
    "normalise_company",
    "normalise_product",
    "phone_key",
    "product_codes",
    "text_key",
]

# Legal forms across many countries, written as they look once dots are gone and the name is
# lower case. Multi-word forms come first so "pty ltd" goes as one.
LEGAL_SUFFIXES: tuple[str, ...] = (
    "pty ltd", "pty limited", "pte ltd", "pvt ltd", "private limited", "sdn bhd", "co ltd",
    "company limited", "gmbh co kg", "gmbh and co kg", "s a", "s r l", "s p a", "b v", "n v",
    "ltd", "limited", "pty", "llc", "l l c", "inc", "incorporated", "corp", "corporation",
    "co", "company", "gmbh", "ag", "kg", "sa", "sarl", "sas", "bv", "nv", "ab", "as", "asa",
    "oy", "oyj", "spa", "srl", "kk", "plc", "llp", "lp", "pte", "pvt", "bhd", "se", "sl",
    "ug", "aps", "a s", "nl", "cv", "sro", "spzoo", "sp z o o", "kft", "doo", "ulc", "lc",
    "pllc", "pc",
)

# Common abbreviations written out, so "Intl Mfg" and "International Manufacturing" agree.
_ABBREV: dict[str, str] = {
    "intl": "international", "int'l": "international", "mfg": "manufacturing",
    "bros": "brothers", "svc": "services", "svcs": "services", "grp": "group",
    "hldgs": "holdings", "hldg": "holdings", "natl": "national", "assoc": "associates",
    "assocs": "associates", "mgmt": "management", "mgt": "management", "sys": "systems",
    "ctr": "center", "centre": "center", "tech": "technology", "technologies": "technology",
    "dept": "department", "univ": "university", "inst": "institute", "dist": "distribution",
    "elec": "electric", "engr": "engineering", "eng": "engineering", "fin": "financial",
    "ins": "insurance", "invt": "investment", "mtg": "mortgage", "prods": "products",
    "pharma": "pharmaceuticals", "pharm": "pharmaceuticals", "solns": "solutions",
    "st": "saint", "mt": "mount", "ft": "fort", "&": "and",
}

_COMBINING = re.compile(r"[\u0300-\u036f]")
_APOS = re.compile(r"['’`´]")
_DOT_ABBR = re.compile(r"(?<=\b\w)\.(?=\w\b)|(?<=\b\w)\.")
_AMP = re.compile(r"\s*[&+]\s*")
_NON_WORD = re.compile(r"[^\w]+")
_SPACES = re.compile(r"\s+")
_ABBREV_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _ABBREV), key=len,
                                                       reverse=True)) + r")\b")
# "and" between two words goes; a run of them ("0+&0" is "0 and and 0") all at once, so a
# second pass finds none left (idempotent)
_AND = re.compile(r"(?<=\S) and(?= \S)")
_THE = re.compile(r"^(?:the )+")
_SUFFIX_ALT = "|".join(re.escape(s) for s in sorted(LEGAL_SUFFIXES, key=len, reverse=True))
_SUFFIX_TAIL = re.compile(r"(?:^| )((?:(?:" + _SUFFIX_ALT + r")(?: |$))+)$")

FREE_MAIL: frozenset[str] = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
    "yahoo.com", "yahoo.co.uk", "icloud.com", "me.com", "aol.com", "proton.me",
    "protonmail.com", "gmx.com", "gmx.de", "web.de", "bigpond.com", "bigpond.net.au",
    "optusnet.com.au", "xtra.co.nz", "hotmail.co.uk", "btinternet.com", "mail.com",
    "zoho.com", "yandex.com", "qq.com", "163.com",
})


def _on_uniques(fn: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """Run a column function once per distinct value (cities, countries and empty fields
    repeat a lot), then spread the results back over the rows."""
    def wrapped(values: pd.Series) -> pd.Series:
        codes, uniques = pd.factorize(values, use_na_sentinel=False)
        if len(uniques) * 2 > len(values):
            return fn(values)
        done = fn(pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
        return pd.Series(done[codes], index=values.index, dtype=object)
    return wrapped


def _s(values: pd.Series | list[str]) -> pd.Series:
    """Object strings with missing values as ""; keeps the index."""
    s = values if isinstance(values, pd.Series) else pd.Series(values, dtype=object)
    return s.astype(object).where(s.notna(), "").astype(str)


def _fold(s: pd.Series) -> pd.Series:
    """Lower case without accents: NFKD, then drop combining marks (keeps non-Latin scripts)."""
    return s.str.normalize("NFKD").str.replace(_COMBINING, "", regex=True).str.casefold()


def exact_key(values: pd.Series | list[str]) -> pd.Series:
    """Case- and space-insensitive form: what "the same name" means for an exact match."""
    return _fold(_s(values)).str.replace(_SPACES, " ", regex=True).str.strip()


def _base(s: pd.Series) -> pd.Series:
    s = _fold(s)
    s = s.str.replace(_APOS, "", regex=True)
    s = s.str.replace(_DOT_ABBR, "", regex=True)  # "S.A." -> "sa", "J. Smith" -> "j smith"
    s = s.str.replace(_AMP, " and ", regex=True)
    s = s.str.replace(_NON_WORD, " ", regex=True).str.replace("_", " ", regex=False)
    return s.str.replace(_SPACES, " ", regex=True).str.strip()


def _company_pass(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    s = _base(s)
    s = s.str.replace(_ABBREV_RE, lambda m: _ABBREV[m.group(1)], regex=True)
    s = s.str.replace(_AND, "", regex=True)
    s = s.str.replace(_SPACES, " ", regex=True).str.strip()
    no_the = s.str.replace(_THE, "", regex=True)
    s = no_the.where(no_the.str.len() > 0, s)
    removed = s.str.extract(_SUFFIX_TAIL, expand=False).fillna("").str.strip()
    stripped = s.str.replace(_SUFFIX_TAIL, "", regex=True).str.strip()
    # A name that is nothing but legal words ("The Co Ltd") keeps them: never empty a name.
    keep = stripped.str.len() == 0
    return stripped.where(~keep, s), removed.where(~keep, "")


def normalise_company(values: pd.Series | list[str]) -> pd.Series:
    """Company names for comparison: no case, accents, punctuation, "&"/"and", "The ..."
    or trailing legal form (Ltd, Pty Ltd, GmbH, SA, Oy, KK, PLC ...); abbreviations
    written out. Idempotent."""
    out, _ = _company_pass(_s(values))
    return out


def legal_suffix(values: pd.Series | list[str]) -> pd.Series:
    """The legal form normalisation removed from each name ("" if none), for evidence."""
    _, removed = _company_pass(_s(values))
    return removed


def company_parts(values: pd.Series | list[str]) -> tuple[pd.Series, pd.Series]:
    """Both at once: the normalised names and the legal forms removed from them."""
    return _company_pass(_s(values))


# --- products ------------------------------------------------------------------------------

_PERIODS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:per year|a year|per annum|pa|annual|annually|yearly|yr|1 year|"
                r"12 months?|1yr|years?)\b"), " annual "),
    (re.compile(r"\b(?:per month|a month|monthly|month to month|months?|mth|p m|pm|per mo|"
                r"mo)\b"), " monthly "),
    (re.compile(r"\b(?:per user|a user|user|users|per seat|seat|seats|per licence|"
                r"per license)\b"), " user "),
    (re.compile(r"\b(?:per hour|an hour|hourly|hr|hrs|hours?)\b"), " hour "),
    (re.compile(r"\b(?:per device|a device|device|devices|endpoint|endpoints)\b"), " device "),
)
_UNIT_JOIN = re.compile(
    r"\b(\d+(?:\.\d+)?) ?(tb|gb|mb|kb|ghz|mhz|hz|mm|cm|m|in|inch|inches|ft|w|kw|v|mah|"
    r"port|ports|pk|pack|x)\b")
_UNIT_CANON = {"inch": "in", "inches": "in", "ports": "port", "pack": "pk"}
_VERSION = re.compile(r"\b(?:version|ver|v) ?(\d+(?:\.\d+)*)\b")
_CODE_HYPHEN = re.compile(r"(?<=[a-z0-9])[-/](?=[a-z0-9])")
_NON_WORD_PRODUCT = re.compile(r"(?:(?<!\d)\.|\.(?!\d)|[^\w.])+")
_PRODUCT_STOP = re.compile(r"\b(?:the|and|for|with|of|a|an|by|in|to)\b")
_CODE_TOKEN = re.compile(r"\b(?=[a-z]*\d)(?=\d*[a-z])[a-z0-9]{4,}\b|\b\d{5,}\b")
# A number with a unit or count ("500gb", "50sheet", "8port", "2pk", "720p", "50th", "2in1")
# is a size or a quantity that many products share, not a model number; nor is a short
# number glued to a word ("49ers", "3com", "4runner"): a name, which the words compare.
_QUANTITY = re.compile(
    r"\d{1,2}[a-z]{3,}|"
    r"\d+(?:\.\d+)?(?:[kmgt]?b|[kmgt]?bps|[kmg]?hz|[mck]?m|in|inch|inches|ft|feet|yd|oz|lbs?|"
    r"kg|g|mg|ml|l|[mk]?w|wh|v|mah|ah|a|ohm|db|dpi|ppm|rpm|fps|mp|bit|bits|p|k|d|x|"
    r"port|ports|pk|pack|packs|ct|count|pcs?|pieces?|sheets?|pages?|users?|seats?|discs?|"
    r"disks?|keys?|pins?|way|ply|lines?|colou?rs?|gauge|awg|cups?|watts?|volts?|amps?|"
    r"st|nd|rd|th|in\d+|x\d+\w*|to\d+)")


def _product_base(s: pd.Series) -> pd.Series:
    s = _fold(s).str.replace(_APOS, "", regex=True)
    s = s.str.replace(_CODE_HYPHEN, "", regex=True)  # "DCS-1100" -> "dcs1100", "wi-fi" -> "wifi"
    s = s.str.replace(_AMP, " and ", regex=True)
    # punctuation goes, except a dot inside a number ("6.0")
    s = s.str.replace(_NON_WORD_PRODUCT, " ", regex=True).str.replace("_", " ", regex=False)
    return s.str.replace(_SPACES, " ", regex=True).str.strip()


def normalise_product(values: pd.Series | list[str]) -> pd.Series:
    """Product names for comparison: no case, accents or punctuation; billing periods in one
    spelling ("monthly", "annual", "user", "hour", "device"); "10 GB" -> "10gb"; "Version 2"
    -> "v2"; "DCS-1100" -> "dcs1100"; filler words dropped. Idempotent."""
    s = _product_base(_s(values))
    for pattern, canon in _PERIODS:
        s = s.str.replace(pattern, canon, regex=True)
    s = _join_units(s.str.replace(_SPACES, " ", regex=True).str.strip())
    dropped = s.str.replace(_PRODUCT_STOP, " ", regex=True)
    # a dropped word can bring a number next to its unit ("0 & V" -> "0 v"): join again,
    # or a second pass would (the result must be idempotent)
    dropped = _join_units(dropped.str.replace(_SPACES, " ", regex=True).str.strip())
    return dropped.where(dropped.str.len() > 0, s)


def _join_units(s: pd.Series) -> pd.Series:
    """``10 GB`` -> ``10gb``, ``version 2`` -> ``v2`` (on normalised, spaced text)."""
    s = s.str.replace(
        _UNIT_JOIN, lambda m: m.group(1) + _UNIT_CANON.get(m.group(2), m.group(2)), regex=True
    )
    return s.str.replace(_VERSION, lambda m: "v" + m.group(1), regex=True)


def product_codes(values: pd.Series | list[str]) -> pd.Series:
    """Code-like tokens (model numbers, SKUs: letters and digits mixed, or 5+ digits) found
    in each text, as a space-joined sorted set; sizes and counts ("500gb", "50-sheet") are
    not codes."""
    s = _product_base(_s(values))
    found = s.str.findall(_CODE_TOKEN)
    return found.map(
        lambda xs: " ".join(sorted({x for x in xs if not _QUANTITY.fullmatch(x)})))


# --- evidence keys -------------------------------------------------------------------------

_URL_HOST = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:[^@/]*@)?(?:www\d?\.)?([^/:?#\s]+).*$")
_NOT_DIGIT = re.compile(r"\D+")
_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def domain_key(values: pd.Series | list[str]) -> pd.Series:
    """The host of an e-mail address, web address or bare domain, lower case, without
    "www."; free-mail hosts (gmail.com ...) give "" because they say nothing about a company."""
    return _domain_key(_s(values))


@_on_uniques
def _domain_key(values: pd.Series) -> pd.Series:
    s = _s(values).str.strip().str.lower()
    s = s.str.replace(_URL_HOST, r"\1", regex=True).str.strip(".")
    s = s.where(s.str.contains(".", regex=False), "")
    return s.where(~s.isin(FREE_MAIL), "")


def phone_key(values: pd.Series | list[str]) -> pd.Series:
    """The last 8 digits of a phone number (so +61 2 9999 1234 and (02) 9999 1234 agree);
    "" when fewer than 6 digits."""
    return _phone_key(_s(values))


@_on_uniques
def _phone_key(values: pd.Series) -> pd.Series:
    d = _s(values).str.replace(_NOT_DIGIT, "", regex=True)
    d = d.str[-8:]
    return d.where(d.str.len() >= 6, "")


def code_key(values: pd.Series | list[str]) -> pd.Series:
    """Codes, SKUs and tax numbers compared without case, spaces or punctuation."""
    return _code_key(_s(values))


@_on_uniques
def _code_key(values: pd.Series) -> pd.Series:
    return _fold(_s(values)).str.replace(_NOT_ALNUM, "", regex=True)


def text_key(values: pd.Series | list[str]) -> pd.Series:
    """Free text (cities, countries, descriptions) without case, accents or punctuation."""
    return _text_key(_s(values))


@_on_uniques
def _text_key(values: pd.Series) -> pd.Series:
    return _base(_s(values))
