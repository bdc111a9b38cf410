"""The trafilatura internals the metadata and byline code uses, in one place.

They are not trafilatura's documented API (its `extract`/`bare_extraction`), so an upgrade may
change them: tests/test_compat.py checks each one's behaviour on a small page and fails loudly
when an upgrade changes what we rely on. `extractors.bylines` mirrors `extract_author` of the
version pinned here.
"""

from __future__ import annotations

import trafilatura
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import examine_meta, extract_author
from trafilatura.utils import trim
from trafilatura.xpaths import REGEXP_NS

# extractors/bylines.py re-implements the author search of exactly this release line.
MIRRORED_VERSION = "2.3"
INSTALLED_VERSION = trafilatura.__version__

__all__ = [
    "INSTALLED_VERSION",
    "MIRRORED_VERSION",
    "REGEXP_NS",
    "examine_meta",
    "extract_author",
    "normalize_authors",
    "trim",
]
