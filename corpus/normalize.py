"""Text normalisation for hashing and comparison, and the content hash itself."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
        "\u2015": "-", "\u2212": "-",
    }
)  # fmt: skip
_WHITESPACE = re.compile(r"\s+")


def normalize_text(text: str) -> str:
    """Case-folded NFKC text with one kind of quote and dash and single spaces."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _WHITESPACE.sub(" ", text).strip()


def content_hash(text: str) -> str:
    """SHA-256 (hex) of the normalised text: equal for texts that differ only in form."""
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


# A dateline opens a wire story: "TORONTO (AP) —", "LONDON, March 3 (Reuters) -",
# "NEW YORK --". Syndicating sites keep, drop or rewrite it, so it is left out of shingles.
_DATELINE = re.compile(
    r"^[ \t]*[A-Z][A-Z.'\-]+(?:[ \t]+[A-Z][A-Z.'\-]+){0,3}"  # place, in capitals
    r"(?:,[ \t]*[A-Za-z][A-Za-z. ]{0,24}?(?:[ \t]+\d{1,2})?)?"  # optional ", Region" / ", March 3"
    r"[ \t]*(?:\([A-Za-z][A-Za-z .&/-]{0,30}\)[ \t]*)?"  # optional "(AP)"
    r"(?:-{1,2}|[\u2013\u2014])[ \t]+",
    re.MULTILINE,
)


def strip_datelines(text: str) -> str:
    """Remove wire-service datelines at the start of lines ("WASHINGTON (AP) — ")."""
    return _DATELINE.sub("", unicodedata.normalize("NFKC", text))


def comparison_text(text: str) -> str:
    """The text shingles are taken from: NFKC, datelines removed, case-folded. Quotes, dashes
    and spacing need no mapping here because shingles are made of word tokens only."""
    return strip_datelines(text).casefold()
