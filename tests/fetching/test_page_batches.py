"""Batches of targets → Documents, without Prefect: kinds, charsets, canonical URLs, state."""

from __future__ import annotations

import pytest
from localsite import Reply, article_html

from corpus.fetch_state import FetchMemory
from corpus.store import open_store
from extractors import Document, InputFailure
from fetching.http import Fetcher, FetchError
from fetching.pages import FetchTarget, PageFetcher


@pytest.fixture
def pages(fetch_config, db_url):
    memory = FetchMemory(open_store(db_url).engine)
    with PageFetcher(Fetcher(fetch_config), memory) as page_fetcher:
        yield page_fetcher


def test_batch_documents_carry_kind_charset_canonical_url_and_feed_metadata(site, pages):
    html = site.route(
        "/a", Reply(body=article_html("A", "rail"), content_type="text/html; charset=windows-1252")
    )
    text = site.route("/t.txt", Reply(body=b"Title\n\nBody line.", content_type="text/plain"))
    bare = site.route("/bare", Reply(body=b"  <html><p>x</p></html>", content_type=None))
    targets = [
        FetchTarget(html + "?utm_campaign=z#top", metadata={"title": "From feed"}),
        FetchTarget(text),
        FetchTarget(bare),
        InputFailure("https://feed.example/x", "HTTP 404 Not Found", "feed"),
        FetchTarget(site.url("/missing")),
    ]
    batch = pages.fetch_batch(targets)
    first, second, third, passed, missing = batch.items
    assert isinstance(first, Document)
    assert (first.kind, first.charset, first.url) == ("html", "windows-1252", html)
    assert first.source == html + "?utm_campaign=z#top"
    assert first.metadata == {"title": "From feed"}
    assert (second.kind, second.charset) == ("text", None)
    assert third.kind == "html"
    assert passed is targets[3]
    assert isinstance(missing, InputFailure) and missing.stage == "fetch"
    assert batch.counts() == {"fetched": 3, "not_modified": 0}


def test_validators_are_remembered_only_for_handled_pages(site, pages):
    stored = site.route("/s", Reply(body=article_html("S", "sea"), etag='"s1"'))
    lost = site.route("/l", Reply(body=article_html("L", "lake"), etag='"l1"'))
    batch = pages.fetch_batch([FetchTarget(stored, feed="f"), FetchTarget(lost, feed="f")])
    pages.remember(batch, stored_sources=[stored], failures=[])
    assert set(pages.memory.validators([stored, lost])) == {stored}
    assert pages.memory.seen_entries("f") == {stored}
    again = pages.fetch_batch([FetchTarget(stored), FetchTarget(lost)])
    assert [t.url for t in again.not_modified] == [stored]
    assert again.counts() == {"fetched": 1, "not_modified": 1}


def test_permanent_fetch_failures_are_handled_entries_transient_ones_are_not(site, pages):
    loop = site.route("/loop", Reply(302, headers={"Location": "/loop"}))
    picture = site.route("/pic", Reply(body=b"\x89PNG\r\n", content_type="image/png"))
    permanent = [site.url("/gone"), site.route("/forbidden", Reply(403)), loop, picture]
    transient = [site.route(f"/{status}", Reply(status)) for status in (408, 429, 500, 503)]
    batch = pages.fetch_batch([FetchTarget(url, feed="f") for url in permanent + transient])
    assert all(isinstance(item, InputFailure) for item in batch.items)
    pages.remember(batch, stored_sources=[], failures=batch.items)
    assert pages.memory.seen_entries("f") == set(permanent)


@pytest.mark.parametrize(
    ("status", "permanent"),
    [
        (400, True),
        (404, True),
        (410, True),
        (408, False),
        (429, False),
        (500, False),
        (None, False),
    ],
)
def test_which_fetch_errors_are_permanent(status, permanent):
    assert FetchError("x", status).permanent is permanent
    assert FetchError("x", status, lasting=True).permanent is True
