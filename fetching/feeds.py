"""Feeds (RSS 0.9x/1.0/2.0, Atom) parsed by feedparser from bytes our client fetched.

feedparser never touches the network here: it gets the body and the feed URL (to resolve
relative links). Each entry yields its link plus the title, date and authors it supplies,
which fill what page extraction leaves empty.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import feedparser

_EMAIL_AND_NAME = re.compile(r"^\S+@\S+\s+\((.+)\)$")


class FeedError(Exception):
    """The body is not a feed we can read; the message is the recorded reason."""


@dataclass(frozen=True)
class FeedItem:
    """One entry: its link as given (resolved against the feed URL) and supplied metadata."""

    url: str
    metadata: dict[str, Any] = field(default_factory=dict)


def _published(entry: Any) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if parsed:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", parsed)
    return entry.get("published") or entry.get("updated")


def _authors(entry: Any) -> list[str]:
    """Author names; RSS 2.0's `email (Name)` form gives Name (feedparser's own split of it
    cuts addresses whose top-level domain is longer than four letters)."""
    single = _EMAIL_AND_NAME.match(entry.get("author", "").strip())
    if single:
        return [single.group(1).strip()]
    return [a["name"].strip() for a in entry.get("authors", []) if a.get("name", "").strip()]


def _link(entry: Any, feed_url: str) -> str | None:
    link = entry.get("link")
    if not link:
        alternates = [x.get("href") for x in entry.get("links", []) if x.get("rel") == "alternate"]
        link = alternates[0] if alternates else None
    return urljoin(feed_url, link.strip()) if link else None


def _metadata(entry: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    if entry.get("title"):
        metadata["title"] = entry["title"].strip()
    if published := _published(entry):
        metadata["published"] = published
    if authors := _authors(entry):
        metadata["authors"] = authors
    return metadata


def parse_feed(body: bytes, feed_url: str, content_type: str | None = None) -> list[FeedItem]:
    """The entries of the feed in `body`, in feed order, without entries lacking a link."""
    headers = {"content-location": feed_url}
    if content_type:
        headers["content-type"] = content_type
    parsed = feedparser.parse(body, response_headers=headers)
    if not parsed.get("version") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedError(f"not an RSS or Atom feed ({problem or 'no feed elements found'})")
    items = []
    for entry in parsed.entries:
        link = _link(entry, feed_url)
        if link:
            items.append(FeedItem(link, _metadata(entry)))
    return items
