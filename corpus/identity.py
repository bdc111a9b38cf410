"""Stable article identity: from the canonical URL, else from the absolute source path."""

from __future__ import annotations

import hashlib
import os
from typing import TypeGuard
from urllib.parse import SplitResult, parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from courlan import normalize_url

TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref_src"}
)
DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(key: str) -> bool:
    """True for query parameters that only track the visitor (`utm_*`, `fbclid`, ...)."""
    key = key.lower()
    return key.startswith(TRACKING_PREFIXES) or key in TRACKING_PARAMS


def canonical_url(url: str) -> str:
    """The form of `url` an article is identified by.

    courlan normalises scheme and host case, punycode, default ports, percent-encoding and
    repeated slashes; on top of that dot segments are resolved (`/a/../b` is `/b`), a trailing
    dot leaves the host (`ex.com.` is `ex.com`), a password is dropped, an empty path is `/`,
    and the query is sorted by key without tracking parameters. Blank and valueless query
    parameters (`?12345`) stay: courlan's own query cleaning drops them, and some sites
    number their articles that way. Raises ValueError for a URL that cannot be parsed.
    """
    parts = urlsplit(url.strip())
    path = normalize_url(urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")))
    normal = urlsplit(urljoin(path, urlsplit(path).path or "/"))  # urljoin drops dot segments
    return urlunsplit(
        (normal.scheme, _netloc(normal), normal.path, _canonical_query(parts.query), "")
    )


def _netloc(parts: SplitResult) -> str:
    """`user@host:port` with the host's trailing dot, a default port and a password removed
    (courlan keeps the port of `ex.com.:443`)."""
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if parts.port is not None and DEFAULT_PORTS.get(parts.scheme) != parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.username}@{host}" if parts.username else host


def _canonical_query(query: str) -> str:
    """The query's parameters sorted by key (repeated keys keep their order), tracking
    parameters removed."""
    pairs = parse_qsl(query, keep_blank_values=True)
    kept = [(key, value) for key, value in pairs if not is_tracking_param(key)]
    return urlencode(sorted(kept, key=lambda pair: pair[0]))


def is_web_url(url: str | None) -> TypeGuard[str]:
    """True when `url` is an http(s) address."""
    return bool(url) and urlsplit(url).scheme.lower() in {"http", "https"}


def article_key(source: str, url: str | None) -> str:
    """`url:<canonical url>` when the article has a URL, else `file:<absolute source path>`."""
    if is_web_url(url):
        return "url:" + canonical_url(url)
    return "file:" + os.path.abspath(source)


def article_id(key: str) -> str:
    """A short, stable identifier derived from the article key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
