"""The page's own `<link rel="canonical">`, read in one place: for the URL in the metadata of
every page (`extractors.metadata`) and for the article URL of every fetched page
(`fetching.urls`, which adds its same-site rule)."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from lxml.html import HtmlElement, HTMLParser

HEAD_BYTES = 262_144


def canonical_link(tree: HtmlElement) -> str | None:
    """The href of the page's first `<link rel="canonical">`, as written, if any."""
    for link in tree.iter("link"):
        href = (link.get("href") or "").strip()
        if href and "canonical" in (link.get("rel") or "").lower().split():
            return href
    return None


def declared_canonical(html: bytes, charset: str | None = None) -> str | None:
    """`canonical_link` of a page not yet parsed, read from its first 256 KiB."""
    head = html[:HEAD_BYTES]
    try:
        text = head.decode(charset or "utf-8", errors="replace")
    except LookupError:
        text = head.decode("utf-8", errors="replace")
    parser = HTMLParser()
    parser.feed(text)
    tree = parser.close()
    return canonical_link(tree) if tree is not None else None


def canonical_page_url(tree: HtmlElement, url: str | None = None) -> str | None:
    """The absolute http(s) URL the page's canonical link names (a relative one is resolved
    against `url`, the page's address), if any."""
    href = canonical_link(tree)
    if href is None:
        return None
    absolute = urljoin(url or "", href)
    return absolute if urlsplit(absolute).scheme.lower() in {"http", "https"} else None
