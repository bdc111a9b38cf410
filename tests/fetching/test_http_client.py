"""The HTTP client against a real server on 127.0.0.1: limits, retries, redirects, safety."""

from __future__ import annotations

import gzip
import zlib

import brotli
import pytest
from localsite import Reply, article_html

from fetching.http import PAGE_TYPES, Fetcher, FetchError, Validators, host_key
from fetching.politeness import HostThrottle


@pytest.fixture
def fetcher(fetch_config, recorded_sleep):
    with Fetcher(fetch_config, sleep=recorded_sleep) as client:
        yield client


def test_page_is_fetched_with_charset_and_user_agent(site, fetcher):
    url = site.route(
        "/a", Reply(body=article_html("A", "rail"), content_type="text/html; charset=ISO-8859-1")
    )
    response = fetcher.fetch(url)
    assert response.status == 200
    assert response.content_type == "text/html"
    assert response.charset == "ISO-8859-1"
    assert b"rail report" in response.body
    assert site.seen("/a")[0].headers["user-agent"] == "newscorpus-test/1.0"


def test_404_fails_at_once_with_the_status(site, fetcher):
    with pytest.raises(FetchError, match="HTTP 404"):
        fetcher.fetch(site.url("/missing"))
    assert len(site.seen("/missing")) == 1


def test_500_then_200_is_retried(site, fetcher, recorded_sleep):
    url = site.route("/flaky", Reply(500, b"oops"), Reply(body=article_html("F", "water")))
    response = fetcher.fetch(url)
    assert response.status == 200 and response.attempts == 2
    assert len(site.seen("/flaky")) == 2
    assert recorded_sleep.waits == [0.01]


def test_persistent_503_gives_up_after_the_configured_attempts(site, fetcher):
    url = site.route("/down", Reply(503, b"busy"))
    with pytest.raises(FetchError, match=r"HTTP 503 Service Unavailable \(after 3 attempts\)"):
        fetcher.fetch(url)
    assert len(site.seen("/down")) == 3


def test_retry_after_is_honoured_and_capped(site, fetcher, recorded_sleep):
    url = site.route(
        "/limited",
        Reply(429, b"slow down", headers={"Retry-After": "7"}),
        Reply(429, b"slow down", headers={"Retry-After": "3600"}),
        Reply(body=article_html("L", "tax")),
    )
    response = fetcher.fetch(url)
    assert response.attempts == 3
    assert recorded_sleep.waits == [7.0, 30.0]  # the second wait is capped


def test_read_timeout_is_retried_then_recorded(site, fetcher):
    url = site.route("/slow", Reply(body=b"late", delay=1.0))
    with pytest.raises(FetchError, match=r"timed out \(ReadTimeout\) \(after 3 attempts\)"):
        fetcher.fetch(url)


def test_redirects_are_followed(site, fetcher):
    site.route("/old", Reply(301, headers={"Location": "/new"}))
    site.route("/new", Reply(body=article_html("N", "energy")))
    response = fetcher.fetch(site.url("/old"))
    assert response.url == site.url("/new")


def test_redirect_loop_is_refused(site, fetcher):
    site.route("/ping", Reply(302, headers={"Location": "/pong"}))
    site.route("/pong", Reply(302, headers={"Location": "/ping"}))
    with pytest.raises(FetchError, match="redirect loop"):
        fetcher.fetch(site.url("/ping"))


def test_too_many_redirects_are_refused(site, fetcher):
    for n in range(10):
        site.route(f"/hop{n}", Reply(302, headers={"Location": f"/hop{n + 1}"}))
    with pytest.raises(FetchError, match=r"too many redirects \(more than 3\)"):
        fetcher.fetch(site.url("/hop0"))
    assert len(site.seen("/hop4")) == 0


def test_declared_oversized_body_is_refused(site, fetcher):
    url = site.route("/big", Reply(body=b"<p>" + b"x" * 2_000_000))
    with pytest.raises(FetchError, match=r"over the 1000000-byte limit \(Content-Length"):
        fetcher.fetch(url)


def test_undeclared_oversized_body_is_cut_off(site, fetcher):
    url = site.route("/stream", Reply(body=b"<p>" + b"x" * 2_000_000, send_length=False))
    with pytest.raises(FetchError, match="body is over the 1000000-byte limit"):
        fetcher.fetch(url)


def test_gzip_body_is_decompressed(site, fetcher):
    page = article_html("G", "health")
    url = site.route("/gz", Reply(body=gzip.compress(page), headers={"Content-Encoding": "gzip"}))
    assert fetcher.fetch(url).body == page


def test_deflate_body_is_decompressed(site, fetcher):
    page = article_html("D", "health")
    url = site.route(
        "/df", Reply(body=zlib.compress(page), headers={"Content-Encoding": "deflate"})
    )
    assert fetcher.fetch(url).body == page


def test_brotli_body_is_decompressed(site, fetcher):
    page = article_html("B", "health")
    url = site.route("/br", Reply(body=brotli.compress(page), headers={"Content-Encoding": "br"}))
    assert fetcher.fetch(url).body == page
    assert site.seen("/br")[0].headers["accept-encoding"] == "gzip, deflate, br"


