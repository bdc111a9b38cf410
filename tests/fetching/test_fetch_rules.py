"""Pure fetching rules: address classes, allow-list, config, throttle, Retry-After, URLs."""

from __future__ import annotations

import ipaddress
import os
from datetime import UTC, datetime

import pytest

from config import SettingsError, settings_from
from fetching.http import header_charset, media_type, retry_after_seconds
from fetching.politeness import HostThrottle
from fetching.safety import AllowList, FetchRefused, address_problem, check_url
from fetching.urls import article_url, declared_canonical, read_url_list, request_url


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("127.0.0.1", "a loopback address"),
        ("10.1.2.3", "a private address"),
        ("172.16.0.1", "a private address"),
        ("192.168.1.1", "a private address"),
        ("169.254.169.254", "the cloud metadata address"),
        ("169.254.1.1", "a link-local address"),
        ("0.0.0.0", "an unspecified address"),
        ("224.0.0.1", "a multicast address"),
        ("100.64.0.1", "a non-global address"),
        ("240.0.0.1", "a private address"),
        ("::1", "a loopback address"),
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a private address"),
        ("fd00:ec2::254", "the cloud metadata address"),
        ("::ffff:10.0.0.1", "a private address embedded in IPv6 (10.0.0.1)"),
        ("::127.0.0.1", "a loopback address embedded in IPv6 (127.0.0.1)"),
        ("2002:7f00:1::1", "a loopback address embedded in IPv6 (127.0.0.1)"),
        ("2002:a9fe:a9fe::1", "the cloud metadata address embedded in IPv6 (169.254.169.254)"),
        ("64:ff9b::7f00:1", "a loopback address embedded in IPv6 (127.0.0.1)"),
        ("64:ff9b:1::a00:1", "a private address embedded in IPv6 (10.0.0.1)"),
        # Teredo: server 65.54.227.120, client 127.0.0.1 (stored inverted: 0x80fffffe).
        ("2001:0:4136:e378:8000:63bf:80ff:fffe", "a loopback address embedded in IPv6 (127.0.0.1)"),
        ("2002:5db8:d70e::1", None),  # 6to4 of the public 93.184.215.14
        ("93.184.215.14", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_classes(address, problem):
    assert address_problem(ipaddress.ip_address(address)) == problem


def fixed_resolver(*addresses):
    return lambda host, port: list(addresses)


def test_a_name_resolving_to_any_internal_address_is_refused():
    resolver = fixed_resolver("93.184.215.14", "10.0.0.5")
    with pytest.raises(FetchRefused, match=r"intranet.example resolves to a private address"):
        check_url("https://intranet.example/", AllowList([]), resolver)


def test_allow_list_opens_names_addresses_and_networks():
    allow = AllowList(["Intranet.Example", "127.0.0.1", "10.1.0.0/16"])
    check_url("http://intranet.example/", allow, fixed_resolver("10.9.9.9"))
    check_url("http://localhost:8000/", allow, fixed_resolver("127.0.0.1"))
    check_url("http://db.example/", allow, fixed_resolver("10.1.200.3"))
    with pytest.raises(FetchRefused, match="10.2.0.1"):
        check_url("http://other.example/", allow, fixed_resolver("10.2.0.1"))
    with pytest.raises(FetchRefused, match="::1"):
        check_url("http://localhost:8000/", allow, fixed_resolver("127.0.0.1", "::1"))


def test_a_malformed_url_is_refused_with_the_reason():
    with pytest.raises(FetchRefused, match="refused: malformed URL: Invalid IPv6 URL"):
        check_url("http://[::1/x", AllowList([]), fixed_resolver("93.184.215.14"))
    assert request_url("http://[::1/x") == "http://[::1/x"


def test_public_addresses_pass():
    check_url("https://news.example/a", AllowList([]), fixed_resolver("93.184.215.14"))


def test_allow_hosts_from_the_environment_replace_the_config(monkeypatch):
    tables = {"fetch": {"allow_hosts": ["intranet.example"], "retries": 1}}
    monkeypatch.delenv("NEWSCORPUS_FETCH_ALLOW_HOSTS", raising=False)
    assert settings_from(tables, environ=os.environ).fetch.allow_hosts == ("intranet.example",)
    monkeypatch.setenv("NEWSCORPUS_FETCH_ALLOW_HOSTS", " 127.0.0.1, Localhost ,")
    config = settings_from(tables, environ=os.environ).fetch
    assert config.allow_hosts == ("127.0.0.1", "localhost")
    assert config.retries == 1


def test_unknown_fetch_keys_are_an_error():
    with pytest.raises(SettingsError, match=r"unknown key\(s\) \['max_body'\]"):
        settings_from({"fetch": {"max_body": 1}})


def test_throttle_spaces_requests_per_host():
    now = [100.0]
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        now[0] += seconds

    throttle = HostThrottle(2.0, clock=lambda: now[0], sleep=sleep)
    assert throttle.wait("a.example") == 0.0
    now[0] += 0.5
    assert throttle.wait("a.example") == pytest.approx(1.5)
    assert throttle.wait("b.example") == 0.0
    throttle.set_delay("a.example", 5.0)
    assert throttle.wait("a.example") == pytest.approx(5.0)
    assert waits == [pytest.approx(1.5), pytest.approx(5.0)]


def test_retry_after_as_seconds_or_date():
    now = datetime(2026, 11, 21, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120", now) == 120.0
    assert retry_after_seconds("Sat, 21 Nov 2026 10:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Sat, 21 Nov 2026 09:00:00 GMT", now) == 0.0
    assert retry_after_seconds("soon", now) is None
    assert retry_after_seconds(None, now) is None


def test_content_type_parts():
    assert media_type("Text/HTML; charset=UTF-8") == "text/html"
    assert header_charset('text/html; charset="windows-1252"') == "windows-1252"
    assert media_type(None) is None and header_charset("text/html") is None


def test_tracking_parameters_and_fragments_are_dropped():
    url = "HTTP://News.Example:80/a/b?id=7&utm_source=x&fbclid=y#comments"
    assert article_url(url) == "http://news.example/a/b?id=7"


def test_rel_canonical_on_the_same_site_names_the_article():
    page = b'<html><head><link href="/story/42" rel="canonical"></head><body></body></html>'
    assert declared_canonical(page) == "/story/42"
    fetched = "https://m.news.example.co.uk/amp/42?utm_medium=social"
    assert article_url(fetched, page) == "https://m.news.example.co.uk/story/42"
    other = b'<link rel="canonical" href="https://www.news.example.co.uk/story/42#top">'
    assert article_url(fetched, other) == "https://www.news.example.co.uk/story/42"


def test_rel_canonical_to_another_site_is_ignored():
    page = b'<link rel="canonical" href="https://elsewhere.example/stolen">'
    assert article_url("https://news.example/a", page) == "https://news.example/a"
    page = b'<link rel="canonical" href="javascript:alert(1)">'
    assert article_url("https://news.example/a", page) == "https://news.example/a"


def test_request_url_drops_only_tracking_and_fragment():
    url = "https://News.example/a%2Fb?id=7&UTM_source=x&q=a+b&flag&fbclid=1#top"
    assert request_url(url) == "https://News.example/a%2Fb?id=7&q=a+b&flag"
    assert request_url("https://news.example/?utm_medium=mail") == "https://news.example/"


def test_url_list_skips_blanks_and_comments():
    lines = ["# morning list\n", "https://a.example/1\n", "\n", "  https://b.example/2  \n"]
    assert read_url_list(lines) == ["https://a.example/1", "https://b.example/2"]


def test_a_hosts_interval_counts_from_when_its_request_left():
    now = [100.0]
    throttle = HostThrottle(1.0, clock=lambda: now[0], sleep=lambda _s: None)
    throttle.wait("a.example")
    now[0] += 0.3  # the request's thread ran late: it left 0.3 s after being let go
    throttle.sent("a.example")
    assert throttle.ready_in("a.example") == pytest.approx(1.0)
