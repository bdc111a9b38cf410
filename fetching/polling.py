"""Polling feeds: fetch each feed conditionally, parse it, keep the entries not seen before.

A feed's validators are stored only once every entry it listed has been handled, so an
entry whose fetch failed is retried at the next poll instead of hiding behind a 304.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corpus.fetch_state import FetchMemory, Validators
from corpus.models import utcnow
from extractors import FailureStage, InputFailure
from fetching.feeds import FeedError, parse_feed
from fetching.http import FEED_TYPES, Fetcher, FetchError
from fetching.targets import FetchTarget
from fetching.urls import fetch_key, request_url


@dataclass
class PolledFeed:
    """A feed fetched in full this time: its validators and the entries it lists."""

    key: str
    validators: Validators
    entries: set[str]


@dataclass
class FeedPoll:
    """The new entries to fetch (and feed failures to record), plus per-feed bookkeeping."""

    inputs: list[FetchTarget | InputFailure] = field(default_factory=list)
    polled: list[PolledFeed] = field(default_factory=list)
    not_modified: int = 0
    backing_off: int = 0

    def counts(self) -> dict[str, int]:
        failed = sum(isinstance(item, InputFailure) for item in self.inputs)
        return {
            "feeds_fetched": len(self.polled),
            "feeds_not_modified": self.not_modified,
            "feeds_failed": failed - self.backing_off,
            "feeds_backing_off": self.backing_off,
            "new_entries": len(self.inputs) - failed,
        }


@dataclass
class SourceOutcomes:
    """Feeds or sitemaps that failed this poll (with the error) and those that answered."""

    failed: dict[str, str] = field(default_factory=dict)
    succeeded: set[str] = field(default_factory=set)


def poll_feeds(fetcher: Fetcher, memory: FetchMemory, feeds: list[str]) -> FeedPoll:
    """Fetch and parse `feeds`; a feed that fails becomes an InputFailure at stage `feed`,
    and so does one skipped because it keeps failing (backoff, with its last error)."""
    poll = FeedPoll()
    keys = [fetch_key(url) for url in feeds]
    known = memory.validators(keys)
    health = memory.source_health(keys)
    outcomes = SourceOutcomes()
    for feed_url in dict.fromkeys(feeds):
        key = fetch_key(feed_url)
        if key in health and (skipped := health[key].skip_reason(utcnow())):
            poll.inputs.append(InputFailure(feed_url, skipped, FailureStage.FEED))
            poll.backing_off += 1
            continue
        try:
            response = fetcher.fetch(request_url(feed_url), FEED_TYPES, known.get(key))
            outcomes.succeeded.add(key)
            if response.not_modified:
                poll.not_modified += 1
                continue
            items = parse_feed(response.body, response.url, response.content_type)
        except (FetchError, FeedError) as exc:
            poll.inputs.append(InputFailure(feed_url, str(exc), FailureStage.FEED))
            outcomes.failed[key] = str(exc)
            continue
        seen = memory.seen_entries(key)
        entries: dict[str, FetchTarget] = {}
        for item in items:
            target = FetchTarget(item.url, feed=key, metadata=item.metadata)
            entries.setdefault(target.key, target)
        poll.polled.append(PolledFeed(key, response.validators, set(entries)))
        poll.inputs += [target for entry, target in entries.items() if entry not in seen]
    memory.record_source_outcomes(outcomes.failed, outcomes.succeeded, fetcher.config)
    return poll


def remember_feeds(memory: FetchMemory, poll: FeedPoll) -> None:
    """Store the validators of feeds whose every entry is now handled."""
    complete = {
        feed.key: feed.validators
        for feed in poll.polled
        if feed.entries <= memory.seen_entries(feed.key)
    }
    memory.remember_validators(complete)
