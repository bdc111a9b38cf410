"""Stable article identity: from the canonical URL, else from the absolute source path."""

from __future__ import annotations

import hashlib
import os
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PREFIXES = ("utm_",)
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "igshid", "yclid", "_ga", "ref_src"}
)


def is_tracking_param(key: str) -> bool:
    """True for query parameters that only track the visitor (`utm_*`, `fbclid`, ...)."""
    key = key.lower()
    return key.startswith(TRACKING_PREFIXES) or key in TRACKING_PARAMS


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    if parts.username:
        host = f"{parts.username}@{host}"
    query = [
        (key, value)
        for key, value in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(key)
    ]
    return urlunsplit((scheme, host, parts.path or "/", urlencode(query), ""))


def is_web_url(url: str | None) -> bool:
    return bool(url) and urlsplit(url).scheme.lower() in {"http", "https"}


def article_key(source: str, url: str | None) -> str:
    """`url:<canonical url>` when the article has a URL, else `file:<absolute source path>`."""
    if is_web_url(url):
        return "url:" + canonical_url(url)
    return "file:" + os.path.abspath(source)


def article_id(key: str) -> str:
    """A short, stable identifier derived from the article key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]
