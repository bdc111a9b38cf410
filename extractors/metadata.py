"""Page metadata: title, authors, publication date, site name, URL.

The page's JSON-LD article object comes first (its headline, authors and `datePublished`), then
its meta tags and markup, read with trafilatura's own helpers (`examine_meta`, the byline search
of `extractors.bylines`), its canonical link (`extractors.canonical`) and htmldate; last, a byline
set as a bold paragraph at the edge of the article. It runs on the page before widgets are
pruned, so that bylines and author boxes are still there to read. htmldate runs without its
extensive search, which falls back to slow free-text date parsing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from htmldate import find_date
from lxml.html import HtmlElement

from extractors.authors import author_names
from extractors.bylines import bold_byline, find_author
from extractors.canonical import canonical_page_url
from extractors.headline import linked_host, page_title, site_names
from extractors.jsonld import article_jsonld
from extractors.rules import RuleSet, load_rules
from extractors.trafilatura_compat import examine_meta


@dataclass
class PageMetadata:
    """What the page says about itself; any field may be missing."""

    title: str | None
    authors: list[str]
    published: str | None
    site: str | None
    url: str | None


def _split(raw: str | None) -> list[str]:
    return [name.strip() for name in (raw or "").split(";") if name.strip()]


def _site(names: list[str], host: str | None) -> str | None:
    """The site's name, else its host without "www."."""
    if names[:1] and names[0] != _host_label(host):
        return names[0]
    return host.removeprefix("www.") if host else None


def _host_label(host: str | None) -> str | None:
    return host.removeprefix("www.").split(".")[0] if host else None


def _author_sources(
    tree: HtmlElement, jsonld_people: list[str], meta_author: str | None, rules: RuleSet
) -> Iterator[list[str]]:
    """Author candidates, best first: JSON-LD people, meta tags, the byline search, a bold
    byline paragraph; each is read only when those before it name nobody."""
    yield jsonld_people
    yield _split(meta_author)
    yield _split(find_author(tree))
    yield bold_byline(tree, rules)


def page_metadata(
    tree: HtmlElement, url: str | None = None, rules: RuleSet | None = None
) -> PageMetadata:
    """Metadata of a parsed page; `url` is used when the page names no canonical URL."""
    rules = rules or load_rules()
    jsonld = article_jsonld(tree)
    found = examine_meta(tree)
    page_url = found.url or canonical_page_url(tree, url) or url
    host = (urlsplit(page_url).hostname if page_url else None) or linked_host(tree)
    sites = site_names(tree, [jsonld.publisher, found.sitename], host)
    sources = _author_sources(tree, jsonld.people, found.author, rules)
    return PageMetadata(
        title=page_title(tree, jsonld.headline, sites, jsonld.name),
        authors=author_names(sources, rules, sites, jsonld.organizations),
        published=jsonld.published
        or find_date(tree, url=page_url, extensive_search=False, original_date=True),
        site=_site(sites, host),
        url=page_url,
    )
