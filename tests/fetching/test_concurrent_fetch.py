"""Concurrent fetching of a batch against real servers on several loopback addresses: every
host keeps its interval and request slots, the overall cap holds, a hanging host holds up no
other, and the batch is the one sequential fetching gives, in input order."""

from __future__ import annotations

import select
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from localsite import article_html

from config import FetchSettings
from corpus.store import open_store
from extractors import Document, FailureStage, InputFailure
from fetching.pages import FetchedBatch, open_page_fetcher
from fetching.targets import FetchTarget

# Arrival times seen by the servers carry the client's connection set-up and thread hand-offs,
# which a busy machine stretches.
TOLERANCE = 0.15


class InFlight:
    """Requests being answered right now, and the most there ever were (thread-safe)."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0
        self.lock = threading.Lock()

    @contextmanager
    def one(self) -> Iterator[None]:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            yield
        finally:
            with self.lock:
                self.now -= 1


class Host:
    """A real HTTP server on its own loopback address. Pages answer after `latency` seconds;
    a `hang` page never answers, and `gave_up` is when the client closed that connection."""

    def __init__(self, address: str, overall: InFlight, latency: float = 0.0) -> None:
        self.latency = latency
        self.overall = overall
        self.in_flight = InFlight()
        self.arrivals: list[float] = []
        self.paths: list[str] = []
        self.gave_up: float | None = None
        self.server = ThreadingHTTPServer((address, 0), self._handler())
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.base = f"http://{address}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def url(self, path: str) -> str:
        return self.base + path

    def page_arrivals(self) -> list[float]:
        return [at for at, path in zip(self.arrivals, self.paths, strict=True) if path != "/r"]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        host = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                with host.overall.lock:
                    host.arrivals.append(time.monotonic())
                    host.paths.append(self.path if self.path != "/robots.txt" else "/r")
                # In flight until the reply is written, not while it is: once it is out, the
                # client's next request may arrive before this thread leaves the count.
                with host.overall.one(), host.in_flight.one():
                    if self.path == "/hang":
                        readable, _, _ = select.select([self.connection], [], [], 60)
                        host.gave_up = time.monotonic() if readable else None
                        return
                    time.sleep(host.latency if self.path != "/robots.txt" else 0.0)
                body = article_html(self.path, self.path.strip("/").replace("/", " "))
                status = 404 if self.path in ("/robots.txt", "/missing") else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", f'"{self.path}"')
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def overall() -> InFlight:
    return InFlight()


@pytest.fixture
def hosts(overall: InFlight) -> Iterator[list[Host]]:
    """Six servers, one per loopback address 127.0.0.2 … 127.0.0.7."""
    started = [Host(f"127.0.0.{n}", overall) for n in range(2, 8)]
    try:
        yield started
    finally:
        for host in started:
            host.close()


def settings(**fetch: object) -> FetchSettings:
    defaults: dict[str, object] = {
        "connect_timeout": 5.0,
        "read_timeout": 10.0,
        "retries": 0,
        "min_host_interval_seconds": 0.0,
        "user_agent": "newscorpus-test/1.0",
        "allow_hosts": ("127.0.0.0/8",),
    }
    return FetchSettings(**{**defaults, **fetch})


def fetch(config: FetchSettings, urls: list[str], tmp_path, name: str = "corpus") -> FetchedBatch:
    """One batch through the page fetcher, with fetch state in a fresh SQLite corpus."""
    with (
        open_store(f"sqlite:///{tmp_path / name}.db") as store,
        open_page_fetcher(config, store.engine) as fetcher,
    ):
        return fetcher.fetch_batch([FetchTarget(url) for url in urls])


def interleaved(hosts: list[Host], pages: int) -> list[str]:
    return [host.url(f"/story/{n}") for n in range(pages) for host in hosts]


@pytest.mark.parametrize(
    ("per_host", "latency", "interval"),
    [(1, 0.05, 0.5), (2, 0.8, 0.4)],  # with 2 slots, a second request could go at once
)
def test_each_host_keeps_its_interval_and_request_slots(
    hosts, tmp_path, per_host, latency, interval
):
    for host in hosts[:3]:
        host.latency = latency
    config = settings(
        min_host_interval_seconds=interval,
        concurrent_fetches=8,
        concurrent_fetches_per_host=per_host,
    )
    batch = fetch(config, interleaved(hosts[:3], 4), tmp_path)
    assert batch.counts()["fetched"] == 12
    for host in hosts[:3]:
        arrivals = host.page_arrivals()
        gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
        assert len(arrivals) == 4 and min(gaps) >= interval - TOLERANCE, gaps
        assert host.in_flight.most <= per_host
        assert host.paths.count("/r") == 1  # robots.txt read once per site, by one worker


def test_the_overall_limit_is_never_exceeded(hosts, overall, tmp_path):
    for host in hosts:
        host.latency = 0.5
    batch = fetch(settings(concurrent_fetches=2), interleaved(hosts, 2), tmp_path)
    assert batch.counts()["fetched"] == 12
    assert overall.most == 2  # never more, and the two workers did run side by side


def test_a_hanging_host_holds_up_no_other_and_is_a_recorded_failure(hosts, tmp_path):
    hanging, others = hosts[0], hosts[1:4]
    urls = [hanging.url("/hang"), *interleaved(others, 3)]
    config = settings(read_timeout=5.0, concurrent_fetches=2)
    batch = fetch(config, urls, tmp_path)
    failure = batch.items[0]
    assert isinstance(failure, InputFailure) and failure.source == urls[0]
    assert "timed out" in failure.reason
    assert [item.source for item in batch.items] == urls
    assert all(isinstance(item, Document) for item in batch.items[1:])
    assert hanging.gave_up is not None
    assert max(at for host in others for at in host.arrivals) < hanging.gave_up


def test_the_batch_is_the_sequential_one_in_input_order(hosts, tmp_path):
    for latency, host in zip((0.3, 0.0, 0.1), hosts[:3], strict=True):
        host.latency = latency  # later inputs finish first
    urls = interleaved(hosts[:3], 3)
    urls[1], urls[4] = hosts[1].url("/missing"), "http://10.0.0.1/refused"
    entry = InputFailure("feed-entry", "bad entry", FailureStage.FETCH)
    inputs = [*map(FetchTarget, urls[:3]), entry, *map(FetchTarget, urls[3:])]
    batches = []
    for workers in (1, 6):
        with (
            open_store(f"sqlite:///{tmp_path / str(workers)}.db") as store,
            open_page_fetcher(settings(concurrent_fetches=workers), store.engine) as fetcher,
        ):
            batches.append(fetcher.fetch_batch(inputs))
    sequential, concurrent = batches
    assert [_outcome(item) for item in concurrent.items] == [
        _outcome(item) for item in sequential.items
    ]
    assert [item.source for item in concurrent.items] == [*urls[:3], "feed-entry", *urls[3:]]
    assert concurrent.validators == sequential.validators and len(concurrent.validators) == 7
    assert [t.url for t in concurrent.given_up] == [t.url for t in sequential.given_up] == [urls[1]]


def _outcome(item: Document | InputFailure) -> tuple[object, ...]:
    if isinstance(item, InputFailure):
        return ("failure", item.source, item.reason)
    return ("document", item.source, item.url, item.payload)


def test_a_batch_started_ahead_uses_only_the_hosts_the_batch_before_leaves_idle(hosts, tmp_path):
    """Batch 1 asks host A three times and host B once; batch 2, started at the same time,
    asks B twice and A once. B goes on with batch 2 while A still serves batch 1, and A takes
    batch 2's page only after all of batch 1's: each host's pages go in batch order."""
    a, b = hosts[:2]
    first = [a.url("/1/a1"), a.url("/1/a2"), a.url("/1/a3"), b.url("/1/b1")]
    second = [b.url("/2/b2"), b.url("/2/b3"), a.url("/2/a4")]
    config = settings(min_host_interval_seconds=1.0, concurrent_fetches=4)
    with (
        open_store(f"sqlite:///{tmp_path / 'corpus'}.db") as store,
        open_page_fetcher(config, store.engine) as fetcher,
    ):
        started = fetcher.started_ahead([list(map(FetchTarget, first)),
                                         list(map(FetchTarget, second))], ahead=1)  # fmt: skip
        batches = [fetcher.finish(batch) for batch in started]
    assert [[item.source for item in batch.items] for batch in batches] == [first, second]
    assert all(isinstance(item, Document) for batch in batches for item in batch.items)
    assert [p for p in a.paths if p != "/r"] == ["/1/a1", "/1/a2", "/1/a3", "/2/a4"]
    assert [p for p in b.paths if p != "/r"] == ["/1/b1", "/2/b2", "/2/b3"]
    arrived = {p: at for h in (a, b) for at, p in zip(h.arrivals, h.paths, strict=True)}
    assert arrived["/2/b2"] < arrived["/1/a3"]  # B did not wait for the end of batch 1


def test_no_worker_waits_out_a_sites_interval_after_its_robots_txt(hosts, tmp_path):
    """One worker, three new sites a second apart per request: each site's robots.txt is a
    job of its own, so the worker reads all three while the sites' intervals run, then
    fetches the pages, instead of robots.txt, a second's wait and a page, site by site."""
    config = settings(min_host_interval_seconds=1.0, concurrent_fetches=1)
    batch = fetch(config, [host.url("/story/1") for host in hosts[:3]], tmp_path)
    assert batch.counts()["fetched"] == 3
    arrivals = sorted((at, path) for host in hosts[:3] for at, path in zip(
        host.arrivals, host.paths, strict=True))  # fmt: skip
    assert [path for _at, path in arrivals] == ["/r"] * 3 + ["/story/1"] * 3
