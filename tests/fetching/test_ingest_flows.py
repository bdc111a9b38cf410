"""`ingest_urls` and `ingest_feeds` end to end: real Prefect runs, a real local HTTP server,
a real SQLite corpus. 127.0.0.1 is opened through NEWSCORPUS_FETCH_ALLOW_HOSTS."""

from __future__ import annotations

import gzip
import io
import json

import pytest
from localsite import Reply, article_html
from sqlalchemy import event
from sqlalchemy.engine import Engine

from corpus.store import open_store
from flows.ingest_feeds import ingest_feeds
from flows.ingest_urls import ingest_urls
from newscorpus.cli import main

STAMP = "Sat, 21 Nov 2026 08:00:00 GMT"


@pytest.fixture
def config_path(tmp_path, monkeypatch):
    """Fast limits and batches of two; 127.0.0.1 allowed through the environment."""
    monkeypatch.setenv("NEWSCORPUS_FETCH_ALLOW_HOSTS", "127.0.0.1")
    path = tmp_path / "newscorpus.toml"
    path.write_text(
        "[pipeline]\nbatch_size = 2\n"
        "[fetch]\nread_timeout = 0.5\nretries = 1\nbackoff_seconds = 0.01\n"
        "min_host_interval_seconds = 0.0\nmax_body_bytes = 1_000_000\n"
    )
    return str(path)


@pytest.fixture
def corpus_engines(db_url):
    """Every SQLAlchemy Engine that connects to the test corpus while the test runs, known
    by its connection pool (an engine's execution-option views share it)."""
    engines = set()

    def seen(connection):
        if connection.engine.url.render_as_string(hide_password=False) == db_url:
            engines.add(connection.engine.pool)

    event.listen(Engine, "engine_connect", seen)
    yield engines
    event.remove(Engine, "engine_connect", seen)


def failure_reasons(db_url, run_id):
    return {f["source"]: (f["stage"], f["reason"]) for f in open_store(db_url).run_failures(run_id)}


def test_url_list_end_to_end_and_conditional_rerun(prefect_harness, site, db_url, config_path):
    from prefect.artifacts import Artifact

    site.route("/robots.txt", Reply(body=b"User-agent: *\nDisallow: /members/\n"))
    good = [
        site.route("/news/dam", Reply(body=article_html("Dam opens", "dam"), etag='"dam-1"')),
        site.route("/news/tram", Reply(body=article_html("Tram", "tram"), last_modified=STAMP)),
    ]
    bad = {
        site.url("/news/gone"): ("fetch", "HTTP 404 Not Found"),
        site.route("/logo.png", Reply(body=b"\x89PNG", content_type="image/png")): (
            "fetch",
            "content type image/png is not accepted",
        ),
        site.url("/members/only"): ("fetch", "disallowed by robots.txt"),
        "file:///etc/passwd": ("fetch", "refused: scheme 'file' is not http or https"),
        site.route(
            "/empty", Reply(body=b"<html><head><title>x</title></head><body> </body></html>")
        ): (
            "extract",
            "HTML body is empty",
        ),
    }
    first = ingest_urls(good + list(bad), database_url=db_url, config_path=config_path)
    assert (first["fetched"], first["extracted"], first["new"], first["not_modified"]) == (
        3, 2, 2, 0,
    )  # fmt: skip
    assert first["failures"] == 5
    assert failure_reasons(db_url, first["run_id"]) == bad
    assert site.seen("/members/only") == []

    artifact = Artifact.get("ingest-urls-counts")
    table = {row["metric"]: row["value"] for row in json.loads(artifact.data)}
    assert (table["fetched"], table["not_modified"], table["new"], table["failures"]) == (
        3,
        0,
        2,
        5,
    )
    assert "HTTP 404" in Artifact.get("ingest-urls-failures").data

    second = ingest_urls(good, database_url=db_url, config_path=config_path)
    assert (second["fetched"], second["not_modified"], second["new"], second["failures"]) == (
        0, 2, 0, 0,
    )  # fmt: skip
    assert site.seen("/news/dam")[-1].headers["if-none-match"] == '"dam-1"'
    assert site.seen("/news/tram")[-1].headers["if-modified-since"] == STAMP
    assert open_store(db_url).count_articles() == 2


def test_one_article_under_several_urls(prefect_harness, site, db_url, config_path):
    story = site.url("/story?id=1")
    site.route("/story", Reply(body=article_html("Budget", "budget")))
    site.route("/amp/1", Reply(body=article_html("Budget", "budget", canonical="/story?id=1")))
    urls = [story + "&utm_source=news&utm_medium=mail#comments", story, site.url("/amp/1")]
    counts = ingest_urls(urls, database_url=db_url, config_path=config_path)
    # The first two are one canonical URL, fetched once; the AMP page is the same article.
    assert (counts["new"], counts["unchanged"], counts["failures"]) == (1, 1, 0)
    assert counts["fetched"] == 2
    [record] = open_store(db_url).iter_latest()
    assert record["url"] == story
    assert {r.path for r in site.seen("/story")} == {"/story?id=1"}  # requested without utm_*


