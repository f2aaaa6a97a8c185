"""Evidence beyond the name, one rule per field, each giving +1 (agrees), -1 (disagrees) or 0
(one side has nothing to say) per candidate pair, plus the words that explain it.

Customers: web/e-mail domain, phone digits, tax number, city, country.
Products: code/SKU, model numbers found in names and codes, numbers/versions, sizes and
counts per unit, colour or finish (also service tiers: gold, silver ...), price, description.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from rapidfuzz import fuzz, process

from ._normalise import code_key, domain_key, normalise_product, phone_key, product_codes, text_key

__all__ = ["CUSTOMER_RULES", "PRODUCT_RULES", "Rule", "prepare"]

FloatArray = npt.NDArray[np.float64]


def _col(frame: pd.DataFrame, *names: str) -> pd.Series:
    """The first of ``names`` present in ``frame`` as text ("" when missing)."""
    for n in names:
        if n in frame.columns:
            return frame[n].astype(object).where(frame[n].notna(), "").astype(str)
    return pd.Series([""] * len(frame), index=frame.index, dtype=object)


def _multi(frame: pd.DataFrame, cols: tuple[str, ...],
           key: Callable[[pd.Series], pd.Series], sep: str) -> pd.Series:
    """The keys of every value in ``cols`` (a value may hold several, split by the regex
    ``sep``), space-joined per row. Only the rows that hold several values take the slow
    path, so 100k single-valued rows stay vectorised."""
    out = pd.Series([""] * len(frame), index=frame.index, dtype=object)
    for c in cols:
        col = _col(frame, c)
        if not col.str.len().any():
            continue
        many = col.str.contains(sep, regex=True)
        k = pd.Series([""] * len(frame), index=frame.index, dtype=object)
        if (~many).any():
            k[~many] = key(col[~many])
        if many.any():
            items = col[many].str.split(sep, regex=True).explode().fillna("").astype(str)
            ks = key(items)
            ks = ks[ks != ""]
            if len(ks):
                k[ks.index.unique()] = ks.groupby(level=0).agg(
                    lambda xs: " ".join(dict.fromkeys(xs)))
        o, kv = out.to_numpy(dtype=object), k.to_numpy(dtype=object)
        add = (kv != "") & (kv != o)
        out = pd.Series(np.where(add & (o != ""), o + " " + kv, np.where(add, kv, o)),
                        index=frame.index, dtype=object)
    return out


def _domains(frame: pd.DataFrame) -> pd.Series:
    # Atera's Domain, the web site and the e-mails all name the same thing: a company's host.
    return _multi(frame, ("domain", "website", "email"), domain_key, r"[\s,;]+")


def _price(frame: pd.DataFrame) -> pd.Series:
    text = _col(frame, "price", "unit_price").str.replace(r"[^0-9.\-]", "", regex=True)
    p = pd.Series(pd.to_numeric(text.where(text != "", None), errors="coerce"),
                  index=frame.index, dtype=float)
    return p.where(p > 0)


_NUMBER = r"\b(?:v?\d+(?:\.\d+)*|[a-z]{1,3}\d{1,2})\b"


def _numbers(names: pd.Series) -> pd.Series:
    """Short numbers and version-like tokens of a name ("2007", "v11.1", "cs3", "g10"), which
    tell editions and generations apart."""
    found = normalise_product(names).str.findall(_NUMBER)
    return found.map(lambda xs: " ".join(sorted(set(xs))))


_SIZE_UNIT = {"inch": "in", "inches": "in", "ports": "port", "pack": "pk", "packs": "pk",
              "sheets": "sheet", "pages": "page", "pcs": "pc", "piece": "pc", "pieces": "pc",
              "count": "ct", "lbs": "lb", "keys": "key", "pins": "pin", "discs": "disc",
              "watt": "w", "watts": "w", "volt": "v", "volts": "v"}
_SIZE = re.compile(
    r"\b(\d+(?:\.\d+)?) ?(tb|gb|mb|kb|ghz|mhz|mm|cm|m|in|inch|inches|ft|w|watts?|kw|v|volts?|"
    r"mah|ports?|pk|packs?|pins?|sheets?|pages?|ct|count|pcs?|pieces?|user|device|discs?|keys?|"
    r"oz|lbs?|ml|l|p|k|mp|way|ply|awg|gauge)\b(?! ?\d)")


def _sizes(names: pd.Series) -> pd.Series:
    """Sizes and counts of a name as ``unit=value`` ("500 GB" -> ``gb=500``, "25-Pin" ->
    ``pin=25``, "5 users" -> ``user=5``): two names that give the same unit different values
    are different products (a 9-pin connector is not a 25-pin one)."""
    found = normalise_product(names).str.findall(_SIZE)
    return found.map(lambda xs: " ".join(sorted(
        {f"{_SIZE_UNIT.get(u, u)}={float(v):g}" for v, u in xs})))


def _by_unit(key: str) -> dict[str, set[str]]:
    """``"gb=500 gb=1000 pin=25"`` -> ``{"gb": {"500", "1000"}, "pin": {"25"}}``."""
    out: dict[str, set[str]] = {}
    for t in key.split():
        u, v = t.split("=", 1)
        out.setdefault(u, set()).add(v)
    return out


def _size_rule(lk: pd.DataFrame, rk: pd.DataFrame) -> tuple[FloatArray, list[str]]:
    """Per unit both names give: a value in common agrees, none in common disagrees (any
    disagreeing unit wins); units only one side gives say nothing."""
    a, b = lk["size"].tolist(), rk["size"].tolist()
    val = np.zeros(len(a))
    detail = [""] * len(a)
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if not x or not y:
            continue
        lu, ru = _by_unit(x), _by_unit(y)
        common = sorted(lu.keys() & ru.keys())
        if not common:
            continue
        differ = [u for u in common if not lu[u] & ru[u]]
        if differ:
            u = differ[0]
            val[i] = -1.0
            detail[i] = f"{'/'.join(sorted(lu[u]))} vs {'/'.join(sorted(ru[u]))} {u}"
        else:
            u = common[0]
            val[i] = 1.0
            detail[i] = f"{sorted(lu[u] & ru[u])[0]} {u}"
    return val, detail


_VARIANT = {
    "upgrade": "upgrade", "upg": "upgrade", "academic": "academic", "education": "academic",
    "educational": "academic", "edu": "academic", "student": "academic",
    "students": "academic", "oem": "oem", "refurbished": "refurbished",
    "refurb": "refurbished", "renewed": "refurbished", "recertified": "refurbished",
    "bundle": "bundle", "kit": "bundle", "combo": "bundle", "trial": "trial",
    "renewal": "renewal", "renew": "renewal",
}
_VARIANT_RE = re.compile(r"\b(" + "|".join(sorted(_VARIANT, key=len, reverse=True)) + r")\b")


def _variants(names: pd.Series) -> pd.Series:
    """Words that make another offer of the same product: an upgrade, an academic or OEM
    licence, a renewal, a trial, refurbished stock, a bundle or kit."""
    found = names.str.lower().str.findall(_VARIANT_RE)
    return found.map(lambda xs: " ".join(sorted({_VARIANT[x] for x in xs})))


def _variant_rule(lk: pd.DataFrame, rk: pd.DataFrame) -> tuple[FloatArray, list[str]]:
    """Both names the same offer (+1 when they name one), or one an offer the other is not
    (-1: "Office 2007 Upgrade" is not "Office 2007")."""
    a, b = lk["variant"].tolist(), rk["variant"].tolist()
    val = np.zeros(len(a))
    detail = [""] * len(a)
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if x == y:
            if x:
                val[i], detail[i] = 1.0, x.replace(" ", ", ")
        else:
            val[i] = -1.0
            detail[i] = ", ".join(sorted(set(x.split()) ^ set(y.split())))
    return val, detail


_COLOUR = (r"\b(black|white|silver|stainless|red|blue|green|pink|gr[ae]y|gold|platinum|bronze"
           r"|brown|purple|orange|yellow|beige|graphite|titanium|ivory|bisque|navy|teal"
           r"|charcoal|chrome|rose)\b")


def _colours(names: pd.Series) -> pd.Series:
    """Colour and finish words of a name ("white", "stainless", "gold" ...): the same model
    in another colour, or another tier of a plan, is another product."""
    low = names.str.lower().str.replace(r"\bred\s*hat\b", " ", regex=True)  # the vendor
    found = low.str.findall(_COLOUR)
    return found.map(lambda xs: " ".join(sorted({x.replace("grey", "gray") for x in xs})))


def prepare(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The evidence keys of one side, computed once per frame (vectorised)."""
    out = pd.DataFrame(index=frame.index)
    if kind == "customers":
        out["domain"] = _domains(frame)
        # phone numbers contain spaces: several in one field are separated by , ; or /
        out["phone"] = _multi(frame, ("phone", "mobile"), phone_key, r"[,;/]+")
        out["tax"] = code_key(_col(frame, "tax_number", "business_number"))
        out["city"] = text_key(_col(frame, "city"))
        out["country"] = text_key(_col(frame, "country"))
    else:
        code = code_key(_col(frame, "code"))
        sku = code_key(_col(frame, "sku"))
        out["code"] = code.str.cat(sku, sep=" ").str.split().map(
            lambda xs: " ".join(sorted(set(xs))))
        texts = _col(frame, "name") + " " + _col(frame, "code") + " " + _col(frame, "sku")
        out["model"] = product_codes(texts)
        out["numbers"] = _numbers(_col(frame, "name"))
        out["size"] = _sizes(_col(frame, "name"))
        out["colour"] = _colours(_col(frame, "name"))
        out["variant"] = _variants(_col(frame, "name"))
        out["price"] = _price(frame)
        desc = _col(frame, "description")
        out["desc"] = normalise_product(desc)
    return out


