"""Feed parsing (RSS 0.91, 1.0, 2.0, Atom) and feed groups from the config."""

from __future__ import annotations

import pytest

from config import SettingsError, settings_from
from fetching.feeds import FeedError, parse_feed

FEED_URL = "https://news.example/feeds/main.xml"

RSS091 = b"""<?xml version="1.0"?><rss version="0.91"><channel><title>Old</title>
<link>https://news.example/</link><description>d</description><language>en</language>
<item><title>First</title><link>https://news.example/1</link></item></channel></rss>"""

RSS10 = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://news.example/"><title>RDF</title><link>https://news.example/</link>
<description>d</description></channel>
<item rdf:about="https://news.example/2"><title>Second</title><link>https://news.example/2</link>
<dc:date>2026-11-20T08:30:00Z</dc:date><dc:creator>Ann Lee</dc:creator></item></rdf:RDF>"""

RSS20 = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Now</title>
<link>https://news.example/</link><description>d</description>
<item><title>Third</title><link>/3?utm_source=rss</link>
<pubDate>Sat, 21 Nov 2026 09:00:00 GMT</pubDate><author>desk@news.example (Desk)</author></item>
<item><title>No link</title><description>only text</description></item></channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Atom</title><id>urn:x</id><updated>2026-11-21T09:00:00Z</updated>
<entry><title>Fourth</title><id>urn:4</id><link rel="alternate" href="https://news.example/4"/>
<updated>2026-11-21T09:00:00Z</updated><author><name>Bo Chen</name></author></entry></feed>"""


def test_rss_091():
    [item] = parse_feed(RSS091, FEED_URL)
    assert item.url == "https://news.example/1"
    assert item.metadata == {"title": "First"}


def test_rss_10_rdf():
    [item] = parse_feed(RSS10, FEED_URL)
    assert item.url == "https://news.example/2"
    assert item.metadata == {
        "title": "Second",
        "published": "2026-11-20T08:30:00Z",
        "authors": ["Ann Lee"],
    }


def test_rss_20_resolves_relative_links_and_skips_entries_without_one():
    [item] = parse_feed(RSS20, FEED_URL)
    assert item.url == "https://news.example/3?utm_source=rss"
    assert item.metadata["published"] == "2026-11-21T09:00:00Z"
    assert item.metadata["title"] == "Third"


def test_atom():
    [item] = parse_feed(ATOM, FEED_URL)
    assert item.url == "https://news.example/4"
    assert item.metadata["authors"] == ["Bo Chen"]


def test_not_a_feed():
    with pytest.raises(FeedError, match="not an RSS or Atom feed"):
        parse_feed(b"<html><body>hello</body></html>", FEED_URL, "text/html")


def test_feed_groups():
    settings = settings_from(
        {
            "feeds": {
                "groups": [
                    {
                        "name": "world",
                        "cron": "*/30 * * * *",
                        "feeds": ["https://a/x", "https://b/y"],
                    },
                    {
                        "name": "local",
                        "cron": "0 6 * * *",
                        "timezone": "Europe/Paris",
                        "feeds": ["https://a/x"],
                    },
                    {"name": "later", "cron": "0 * * * *"},
                ]
            }
        }
    )
    groups = settings.feeds.groups
    assert [(g.name, g.cron, g.timezone) for g in groups] == [
        ("world", "*/30 * * * *", "UTC"),
        ("local", "0 6 * * *", "Europe/Paris"),
        ("later", "0 * * * *", "UTC"),
    ]
    assert settings.feeds.all_feeds() == ["https://a/x", "https://b/y"]


@pytest.mark.parametrize(
    ("group", "message"),
    [
        ({"cron": "* * * * *"}, "needs a name"),
        ({"name": "x", "cron": "hourly"}, "needs a cron string"),
        ({"name": "x", "cron": "* * * * *", "feeds": "https://a/x"}, "must be a list"),
        ({"name": "x", "cron": "* * * * *", "schedule": "y"}, "unknown key"),
    ],
)
def test_bad_feed_groups_are_reported(group, message):
    with pytest.raises(SettingsError, match=message):
        settings_from({"feeds": {"groups": [group]}})


def test_shipped_config_has_no_enabled_groups():
    from config import load_settings

    assert load_settings().feeds.groups == ()


def test_rss_author_in_email_and_name_form():
    body = RSS20.replace(b"desk@news.example (Desk)", b"desk@news.example (Desk Team)")
    [item] = parse_feed(body, FEED_URL)
    assert item.metadata["authors"] == ["Desk Team"]
