"""Sitemaps from a real loopback HTTP server: an index → two gzipped sitemaps (one a Google
News sitemap), robots.txt `Sitemap:` lines, a date window, conditional re-polls, and sitemap
bombs (deep nesting, too many entries, a gzip bomb) refused as recorded failures. The flow
runs are real Prefect runs on a real SQLite corpus."""

from __future__ import annotations

import gzip
from datetime import timedelta
from pathlib import Path

import pytest
from localsite import Reply, article_html
from sqlalchemy import update

from config import FetchSettings
from corpus.fetch_state import FetchMemory, backoff_delay
from corpus.models import FetchState, utcnow
from corpus.store import open_store
from fetching.http import Fetcher
from fetching.sitemap_polling import poll_sitemaps
from fetching.sitemaps import SitemapError, parse_sitemap, parse_w3c_date
from fetching.urls import fetch_key
from flows.ingest_feeds import ingest_feeds
from flows.ingest_sitemaps import date_window, ingest_sitemaps
from newscorpus.cli import main

SITEMAP_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
NEWS_NS = 'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"'
XML = "application/xml"


def urlset(*entries: str) -> bytes:
    items = "".join(entries)
    return f'<?xml version="1.0"?><urlset {SITEMAP_NS} {NEWS_NS}>{items}</urlset>'.encode()


def index(*locations: str, lastmod: str | None = None) -> bytes:
    date = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
    items = "".join(f"<sitemap><loc>{loc}</loc>{date}</sitemap>" for loc in locations)
    return f'<?xml version="1.0"?><sitemapindex {SITEMAP_NS}>{items}</sitemapindex>'.encode()


def url(loc: str, lastmod: str | None = None) -> str:
    return f"<url><loc>{loc}</loc>{f'<lastmod>{lastmod}</lastmod>' if lastmod else ''}</url>"


def news(loc: str, published: str, title: str) -> str:
    return (
        f"<url><loc>{loc}</loc><news:news><news:publication>"
        f"<news:name>Example</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{published}</news:publication_date>"
        f"<news:title>{title}</news:title></news:news></url>"
    )


def gz(body: bytes) -> Reply:
    return Reply(body=gzip.compress(body), content_type="application/x-gzip", etag='"gz-1"')