def test_corrupt_compressed_body_is_a_clear_failure(site, fetcher):
    url = site.route("/bad", Reply(body=b"not gzip at all", headers={"Content-Encoding": "gzip"}))
    with pytest.raises(FetchError, match="corrupt gzip body"):
        fetcher.fetch(url)


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", lambda data: gzip.compress(data, compresslevel=9)),
        ("br", lambda data: brotli.compress(data, quality=5)),
    ],
)
def test_compression_bomb_is_stopped_at_the_limit(site, fetcher, encoding, compress):
    bomb = compress(b"\0" * 50_000_000)
    assert len(bomb) < 100_000
    url = site.route(f"/bomb-{encoding}", Reply(body=bomb, headers={"Content-Encoding": encoding}))
    with pytest.raises(FetchError, match="decompressed body is over the 1000000-byte limit"):
        fetcher.fetch(url)


def test_wrong_content_type_is_refused_before_reading(site, fetcher):
    url = site.route("/pic", Reply(body=b"\x89PNG\r\n", content_type="image/png"))
    with pytest.raises(FetchError, match="content type image/png is not accepted"):
        fetcher.fetch(url, PAGE_TYPES)


def test_conditional_get_gets_304(site, fetcher):
    stamp = "Sat, 21 Nov 2026 08:00:00 GMT"
    url = site.route("/c", Reply(body=article_html("C", "art"), etag='"v1"', last_modified=stamp))
    first = fetcher.fetch(url)
    assert first.validators == Validators('"v1"', stamp)
    second = fetcher.fetch(url, validators=first.validators)
    assert second.not_modified and second.body == b""
    headers = site.seen("/c")[1].headers
    assert headers["if-none-match"] == '"v1"' and headers["if-modified-since"] == stamp


def test_robots_disallow_is_obeyed_and_cached(site, fetcher):
    site.route(
        "/robots.txt", Reply(body=b"User-agent: *\nDisallow: /private\n", content_type="text/plain")
    )
    site.route("/private/x", Reply(body=article_html("P", "secret")))
    site.route("/public", Reply(body=article_html("O", "open")))
    with pytest.raises(FetchError, match="disallowed by robots.txt"):
        fetcher.fetch(site.url("/private/x"))
    assert fetcher.fetch(site.url("/public")).status == 200
    assert site.seen("/private/x") == []
    assert len(site.seen("/robots.txt")) == 1


def test_unreadable_robots_skips_the_site(site, fetcher):
    site.route("/robots.txt", Reply(500, b"broken"))
    with pytest.raises(FetchError, match=r"robots.txt could not be read \(HTTP 500"):
        fetcher.fetch(site.url("/page"))
    assert site.seen("/page") == []


def test_robots_can_be_ignored_by_config(site, fetch_config):
    site.route(
        "/robots.txt", Reply(body=b"User-agent: *\nDisallow: /\n", content_type="text/plain")
    )
    url = site.route("/page", Reply(body=article_html("R", "roads")))
    with Fetcher(fetch_config.model_copy(update=dict(obey_robots=False))) as client:
        assert client.fetch(url).status == 200
    assert site.seen("/robots.txt") == []


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme 'file' is not http or https"),
        ("ftp://127.0.0.1/x", "scheme 'ftp' is not http or https"),
        ("http://10.0.0.1/x", r"10.0.0.1 resolves to a private address"),
        ("http://169.254.169.254/latest/meta-data/", "the cloud metadata address"),
        ("http://[::1]/x", r"resolves to a loopback address \(::1\)"),
        ("not a url", "scheme '\\(none\\)'"),
    ],
)
def test_unsafe_targets_are_refused(fetcher, url, reason):
    with pytest.raises(FetchError, match=reason):
        fetcher.fetch(url)


def test_loopback_is_refused_without_the_allow_list(site, fetch_config):
    url = site.route("/a", Reply(body=article_html("A", "rail")))
    with (
        Fetcher(fetch_config.model_copy(update=dict(allow_hosts=()))) as client,
        pytest.raises(FetchError, match=r"resolves to a loopback address \(127.0.0.1\)"),
    ):
        client.fetch(url)
    assert site.requests == []  # refused before connecting, robots.txt included


def test_redirect_to_a_private_address_is_refused(site, fetcher):
    site.route("/go", Reply(302, headers={"Location": "http://10.0.0.1/admin"}))
    with pytest.raises(FetchError, match="10.0.0.1 resolves to a private address"):
        fetcher.fetch(site.url("/go"))


def test_redirect_to_a_file_url_is_refused(site, fetcher):
    site.route("/go", Reply(302, headers={"Location": "file:///etc/passwd"}))
    with pytest.raises(FetchError, match="scheme 'file'"):
        fetcher.fetch(site.url("/go"))


