"""Near-duplicate detection end to end on real stores: seeds, syndicated and trimmed copies,
unrelated articles, restarts, Redis and PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from config import Settings, SettingsError, settings_from
from corpus.dedup import ExactDeduplicator, NearDuplicateDeduplicator, build_deduplicator
from corpus.models import ArticleVersion, StoredSignature
from corpus.store import CorpusStore, open_store
from extractors import Article, Extracted, ExtractionConfig, extract_many, iter_documents
from newscorpus.cli import main

REPO = Path(__file__).resolve().parent.parent

FURNITURE_TOP = (
    "Home | World | Politics | Business | Sport\nAdvertisement\nListen to this article\n"
)
FURNITURE_BOTTOM = (
    "\nShare this story on Facebook, Twitter and WhatsApp\nRelated: More from our partners\n"
    "Sign up for the morning briefing newsletter\n© 2021 The Daily Example. All rights reserved."
)
UNRELATED = (
    "The city council approved a new budget for public libraries on Tuesday evening, adding "
    "weekend opening hours at six branches and a mobile library for outlying villages. "
    "Librarians said demand for children's reading programmes had doubled since spring, and "
    "the council's finance committee promised a review of staffing levels before winter. "
    "Residents who spoke at the meeting asked for more study space and longer evening hours."
)


def seed_items(seeds: Path) -> list[Extracted]:
    return list(extract_many(iter_documents([str(seeds)]), ExtractionConfig()))


def item(source: str, text: str, title: str = "A headline") -> Extracted:
    return Extracted(source, None, Article(title=title, text=text, extractor="test"))


def syndicated(text: str) -> str:
    """The story as another site shows it: other page furniture, a dateline, an editor's note."""
    return (
        FURNITURE_TOP
        + "JERUSALEM (AP) — "
        + text
        + "\nEditor's note: this story has been updated."
        + FURNITURE_BOTTOM
    )


def trimmed(text: str, keep: float = 0.6) -> str:
    """The first part of the story only, as wire clients often run it."""
    lines = text.split("\n")
    return "\n".join(lines[: max(1, int(len(lines) * keep))])


def save(store: CorpusStore, items: list[Extracted]):
    saved, failed = store.save_batch(store.start_run("test", {}), items)
    assert failed == []
    return saved


def cluster_count(store: CorpusStore) -> int:
    with store.sessions() as session:
        return session.scalar(select(func.count(func.distinct(ArticleVersion.cluster_id))))


def dedup_settings(**values) -> Settings:
    return settings_from({"dedup": values})


def test_seeds_stay_five_clusters_and_copies_join(db_url, seeds):
    store = open_store(db_url)
    assert isinstance(store.deduplicator, NearDuplicateDeduplicator)
    items = seed_items(seeds)
    originals = save(store, items)
    assert [r.duplicate_of for r in originals] == [None] * 5
    assert cluster_count(store) == 5

    first, fourth = items[0].article.text, items[4].article.text
    results = save(
        store,
        [
            item("copy.html", syndicated(first), title="Israel and Russia: the new partnership"),
            item("trim.html", trimmed(fourth)),
            item("unrelated.html", UNRELATED),
        ],
    )
    copy, trim, unrelated = results
    assert copy.duplicate_of == originals[0].article_id
    assert 0.8 <= copy.similarity < 1.0
    assert trim.duplicate_of == originals[4].article_id
    assert 0.8 <= trim.similarity < 1.0
    assert unrelated.duplicate_of is None
    assert cluster_count(store) == 6
    with store.sessions() as session:
        versions = session.scalars(select(func.count()).select_from(ArticleVersion)).one()
        signatures = session.scalars(select(func.count()).select_from(StoredSignature)).one()
    assert versions == signatures == 8  # nothing dropped, every version signed


def test_copy_in_the_same_batch_joins_and_exact_copy_scores_one(db_url, seeds):
    store = open_store(db_url)
    items = seed_items(seeds)
    second = items[1].article.text
    results = save(store, [*items, item("copy.txt", syndicated(second)), item("same.txt", second)])
    assert results[5].duplicate_of == results[1].article_id
    assert results[5].similarity < 1.0
    assert (results[6].duplicate_of, results[6].similarity) == (results[1].article_id, 1.0)