def test_failed_fetch_is_retried_next_run_and_500_then_200_within_a_run(
    prefect_harness, site, db_url, config_path
):
    url = site.route(
        "/busy", Reply(503), Reply(503), Reply(500), Reply(body=article_html("B", "bus"))
    )
    first = ingest_urls([url], database_url=db_url, config_path=config_path)
    assert first["failures"] == 1
    assert "HTTP 503 Service Unavailable (after 2 attempts)" in str(first["failures_by_reason"])
    second = ingest_urls([url], database_url=db_url, config_path=config_path)
    assert (second["new"], second["failures"]) == (1, 0)
    assert len(site.seen("/busy")) == 4


def rss(site, *paths, title="Example News"):
    items = "".join(
        f"<item><title>Entry {p}</title><link>{site.url(p)}?utm_source=rss</link>"
        f"<author>desk@news.example (Desk {p})</author>"
        f"<pubDate>Sat, 21 Nov 2026 07:00:00 GMT</pubDate></item>"
        for p in paths
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
        f"<link>{site.base}/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def atom(site, *paths):
    entries = "".join(
        f'<entry><title>Atom {p}</title><id>urn:{p}</id><link href="{site.url(p)}"/>'
        f"<updated>2026-11-21T07:00:00Z</updated></entry>"
        for p in paths
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Atom</title><id>urn:feed</id><updated>2026-11-21T07:00:00Z</updated>{entries}</feed>"
    ).encode()


def feed_reply(body, etag, kind="rss"):
    return Reply(body=body, etag=etag, content_type=f"application/{kind}+xml")


def test_feeds_end_to_end_then_only_new_entries(prefect_harness, site, db_url, config_path):
    for topic in ("ports", "mines", "farms", "ships"):
        site.route(f"/n/{topic}", Reply(body=article_html(topic.title(), topic)))
    rss_url = site.route("/rss.xml", feed_reply(rss(site, "/n/ports", "/n/mines"), '"r1"'))
    atom_url = site.route(
        "/atom.xml", feed_reply(atom(site, "/n/farms", "/n/ports"), '"a1"', "atom")
    )
    feeds = [rss_url, atom_url, site.url("/no-feed.xml")]

    first = ingest_feeds(feeds, database_url=db_url, config_path=config_path)
    assert (first["feeds_fetched"], first["feeds_failed"], first["new_entries"]) == (2, 1, 4)
    assert (first["new"], first["unchanged"], first["fetched"]) == (3, 1, 4)
    assert failure_reasons(db_url, first["run_id"]) == {
        site.url("/no-feed.xml"): ("feed", "HTTP 404 Not Found")
    }
    records = {r["url"]: r for r in open_store(db_url).iter_latest()}
    assert records[site.url("/n/mines")]["authors"] == ["Desk /n/mines"]
    assert records[site.url("/n/mines")]["published"]

    second = ingest_feeds(feeds[:2], database_url=db_url, config_path=config_path)
    assert (second["feeds_not_modified"], second["new_entries"], second["fetched"]) == (2, 0, 0)
    assert site.seen("/rss.xml")[-1].headers["if-none-match"] == '"r1"'
    assert len(site.seen("/n/ports")) == 2

    site.route("/rss.xml", feed_reply(rss(site, "/n/ships", "/n/ports", "/n/mines"), '"r2"'))
    third = ingest_feeds(feeds[:2], database_url=db_url, config_path=config_path)
    assert (third["feeds_fetched"], third["feeds_not_modified"]) == (1, 1)
    assert (third["new_entries"], third["fetched"], third["new"]) == (1, 1, 1)
    assert open_store(db_url).count_articles() == 4


def test_feed_entry_that_failed_is_retried_at_the_next_poll(
    prefect_harness, site, db_url, config_path
):
    site.route("/n/late", Reply(500), Reply(500), Reply(body=article_html("Late", "late")))
    site.route("/n/ok", Reply(body=article_html("Ok", "okay")))
    feed = site.route("/rss.xml", feed_reply(rss(site, "/n/late", "/n/ok"), '"r1"'))
    first = ingest_feeds([feed], database_url=db_url, config_path=config_path)
    assert (first["new"], first["failures"]) == (1, 1)
    second = ingest_feeds([feed], database_url=db_url, config_path=config_path)
    assert "if-none-match" not in site.seen("/rss.xml")[-1].headers
    assert (second["new_entries"], second["new"], second["failures"]) == (1, 1, 0)
    third = ingest_feeds([feed], database_url=db_url, config_path=config_path)
    assert (third["feeds_not_modified"], third["new_entries"]) == (1, 0)


def test_feed_entry_that_fails_for_good_is_not_retried_and_the_feed_is_conditional_again(
    prefect_harness, site, db_url, config_path
):
    site.route("/n/busy", Reply(503), Reply(503), Reply(body=article_html("Busy", "busy")))
    site.route("/n/ok", Reply(body=article_html("Ok", "okay")))
    feed = site.route("/rss.xml", feed_reply(rss(site, "/n/gone", "/n/busy", "/n/ok"), '"r1"'))
    first = ingest_feeds([feed], database_url=db_url, config_path=config_path)
    assert (first["new"], first["failures"]) == (1, 2)  # /n/gone is a 404, /n/busy a 503
    second = ingest_feeds([feed], database_url=db_url, config_path=config_path)
    assert "if-none-match" not in site.seen("/rss.xml")[-1].headers  # /n/busy still pending
    assert (second["new_entries"], second["new"], second["failures"]) == (1, 1, 0)
    assert len(site.seen("/n/gone")) == 1  # a 404 is recorded once, not fetched at every poll
    third = ingest_feeds([feed], database_url=db_url, config_path=config_path)
    assert site.seen("/rss.xml")[-1].headers["if-none-match"] == '"r1"'
    assert (third["feeds_not_modified"], third["new_entries"], third["failures"]) == (1, 0, 0)


def test_feed_that_is_not_a_feed_is_a_recorded_failure(prefect_harness, site, db_url, config_path):
    page = site.route("/page.xml", Reply(body=b"<html>no feed</html>", content_type="text/xml"))
    counts = ingest_feeds([page], database_url=db_url, config_path=config_path)
    [(stage, reason)] = failure_reasons(db_url, counts["run_id"]).values()
    assert stage == "feed" and reason.startswith("not an RSS or Atom feed")


def test_cli_ingest_urls_from_stdin(
    prefect_harness, site, db_url, config_path, monkeypatch, capsys
):
    url = site.route("/news/cli", Reply(body=article_html("Cli", "bridge")))
    monkeypatch.setattr("sys.stdin", io.StringIO(f"# list\n{url}\n\n"))
    assert main(["--db", db_url, "--config", config_path, "ingest-urls", "-"]) == 0
    out = capsys.readouterr().out
    assert "fetched" in out and "not modified" in out
    assert open_store(db_url).count_articles() == 1


def test_cli_ingest_urls_missing_file(tmp_path, capsys):
    assert main(["ingest-urls", str(tmp_path / "nope.txt")]) == 2
    assert "cannot read URL list" in capsys.readouterr().err


def test_refusals_and_limits_are_recorded_failures(prefect_harness, site, db_url, config_path):
    site.route("/loop", Reply(302, headers={"Location": "/loop2"}))
    site.route("/loop2", Reply(302, headers={"Location": "/loop"}))
    bomb = gzip.compress(b" " * 20_000_000, compresslevel=9)
    expected = {
        site.url("/loop"): "redirect loop: " + site.url("/loop") + " was already visited",
        site.route("/bomb", Reply(body=bomb, headers={"Content-Encoding": "gzip"})): (
            "decompressed body is over the 1000000-byte limit (compression bomb?)"
        ),
        site.route("/huge", Reply(body=b"<p>" + b"x" * 1_500_000, send_length=False)): (
            "body is over the 1000000-byte limit"
        ),
        site.route("/slow", Reply(body=b"late", delay=2.0)): (
            "timed out (ReadTimeout) (after 2 attempts)"
        ),
        "http://10.0.0.1/admin": "refused: 10.0.0.1 resolves to a private address (10.0.0.1); "
        "add it to the fetch allow-list to fetch it",
        "https://169.254.169.254/latest/": "refused: 169.254.169.254 resolves to the cloud "
        "metadata address (169.254.169.254); add it to the fetch allow-list to fetch it",
    }
    counts = ingest_urls(list(expected), database_url=db_url, config_path=config_path)
    assert (counts["failures"], counts["fetched"], counts["new"]) == (6, 0, 0)
    recorded = failure_reasons(db_url, counts["run_id"])
    assert recorded == {url: ("fetch", reason) for url, reason in expected.items()}


def test_malformed_url_and_refused_redirect_are_failures_of_those_urls(
    prefect_harness, site, db_url, config_path
):
    good = site.route("/news/ok", Reply(body=article_html("Bridge reopens", "bridge")))
    hop = site.route("/go", Reply(302, headers={"Location": "http://10.0.0.1/admin"}))
    counts = ingest_urls(["http://[::1/x", hop, good], database_url=db_url, config_path=config_path)
    assert (counts["status"], counts["failures"], counts["new"]) == ("completed", 2, 1)
    assert failure_reasons(db_url, counts["run_id"]) == {
        "http://[::1/x": ("fetch", "refused: malformed URL: Invalid IPv6 URL"),
        hop: (
            "fetch",
            f"redirect from {hop} to http://10.0.0.1/admin refused: 10.0.0.1 resolves to a "
            "private address (10.0.0.1); add it to the fetch allow-list to fetch it",
        ),
    }


def test_header_charset_reaches_the_extractor(prefect_harness, site, db_url, config_path):
    text = "Le café de la gare rouvre après deux ans de travaux, annonce la mairie. " * 4
    body = f"<html><head><title>Café</title></head><body><article><p>{text}</p></article>"
    url = site.route(
        "/fr", Reply(body=body.encode("cp1252"), content_type="text/html; charset=windows-1252")
    )
    ingest_urls([url], database_url=db_url, config_path=config_path)
    [record] = open_store(db_url).iter_latest()
    assert "Le café de la gare rouvre après" in record["text"]
    assert record["language"] == "fr"


def test_cli_ingest_feeds(prefect_harness, site, db_url, config_path, capsys):
    site.route("/n/cli", Reply(body=article_html("Cli", "harbour")))
    feed = site.route("/rss.xml", feed_reply(rss(site, "/n/cli"), '"c1"'))
    assert main(["--db", db_url, "--config", config_path, "ingest-feeds", "--feed", feed]) == 0
    out = capsys.readouterr().out
    assert "new entries" in out and "feeds fetched" in out
    assert open_store(db_url).count_articles() == 1


@pytest.mark.services
def test_url_ingestion_on_postgresql(prefect_harness, site, postgres_url, config_path):
    url = site.route("/pg", Reply(body=article_html("Pg", "grid"), etag='"pg-1"'))
    first = ingest_urls([url], database_url=postgres_url, config_path=config_path)
    second = ingest_urls([url], database_url=postgres_url, config_path=config_path)
    assert (first["new"], second["not_modified"], second["new"]) == (1, 1, 0)
    assert site.seen("/pg")[-1].headers["if-none-match"] == '"pg-1"'


def test_cli_runs_shows_fetch_counts_under_fetch_runs(
    prefect_harness, site, db_url, config_path, capsys
):
    site.route("/n/a", Reply(body=article_html("A", "alps"), etag='"a"'))
    feed = site.route("/rss.xml", feed_reply(rss(site, "/n/a", "/n/gone"), '"f"'))
    store = open_store(db_url)
    store.finish_run(store.start_run("import_files", {}), "completed", {"imported": 1, "new": 1})
    ingest_feeds([feed], database_url=db_url, config_path=config_path)
    ingest_urls([site.url("/n/a")], database_url=db_url, config_path=config_path)
    capsys.readouterr()
    assert main(["--db", db_url, "runs", "--failures", "0"]) == 0
    lines = capsys.readouterr().out.splitlines()
    urls_row, urls_counts, urls_prefect, feeds_row, feeds_counts, _, import_row = lines[2:]
    assert urls_row.split()[1:3] == ["ingest_urls", "completed"]
    assert urls_counts == "    fetched 0, not modified 1, fetch failed 0"
    (urls_run, *_) = open_store(db_url).recent_runs(1)
    assert urls_prefect == f"    prefect flow run {urls_run['prefect_flow_run_id']}"
    assert feeds_row.split()[1:3] == ["ingest_feeds", "completed"]
    assert feeds_counts == (
        "    fetched 1, not modified 0, fetch failed 1, feeds fetched 1, feeds not modified 0, "
        "feeds failed 0, new entries 2"
    )
    assert import_row.split()[1:4] == ["import_files", "completed", "1"]


def test_each_ingest_flow_opens_the_corpus_once(
    prefect_harness, site, db_url, config_path, corpus_engines
):
    """One store per run: one engine, migrations checked once, one deduplicator."""
    site.route("/n/once", Reply(body=article_html("Once", "bells")))
    feed = site.route("/rss.xml", feed_reply(rss(site, "/n/once"), '"o"'))
    counts = ingest_feeds([feed], database_url=db_url, config_path=config_path)
    assert (counts["new"], len(corpus_engines)) == (1, 1)
    corpus_engines.clear()
    counts = ingest_urls([site.url("/n/once")], database_url=db_url, config_path=config_path)
    assert (counts["unchanged"], len(corpus_engines)) == (1, 1)


def test_cli_ingest_feeds_without_feeds_is_a_clear_error(capsys):
    assert main(["ingest-feeds"]) == 2
    assert "no feeds: pass --feed URL" in capsys.readouterr().err
