"""Bounded site furniture counts (`corpus.furniture.SiteCounts`) on real databases: exact for a
small site, bounded for a large one with its furniture still found, versions replacing each
other, and migration 0013 of an existing corpus's counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import numpy as np
import pytest
from alembic import command
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from corpus.furniture import PRUNE_EVERY, SiteCounts
from corpus.migrate import alembic_config, upgrade
from corpus.models import FurnitureShingle, FurnitureSite
from corpus.store import create_db_engine

SCHEME = "test-scheme"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, db_url: str) -> Iterator[Engine]:
    url = db_url if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = create_db_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def pages(count: int, story: int, furniture: np.ndarray, seed: int = 3) -> list[np.ndarray]:
    """`count` pages of one site: `story` shingles of its own each plus the site's furniture."""
    rng = np.random.default_rng(seed)
    own = rng.integers(1000, 2**32 - 1, size=(count, story))
    return [np.union1d(row, furniture).astype(np.uint32) for row in own]


def rows(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(FurnitureShingle)) or 0


def test_a_small_sites_counts_are_exact(engine: Engine) -> None:
    counts = SiteCounts(SCHEME, 0.1, 1)
    shared = np.arange(1, 40, dtype=np.uint32)
    site_pages = pages(PRUNE_EVERY - 1, 60, shared)
    site_pages[5] = np.union1d(site_pages[5], site_pages[9][-20:])  # a shingle pair on 2 pages
    exact = Counter(h for page in site_pages for h in page.tolist())
    with Session(engine) as session, session.begin():
        for number, page in enumerate(site_pages):
            counts.count(session, f"a{number}", ("daily.example", page))
        everything = np.array(sorted(exact), dtype=np.uint32)
        found = counts.counts(session, "daily.example", everything)
        assert found.tolist() == [exact[h] for h in everything.tolist()]
        assert counts.pages(session, "daily.example") == PRUNE_EVERY - 1
        assert counts.counts(session, "other.example", shared).tolist() == [0] * len(shared)
        before = rows(session)
        counts.count(session, "last", ("daily.example", shared))  # the first prune
        assert rows(session) == len(shared) + 20  # what more than one page holds
        assert before == len(exact)


def test_a_large_sites_rows_stay_bounded_and_its_furniture_is_found(db_url: str) -> None:
    """1,000 pages of 80 own shingles each (80,000 distinct): a few thousand rows, and the
    shingles on every page, on a third of them or on every page from the 500th on (counted
    by sample) are counted to within a few pages."""
    counts = SiteCounts(SCHEME, 0.1, 1)
    furniture = np.arange(1, 31, dtype=np.uint32)
    promo = np.arange(100, 111, dtype=np.uint32)  # on every third page
    redesign = np.arange(200, 221, dtype=np.uint32)  # on every page from the 500th
    site_pages = pages(1000, 80, furniture)
    peak = 0
    engine = create_db_engine(db_url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        for number, page in enumerate(site_pages):
            if number % 3 == 0:
                page = np.union1d(page, promo)
            if number >= 500:
                page = np.union1d(page, redesign)
            counts.count(session, f"a{number}", ("big.example", page))
            if number % 50 == 49:
                peak = max(peak, rows(session))
        assert peak < 10_000  # exact counts: 80,061 rows
        wanted = np.concatenate([furniture, promo, redesign])
        held = counts.counts(session, "big.example", wanted)
        limit = counts.limit(counts.pages(session, "big.example"))
        assert held[:30].tolist() == [1000] * 30  # counted from the first page: exact
        assert held[30:41].tolist() == [334] * 11
        assert (np.abs(held[41:] - 500) <= 500 * 0.15).all()
        assert (held >= limit).all()  # all of it furniture
        own = counts.counts(session, "big.example", site_pages[-1][30:])
        assert (own < limit).all()  # no page's own text is
    engine.dispose()


def test_a_new_version_replaces_the_previous_one_in_the_counts(engine: Engine) -> None:
    counts = SiteCounts(SCHEME, 0.1, 1)
    first = np.arange(1, 101, dtype=np.uint32)
    second = np.arange(51, 151, dtype=np.uint32)
    with Session(engine) as session, session.begin():
        counts.count(session, "a", ("daily.example", first))
        counts.count(session, "b", ("daily.example", first[:10]))
        counts.count(session, "a", ("daily.example", second), ("daily.example", first))
        held = counts.counts(session, "daily.example", np.arange(1, 151, dtype=np.uint32))
        assert held.tolist() == [1] * 10 + [0] * 40 + [1] * 100
        assert counts.pages(session, "daily.example") == 2
        counts.count(session, "a", ("wire.example", second), ("daily.example", second))
        assert counts.pages(session, "daily.example") == 1
        assert counts.counts(session, "daily.example", second).tolist() == [0] * 100
        assert counts.counts(session, "wire.example", second).tolist() == [1] * 100


def test_migration_keeps_the_counts_that_can_be_furniture(engine: Engine) -> None:
    """A corpus whose counts were written at revision 0012 (a row per shingle and page):
    opened by this code, it keeps a small site's counts and a large site's frequent ones."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0012_version_fetched_at")
    old = [("small.example", 10, {1: 10, 2: 1, 3: 0}), ("big.example", 400, {1: 390, 4: 10, 5: 9})]
    with engine.begin() as connection:
        for site, count, shingles in old:
            connection.execute(
                text("INSERT INTO site_pages VALUES (:site, :scheme, :count)"),
                {"site": site, "scheme": SCHEME, "count": count},
            )
            connection.execute(
                text("INSERT INTO site_shingles VALUES (:site, :scheme, :shingle, :articles)"),
                [
                    {"site": site, "scheme": SCHEME, "shingle": h, "articles": n}
                    for h, n in shingles.items()
                ],
            )
    upgrade(engine)  # what opening the store does
    counts = SiteCounts(SCHEME, 0.1, 1)
    wanted = np.arange(1, 6, dtype=np.uint32)
    with Session(engine) as session:
        assert counts.counts(session, "small.example", wanted).tolist() == [10, 1, 0, 0, 0]
        assert counts.counts(session, "big.example", wanted).tolist() == [390, 0, 0, 10, 0]
        assert counts.pages(session, "big.example") == 400
        assert rows(session) == 4
        sites = session.scalars(select(FurnitureSite.site).order_by(FurnitureSite.id)).all()
        assert sites == ["big.example", "small.example"]
    with engine.begin() as connection:  # and back, with the kept rows
        config.attributes["connection"] = connection
        command.downgrade(config, "0012_version_fetched_at")
        kept = connection.execute(text("SELECT count(*) FROM site_shingles")).scalar()
    assert kept == 4
