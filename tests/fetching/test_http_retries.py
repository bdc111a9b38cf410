"""Retries (tenacity) against a real server on 127.0.0.1: which failures are retried, how
long each wait is, and that refusals by our own per-hop checks are never retried."""

from __future__ import annotations

import email.utils
import socket
from datetime import UTC, datetime, timedelta

import pytest
from localsite import Reply, article_html

from fetching.http import Fetcher, FetchError


@pytest.fixture
def fetcher(fetch_config, recorded_sleep):
    config = fetch_config.model_copy(update=dict(retries=4, backoff_max_seconds=0.03))
    with Fetcher(config, sleep=recorded_sleep) as client:
        yield client


def test_backoff_doubles_up_to_its_cap_and_the_failure_stays_transient(
    site, fetcher, recorded_sleep
):
    url = site.route("/down", Reply(502, b"bad gateway"))
    with pytest.raises(FetchError, match=r"HTTP 502 Bad Gateway \(after 5 attempts\)") as caught:
        fetcher.fetch(url)
    assert len(site.seen("/down")) == 5
    assert recorded_sleep.waits == pytest.approx([0.01, 0.02, 0.03, 0.03])
    assert caught.value.status == 502 and not caught.value.permanent


def test_retry_after_as_an_http_date_is_honoured(site, fetcher, recorded_sleep):
    later = email.utils.format_datetime(datetime.now(UTC) + timedelta(seconds=20), usegmt=True)
    url = site.route(
        "/busy",
        Reply(503, b"busy", headers={"Retry-After": later}),
        Reply(body=article_html("B", "rail")),
    )
    response = fetcher.fetch(url)
    assert (response.status, response.attempts) == (200, 2)
    [wait] = recorded_sleep.waits
    assert 10.0 < wait <= 20.0


def test_an_unreadable_retry_after_falls_back_to_the_backoff(site, fetcher, recorded_sleep):
    url = site.route(
        "/limited",
        Reply(429, b"slow", headers={"Retry-After": "soon"}),
        Reply(body=article_html("L", "tax")),
    )
    assert fetcher.fetch(url).attempts == 2
    assert recorded_sleep.waits == [0.01]


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (Reply(404, b"gone"), "HTTP 404"),
        (Reply(410, b"gone"), "HTTP 410"),
        (Reply(body=b"%PDF", content_type="application/pdf"), "content type application/pdf"),
    ],
)
def test_permanent_failures_are_not_retried(site, fetcher, recorded_sleep, reply, reason):
    url = site.route("/p", reply)
    with pytest.raises(FetchError, match=reason) as caught:
        fetcher.fetch(url)
    assert caught.value.permanent
    assert len(site.seen("/p")) == 1 and recorded_sleep.waits == []


def test_a_refused_redirect_hop_is_not_retried(site, fetcher, recorded_sleep):
    url = site.route("/hop", Reply(302, headers={"Location": "http://10.0.0.1/x"}))
    with pytest.raises(FetchError, match="private address"):
        fetcher.fetch(url)
    assert len(site.seen("/hop")) == 1 and recorded_sleep.waits == []


def test_a_refused_connection_is_retried_then_recorded(fetcher, recorded_sleep):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/closed"
    with pytest.raises(FetchError, match=r"connection failed .*\(after 5 attempts\)") as caught:
        fetcher.fetch(url)
    assert len(recorded_sleep.waits) == 4 and not caught.value.permanent
