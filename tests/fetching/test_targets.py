"""Fetch targets: a list grouped by host is mixed so every batch holds many hosts."""

from __future__ import annotations

from extractors import FailureStage, InputFailure
from fetching.targets import FetchTarget, interleaved_by_host, url_list_targets


def test_hosts_take_turns_each_keeping_its_order() -> None:
    grouped = [FetchTarget(f"https://{host}.example/{n}") for host in "abc" for n in range(3)]
    grouped.insert(7, FetchTarget("https://d.example/only"))
    order = [t.url.removeprefix("https://") for t in interleaved_by_host(grouped)]
    assert order == [
        "a.example/0", "b.example/0", "c.example/0", "d.example/only",
        "a.example/1", "b.example/1", "c.example/1",
        "a.example/2", "b.example/2", "c.example/2",
    ]  # fmt: skip


def test_nothing_is_lost_and_failures_come_first() -> None:
    failure = InputFailure("not-utf-8:line-2:x", "URL list line 2 is not UTF-8", FailureStage.FETCH)
    targets = [FetchTarget("https://a.example/1"), failure, FetchTarget("https://a.example/2")]
    assert interleaved_by_host(targets) == [failure, targets[0], targets[2]]


def test_a_url_that_does_not_parse_keeps_its_place_in_the_turns() -> None:
    targets = [FetchTarget("http://[::1/x"), FetchTarget("https://a.example/1")]
    targets.append(FetchTarget("https://a.example/2"))
    assert interleaved_by_host(targets) == [targets[0], targets[1], targets[2]]


def test_a_list_of_one_host_keeps_its_order() -> None:
    targets = url_list_targets([f"https://a.example/{n}" for n in range(5)])
    assert interleaved_by_host(targets) == targets
