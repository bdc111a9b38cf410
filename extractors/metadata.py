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
from lxml.etree import XPath
from lxml.html import HtmlElement
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import (
    examine_meta,
    extract_author,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.utils import trim
from trafilatura.xpaths import AUTHOR_XPATHS, REGEXP_NS

_DATE_OPTIONS = {"extensive_search": False, "original_date": True}
# The parts trafilatura's author search removes from (a copy of) the page before looking for a
# byline: comment sections, titles, dates, sidebars, quotes, share boxes, figures
# (`AUTHOR_DISCARD_XPATHS` of trafilatura 2.3.1), as a test on one element's own axis.
_DISCARDED = (
    "{axis}::*[self::a or self::div or self::section or self::span]["
    "@id='comments' or @class='comments' or @class='title' or @class='date' or "
    "re:test(@id, '^comments|comment-?list|ProductReviews') or "
    "re:test(@class, '^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|"
    "embedly-instagram|article-(?:share|support)|print|category|meta-date|meta-reviewer') or "
    "contains(@data-component, 'Figure')] | {axis}::time | {axis}::figure"
)
_IN_DISCARDED = XPath(
    f"boolean({_DISCARDED.format(axis='ancestor-or-self')})", namespaces={"re": REGEXP_NS}
)
_HOLDS_DISCARDED = XPath(
    f"boolean({_DISCARDED.format(axis='descendant')})", namespaces={"re": REGEXP_NS}
)
_MAX_AUTHOR_CHARS = 120


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


def find_author(tree: HtmlElement) -> str | None:
    """The byline trafilatura's `extract_author` finds, without its pruned copy of the whole
    page: the byline candidates are looked up on the page itself and one inside a discarded part
    is skipped. A candidate holding a discarded part (its text would differ) is rare: then
    trafilatura's own search runs."""
    for expression in AUTHOR_XPATHS:
        for element in expression(tree):
            if _IN_DISCARDED(element):
                continue
            if _HOLDS_DISCARDED(element):
                return extract_author(tree)
            content = trim(" ".join(element.itertext()))
            if content and 2 < len(content) < _MAX_AUTHOR_CHARS:
                return normalize_authors(None, content)
    return None


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
