"""The URL an article is known by: the page's `<link rel="canonical">` (read by
`extractors.canonical`) when it stays on the same registrable site, else the fetched URL; both
canonicalised by `corpus.identity`.

The same-site rule stops a page from claiming another site's article identity.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import unquote_plus, urljoin, urlsplit, urlunsplit

from tld import get_fld

from corpus.identity import canonical_url, is_tracking_param, is_web_url
from extractors.canonical import declared_canonical


def request_url(url: str) -> str:
    """The URL to request: `url` without its fragment and tracking parameters (`utm_*`,
    `fbclid`, ...), every other byte kept as given, since servers may care about them. A URL
    that cannot be parsed is returned as given: fetching refuses it with the reason."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url.strip()
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair and not is_tracking_param(unquote_plus(pair.split("=", 1)[0]))
    )
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def fetch_key(url: str) -> str:
    """The canonical form of a listed URL that its fetch state is stored under (the URL as
    given when it cannot be parsed: fetching it fails with the reason anyway)."""
    try:
        return canonical_url(url)
    except ValueError:
        return url


def registrable_site(url: str) -> str:
    """`example.co.uk` for `https://news.example.co.uk/a`; the bare host for IPs and
    names without a public suffix."""
    return get_fld(url, fail_silently=True) or (urlsplit(url).hostname or "")


def article_url(fetched_url: str, html: bytes | None = None, charset: str | None = None) -> str:
    """The canonical URL to identify the article at `fetched_url` by."""
    fetched = canonical_url(fetched_url)
    if not html:
        return fetched
    declared = declared_canonical(html, charset)
    if not declared:
        return fetched
    candidate = urljoin(fetched_url, declared)
    if not is_web_url(candidate):
        return fetched
    if registrable_site(candidate) != registrable_site(fetched):
        return fetched
    return canonical_url(candidate)


# A URL-list line that is not UTF-8 is kept under this prefix, so it becomes a recorded failure.
NOT_UTF8_PREFIX = "not-utf-8:"


def decode_url_list(data: bytes) -> list[str]:
    """The lines of a URL-list file; a line that is not UTF-8 is kept (escaped, under
    NOT_UTF8_PREFIX with its line number) instead of stopping the run."""
    lines = []
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            escaped = raw.decode("utf-8", "backslashreplace")
            lines.append(f"{NOT_UTF8_PREFIX}line-{number}:{escaped}")
    return lines


def read_url_list(lines: Iterable[str]) -> list[str]:
    """URLs from a list file: one a line; blank lines and `#` comments are skipped."""
    urls = (line.strip() for line in lines)
    return [url for url in urls if url and not url.startswith("#")]
