"""Helpers for tests that run `newscorpus` as a real process: its process tree, bounded
waits, the feeds it polls, and the flow runs its local Prefect server recorded."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fetching.localsite import LocalSite, Reply, article_html

FETCH_CONFIG = "[fetch]\nmin_host_interval_seconds = 0.0\n"


def descendants(pid: int) -> set[int]:
    """Every living process below `pid`, read from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as gone)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll `condition` until it is truthy; AssertionError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def start_newscorpus(*args: str, cwd: Path, **env: str) -> subprocess.Popen[str]:
    """`newscorpus ARGS` in its own session (the test can signal it like a terminal would),
    output in cwd/newscorpus.log, Prefect state in cwd/.prefect and fetching from loopback."""
    environment = {k: v for k, v in os.environ.items() if k != "PREFECT_HOME"}
    environment.update(NEWSCORPUS_FETCH_ALLOW_HOSTS="127.0.0.1", **env)
    environment.setdefault("PREFECT_HOME", str(cwd / ".prefect"))
    with (cwd / "newscorpus.log").open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "newscorpus.cli", *args],
            cwd=cwd,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )


def output(cwd: Path) -> str:
    return (cwd / "newscorpus.log").read_text(errors="replace")[-4000:]


def stop_tree(process: subprocess.Popen[str], leftovers: set[int]) -> None:
    """Clean-up after a test: kill the process group and anything else it left."""
    for pid in leftovers | {process.pid}:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def local_flow_runs(prefect_home: Path) -> list[tuple[str, str, str | None]]:
    """(flow name, state type, deployment id) of every flow run the local server stored
    (none before its database exists)."""
    database = prefect_home / "prefect.db"
    if not database.exists():
        return []
    db = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        return db.execute(
            "SELECT flow.name, flow_run.state_type, flow_run.deployment_id "
            "FROM flow_run JOIN flow ON flow.id = flow_run.flow_id"
        ).fetchall()
    except sqlite3.OperationalError:  # the server is still creating its tables
        return []
    finally:
        db.close()


def rss_feed(site: LocalSite, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{p}</title><link>{site.url(p)}</link><guid>{site.url(p)}</guid></item>"
        for p in paths
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
        f"<link>{site.base}/</link><description>d</description>{items}</channel></rss>"
    ).encode()


def growing_feed(site: LocalSite, path: str = "/feed.xml") -> str:
    """A feed with one more story each time it is read, so every poll stores a new article."""
    counter = itertools.count(1)

    def reply(_request: object) -> Reply:
        stories = [f"/story/{n}" for n in range(1, next(counter) + 1)]
        for story in stories:
            site.routes.setdefault(story, [Reply(body=article_html(story, story[7:] + "x"))])
        return Reply(body=rss_feed(site, stories), content_type="application/rss+xml")

    site.routes[path] = reply
    return site.url(path)
