"""Canonical URLs and migration 0004_courlan_urls: speed and peak memory.

    python bench/url_migration.py [--articles 20000] [--urls 50000]

Canonicalisation: `corpus.identity.canonical_url` over generated URLs (mixed case hosts,
default ports, tracking and reordered query parameters, dot segments, fragments), per URL.
Migration: a SQLite corpus built at revision 0003 with `--articles` URL articles of two
versions each, one in ten spelt with its query parameters in the other order than another
article (so they merge), upgraded to 0004_courlan_urls; the upgrade's wall time and the
process's peak RSS are printed.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import func, insert, select  # noqa: E402

from corpus.identity import article_id, canonical_url  # noqa: E402
from corpus.migrate import upgrade  # noqa: E402
from corpus.models import ArticleRow, ArticleVersion, Run, Source  # noqa: E402
from corpus.store import create_db_engine  # noqa: E402

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def generated_urls(count: int, rng: random.Random) -> list[str]:
    hosts = ["News.Example.com", "example.org.", "www.example.co.uk:443", "blog.example.net"]
    urls = []
    for n in range(count):
        host = rng.choice(hosts)
        path = rng.choice([f"/news/{n}", f"/a/../news/{n}/", f"//story/{n}"])
        query = rng.choice(["", f"?id={n}&page=2", f"?page=2&id={n}&utm_source=rss", "?x"])
        urls.append(f"https://{host}{path}{query}#{rng.choice(['', 'top'])}")
    return urls


def time_canonicalisation(count: int) -> None:
    urls = generated_urls(count, random.Random(7))
    start = time.perf_counter()
    for url in urls:
        canonical_url(url)
    elapsed = time.perf_counter() - start
    print(f"canonical_url: {count} URLs in {elapsed:.2f} s, {elapsed / count * 1e6:.1f} µs/URL")


def old_corpus(url: str, count: int) -> None:
    """`count` articles at revision 0003, keyed the old way; one in ten a reordered twin."""
    engine = create_db_engine(url)
    upgrade(engine, "0003")
    articles, versions = [], []
    for n in range(count):
        twin = n % 10 == 9
        query = f"?b={n - 1}&a=1" if twin else f"?a=1&b={n}"
        key = f"url:https://example.com/news{query}"
        ident = article_id(key)
        when = T0 + timedelta(seconds=n)
        articles.append({"id": ident, "key": key, "url": key[4:], "source_id": 1,
                         "latest_version": 2, "created_at": when, "updated_at": when})  # fmt: skip
        for number in (1, 2):
            versions.append(
                {"article_id": ident, "version": number, "run_id": "r", "source_id": 1,
                 "text": f"text {n} {number}", "authors": [], "url": key[4:],
                 "content_hash": f"{n}-{number}", "extractor": "bench", "cluster_id": ident,
                 "created_at": when + timedelta(hours=number)}
            )  # fmt: skip
    with engine.begin() as db:
        db.execute(insert(Run).values(id="r", flow="bench", status="ok", parameters={},
                                      counts={}, started_at=T0))  # fmt: skip
        db.execute(insert(Source).values(id=1, locator="bench", kind="file",
                                         first_seen=T0, last_seen=T0))  # fmt: skip
        db.execute(insert(ArticleRow), articles)
        db.execute(insert(ArticleVersion), versions)
    engine.dispose()


def time_migration(count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'corpus.db'}"
        old_corpus(url, count)
        engine = create_db_engine(url)
        start = time.perf_counter()
        upgrade(engine, "0004_courlan_urls")
        elapsed = time.perf_counter() - start
        with engine.connect() as db:
            kept = db.scalar(select(func.count()).select_from(ArticleVersion))
            left = db.scalar(select(func.count()).select_from(ArticleRow))
        engine.dispose()
    print(
        f"migration: {count} articles ({count // 10} merged) in {elapsed:.2f} s; "
        f"{left} articles and {kept} versions after"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--urls", type=int, default=50_000)
    args = parser.parse_args()
    time_canonicalisation(args.urls)
    time_migration(args.articles)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
