"""What to fetch: a URL as listed by the user or a feed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fetching.urls import fetch_key


@dataclass(frozen=True)
class FetchTarget:
    """A URL to fetch as listed by the user or a feed, with what the feed said about it."""

    url: str
    feed: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The canonical URL its fetch state is stored under."""
        return fetch_key(self.url)
