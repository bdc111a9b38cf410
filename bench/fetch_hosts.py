"""Fetching many hosts at once: the `ingest_urls` flow on 40 loopback hosts that answer slowly.

One real HTTP server on each of 127.0.0.10 … 127.0.0.49 (every reply, robots.txt included,
after `--latency` seconds), `--pages` distinct articles on each, all ingested by the real
`ingest_urls` flow (fetch → extract → dedup and store, with the originals archived) into a
fresh SQLite corpus, with the settings of the working directory's config (the shipped
`min_host_interval_seconds = 1` allows 40 pages/s on 40 hosts). `--fetch-only` times the page
fetcher alone, on batches of the pipeline's size. URLs go in round-robin over the hosts
(`--order interleaved`, the default) or host by host (`--order grouped`).
The servers record when each request arrived, so the run also reports the shortest gap
between two requests to one host and the most requests one host had in flight at once.

To measure an older checkout, run that checkout's own copy of this script with its code
first on the path (`PYTHONPATH=<checkout> .venv/bin/python <checkout>/bench/fetch_hosts.py`).

    .venv/bin/python bench/fetch_hosts.py [--hosts 40] [--pages 15] [--latency 0.15] \
        [--order interleaved|grouped] [--fetch-only]
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="newscorpus-bench-prefect-"))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["NEWSCORPUS_FETCH_ALLOW_HOSTS"] = "127.0.0.0/8"

from config import load_settings  # noqa: E402
from corpus.store import open_store  # noqa: E402
from fetching.pages import open_page_fetcher  # noqa: E402
from fetching.targets import FetchTarget  # noqa: E402
from flows.ingest_urls import ingest_urls  # noqa: E402
from flows.pipeline import FETCHES_STARTED_AHEAD  # noqa: E402


class Host:
    """What one server saw: request arrival times and the most requests in flight at once."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()


VOCABULARY = (
    "the council said on tuesday that its programme for schools roads and housing would "
    "continue through next year while residents asked questions about costs delays and the "
    "new budget officials expect reviews every quarter after a public consultation in which "
    "teachers drivers nurses and shop owners described how rising prices changed their work "
    "and families the mayor promised more buses cleaner streets safer crossings longer library "
    "hours and a fund for small businesses hit by the floods last winter critics called plan "
    "late vague expensive but welcomed a vote planned before summer"
)
WORDS = VOCABULARY.split()


def article(host: int, page: int) -> bytes:
    """A distinct English news page: words drawn at random (seeded per page), so no two pages
    are near-duplicates of each other."""
    pick = random.Random(host * 1000 + page)
    paragraphs = "".join(
        "<p>" + " ".join(pick.choice(WORDS) for _ in range(45)).capitalize() + ".</p>"
        for _ in range(6)
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>Story {host}-{page}</title>"
        f"</head><body><nav><a href='/'>Home</a></nav><article><h1>Story {host}-{page}</h1>"
        f"{paragraphs}</article><footer>Copyright</footer></body></html>"
    ).encode()


def serve(address: str, number: int, latency: float) -> tuple[ThreadingHTTPServer, Host]:
    seen = Host()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True

        def do_GET(self) -> None:  # noqa: N802
            with seen.lock:
                seen.arrivals.append(time.monotonic())
                seen.in_flight += 1
                seen.most_in_flight = max(seen.most_in_flight, seen.in_flight)
            try:
                time.sleep(latency)
                if self.path == "/robots.txt":
                    status, body = 404, b"none"
                else:
                    status, body = 200, article(number, int(self.path.rsplit("/", 1)[1]))
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            finally:
                with seen.lock:
                    seen.in_flight -= 1

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer((address, 0), Handler)
    server.daemon_threads = True
    server.handle_error = lambda request, client: None  # the client closing kept-alive sockets
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, seen


def fetch_only(urls: list[str], database: str) -> tuple[float, dict[str, int]]:
    """The page fetcher alone on batches of the pipeline's size, started ahead as the flow
    starts them: seconds and counts."""
    settings = load_settings()
    size = settings.pipeline.batch_size
    with (
        open_store(database, settings=settings) as store,
        open_page_fetcher(settings.fetch, store.engine) as fetcher,
    ):
        start = time.perf_counter()
        targets = ([FetchTarget(url) for url in urls[n : n + size]]
                   for n in range(0, len(urls), size))  # fmt: skip
        started = fetcher.started_ahead(targets, FETCHES_STARTED_AHEAD)
        batches = [fetcher.finish(batch) for batch in started]
        elapsed = time.perf_counter() - start
    return elapsed, {key: sum(b.counts()[key] for b in batches) for key in batches[0].counts()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hosts", type=int, default=40)
    parser.add_argument("--pages", type=int, default=15)
    parser.add_argument("--latency", type=float, default=0.15)
    parser.add_argument("--order", choices=("interleaved", "grouped"), default="interleaved")
    parser.add_argument("--fetch-only", action="store_true", help="only the page fetcher")
    args = parser.parse_args()
    servers = [serve(f"127.0.0.{10 + n}", n, args.latency) for n in range(args.hosts)]
    bases = [f"http://127.0.0.{10 + n}:{server.server_address[1]}" for n, (server, _) in
             enumerate(servers)]  # fmt: skip
    if args.order == "grouped":
        urls = [f"{base}/story/{page}" for base in bases for page in range(args.pages)]
    else:
        urls = [f"{base}/story/{page}" for page in range(args.pages) for base in bases]
    with tempfile.TemporaryDirectory(prefix="newscorpus-bench-") as work:
        database = f"sqlite:///{Path(work) / 'corpus.db'}"
        if args.fetch_only:
            elapsed, result = fetch_only(urls, database)
        else:
            ingest_urls([], database_url=database)  # starts Prefect's local server: not timed
            start = time.perf_counter()
            result = ingest_urls(urls, database_url=database)
            elapsed = time.perf_counter() - start
    gaps = [
        later - earlier
        for _, seen in servers
        for earlier, later in zip(seen.arrivals, seen.arrivals[1:], strict=False)
    ]
    print(
        f"{'fetch only' if args.fetch_only else 'ingest_urls'}: "
        f"{len(urls)} URLs on {args.hosts} hosts ({args.order}, {args.latency * 1000:.0f} ms "
        f"latency): {elapsed:.1f} s = {len(urls) / elapsed:.1f} pages/s"
    )
    print(f"  counts: {result}")
    print(
        f"  requests {sum(len(seen.arrivals) for _, seen in servers)}, shortest gap per host "
        f"{min(gaps):.3f} s, most in flight on one host "
        f"{max(seen.most_in_flight for _, seen in servers)}"
    )
    for server, _ in servers:
        server.shutdown()


if __name__ == "__main__":
    main()
