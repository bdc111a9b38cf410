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
    """`loc` from `{http://www.sitemaps.org/schemas/sitemap/0.9}loc` (comments have no name)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _fields(element: etree._Element) -> dict[str, str]:
    """The text of the entry's fields by local name (`loc`, `lastmod`), with those inside
    `<news:news>` as `news:<name>` (`news:title`, `news:publication_date`)."""
    fields: dict[str, str] = {}
    for child in element:
        name = _local(child.tag)
        if name == "news":
            for item in child:
                if item.text and item.text.strip():
                    fields.setdefault(f"news:{_local(item.tag)}", item.text.strip())
        elif child.text and child.text.strip():
            fields.setdefault(name, child.text.strip())
    return fields


def _entry(element: etree._Element, base_url: str) -> SitemapEntry | None:
    fields = _fields(element)
    if "loc" not in fields:
        return None
    metadata = {
        key: fields[name]
        for key, name in (("title", "news:title"), ("published", "news:publication_date"))
        if name in fields
    }
    date = parse_w3c_date(fields.get("news:publication_date")) or parse_w3c_date(
        fields.get("lastmod")
    )
    return SitemapEntry(_absolute(fields["loc"], base_url), date, metadata)


def inflate(body: bytes, config: FetchSettings) -> bytes:
    """`body` itself, or its gunzipped bytes when it is a gzip file (a `.xml.gz` sitemap);
    refused past `max_body_bytes` of output."""
    if not body.startswith(_GZIP_MAGIC):
        return body
    try:
        return read_body([body], "gzip", config.max_body_bytes, config.max_fetch_seconds)
    except BodyError as exc:
        raise SitemapError(f"gzipped sitemap: {exc}") from exc


def _is_index_root(element: etree._Element | None) -> bool:
    """True for a sitemap index, False for a urlset; anything else is refused."""
    name = _local(element.tag) if element is not None else ""
    if name not in {"urlset", "sitemapindex"}:
        raise SitemapError(f"not a sitemap (root element <{name}>)")
    return name == "sitemapindex"


def _absolute(loc: str, base_url: str) -> str:
    return loc if loc.startswith(("http://", "https://")) else urljoin(base_url, loc)


def parse_sitemap(body: bytes, base_url: str, max_entries: int) -> Sitemap:
    """The entries of the sitemap or sitemap index in `body` (already inflated), streamed:
    only `<url>`/`<sitemap>` elements are handed over, each dropped once read. More than
    `max_entries` is refused."""
    entries: list[SitemapEntry] = []
    is_index: bool | None = None
    parser = etree.iterparse(
        io.BytesIO(body),
        events=("end",),
        tag=("{*}url", "{*}sitemap"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        for _event, element in parser:
            if is_index is None:
                is_index = _is_index_root(element.getparent())
            if entry := _entry(element, base_url):
                entries.append(entry)
                if len(entries) > max_entries:
                    raise SitemapError(f"more than {max_entries} entries (max_sitemap_entries)")
            element.clear()
            while element.getprevious() is not None:  # drop handled siblings: constant memory
                del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"not a readable sitemap ({exc})") from exc
    if is_index is None:
        is_index = _is_index_root(parser.root)
    return Sitemap(is_index, entries)


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