def _sets_agree(a: list[str], b: list[str]) -> tuple[FloatArray, list[str]]:
    """+1 when the two space-separated sets share a value, -1 when both are non-empty and
    share none, 0 otherwise; plus the shared value."""
    val = np.zeros(len(a))
    shared: list[str] = [""] * len(a)
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        if not x or not y:
            continue
        common = set(x.split()) & set(y.split())
        if common:
            val[i] = 1.0
            shared[i] = sorted(common, key=len, reverse=True)[0]
        else:
            val[i] = -1.0
    return val, shared


@dataclass(frozen=True)
class Rule:
    """One evidence rule: ``compute(left_keys, right_keys) -> (values, detail)`` on aligned
    pairs; ``agree``/``differ`` render the words for +1 / -1 (``{}`` gets the detail)."""

    name: str
    compute: Callable[[pd.DataFrame, pd.DataFrame], tuple[FloatArray, list[str]]]
    agree: str
    differ: str
    strong: bool  # strong rules alone can make a suggestion method="evidence"


def _set_rule(col: str) -> Callable[[pd.DataFrame, pd.DataFrame], tuple[FloatArray, list[str]]]:
    def compute(lk: pd.DataFrame, rk: pd.DataFrame) -> tuple[FloatArray, list[str]]:
        return _sets_agree(lk[col].tolist(), rk[col].tolist())
    return compute