def test_copy_of_a_copy_points_at_the_canonical_member(db_url, seeds):
    store = open_store(db_url)
    originals = save(store, seed_items(seeds))
    text = seed_items(seeds)[2].article.text
    first = save(store, [item("a.txt", syndicated(text))])[0]
    second = save(store, [item("b.txt", trimmed(syndicated(text), 0.8))])[0]
    assert first.duplicate_of == second.duplicate_of == originals[2].article_id
    with store.sessions() as session:
        clusters = session.scalars(
            select(ArticleVersion.cluster_id).where(
                ArticleVersion.article_id.in_([first.article_id, second.article_id])
            )
        ).all()
    assert set(clusters) == {originals[2].article_id}


def test_index_survives_a_restart(db_url, seeds):
    originals = save(open_store(db_url), seed_items(seeds))
    text = seed_items(seeds)[3].article.text

    restarted = open_store(db_url)  # a new deduplicator: its index is rebuilt from signatures
    assert save(restarted, [item("copy.txt", syndicated(text))])[0].duplicate_of == (
        originals[3].article_id
    )

    script = (
        "import json, sys\n"
        "from corpus.store import open_store\n"
        "from extractors import Article, Extracted\n"
        "store = open_store(sys.argv[1])\n"
        "text = sys.stdin.read()\n"
        "item = Extracted('process.txt', None, Article(title='t', text=text, extractor='x'))\n"
        "saved, failed = store.save_batch(store.start_run('t', {}), [item])\n"
        "print(json.dumps([saved[0].duplicate_of, failed]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, db_url],
        input=trimmed(text, 0.7),
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    assert json.loads(result.stdout) == [originals[3].article_id, []]


def test_versions_stored_before_near_dedup_are_signed_on_start(db_url, seeds):
    exact_only = open_store(db_url, deduplicator=ExactDeduplicator())
    originals = save(exact_only, seed_items(seeds))
    with exact_only.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StoredSignature)) == 0
    store = open_store(db_url)
    copy = save(store, [item("copy.txt", syndicated(seed_items(seeds)[0].article.text))])[0]
    assert copy.duplicate_of == originals[0].article_id
    with store.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StoredSignature)) == 6


def test_signatures_of_other_settings_are_never_mixed(db_url, seeds):
    originals = save(open_store(db_url), seed_items(seeds))
    other = open_store(db_url, settings=dedup_settings(num_perm=64, seed=7))
    copy = save(other, [item("copy.txt", syndicated(seed_items(seeds)[1].article.text))])[0]
    assert copy.duplicate_of == originals[1].article_id
    with other.sessions() as session:
        kinds = session.execute(
            select(StoredSignature.num_perm, StoredSignature.seed, func.count()).group_by(
                StoredSignature.num_perm, StoredSignature.seed
            )
        ).all()
    assert sorted(kinds) == [(64, 7, 6), (128, 1, 5)]


def test_near_duplicates_can_be_switched_off(db_url, seeds):
    store = open_store(db_url, settings=dedup_settings(near_duplicates=False))
    assert type(store.deduplicator) is ExactDeduplicator
    save(store, seed_items(seeds))
    copy = save(store, [item("copy.txt", syndicated(seed_items(seeds)[0].article.text))])[0]
    assert copy.duplicate_of is None


@pytest.mark.parametrize(
    "values",
    [{"index": "sqlite"}, {"jaccard_threshold": 0}, {"containment_threshold": 1.5}, {"bands": 3}],
)
def test_bad_dedup_settings_are_refused(values, db_url):
    with pytest.raises(SettingsError, match=r"\[dedup\]"):
        build_deduplicator(dedup_settings(**values).dedup, db_url)


