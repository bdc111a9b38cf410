"""Page metadata with trafilatura's own extractors: title, authors, date, site name, URL.

The same sequence as `trafilatura.metadata.extract_metadata`, without the parts the article does
not use (categories, tags, licence), and run on the page before widgets are pruned, so that
bylines and author boxes are still there to read. htmldate runs without its extensive search,
which falls back to slow free-text date parsing.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from urllib.parse import urlsplit

from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    examine_meta,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)

from extractors.bylines import find_author

_DATE_OPTIONS = {"extensive_search": False, "original_date": True}


@dataclass
class PageMetadata:
    """What the page says about itself; any field may be missing."""

    title: str | None
    authors: list[str]
    published: str | None
    site: str | None
    url: str | None


def _authors(raw: str | None) -> list[str]:
    if not raw:
        return []
    return [name.strip() for name in raw.split(";") if name.strip()]


def _site_name(name: str | None, url: str | None) -> str | None:
    """The site's name as trafilatura writes it ("@nytimes" → "nytimes", "nj" → "Nj"), else
    the URL's host without "www."."""
    if name:
        name = name.lstrip("@")
        return name.title() if "." not in name and not name[0].isupper() else name
    host = urlsplit(url).hostname if url else None
    return host.removeprefix("www.") if host else None


def page_metadata(tree: HtmlElement, url: str | None = None) -> PageMetadata:
    """Metadata of a parsed page; `url` is used when the page names no canonical URL."""
    found = examine_meta(tree)
    if found.author and " " not in found.author:
        found.author = None  # a single word is a handle or a site, not a person's name
    with suppress(Exception):  # malformed JSON-LD must not lose the page (as in trafilatura)
        found = extract_meta_json(tree, found)
    title = found.title or extract_title(tree)
    author = found.author or find_author(tree)
    page_url = found.url or extract_url(tree, url)
    site = _site_name(found.sitename or extract_sitename(tree), page_url)
    return PageMetadata(
        title=(title or "").strip() or None,
        authors=_authors(author),
        published=find_date(tree, url=page_url, **_DATE_OPTIONS),
        site=site,
        url=page_url,
    )
