"""The host scheduler on its own: jobs of one host in the order submitted, and a dispatcher
that breaks fails the jobs it holds instead of leaving their waiters hanging."""

from __future__ import annotations

from concurrent.futures import wait

import pytest

from fetching.parallel import HostScheduler, results


def test_one_hosts_jobs_run_in_the_order_they_were_submitted() -> None:
    ran: list[str] = []
    scheduler = HostScheduler(workers=4, per_host=1, ready_in=lambda host: 0.0)
    try:
        first = scheduler.submit([("a", lambda n=n: ran.append(f"a{n}")) for n in range(3)])
        second = scheduler.submit([("a", lambda: ran.append("a3")), ("b", lambda: "b")])
        _done, pending = wait(first + second, timeout=10)
        assert not pending
    finally:
        scheduler.close()
    assert [r for r in ran if r.startswith("a")] == ["a0", "a1", "a2", "a3"]


def test_a_broken_dispatcher_fails_the_waiting_jobs_instead_of_hanging() -> None:
    def ready_in(host: str) -> float:
        raise LookupError(f"no interval known for {host}")

    scheduler = HostScheduler(workers=2, per_host=1, ready_in=ready_in)
    futures = scheduler.submit([("a", lambda: "page")])
    _done, pending = wait(futures, timeout=10)
    assert not pending
    with pytest.raises(LookupError, match="no interval known for a"):
        results(futures)
    with pytest.raises(RuntimeError, match="closed"):
        scheduler.submit([("a", lambda: "page")])
