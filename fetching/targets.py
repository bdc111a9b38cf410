"""What to fetch: a URL as listed by the user or a feed."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from corpus.identity import canonical_url
from extractors import FailureStage, InputFailure
from fetching.http import host_key
from fetching.urls import NOT_UTF8_PREFIX, fetch_key, request_url


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

    @property
    def host(self) -> str:
        """What per-host politeness counts its request under (`host_key`)."""
        return host_key(request_url(self.url))


def url_list_targets(urls: list[str]) -> list[FetchTarget | InputFailure]:
    """A URL list's targets in order, each canonical URL once (the same page listed twice is
    fetched once); a line that was not UTF-8 is a fetch failure saying so."""
    seen: set[str] = set()
    targets: list[FetchTarget | InputFailure] = []
    for url in urls:
        if url.startswith(NOT_UTF8_PREFIX):
            line = url.removeprefix(NOT_UTF8_PREFIX).split(":", 1)[0].replace("-", " ")
            reason = f"URL list {line} is not UTF-8 text"
            targets.append(InputFailure(url, reason, FailureStage.FETCH))
            continue
        try:
            key = canonical_url(url)
        except ValueError:  # not parseable: kept, so its fetch failure is recorded
            key = url
        if key not in seen:
            seen.add(key)
            targets.append(FetchTarget(url))
    return targets


def interleaved_by_host(
    targets: Iterable[FetchTarget | InputFailure],
) -> list[FetchTarget | InputFailure]:
    """`targets` reordered to take one host's URLs in turn with the others' (round robin, each
    host's in their order; hosts in order of first appearance), so that a batch holds as many
    hosts as the list has: a list or feed grouped by host would otherwise fill each batch with
    one or two hosts, each allowed one request per `min_host_interval_seconds`. Hosts are
    told apart as politeness tells them (`FetchTarget.host`); failures without a URL to fetch
    come first."""
    queues: dict[str | None, deque[FetchTarget | InputFailure]] = {}
    for target in targets:
        host = target.host if isinstance(target, FetchTarget) else None
        queues.setdefault(host, deque()).append(target)
    ordered = list(queues.pop(None, ()))
    while queues:
        for host in list(queues):
            ordered.append(queues[host].popleft())
            if not queues[host]:
                del queues[host]
    return ordered
