"""Canonical URLs (courlan's normalisation plus our tracking filter) and the fetching side
that identifies pages with them."""

from __future__ import annotations

import pytest

from corpus.identity import article_id, article_key, canonical_url
from fetching.urls import article_url, fetch_key


@pytest.mark.parametrize(
    ("variants", "canonical"),
    [
        (["https://ex.com/p?b=2&a=1", "https://ex.com/p?a=1&b=2"], "https://ex.com/p?a=1&b=2"),
        (["https://ex.com//a/../b", "https://ex.com/b", "https://ex.com/./b"], "https://ex.com/b"),
        (["https://ex.com/x/../../b/./c/", "https://ex.com/b/c/"], "https://ex.com/b/c/"),
        (["https://EX.com./a", "https://ex.com/a", "https://Ex.Com/a"], "https://ex.com/a"),
        (["https://ex.com:443/a", "https://ex.com/a"], "https://ex.com/a"),
        (["http://ex.com:80/a", "HTTP://ex.com/a"], "http://ex.com/a"),
        (["https://ex.com/a#top", "https://ex.com/a#"], "https://ex.com/a"),
        (
            ["https://ex.com/a?utm_source=x&id=3&fbclid=y&gclid=z", "https://ex.com/a?id=3"],
            "https://ex.com/a?id=3",
        ),
        (["https://ex.com", "https://ex.com/"], "https://ex.com/"),
        (["https://user:secret@ex.com/a", "https://user@EX.com/a"], "https://user@ex.com/a"),
    ],
)
def test_variants_of_one_url_coincide(variants: list[str], canonical: str) -> None:
    assert {canonical_url(url) for url in variants} == {canonical}
    assert canonical_url(canonical) == canonical  # stable: migration 0004 relies on it
    assert len({article_id(article_key("ignored", url)) for url in variants}) == 1


@pytest.mark.parametrize(
    "different",
    [
        ("https://ex.com:8443/a", "https://ex.com/a"),
        ("http://ex.com/a", "https://ex.com/a"),
        ("https://ex.com/a", "https://ex.com/a/"),
        ("https://ex.com/a?id=1", "https://ex.com/a?id=2"),
        ("https://ex.com/a?12345", "https://ex.com/a"),  # courlan's own cleaning drops this
        ("https://ex.com/a?x=", "https://ex.com/a"),
        ("https://ex.com/a?t=2&t=1", "https://ex.com/a?t=1&t=2"),  # repeated keys keep order
        ("https://ex.com/Story", "https://ex.com/story"),
        ("https://a.ex.com/x", "https://b.ex.com/x"),
    ],
)
def test_different_articles_stay_apart(different: tuple[str, str]) -> None:
    first, second = different
    assert canonical_url(first) != canonical_url(second)


def test_non_default_ports_and_ipv6_hosts_are_kept() -> None:
    assert canonical_url("https://EX.com:8443/a") == "https://ex.com:8443/a"
    assert canonical_url("http://[::1]:8080/a/../b") == "http://[::1]:8080/b"


@pytest.mark.parametrize("bad", ["https://ex.com:port/a", "http://[::1/a", "https://ex.com:99999/"])
def test_unparseable_urls_raise_value_error(bad: str) -> None:
    with pytest.raises(ValueError):
        canonical_url(bad)
    assert fetch_key(bad) == bad  # fetch state keeps the URL as given


def test_fetching_identifies_pages_by_the_same_canonical_url() -> None:
    fetched = "https://EX.com.:443//news/../story?b=2&a=1&utm_medium=feed#comments"
    assert article_url(fetched) == canonical_url(fetched) == "https://ex.com/story?a=1&b=2"
    assert fetch_key(fetched) == canonical_url(fetched)
    page = b'<link rel="canonical" href="/amp/../story?a=1&b=2&utm_source=x">'
    assert article_url("https://ex.com/amp/1", page) == "https://ex.com/story?a=1&b=2"