def _equal_rule(col: str) -> Callable[[pd.DataFrame, pd.DataFrame], tuple[FloatArray, list[str]]]:
    def compute(lk: pd.DataFrame, rk: pd.DataFrame) -> tuple[FloatArray, list[str]]:
        a, b = lk[col].to_numpy(dtype=object), rk[col].to_numpy(dtype=object)
        both = (a != "") & (b != "")
        val = np.where(both, np.where(a == b, 1.0, -1.0), 0.0)
        return val, [str(x) if v > 0 else "" for x, v in zip(a, val, strict=True)]
    return compute


def _price_rule(lk: pd.DataFrame, rk: pd.DataFrame) -> tuple[FloatArray, list[str]]:
    a, b = lk["price"].to_numpy(dtype=float), rk["price"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.abs(a - b) / np.maximum(a, b)
    # within 2%: agrees; more than 50% apart: disagrees; between: says little
    val = np.where(np.isnan(rel), 0.0, np.where(rel <= 0.02, 1.0, np.where(rel > 0.5, -1.0, 0.0)))
    detail = [f"{x:.2f} vs {y:.2f}" if not np.isnan(r) else ""
              for x, y, r in zip(a, b, rel, strict=True)]
    return val, detail


def _desc_rule(lk: pd.DataFrame, rk: pd.DataFrame) -> tuple[FloatArray, list[str]]:
    a, b = lk["desc"].tolist(), rk["desc"].tolist()
    both = np.array([bool(x) and bool(y) for x, y in zip(a, b, strict=True)])
    val = np.zeros(len(a))
    if both.any():
        idx = np.flatnonzero(both)
        sim = process.cpdist([a[i] for i in idx], [b[i] for i in idx],
                             scorer=fuzz.token_set_ratio, workers=-1)
        # similarity 50 says nothing; 100 is +1, 0 is -1
        val[idx] = (np.asarray(sim, dtype=float) - 50.0) / 50.0
    return val, [f"{round(50 + 50 * v)}%" if w else "" for v, w in zip(val, both, strict=True)]


CUSTOMER_RULES: tuple[Rule, ...] = (
    Rule("domain", _set_rule("domain"), "same web/e-mail domain {}", "different web domains",
         True),
    Rule("phone", _set_rule("phone"), "same phone number (…{})", "different phone numbers",
         True),
    Rule("tax", _equal_rule("tax"), "same tax number {}", "different tax numbers", True),
    Rule("city", _equal_rule("city"), "same city {}", "different cities", False),
    Rule("country", _equal_rule("country"), "same country {}", "different countries", False),
)

PRODUCT_RULES: tuple[Rule, ...] = (
    Rule("code", _set_rule("code"), "same code/SKU {}", "different codes", True),
    Rule("model", _set_rule("model"), "shared model number {}", "no model number in common",
         True),
    Rule("numbers", _set_rule("numbers"), "same number/version {}",
         "different numbers/versions", False),
    Rule("size", _size_rule, "same size/count {}", "different sizes/counts ({})", False),
    Rule("variant", _variant_rule, "same offer ({})", "one side only: {}", False),
    Rule("colour", _set_rule("colour"), "same colour/finish {}", "different colours/finishes",
         False),
    Rule("price", _price_rule, "same price ({})", "prices far apart", False),
    Rule("desc", _desc_rule, "descriptions {} similar", "descriptions differ", False),
)
