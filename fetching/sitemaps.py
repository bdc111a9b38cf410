"""Sitemaps (sitemap.org and Google News): indexes, gzipped files, robots.txt `Sitemap:` lines.

Every sitemap goes through the same safe Fetcher as pages (address checks at every hop, size
caps), conditionally. A `.gz` sitemap is inflated here with the same output ceiling as any
body, so a gzip bomb is refused. XML is read with lxml's streaming iterparse, without
entities or network access. Caps on index depth, sitemaps per run and entries per sitemap
turn a sitemap bomb into a recorded failure instead of an endless crawl.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from config import FetchSettings
from fetching.body import BodyError, read_body
from fetching.http import FEED_TYPES, Fetcher, FetchError

SITEMAP_TYPES = FEED_TYPES | {"application/gzip", "application/x-gzip", "application/octet-stream"}
_GZIP_MAGIC = b"\x1f\x8b"


class SitemapError(Exception):
    """The body is not a sitemap we accept; the message is the recorded reason."""


@dataclass(frozen=True)
class SitemapEntry:
    """A `<url>` (or a `<sitemap>` of an index): its location, date and supplied metadata."""

    url: str
    date: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sitemap:
    """A parsed sitemap: an index lists `children` sitemaps, a urlset lists `entries`."""

    is_index: bool
    entries: list[SitemapEntry] = field(default_factory=list)


@dataclass(frozen=True)
class DateWindow:
    """`since`/`until` (inclusive); an entry without a date is always inside."""

    since: datetime | None = None
    until: datetime | None = None

    def __contains__(self, when: datetime | None) -> bool:
        if when is None:
            return True
        if self.before(when):
            return False
        return not (self.until and when > self.until)

    def before(self, when: datetime | None) -> bool:
        """`when` is known and earlier than `since`."""
        return bool(self.since and when and when < self.since)

    @property
    def open(self) -> bool:
        return self.since is None and self.until is None


def parse_w3c_date(value: str | None) -> datetime | None:
    """A sitemap date (W3C datetime: `2026-11-20`, `2026-11-20T10:00:00Z`, offsets) in UTC;
    None when absent or unreadable. A date without a time is midnight UTC."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _child_text(element: etree._Element, *path: str) -> str | None:
    """Text of the first descendant along local names `path` (any namespace)."""
    for child in element:
        if _local(child.tag) == path[0]:
            if len(path) == 1:
                return (child.text or "").strip() or None
            found = _child_text(child, *path[1:])
            if found:
                return found
    return None


def _entry(element: etree._Element, base_url: str) -> SitemapEntry | None:
    loc = _child_text(element, "loc")
    if not loc:
        return None
    metadata: dict[str, Any] = {}
    published = _child_text(element, "news", "publication_date")
    if title := _child_text(element, "news", "title"):
        metadata["title"] = title
    if published:
        metadata["published"] = published
    date = parse_w3c_date(published) or parse_w3c_date(_child_text(element, "lastmod"))
    return SitemapEntry(urljoin(base_url, loc), date, metadata)


def inflate(body: bytes, config: FetchSettings) -> bytes:
    """`body` itself, or its gunzipped bytes when it is a gzip file (a `.xml.gz` sitemap);
    refused past `max_body_bytes` of output."""
    if not body.startswith(_GZIP_MAGIC):
        return body
    try:
        return read_body([body], "gzip", config.max_body_bytes, config.max_fetch_seconds)
    except BodyError as exc:
        raise SitemapError(f"gzipped sitemap: {exc}") from exc


def parse_sitemap(body: bytes, base_url: str, max_entries: int) -> Sitemap:
    """The entries of the sitemap or sitemap index in `body` (already inflated), streamed;
    more than `max_entries` is refused."""
    sitemap: Sitemap | None = None
    parser = etree.iterparse(
        io.BytesIO(body),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        for event, element in parser:
            name = _local(element.tag)
            if sitemap is None:
                if event != "start" or name not in {"urlset", "sitemapindex"}:
                    raise SitemapError(f"not a sitemap (root element <{name}>)")
                sitemap = Sitemap(is_index=name == "sitemapindex")
                continue
            if event != "end" or name not in {"url", "sitemap"}:
                continue
            if entry := _entry(element, base_url):
                sitemap.entries.append(entry)
                if len(sitemap.entries) > max_entries:
                    raise SitemapError(f"more than {max_entries} entries (max_sitemap_entries)")
            element.clear()
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not a readable sitemap ({exc})") from exc
    if sitemap is None:
        raise SitemapError("not a sitemap (empty body)")
    return sitemap


def is_site_root(url: str) -> bool:
    """A URL without a path (`https://example.org/`): its robots.txt names its sitemaps."""
    parts = urlsplit(url)
    return parts.path in {"", "/"} and not parts.query


def robots_sitemaps(fetcher: Fetcher, site_url: str) -> list[str]:
    """The `Sitemap:` URLs in the site's robots.txt (read once per run by the fetcher's
    robots cache); raises FetchError when robots.txt could not be read."""
    rules = fetcher.robots.rules(site_url)
    if rules.unavailable:
        raise FetchError(f"robots.txt could not be read ({rules.unavailable})")
    return list(dict.fromkeys(rules.parser.sitemaps)) if rules.parser else []