@pytest.fixture
def config_path(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSCORPUS_FETCH_ALLOW_HOSTS", "127.0.0.1")
    path = tmp_path / "newscorpus.toml"
    path.write_text(
        "[pipeline]\nbatch_size = 2\n"
        "[fetch]\nread_timeout = 0.5\nretries = 0\nbackoff_seconds = 0.01\n"
        "min_host_interval_seconds = 0.0\nmax_body_bytes = 200_000\n"
        "max_sitemap_depth = 2\nmax_sitemap_entries = 50\n"
    )
    return str(path)


@pytest.fixture
def news_site(site):
    """An index → a gzipped plain sitemap and a gzipped news sitemap, announced in robots.txt."""
    for topic in ("ports", "mines", "farms", "ships", "old"):
        site.route(f"/n/{topic}", Reply(body=article_html(topic.title(), topic)))
    site.route(
        "/sitemaps/pages.xml.gz",
        gz(urlset(url(site.url("/n/ports"), "2026-11-20"), url(site.url("/n/mines")))),
    )
    site.route(
        "/sitemaps/news.xml.gz",
        gz(
            urlset(
                news(site.url("/n/farms"), "2026-11-21T09:30:00+01:00", "Farms in the news"),
                news(site.url("/n/ships"), "2026-11-22", "Ships"),
                news(site.url("/n/old"), "2025-01-05T10:00:00Z", "An old story"),
            )
        ),
    )
    site.route(
        "/sitemap_index.xml",
        Reply(
            body=index(site.url("/sitemaps/pages.xml.gz"), site.url("/sitemaps/news.xml.gz")),
            content_type=XML,
            etag='"idx-1"',
        ),
    )
    site.route(
        "/robots.txt",
        Reply(
            body=f"User-agent: *\nAllow: /\nSitemap: {site.url('/sitemap_index.xml')}\n".encode(),
            content_type="text/plain",
        ),
    )
    return site


def test_w3c_dates():
    assert parse_w3c_date("2026-11-20").isoformat() == "2026-11-20T00:00:00+00:00"
    assert parse_w3c_date("2026-11-21T09:30:00+01:00").isoformat() == "2026-11-21T08:30:00+00:00"
    assert parse_w3c_date("2026-11-21T09:30:00Z").hour == 9
    assert parse_w3c_date("yesterday") is None and parse_w3c_date(None) is None


def test_date_window_is_inclusive_and_undated_entries_are_in():
    window = date_window("2026-11-21", "2026-11-21")
    assert parse_w3c_date("2026-11-21T23:59:59Z") in window
    assert parse_w3c_date("2026-11-22T00:00:00Z") not in window
    assert parse_w3c_date("2026-11-20T23:59:59Z") not in window
    assert None in window
    with pytest.raises(ValueError, match="until: 'soon' is not a date"):
        date_window(None, "soon")


def test_too_many_sitemaps_in_one_run(site, fetch_config, db_url):
    children = [site.route(f"/s{n}.xml", Reply(body=urlset(), content_type=XML)) for n in range(3)]
    site.route("/index.xml", Reply(body=index(*children), content_type=XML))
    memory = FetchMemory(open_store(db_url).engine)
    config = fetch_config.model_copy(update={"max_sitemaps": 2})
    with Fetcher(config) as fetcher:
        poll = poll_sitemaps(fetcher, memory, [site.url("/index.xml")])
    [failure] = poll.inputs
    assert failure.source == children[1]
    assert failure.reason == "over 2 sitemaps in one run (max_sitemaps): 2 not fetched"
    assert (len(site.seen("/s0.xml")), len(site.seen("/s1.xml"))) == (1, 0)


def test_parse_news_sitemap_and_refusals():
    body = urlset(news("https://n.example/a", "2026-11-21", "A title"), url("/b", "2026-01-02"))
    sitemap = parse_sitemap(body, "https://n.example/sitemap.xml", max_entries=5)
    assert not sitemap.is_index
    first, second = sitemap.entries
    assert first.metadata == {"title": "A title", "published": "2026-11-21"}
    assert second.url == "https://n.example/b" and second.date.year == 2026
    with pytest.raises(SitemapError, match="more than 1 entries"):
        parse_sitemap(body, "https://n.example/sitemap.xml", max_entries=1)
    with pytest.raises(SitemapError, match=r"root element <html>"):
        parse_sitemap(b"<html><body>no</body></html>", "https://n.example/", 5)
    with pytest.raises(SitemapError, match="not a readable sitemap"):
        parse_sitemap(b"<urlset><url><loc>x</lo", "https://n.example/", 5)


def test_entities_are_not_expanded():
    body = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<urlset><url><loc>https://n.example/&x;</loc></url></urlset>"
    )
    [entry] = parse_sitemap(body, "https://n.example/", 5).entries
    assert "root:" not in entry.url


def test_site_root_follows_robots_index_and_gzipped_sitemaps(news_site, fetch_config, db_url):
    memory = FetchMemory(open_store(db_url).engine)
    with Fetcher(fetch_config) as fetcher:
        poll = poll_sitemaps(fetcher, memory, [news_site.url("/")])
    assert poll.counts() == {
        "sitemaps_fetched": 3,
        "sitemaps_not_modified": 0,
        "sitemaps_failed": 0,
        "sitemaps_backing_off": 0,
        "new_entries": 5,
        "outside_window": 0,
    }
    titles = {t.url.rsplit("/", 1)[1]: t.metadata.get("title") for t in poll.inputs}
    assert titles == {
        "ports": None,
        "mines": None,
        "farms": "Farms in the news",
        "ships": "Ships",
        "old": "An old story",
    }


