"""`newscorpus discover` against a real loopback site: link-rel feeds, robots.txt sitemaps and
common paths, printed as a feed group that the config accepts as is."""

from __future__ import annotations

import tomllib

from localsite import Reply

from config.models import FeedGroup
from fetching.discovery import discover, feed_links
from fetching.http import Fetcher
from newscorpus.cli import main

RSS = (
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
    b"<item><title>A</title><link>https://n.example/a</link></item></channel></rss>"
)
SITEMAP = (
    b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    b"<url><loc>https://n.example/a</loc></url></urlset>"
)
HOME = (
    b"<html><head><title>Home</title>"
    b'<link rel="stylesheet" type="text/css" href="/style.css">'
    b'<link rel="alternate" type="application/rss+xml" title="All" href="/rss.xml">'
    b'<link rel="Alternate" type="application/atom+xml; charset=utf-8" href="feeds/atom">'
    b'<link rel="alternate" hreflang="fr" href="/fr/">'
    b"</head><body>news</body></html>"
)


def serve_site(site):
    site.route("/", Reply(body=HOME))
    site.route(
        "/robots.txt",
        Reply(
            body=f"User-agent: *\nDisallow: /private/\nSitemap: {site.url('/news.xml')}\n".encode(),
            content_type="text/plain",
        ),
    )
    site.route("/feed", Reply(body=RSS, content_type="application/rss+xml"))
    site.route("/rss.xml", Reply(body=RSS, content_type="application/rss+xml"))
    site.route("/sitemap.xml", Reply(body=SITEMAP, content_type="application/xml"))
    site.route("/index.xml", Reply(body=b"<html>not xml</html>", content_type="text/html"))
    site.route("/rss", Reply(body=b"<html><body>a page</body></html>", content_type="text/xml"))
    site.route("/atom.xml", Reply(503, b"busy", "text/plain"))


def test_feed_links_of_a_page():
    assert feed_links(HOME, "https://n.example/world/") == [
        "https://n.example/rss.xml",
        "https://n.example/world/feeds/atom",
    ]


def test_discover_link_rel_robots_and_common_paths(site, fetch_config):
    serve_site(site)
    with Fetcher(fetch_config) as fetcher:
        found = discover(fetcher, site.url("/"))
    assert found.feeds == {
        site.url("/rss.xml"): "link rel=alternate",
        site.url("/feeds/atom"): "link rel=alternate",
        site.url("/feed"): "common path",
    }
    assert found.sitemaps == {
        site.url("/news.xml"): "robots.txt",
        site.url("/sitemap.xml"): "common path",
    }
    assert found.problems == [
        f"{site.url('/atom.xml')}: HTTP 503 Service Unavailable (after 3 attempts)"
    ]
    assert len(site.seen("/rss.xml")) == 0  # announced feeds are not fetched again


def test_cli_prints_a_feed_group_the_config_accepts(site, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("NEWSCORPUS_FETCH_ALLOW_HOSTS", "127.0.0.1")
    config = tmp_path / "newscorpus.toml"
    config.write_text("[fetch]\nretries = 0\nmin_host_interval_seconds = 0.0\n")
    serve_site(site)
    assert main(["--config", str(config), "discover", site.url("/")]) == 0
    output = capsys.readouterr().out
    assert "# not checked: " in output and "503" in output
    group = FeedGroup(**tomllib.loads(output)["feeds"]["groups"][0])
    assert group.name == "127.0.0.1"
    assert set(group.feeds) == {site.url(p) for p in ("/rss.xml", "/feeds/atom", "/feed")}
    assert set(group.sitemaps) == {site.url("/news.xml"), site.url("/sitemap.xml")}
