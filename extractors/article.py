"""The data that crosses the extractor boundary: a raw document in, a clean article out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

DocumentKind = Literal["html", "text"]


class FailureStage(StrEnum):
    """Where an input failed; the value is what the corpus stores in `failures.stage`."""

    READ = "read"
    EXTRACT = "extract"
    FETCH = "fetch"
    FEED = "feed"
    SITEMAP = "sitemap"
    STORE = "store"


class ExtractionError(Exception):
    """A document could not be turned into an article; the message is the recorded reason."""

    def __init__(self, reason: str, stage: FailureStage = FailureStage.EXTRACT) -> None:
        super().__init__(reason)
        self.reason = reason
        self.stage = stage


@dataclass
class Document:
    """Raw input: bytes (or already-decoded text) plus what is known about where it came from.

    `source` is the path as given (`dir/a.html`, `feed.jsonl:3`) or the fetched URL; `url` is the
    article's own URL when known; `charset` is a declared encoding (HTTP header) if any;
    `http_headers` are the response headers it came with (kept with the archived original);
    `fetched_at` is when it was fetched (a fetch, a WARC record's `WARC-Date`), None for a file.
    """

    source: str
    kind: DocumentKind
    payload: bytes | str
    url: str | None = None
    charset: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    http_headers: list[tuple[str, str]] | None = None
    fetched_at: datetime | None = None


@dataclass
class Article:
    """A clean article: title and body paragraphs joined by newlines, plus metadata."""

    title: str | None
    text: str
    language: str | None = None
    published: str | None = None
    authors: list[str] = field(default_factory=list)
    site: str | None = None
    url: str | None = None
    extractor: str = ""
    warnings: list[str] = field(default_factory=list)
