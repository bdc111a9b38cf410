"""Sitemap parsing benchmark: a Google News sitemap of N entries (50,000 by default, the
protocol's limit per file), plain and gzipped, read by `parse_sitemap` after `inflate`, with
the peak memory Python allocated while parsing (a second, traced run) (bounded: a few seconds).

    .venv/bin/python bench/sitemaps.py [--entries 50000]
"""

from __future__ import annotations

import argparse
import gzip
import time
import tracemalloc

from config import FetchSettings
from fetching.sitemaps import inflate, parse_sitemap

HEAD = (
    '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
)


def news_sitemap(entries: int) -> bytes:
    rows = "".join(
        f"<url><loc>https://news.example/2026/11/{n}/story-{n}.html</loc><news:news>"
        "<news:publication><news:name>Example</news:name><news:language>en</news:language>"
        "</news:publication><news:publication_date>2026-11-20T10:00:00Z"
        f"</news:publication_date><news:title>Story number {n}</news:title></news:news></url>"
        for n in range(entries)
    )
    return (HEAD + rows + "</urlset>").encode()


def measure(label: str, body: bytes, entries: int) -> None:
    config = FetchSettings(max_body_bytes=100_000_000)
    start = time.perf_counter()
    sitemap = parse_sitemap(inflate(body, config), "https://news.example/", entries)
    seconds = time.perf_counter() - start
    tracemalloc.start()  # a second, traced run: tracing slows it down
    parse_sitemap(inflate(body, config), "https://news.example/", entries)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"{label:8} {len(body) / 1e6:6.1f} MB  {len(sitemap.entries)} entries in {seconds:.2f} s"
        f" = {len(sitemap.entries) / seconds:,.0f}/s, peak {peak / 1e6:.1f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50_000)
    args = parser.parse_args()
    body = news_sitemap(args.entries)
    measure("plain", body, args.entries)
    measure("gzipped", gzip.compress(body), args.entries)


if __name__ == "__main__":
    main()
