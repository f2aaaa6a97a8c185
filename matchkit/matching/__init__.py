"""Matching (core, pure): two frames in, scored and explained candidate pairs out.

No I/O here: ``matchkit.sources`` builds the frames from the workspace, the CLI from CSVs.
"""

from ._assign import NEAR_TIE
from ._match import (
    AUTO_ACCEPT,
    DEFAULT_THRESHOLD,
    KINDS,
    OUTPUT_COLUMNS,
    Kind,
    auto_accepted,
    match_frames,
    pair_features,
)
from ._new import (
    CLEARLY_NEW,
    STATUSES,
    NewBar,
    acronyms,
    similar_names,
    suggest_threshold,
    triage,
)
from ._normalise import (
    domain_key,
    exact_key,
    legal_suffix,
    normalise_company,
    normalise_product,
    phone_key,
    product_codes,
)

__all__ = [
    "AUTO_ACCEPT",
    "CLEARLY_NEW",
    "DEFAULT_THRESHOLD",
    "KINDS",
    "NEAR_TIE",
    "OUTPUT_COLUMNS",
    "STATUSES",
    "Kind",
    "NewBar",
    "acronyms",
    "auto_accepted",
    "domain_key",
    "exact_key",
    "legal_suffix",
    "match_frames",
    "normalise_company",
    "normalise_product",
    "pair_features",
    "phone_key",
    "product_codes",
    "similar_names",
    "suggest_threshold",
    "triage",
]
