"""Ctrl-C, SIGTERM and SIGKILL during a run, on real processes: newscorpus exits promptly,
the run is `cancelled` in the corpus and not left Running in Prefect, and nothing it started
(its local Prefect server, flow-run processes) keeps running."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from localsite import LocalSite, Reply, article_html
from served import (
    FETCH_CONFIG,
    alive,
    descendants,
    local_flow_runs,
    output,
    rss_feed,
    start_newscorpus,
    stop_tree,
    wait_until,
)

from corpus.store import open_existing_store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

START_TIMEOUT = 150.0  # the local Prefect server and the flow start on a busy machine
EXIT_TIMEOUT = 10.0  # the issue asks for 5 s; the margin is for a busy CI machine
SLOW_PAGE = "/slow"


def slow_site(site: LocalSite) -> tuple[str, str]:
    """A page that answers after a minute, and a feed listing it."""
    page = site.route(SLOW_PAGE, Reply(body=article_html("Slow", "slow"), delay=60))
    feed = site.route(
        "/feed.xml", Reply(body=rss_feed(site, [SLOW_PAGE]), content_type="application/rss+xml")
    )
    return page, feed


def command_for(name: str, page: str, feed: str, tmp_path: Path) -> list[str]:
    (tmp_path / "urls.txt").write_text(page + "\n")
    if name == "ingest-urls":
        return ["ingest-urls", str(tmp_path / "urls.txt")]
    return ["ingest-feeds", "--feed", feed]


@pytest.mark.parametrize("command", ["ingest-urls", "ingest-feeds"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_mid_fetch_cancels_the_run_everywhere(command, signum, site, tmp_path):
    page, feed = slow_site(site)
    config = tmp_path / "fast.toml"
    config.write_text(FETCH_CONFIG)
    db_url = f"sqlite:///{tmp_path / 'corpus.db'}"
    args = command_for(command, page, feed, tmp_path)
    process = start_newscorpus(*args, "--db", db_url, "--config", str(config), cwd=tmp_path)
    started: set[int] = set()
    try:
        wait_until(lambda: site.seen(SLOW_PAGE) or process.poll() is not None, START_TIMEOUT,
                   "the run to fetch the slow page")  # fmt: skip
        assert process.poll() is None, output(tmp_path)
        started = descendants(process.pid)
        assert started, "newscorpus runs its local Prefect server as a child"
        # Ctrl-C reaches the terminal's foreground process group; SIGTERM the process.
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        returncode = process.wait(timeout=EXIT_TIMEOUT)
        assert returncode == 130, output(tmp_path)
        wait_until(lambda: not any(alive(pid) for pid in started), EXIT_TIMEOUT,
                   "newscorpus's children to exit")  # fmt: skip
    finally:
        stop_tree(process, started)
    assert "Traceback" not in output(tmp_path).split("Finished in state")[-1]
    (run,) = open_existing_store(db_url).recent_runs(5)
    assert run["status"] == "cancelled"
    (flow_run,) = local_flow_runs(tmp_path / ".prefect")
    assert flow_run[1] in ("CANCELLED", "FAILED"), flow_run


def test_sigkill_leaves_no_process_behind(site, tmp_path):
    page, feed = slow_site(site)
    config = tmp_path / "fast.toml"
    config.write_text(FETCH_CONFIG)
    db_url = f"sqlite:///{tmp_path / 'corpus.db'}"
    args = command_for("ingest-urls", page, feed, tmp_path)
    process = start_newscorpus(*args, "--db", db_url, "--config", str(config), cwd=tmp_path)
    started: set[int] = set()
    try:
        wait_until(lambda: site.seen(SLOW_PAGE) or process.poll() is not None, START_TIMEOUT,
                   "the run to fetch the slow page")  # fmt: skip
        assert process.poll() is None, output(tmp_path)
        started = descendants(process.pid)
        assert started
        process.kill()
        process.wait(timeout=EXIT_TIMEOUT)
        wait_until(lambda: not any(alive(pid) for pid in started), EXIT_TIMEOUT,
                   "the local Prefect server to die with newscorpus")  # fmt: skip
    finally:
        stop_tree(process, started)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_a_scheduled_run_stops_serve_and_cancels_the_run(signum, site, tmp_path):
    _page, feed = slow_site(site)
    config = tmp_path / "groups.toml"
    config.write_text(
        f'{FETCH_CONFIG}\n[[feeds.groups]]\nname = "slow"\ncron = "* * * * * */5"\n'
        f'feeds = ["{feed}"]\n'
    )
    db_url = f"sqlite:///{tmp_path / 'corpus.db'}"
    process = start_newscorpus("serve", "--db", db_url, "--config", str(config), cwd=tmp_path)
    started: set[int] = set()
    try:
        wait_until(lambda: site.seen(SLOW_PAGE) or process.poll() is not None, START_TIMEOUT,
                   "a scheduled run to fetch the slow page")  # fmt: skip
        assert process.poll() is None, output(tmp_path)
        started = descendants(process.pid)
        if signum == signal.SIGINT:
            os.killpg(process.pid, signum)
        else:
            process.send_signal(signum)
        process.wait(timeout=EXIT_TIMEOUT)
        wait_until(lambda: not any(alive(pid) for pid in started), EXIT_TIMEOUT,
                   "serve's server and flow-run processes to exit")  # fmt: skip
    finally:
        stop_tree(process, started)
    runs = open_existing_store(db_url).recent_runs(20)
    assert runs and {run["status"] for run in runs} == {"cancelled"}, runs
    states = {state for name, state, _ in local_flow_runs(tmp_path / ".prefect")
              if name == "ingest_feeds"}  # fmt: skip
    assert "RUNNING" not in states, states
