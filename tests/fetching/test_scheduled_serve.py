"""`newscorpus serve` on the embedded default (no PREFECT_API_URL): it starts its own local
Prefect server with the scheduler, and a feed group on a short schedule ingests on its own.

One serve process for the module (a Prefect server start is slow on a small machine); the
tests read what it did, and the last one stops it as a user would, with Ctrl-C.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from localsite import start_site
from served import (
    FETCH_CONFIG,
    alive,
    descendants,
    growing_feed,
    local_flow_runs,
    output,
    start_newscorpus,
    stop_tree,
    wait_until,
)

from corpus.store import open_existing_store

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

EVERY_20_SECONDS = "* * * * * */20"  # cron with a seconds field
RUNS_TIMEOUT = 300.0  # server start, deployment registration and two scheduled runs
EXIT_TIMEOUT = 10.0


def feed_group_config(path: Path, feed: str) -> Path:
    path.write_text(
        f'{FETCH_CONFIG}\n[[feeds.groups]]\nname = "fast"\ncron = "{EVERY_20_SECONDS}"\n'
        f'feeds = ["{feed}"]\n'
    )
    return path


@dataclass
class Served:
    process: subprocess.Popen[str]
    workdir: Path
    db_url: str
    children: set[int]


def completed_scheduled_runs(prefect_home: Path) -> list[tuple[str, str, str | None]]:
    return [
        run
        for run in local_flow_runs(prefect_home)
        if run[0] == "ingest_feeds" and run[1] == "COMPLETED" and run[2] is not None
    ]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`newscorpus serve` of a feed group on a 20-second schedule, until two runs completed."""
    site, server = start_site()
    workdir = tmp_path_factory.mktemp("serve-embedded")
    config = feed_group_config(workdir / "groups.toml", growing_feed(site))
    db_url = f"sqlite:///{workdir / 'corpus.db'}"
    env = {k: v for k, v in os.environ.items() if k == "PREFECT_API_URL"}
    assert not env, "the embedded default is served without PREFECT_API_URL"
    process = start_newscorpus("serve", "--db", db_url, "--config", str(config), cwd=workdir)
    children: set[int] = set()
    try:
        wait_until(
            lambda: (
                process.poll() is not None
                or len(completed_scheduled_runs(workdir / ".prefect")) >= 2
            ),
            RUNS_TIMEOUT,
            "two scheduled runs to complete",
        )
        assert process.poll() is None, output(workdir)
        children = descendants(process.pid)
        yield Served(process, workdir, db_url, children)
    finally:
        stop_tree(process, children)
        server.shutdown()
        server.server_close()


def test_serve_prints_where_its_prefect_ui_is(served):
    printed = (served.workdir / "newscorpus.log").read_text(errors="replace")
    line = re.search(r"Prefect UI at (http://127\.0\.0\.1:(\d+))", printed)
    assert line, printed[:2000]
    taken = "port 4200 is taken" in printed
    assert (line.group(2) == "4200") != taken


def listening_addresses(pid: int) -> set[str]:
    """The local addresses (hex, as /proc/net/tcp spells them) of the sockets `pid` listens on."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[len("socket:[") : -1])
    found = set()
    for table in ("tcp", "tcp6"):
        for row in Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]:
            fields = row.split()
            if fields[3] == "0A" and fields[9] in inodes:  # 0A: LISTEN
                found.add(fields[1].rsplit(":", 1)[0])
    return found


def test_the_local_server_listens_on_loopback_only(served):
    (server,) = [
        pid
        for pid in served.children
        if "newscorpus.prefect_server" in Path(f"/proc/{pid}/cmdline").read_text()
    ]
    assert listening_addresses(server) == {"0100007F"}  # 127.0.0.1 and nothing else


def test_scheduled_runs_store_the_feeds_articles(served):
    runs = [
        r for r in open_existing_store(served.db_url).recent_runs(50) if r["status"] == "completed"
    ]
    assert len(runs) >= 2
    assert all(run["flow"] == "ingest_feeds" for run in runs)
    assert all(run["counts"]["new"] >= 1 for run in runs[:2]), runs
    articles = list(open_existing_store(served.db_url).iter_latest())
    assert len(articles) >= 2


def test_ctrl_c_stops_serve_and_its_server(served):
    os.killpg(served.process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
    served.process.wait(timeout=EXIT_TIMEOUT)
    wait_until(
        lambda: not any(alive(pid) for pid in served.children),
        EXIT_TIMEOUT,
        "the local Prefect server and flow runs to exit with serve",
    )
    running = [r for r in open_existing_store(served.db_url).recent_runs(50)
               if r["status"] == "running"]  # fmt: skip
    assert running == []