def test_backfill_window_then_conditional_repoll(prefect_harness, news_site, db_url, config_path):
    site = news_site
    index_url = site.url("/sitemap_index.xml")
    window = ingest_sitemaps(
        [index_url], since="2026-11-21", until="2026-11-30", database_url=db_url,
        config_path=config_path,
    )  # fmt: skip
    # ports (lastmod 2026-11-20) and old (2025) are outside; mines has no date: included.
    assert (window["new_entries"], window["outside_window"], window["new"]) == (3, 2, 3)
    stored = {r["url"]: r for r in open_store(db_url).iter_latest()}
    assert set(stored) == {site.url(p) for p in ("/n/mines", "/n/farms", "/n/ships")}
    assert stored[site.url("/n/farms")]["title"] == "Farms"  # the page's own title wins

    # A backfill stores no validators: the full poll fetches everything and finds the rest.
    full = ingest_sitemaps([index_url], database_url=db_url, config_path=config_path)
    assert "if-none-match" not in site.seen("/sitemap_index.xml")[-1].headers
    assert (full["sitemaps_fetched"], full["new_entries"], full["new"]) == (3, 2, 2)

    again = ingest_sitemaps([index_url], database_url=db_url, config_path=config_path)
    assert site.seen("/sitemap_index.xml")[-1].headers["if-none-match"] == '"idx-1"'
    assert (again["sitemaps_not_modified"], again["sitemaps_fetched"]) == (1, 0)
    assert (again["new_entries"], again["fetched"], again["new"]) == (0, 0, 0)
    assert len(site.seen("/sitemaps/news.xml.gz")) == 2  # not fetched behind the 304
    assert open_store(db_url).count_articles() == 5


def test_sitemap_bombs_are_refused_and_recorded(prefect_harness, site, db_url, config_path):
    site.route("/n/fine", Reply(body=article_html("Fine", "fine")))
    fine = site.route("/fine.xml", Reply(body=urlset(url(site.url("/n/fine"))), content_type=XML))
    # Each index lists the next one: deeper than max_sitemap_depth = 2.
    for level in range(5):
        site.route(
            f"/deep/{level}.xml",
            Reply(body=index(site.url(f"/deep/{level + 1}.xml")), content_type=XML),
        )
    many = urlset(*(url(site.url(f"/n/{n}")) for n in range(51)))
    site.route("/many.xml", Reply(body=many, content_type=XML))
    bomb = urlset(url(site.url("/n/x")) + "<!--" + "x" * 5_000_000 + "-->")
    site.route("/bomb.xml.gz", gz(bomb))
    urls = [fine, site.url("/deep/0.xml"), site.url("/many.xml"), site.url("/bomb.xml.gz")]
    counts = ingest_sitemaps(urls, database_url=db_url, config_path=config_path)
    failures = {f["source"]: f["reason"] for f in open_store(db_url).run_failures(counts["run_id"])}
    assert failures == {
        site.url("/deep/2.xml"): "sitemap index nested deeper than 2 levels (max_sitemap_depth)",
        site.url("/many.xml"): "more than 50 entries (max_sitemap_entries)",
        site.url("/bomb.xml.gz"): "gzipped sitemap: decompressed body is over the 200000-byte "
        "limit (compression bomb?)",
    }
    assert not site.seen("/deep/3.xml")
    assert (counts["sitemaps_failed"], counts["new"]) == (3, 1)


def test_feed_group_sitemaps_polled_with_the_feeds(
    prefect_harness, news_site, db_url, config_path, tmp_path
):
    path = tmp_path / "group.toml"
    path.write_text(
        Path(config_path).read_text() + f'[[feeds.groups]]\nname = "g"\ncron = "*/30 * * * *"\n'
        f'sitemaps = ["{news_site.url("/sitemap_index.xml")}"]\n'
    )
    first = ingest_feeds(database_url=db_url, config_path=str(path))
    assert (first["sitemaps_fetched"], first["new_entries"], first["new"]) == (3, 5, 5)
    second = ingest_feeds(database_url=db_url, config_path=str(path))
    assert (second["sitemaps_not_modified"], second["new_entries"]) == (1, 0)


