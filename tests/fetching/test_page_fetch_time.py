"""A fetched page's version stores when it was fetched (the `fetched_at` of exports)."""

from __future__ import annotations

from datetime import UTC, datetime

from localsite import Reply, article_html

import newscorpus
from flows.ingest_urls import ingest_urls


def test_a_fetched_version_stores_the_time_of_its_fetch(
    prefect_harness, site, db_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("NEWSCORPUS_FETCH_ALLOW_HOSTS", "127.0.0.1")
    config = tmp_path / "newscorpus.toml"
    config.write_text("[fetch]\nmin_host_interval_seconds = 0.0\n")
    site.route("/news/tide", Reply(body=article_html("Tide", "tide")))
    before = datetime.now(UTC)

    counts = ingest_urls([site.url("/news/tide")], database_url=db_url, config_path=str(config))

    assert counts["new"] == 1
    with newscorpus.open(db_url) as corpus:
        [record] = corpus.articles()
    assert before <= record.fetched_at <= record.ingested_at
