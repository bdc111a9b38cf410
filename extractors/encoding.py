"""Bytes to text: honour byte-order marks and declared charsets, detect the rest, refuse binary."""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from extractors.article import ExtractionError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_\-:.]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_\-.]+)""")
# Control bytes that never appear in text; a few of them mark a file as binary.
_BINARY_BYTES = bytes(range(0, 9)) + bytes(range(14, 27)) + bytes(range(28, 32))


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name.strip().strip("\"'").lower()).name
    except LookupError:
        return None
    # Pages that say latin-1 are windows-1252 in practice (as browsers assume).
    return "cp1252" if codec in {"latin-1", "iso8859-1", "ascii"} else codec


def bomless_utf16(data: bytes) -> str | None:
    """`utf-16-le` or `utf-16-be` for text without a byte-order mark whose every other byte
    is NUL (Latin-script UTF-16), else None; such text would otherwise look binary."""
    head = data[:8192]
    if len(head) < 16:
        return None
    pairs = len(head) // 2
    even, odd = head[0 : pairs * 2 : 2].count(0), head[1 : pairs * 2 : 2].count(0)
    if odd > 0.6 * pairs and even < 0.05 * pairs:
        return "utf-16-le"
    if even > 0.6 * pairs and odd < 0.05 * pairs:
        return "utf-16-be"
    return None


def _utf16_text(data: bytes, codec: str) -> str | None:
    try:
        text = data[: len(data) // 2 * 2].decode(codec)
    except UnicodeDecodeError:
        return None
    return None if looks_binary(text[:4096].encode("utf-8")) else text


def looks_binary(data: bytes) -> bool:
    """True when the first 8 KiB hold NUL bytes or many other control bytes."""
    head = data[:8192]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return True
    controls = sum(head.count(bytes([b])) for b in _BINARY_BYTES)
    return controls / len(head) > 0.05


def declared_html_charset(data: bytes) -> str | None:
    """The charset a page declares in `<meta>` or its XML prolog, if it names a known codec."""
    head = data[:4096]
    match = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    return _codec(match.group(1).decode("ascii", "ignore")) if match else None


_LATIN_ACCENTED = re.compile(r"[\u00c0-\u00ff]")
_LETTER = re.compile(r"[^\W\d_]")
# Western European text has a few accented letters; a page whose "latin-1" decoding is mostly
# accented letters is Cyrillic, Hebrew, Arabic... bytes under a wrong declaration.
_MAX_ACCENTED_SHARE = 0.3
_SINGLE_BYTE_LATIN = frozenset({"cp1252", "iso8859-15", "cp1250", "mac-roman"})


def plausible_text(text: str) -> bool:
    """False when `text` looks like single-byte mojibake (mostly Latin-1 accented letters)."""
    sample = text[:20_000]
    letters = len(_LETTER.findall(sample))
    return not letters or len(_LATIN_ACCENTED.findall(sample)) / letters <= _MAX_ACCENTED_SHARE


def is_utf8(data: bytes) -> bool:
    """True when `data` holds non-ASCII bytes that are all valid UTF-8: single-byte Latin
    text is practically never valid UTF-8, so such bytes declared Latin-1 are UTF-8."""
    if data.isascii():
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(data: bytes) -> str:
    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise ExtractionError("cannot determine the text encoding (binary or corrupt input)")
    return str(best)


def _strict_utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def decode_bytes(data: bytes, declared: str | None = None, *, html: bool = False) -> str:
    """Decode `data`: BOM, then UTF-16 without BOM, then UTF-8 when the bytes are valid
    UTF-8 (a declaration is checked against the bytes), then the declared charset (HTTP
    header), then the page's own declaration, then statistical detection."""
    if not data:
        raise ExtractionError("empty input")
    for bom, bom_codec in _BOMS:
        if data.startswith(bom):
            return data.decode(bom_codec, errors="replace")
    if (utf16 := bomless_utf16(data)) and (text := _utf16_text(data, utf16)) is not None:
        return text
    if looks_binary(data):
        raise ExtractionError("binary content, not text or HTML")
    if not data.isascii() and (text := _strict_utf8(data)) is not None:
        # Non-ASCII bytes that are valid UTF-8 are UTF-8 whatever the page or server says:
        # text in a single-byte charset almost never forms valid multi-byte sequences.
        return text
    for codec in (_codec(declared), declared_html_charset(data) if html else None):
        if codec in _SINGLE_BYTE_LATIN and is_utf8(data):
            return data.decode("utf-8")  # re-encoded pages that kept their old declaration
        if codec:
            try:
                text = data.decode(codec)
            except (UnicodeDecodeError, LookupError):
                continue  # a wrong declaration: fall through to detection
            if codec not in _SINGLE_BYTE_LATIN or plausible_text(text):
                return text
    text = _strict_utf8(data)
    return text if text is not None else _detect(data)