def test_cli_ingest_sitemaps_and_bad_date(prefect_harness, news_site, db_url, config_path, capsys):
    args = ["--db", db_url, "--config", config_path, "ingest-sitemaps"]
    assert main([*args, news_site.url("/"), "--since", "2026-11-22"]) == 0
    assert open_store(db_url).count_articles() == 2  # ships, and mines (undated)
    assert main([*args, news_site.url("/"), "--since", "last week"]) != 0
    assert "since: 'last week' is not a date" in capsys.readouterr().err


def test_backoff_delay_doubles_up_to_the_cap():
    config = FetchSettings(source_backoff_seconds=60, source_backoff_max_seconds=300)
    delays = [backoff_delay(n, config).total_seconds() for n in (1, 2, 3, 4, 100)]
    assert delays == [60, 120, 240, 300, 300]


def test_failing_feed_and_sitemap_back_off_and_recover(
    prefect_harness, site, db_url, config_path, capsys
):
    site.route("/n/ok", Reply(body=article_html("Ok", "okay")))
    rss = (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>Ok</title><link>{site.url('/n/ok')}</link></item></channel></rss>"
    ).encode()
    feed = site.route("/rss.xml", Reply(503, b"down", "text/plain"))
    sitemap = site.route("/sitemap.xml", Reply(500, b"down", "text/plain"))
    run = {"database_url": db_url, "config_path": config_path}

    first = ingest_feeds([feed], **run) | ingest_sitemaps([sitemap], **run)
    assert (first["feeds_failed"], first["sitemaps_failed"]) == (1, 1)
    second_feeds = ingest_feeds([feed], **run)
    second_sitemaps = ingest_sitemaps([sitemap], **run)
    assert (second_feeds["feeds_backing_off"], second_feeds["feeds_failed"]) == (1, 0)
    assert second_sitemaps["sitemaps_backing_off"] == 1
    assert (len(site.seen("/rss.xml")), len(site.seen("/sitemap.xml"))) == (1, 1)
    [(stage, reason)] = failure_reasons(db_url, second_feeds["run_id"]).values()
    assert stage == "feed" and reason.startswith("backing off after 1 failure(s) in a row until")
    assert reason.endswith("last error: HTTP 503 Service Unavailable (after 1 attempts)")

    assert main(["--db", db_url, "runs", "--failures", "5"]) == 0
    shown = capsys.readouterr().out
    assert f"! {feed} [feed] backing off after 1 failure(s)" in shown
    assert f"! {sitemap} [sitemap] backing off after 1 failure(s)" in shown

    memory = FetchMemory(open_store(db_url).engine)
    assert set(memory.source_health([fetch_key(feed), fetch_key(sitemap)])) == {
        fetch_key(feed),
        fetch_key(sitemap),
    }
    # The wait is over (as if time had passed) and the sources answer again.
    with open_store(db_url).engine.begin() as connection:
        connection.execute(update(FetchState).values(next_poll_at=utcnow() - timedelta(1)))
    site.route("/rss.xml", Reply(body=rss, content_type="application/rss+xml"))
    site.route("/sitemap.xml", Reply(body=urlset(url(site.url("/n/ok"))), content_type=XML))
    third = ingest_feeds([feed], **run)
    fourth = ingest_sitemaps([sitemap], **run)
    assert (third["feeds_fetched"], third["new"], fourth["sitemaps_fetched"]) == (1, 1, 1)
    assert memory.source_health([fetch_key(feed), fetch_key(sitemap)]) == {}


def failure_reasons(db_url, run_id):
    return {f["source"]: (f["stage"], f["reason"]) for f in open_store(db_url).run_failures(run_id)}