def test_connection_goes_to_the_checked_address(site, fetch_config):
    """The name is resolved once, checked, and connected to by address: no second lookup."""
    port = site.base.rsplit(":", 1)[1]
    url = site.route("/pinned", Reply(body=article_html("P", "pins")))
    lookups = []

    def resolver(host, _port):
        lookups.append(host)
        return ["127.0.0.1"]

    with Fetcher(fetch_config, resolver=resolver) as client:
        response = client.fetch(url.replace("127.0.0.1", "news.test"))
    assert response.url == f"http://news.test:{port}/pinned"
    assert site.seen("/pinned")[0].headers["host"] == f"news.test:{port}"
    assert set(lookups) == {"news.test"}  # httpx never resolved it itself (it could not)


def test_pinned_https_request_keeps_the_name_for_tls():
    from fetching.http import pinned_request

    url, headers, extensions = pinned_request("https://news.example/a?b=1#f", "2606:4700::1111")
    assert url == "https://[2606:4700::1111]/a?b=1"
    assert headers == {"Host": "news.example"}
    assert extensions == {"sni_hostname": "news.example"}
    assert pinned_request("http://127.0.0.1:8000/x", "127.0.0.1") == (
        "http://127.0.0.1:8000/x", {}, {},
    )  # fmt: skip


def test_robots_crawl_delay_lengthens_the_host_interval(site, fetcher, recorded_sleep):
    site.route(
        "/robots.txt", Reply(body=b"User-agent: *\nCrawl-delay: 3\n", content_type="text/plain")
    )
    first = site.route("/one", Reply(body=article_html("1", "one")))
    second = site.route("/two", Reply(body=article_html("2", "two")))
    fetcher.fetch(first)
    fetcher.fetch(second)
    # Each page waits 3 s after the previous request to the host (robots.txt included), less
    # the time already passed; the recorded sleep returns at once.
    assert len(recorded_sleep.waits) == 2
    assert all(2.0 < wait <= 3.0 for wait in recorded_sleep.waits)


def test_slow_body_is_cut_off_at_max_fetch_seconds(site, fetch_config):
    """A clock that moves one second per look stands in for a server dripping bytes."""
    ticks = iter(range(1_000_000))
    url = site.route("/drip", Reply(body=b"<p>" + b"x" * 900_000, send_length=False))
    with (
        Fetcher(fetch_config, clock=lambda: float(next(ticks))) as client,
        pytest.raises(FetchError, match="body took longer than 5 s to download"),
    ):
        client.fetch(url)


def test_excessive_crawl_delay_skips_the_site(site, fetcher, recorded_sleep):
    site.route("/robots.txt", Reply(body=b"User-agent: *\nCrawl-delay: 86400\n"))
    with pytest.raises(FetchError, match=r"Crawl-delay of 86400 s, over max_crawl_delay_seconds"):
        fetcher.fetch(site.url("/page"))
    assert site.seen("/page") == [] and recorded_sleep.waits == []


def test_an_unreachable_first_address_falls_back_to_the_next_checked_one(site, fetch_config):
    """news.test resolves to 127.0.0.2 (nothing listens there) and then 127.0.0.1 (the site):
    both are checked, the dead one is skipped within the same attempt."""
    port = site.base.rsplit(":", 1)[1]
    url = site.route("/two", Reply(body=article_html("T", "twins")))
    config = fetch_config.model_copy(update=dict(allow_hosts=("127.0.0.1", "127.0.0.2")))
    with Fetcher(config, resolver=lambda _host, _port: ["127.0.0.2", "127.0.0.1"]) as client:
        response = client.fetch(url.replace("127.0.0.1", "news.test"))
    assert (response.status, response.attempts) == (200, 1)
    assert site.seen("/two")[0].headers["host"] == f"news.test:{port}"


def test_every_resolved_address_must_pass_the_check_before_any_is_tried(site, fetch_config):
    url = site.route("/two", Reply(body=article_html("T", "twins")))
    with (
        Fetcher(fetch_config, resolver=lambda _host, _port: ["127.0.0.1", "10.0.0.7"]) as client,
        pytest.raises(FetchError, match=r"resolves to a private address \(10.0.0.7\)"),
    ):
        client.fetch(url.replace("127.0.0.1", "news.test"))
    assert site.requests == []


def test_when_no_address_answers_every_one_is_named(site, fetch_config):
    port = site.base.rsplit(":", 1)[1]
    config = fetch_config.model_copy(update=dict(retries=0, allow_hosts=("127.0.0.0/8",)))
    with (
        Fetcher(config, resolver=lambda _host, _port: ["127.0.0.2", "127.0.0.3"]) as client,
        pytest.raises(FetchError, match=r"connection failed to 127.0.0.2, 127.0.0.3 \(Connect"),
    ):
        client.fetch(f"http://news.test:{port}/x")


def test_the_throttle_hears_when_each_request_leaves(site, fetch_config):
    readings = iter([1.0])  # the throttle's clock: 1.0 when the request is let go, then 5.0
    url = site.route("/a", Reply(body=article_html("A", "rail")))
    with Fetcher(fetch_config.model_copy(update=dict(obey_robots=False))) as client:
        client.throttle = HostThrottle(10.0, clock=lambda: next(readings, 5.0))
        client.fetch(url)
        # let go at 1.0, its headers sent at 5.0 (as if its thread had run late): the host's
        # interval runs from 5.0
        assert client.throttle.ready_in(host_key(url)) == 10.0