def test_duplicates_command_lists_clusters(db_url, seeds, capsys):
    store = open_store(db_url)
    originals = save(store, seed_items(seeds))
    copy = save(store, [item("copy.txt", syndicated(seed_items(seeds)[0].article.text))])[0]
    capsys.readouterr()

    assert main(["--db", db_url, "duplicates", "--json"]) == 0
    clusters = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(clusters) == 1
    members = clusters[0]["members"]
    assert clusters[0]["cluster_id"] == originals[0].article_id
    assert [m["id"] for m in members] == [originals[0].article_id, copy.article_id]
    assert members[1]["similarity"] == copy.similarity

    assert main(["--db", db_url, "duplicates"]) == 0
    text = capsys.readouterr().out
    assert "(2 articles)" in text and "canonical" in text and f"{copy.similarity:.4f}" in text

    assert main(["--db", db_url, "export"]) == 0
    records = {r["id"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    exported = records[copy.article_id]
    assert (exported["cluster_id"], exported["duplicate_of"], exported["similarity"]) == (
        originals[0].article_id, originals[0].article_id, copy.similarity,
    )  # fmt: skip
    assert records[originals[0].article_id]["duplicate_of"] is None


@pytest.mark.services
def test_redis_index_persists_between_stores(db_url, seeds, redis_url):
    import redis

    settings = dedup_settings(index="redis", redis_url=redis_url, redis_prefix="nc-test")
    store = open_store(db_url, settings=settings)
    originals = save(store, seed_items(seeds))
    texts = [i.article.text for i in seed_items(seeds)]
    assert save(store, [item("copy.txt", syndicated(texts[0]))])[0].duplicate_of == (
        originals[0].article_id
    )

    client = redis.Redis.from_url(redis_url)
    assert client.keys("nc-test:*")
    restarted = open_store(db_url, settings=settings)
    # Read from Redis, not rebuilt: the seeds were indexed when the copy's batch started.
    assert restarted.deduplicator.index.watermark == 5
    results = save(restarted, [item("trim.txt", trimmed(texts[4])), item("u.txt", UNRELATED)])
    assert results[0].duplicate_of == originals[4].article_id
    assert results[1].duplicate_of is None


@pytest.mark.services
def test_redis_index_of_a_recreated_database_is_started_afresh(tmp_path, seeds, redis_url):
    db_url = f"sqlite:///{tmp_path / 'recreated.db'}"
    settings = dedup_settings(index="redis", redis_url=redis_url, redis_prefix="nc-test")
    texts = [i.article.text for i in seed_items(seeds)]
    store = open_store(db_url, settings=settings)
    save(store, seed_items(seeds)[::-1])  # other ids than below: the old index would mislead
    save(store, [item("u.txt", UNRELATED)])  # indexes the first batch
    assert store.deduplicator.index.watermark == 5
    store.engine.dispose()
    (tmp_path / "recreated.db").unlink()

    fresh = open_store(db_url, settings=settings)
    originals = save(fresh, seed_items(seeds))
    copy = save(fresh, [item("copy.txt", syndicated(texts[1]))])[0]
    assert copy.duplicate_of == originals[1].article_id


@pytest.mark.services
def test_near_duplicates_on_postgresql(postgres_url, seeds):
    store = open_store(postgres_url)
    originals = save(store, seed_items(seeds))
    assert cluster_count(store) == 5
    texts = [i.article.text for i in seed_items(seeds)]
    results = save(
        open_store(postgres_url),
        [item("copy.txt", syndicated(texts[2])), item("trim.txt", trimmed(texts[1]))],
    )
    assert [r.duplicate_of for r in results] == [originals[2].article_id, originals[1].article_id]


def test_a_version_bridging_two_clusters_merges_them(db_url, seeds):
    store = open_store(db_url)
    text = seed_items(seeds)[1].article.text
    opening = text[: int(len(text) * 0.6)] + FURNITURE_BOTTOM
    ending = FURNITURE_TOP + text[int(len(text) * 0.4) :]
    first = save(store, [item("opening.txt", opening)])[0]
    second = save(store, [item("ending.txt", ending)])[0]
    assert first.duplicate_of is second.duplicate_of is None  # too little overlap on their own

    whole = save(store, [item("whole.txt", text)])[0]
    assert whole.duplicate_of == first.article_id
    with store.sessions() as session:
        rows = session.execute(
            select(
                ArticleVersion.article_id,
                ArticleVersion.cluster_id,
                ArticleVersion.duplicate_of,
                ArticleVersion.similarity,
            )
        ).all()
    clusters = {row.article_id: row for row in rows}
    assert {row.cluster_id for row in rows} == {first.article_id}
    assert clusters[second.article_id].duplicate_of == first.article_id
    assert 0.7 <= clusters[second.article_id].similarity < 1.0
    assert clusters[first.article_id].duplicate_of is None


@pytest.mark.slow
def test_import_flow_counts_near_duplicates(prefect_harness, db_url, seeds, tmp_path):
    from flows.import_files import import_files

    first = import_files([str(seeds)], database_url=db_url)
    assert (first["new"], first["duplicates"], first["near_duplicates"]) == (5, 0, 0)
    copies = tmp_path / "copies"
    copies.mkdir()
    text = seed_items(seeds)[0].article.text
    (copies / "syndicated.txt").write_text("Syndicated headline\n" + syndicated(text))
    (copies / "same.txt").write_text(next(seeds.glob("000_*.txt")).read_text())
    second = import_files([str(copies)], database_url=db_url)
    assert (second["new"], second["duplicates"], second["near_duplicates"]) == (2, 1, 1)


@pytest.mark.services
def test_concurrent_batches_on_postgresql_see_each_other(postgres_url, seeds):
    """A batch that starts while another is being stored waits for it, then matches it."""
    import threading
    import time

    from sqlalchemy import text as sql

    first, second = open_store(postgres_url), open_store(postgres_url)
    original = seed_items(seeds)[2]
    results = {}

    def store_copy() -> None:
        results["copy"] = save(second, [item("copy.txt", syndicated(original.article.text))])[0]

    run = first.start_run("test", {})
    copier = threading.Thread(target=store_copy)
    with first.sessions.begin() as session:
        first.deduplicator.prepare(session)
        stored = first._save_one(session, run, original)
        copier.start()
        waiting = sql("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        with first.engine.connect() as probe:  # until the copy waits for our turn (or is done)
            while copier.is_alive() and not probe.execute(waiting).scalar():
                probe.rollback()
                time.sleep(0.05)
    copier.join(timeout=60)
    assert results["copy"].duplicate_of == stored.article_id


# Site furniture, canonical members, re-clustering ------------------------------------------

_FURNITURE_WORDS = [
    "most",
    "read",
    "opinion",
    "podcast",
    "weather",
    "traffic",
    "markets",
    "video",
    "gallery",
    "newsletter",
    "subscribe",
    "offers",
    "careers",
    "contact",
    "advertise",
    "privacy",
    "cookies",
    "terms",
    "accessibility",
    "archive",
    "events",
    "puzzles",
    "crossword",
    "horoscope",
    "obituaries",
    "letters",
    "editor",
    "corrections",
    "sport",
    "cricket",
    "rugby",
    "football",
    "tennis",
    "golf",
    "racing",
    "local",
    "council",
    "schools",
    "health",
    "property",
    "motoring",
    "travel",
    "food",
]


def site_furniture(words: int = 2500, seed: int = 7) -> str:
    """A long block one site shows on every page (recirculation lists, promos, footer)."""
    import random

    pick = random.Random(seed).choice
    lines = [" ".join(pick(_FURNITURE_WORDS) for _ in range(15)) for _ in range(words // 15)]
    return "\n".join(lines)


def page(site: str | None, slug: str, text: str, published: str | None = None) -> Extracted:
    """A page of `site` (no site: a file without URL) with `text`."""
    url = f"https://www.{site}/news/{slug}" if site else None
    article = Article(title=slug, text=text, extractor="test", published=published)
    return Extracted(f"{site or 'files'}/{slug}.html", url, article)


def furnished_pages(seeds: Path, site: str | None) -> list[Extracted]:
    """Four different stories of one site, each shown with the same long furniture."""
    furniture = site_furniture()
    stories = [i.article.text for i in seed_items(seeds)][:4]
    return [page(site, f"story-{n}", f"{story}\n{furniture}") for n, story in enumerate(stories)]


def test_long_site_furniture_joins_stories_only_without_a_site(db_url, seeds):
    """The control: the same pages without a site (no URL) are joined by their furniture."""
    store = open_store(db_url)
    results = [save(store, [p])[0] for p in furnished_pages(seeds, None)]
    assert [r.duplicate_of is not None for r in results] == [False, True, True, True]


def _stories_of_one_site_stay_apart(url: str, seeds: Path, settings: Settings | None = None):
    store = open_store(url, settings=settings)
    for one in furnished_pages(seeds, "daily.example"):
        save(store, [one])
    copy_source = seed_items(seeds)[4].article.text
    original = save(store, [page("wire.example", "original", copy_source)])[0]
    copy = save(store, [page("daily.example", "copy", f"{copy_source}\n{site_furniture()}")])[0]
    with store.sessions() as session:
        rows = session.execute(
            select(ArticleVersion.url, ArticleVersion.duplicate_of).order_by(ArticleVersion.id)
        ).all()
    story_rows = [row for row in rows if "/story-" in row.url]
    assert [row.duplicate_of for row in story_rows] == [None] * 4
    assert copy.duplicate_of == original.article_id  # a real copy on that site still joins
    assert 0.8 <= copy.similarity < 1.0
    store.close()


def test_stories_of_one_site_sharing_long_furniture_stay_apart(db_url, seeds):
    _stories_of_one_site_stay_apart(db_url, seeds)


@pytest.mark.services
def test_stories_of_one_site_stay_apart_on_postgresql(postgres_url, seeds):
    _stories_of_one_site_stay_apart(postgres_url, seeds)


@pytest.mark.services
def test_stories_of_one_site_stay_apart_with_the_redis_index(db_url, seeds, redis_url):
    settings = dedup_settings(index="redis", redis_url=redis_url, redis_prefix="furniture")
    _stories_of_one_site_stay_apart(db_url, seeds, settings)


def test_furniture_counts_follow_the_latest_version(db_url, seeds):
    from corpus.models import FurnitureSite

    store = open_store(db_url)
    first = furnished_pages(seeds, "daily.example")[0]
    save(store, [first])
    updated = page("daily.example", "story-0", first.article.text + "\nUpdate: more details.")
    save(store, [updated])
    with store.sessions() as session:
        assert session.scalar(select(FurnitureSite.pages)) == 1  # one article, two versions


def _syndication(url: str) -> None:
    store = open_store(url)
    text = UNRELATED + " " + UNRELATED.replace("council", "assembly")
    copy = save(
        store,
        [page("portal.example", "copy", text + " (Reporting by the wire.)", "2024-04-01T12:00Z")],
    )[0]
    original = save(store, [page("wire.example", "orig", text, "2024-04-01T08:00:00+00:00")])[0]
    assert original.duplicate_of is None  # ingested later, published earlier: canonical
    with store.sessions() as session:
        rows = dict(
            session.execute(select(ArticleVersion.article_id, ArticleVersion.duplicate_of)).all()
        )
        clusters = set(session.scalars(select(ArticleVersion.cluster_id)))
    assert rows == {copy.article_id: original.article_id, original.article_id: None}
    assert clusters == {original.article_id}
    undated = save(store, [page("late.example", "undated", text + " Photo: wire.")])[0]
    assert undated.duplicate_of == original.article_id  # no date never beats a date
    store.close()


def test_a_copy_published_earlier_becomes_canonical_when_ingested_later(db_url):
    _syndication(db_url)


@pytest.mark.services
def test_a_copy_published_earlier_becomes_canonical_on_postgresql(postgres_url):
    _syndication(postgres_url)


def test_same_day_copies_without_times_go_to_the_longest(db_url):
    store = open_store(db_url)
    text = UNRELATED + " " + UNRELATED.replace("council", "assembly")
    short = save(store, [page("a.example", "short", text, "2024-04-01")])[0]
    longer = save(store, [page("b.example", "long", text + " More: the vote.", "2024-04-01")])[0]
    assert longer.duplicate_of is None
    assert short.article_id != longer.article_id
    with store.sessions() as session:
        assert (
            session.scalar(
                select(ArticleVersion.duplicate_of).where(
                    ArticleVersion.article_id == short.article_id
                )
            )
            == longer.article_id
        )


def _downgrade_to_previous_schema(url: str) -> None:
    """The store as the previous release left it: no furniture counts, no dedup state (the
    revision before them; 0004_courlan_urls itself cannot be undone)."""
    from alembic import command
    from sqlalchemy import create_engine

    from corpus.migrate import alembic_config

    config = alembic_config()
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0004_courlan_urls")
    engine.dispose()


def _existing_corpus_is_reclustered(url: str, seeds: Path) -> None:
    store = open_store(url)
    pages = furnished_pages(seeds, "daily.example")
    for one in pages:
        save(store, [one])
    text = UNRELATED + " " + UNRELATED.replace("council", "assembly")
    save(store, [page("portal.example", "copy", text, "2024-04-01T12:00Z")])
    save(store, [page("wire.example", "orig", text, "2024-04-01T08:00Z")])
    with store.sessions.begin() as session:  # what the old rules stored
        versions = session.scalars(select(ArticleVersion).order_by(ArticleVersion.id)).all()
        for version in versions:
            version.cluster_id = versions[0].article_id if "story" in version.url else None
            version.duplicate_of = None if version is versions[0] else versions[0].article_id
        copy, original = versions[-2], versions[-1]
        copy.cluster_id, copy.duplicate_of, copy.similarity = copy.article_id, None, None
        original.cluster_id = original.duplicate_of = copy.article_id
        original.similarity = 0.95
    store.close()
    _downgrade_to_previous_schema(url)

    reopened = open_store(url)  # no manual step
    with reopened.sessions() as session:
        rows = session.execute(
            select(
                ArticleVersion.url, ArticleVersion.duplicate_of, ArticleVersion.cluster_id
            ).order_by(ArticleVersion.id)
        ).all()
        total = session.scalar(select(func.count()).select_from(ArticleVersion))
    assert total == 6  # nothing removed
    assert [row.duplicate_of for row in rows[:4]] == [None] * 4
    assert [row.cluster_id for row in rows[:4]] == [v.article_id for v in versions[:4]]
    assert rows[5].duplicate_of is None and rows[4].duplicate_of == original.article_id
    reopened.close()


def test_an_existing_corpus_is_reclustered_when_opened(db_url, seeds):
    _existing_corpus_is_reclustered(db_url, seeds)


@pytest.mark.services
def test_an_existing_corpus_is_reclustered_on_postgresql(postgres_url, seeds):
    _existing_corpus_is_reclustered(postgres_url, seeds)


def test_a_sites_first_pages_are_separated_once_its_furniture_is_known(db_url, seeds):
    """Two short stories inside much furniture: with no third page of the site the furniture
    cannot be told from a shared story, and they join; the third page makes it known, and the
    second page leaves the first one's cluster."""
    store = open_store(db_url)
    furniture = site_furniture()
    stories = [" ".join(i.article.text.split()[:150]) for i in seed_items(seeds)][:3]
    first, second = (
        save(store, [page("daily.example", f"s{n}", f"{stories[n]}\n{furniture}")])[0]
        for n in range(2)
    )
    assert second.duplicate_of == first.article_id
    third = save(store, [page("daily.example", "s2", f"{stories[2]}\n{furniture}")])[0]
    assert third.duplicate_of is None
    with store.sessions() as session:
        rows = session.execute(
            select(ArticleVersion.cluster_id, ArticleVersion.duplicate_of).order_by(
                ArticleVersion.id
            )
        ).all()
    assert rows == [
        (first.article_id, None),
        (second.article_id, None),
        (third.article_id, None),
    ]
