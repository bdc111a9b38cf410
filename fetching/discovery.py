"""Feed discovery: the feeds and sitemaps a site announces, found through the safe Fetcher.

Three sources, in this order: the page's `<link rel="alternate">` feeds, the `Sitemap:` lines
of the site's robots.txt, and a few common paths (`[fetch] discovery_paths`), each fetched
and kept only when its body really is a feed or a sitemap.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

from fetching.feeds import FeedError, parse_feed
from fetching.http import PAGE_TYPES, Fetcher, FetchError
from fetching.sitemaps import SITEMAP_TYPES, SitemapError, inflate, parse_sitemap
from fetching.sitemaps import robots_sitemaps as announced_sitemaps
from fetching.urls import request_url

FEED_LINK_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})


class _FeedLinks(HTMLParser):
    """Collects the href of each `<link rel="alternate" type="application/rss|atom+xml">`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {name: (value or "").strip() for name, value in attrs}
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_LINK_TYPES and values.get("href"):
            self.hrefs.append(values["href"])


def feed_links(html: bytes, page_url: str, charset: str | None = None) -> list[str]:
    """The feeds a page announces with `<link rel="alternate">`, as absolute URLs."""
    parser = _FeedLinks()
    parser.feed(html.decode(charset or "utf-8", errors="replace"))
    return [urljoin(page_url, href) for href in dict.fromkeys(parser.hrefs)]


@dataclass
class Discovery:
    """What a site announces: each feed and sitemap URL with where it was found."""

    site: str
    feeds: dict[str, str] = field(default_factory=dict)
    sitemaps: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def add(self, kind: str, url: str, found_by: str) -> None:
        found = self.feeds if kind == "feed" else self.sitemaps
        found.setdefault(url, found_by)


def site_root(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "/", "", ""))


def classify(fetcher: Fetcher, url: str) -> str | None:
    """`feed` or `sitemap` when `url` serves one; None when it is missing or something else."""
    response = fetcher.fetch(request_url(url), SITEMAP_TYPES)
    try:
        body = inflate(response.body, fetcher.config)
        parse_sitemap(body, response.url, fetcher.config.max_sitemap_entries)
        return "sitemap"
    except SitemapError:
        pass
    try:
        parse_feed(response.body, response.url, response.content_type)
    except FeedError:
        return None
    return "feed"


def discover(fetcher: Fetcher, url: str) -> Discovery:
    """The feeds and sitemaps `url`'s page and site announce; fetch failures are noted."""
    found = Discovery(site_root(url))
    try:
        page = fetcher.fetch(request_url(url), PAGE_TYPES)
        for feed in feed_links(page.body, page.url, page.charset):
            found.add("feed", feed, "link rel=alternate")
    except FetchError as exc:
        found.problems.append(f"{url}: {exc.reason}")
    try:
        for sitemap in announced_sitemaps(fetcher, found.site):
            found.add("sitemap", sitemap, "robots.txt")
    except FetchError as exc:
        found.problems.append(f"{found.site}robots.txt: {exc.reason}")
    for path in fetcher.config.discovery_paths:
        candidate = urljoin(found.site, path)
        if candidate in found.feeds or candidate in found.sitemaps:
            continue
        try:
            kind = classify(fetcher, candidate)
        except FetchError as exc:
            if not exc.permanent:  # missing (4xx) or not XML: simply not there
                found.problems.append(f"{candidate}: {exc.reason}")
            continue
        if kind:
            found.add(kind, candidate, "common path")
    return found


def _toml_list(name: str, urls: dict[str, str]) -> list[str]:
    if not urls:
        return [f"{name} = []"]
    lines = [f"{name} = ["]
    lines += [f"    {json.dumps(url)},  # {found_by}" for url, found_by in urls.items()]
    return [*lines, "]"]


def toml_snippet(found: Discovery) -> str:
    """A `[[feeds.groups]]` block with what was found, ready to paste into the config."""
    host = urlsplit(found.site).hostname or "site"
    lines = [
        f"# {found.site}: {len(found.feeds)} feed(s), {len(found.sitemaps)} sitemap(s)",
        *(f"# not checked: {problem}" for problem in found.problems),
        "[[feeds.groups]]",
        f"name = {json.dumps(host)}",
        'cron = "*/30 * * * *"',
        *_toml_list("feeds", found.feeds),
        *_toml_list("sitemaps", found.sitemaps),
    ]
    return "\n".join(lines) + "\n"
