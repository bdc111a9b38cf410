"""`newscorpus import` as separate processes on one SQLite corpus: killed with SIGKILL at
random points (the first migration included) and then recovered, or three at once.

Each import reports to the session's Prefect API (so no process starts its own server) and
runs in its own process group, killed as a whole. Every wait has a deadline.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
WORDS = (
    "harbour", "council", "bridge", "river", "ferry", "tram", "station", "budget", "mayor",
    "school", "winter", "market", "festival", "museum", "library", "hospital", "police",
    "court", "election", "storm", "flood", "road", "rail", "port", "factory", "workers",
)  # fmt: skip

pytestmark = pytest.mark.usefixtures("prefect_harness")


def story(number: int, edition: int) -> str:
    """An article text of its own (no two stories are near-duplicates)."""
    rng = random.Random(number * 1000 + edition)
    sentences = [
        " ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + f" {number}-{edition}."
        for _ in range(8)
    ]
    return f"Story {number} edition {edition}\n\n" + " ".join(sentences)


def write_stories(folder: Path, numbers: range, edition: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for number in numbers:
        (folder / f"story_{number:03}.txt").write_text(story(number, edition), encoding="utf-8")


@pytest.fixture
def workspace(tmp_path: Path) -> dict[str, str]:
    """A config with small batches, and the environment every import runs with."""
    from prefect.settings import PREFECT_API_URL

    config = tmp_path / "newscorpus.toml"
    config.write_text("[pipeline]\nbatch_size = 4\n", encoding="utf-8")
    return {
        **os.environ,
        "PREFECT_API_URL": PREFECT_API_URL.value(),
        "NEWSCORPUS_DATABASE_URL": f"sqlite:///{tmp_path / 'corpus.db'}",
        "NEWSCORPUS_CONFIG": str(config),
    }


def start_import(env: dict[str, str], *folders: Path, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "newscorpus.cli", "import", *map(str, folders)],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)


def wait_until(condition: Callable[[], bool], process: subprocess.Popen, seconds: float) -> None:
    """Poll until `condition` holds or `process` ends; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition() and process.poll() is None:
        assert time.monotonic() < deadline, "the import made no progress in time"
        time.sleep(0.005)


def query(db: Path, sql: str) -> list[tuple]:
    """Rows of `sql`, or [] while the database or its tables do not exist yet."""
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as connection:
            return connection.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []


def stored_versions(db: Path) -> int:
    rows = query(db, "SELECT count(*) FROM article_versions")
    return rows[0][0] if rows else 0


def run_to_end(env: dict[str, str], folder: Path, log: Path) -> None:
    process = start_import(env, folder, log=log)
    try:
        assert process.wait(timeout=600) == 0, log.read_text(errors="replace")[-3000:]
    finally:
        kill_group(process)


def import_with_kills(env, folder: Path, log: Path, db: Path, rng: random.Random, kills: int):
    """Start the import `kills` times and kill it at a random point, then let it finish."""
    total = len(list(folder.iterdir()))
    for _ in range(kills):
        process = start_import(env, folder, log=log)
        target = stored_versions(db) + rng.randint(1, max(1, total // 2))
        wait_until(lambda t=target: stored_versions(db) >= t, process, 300)
        time.sleep(rng.uniform(0, 0.2))
        kill_group(process)
    run_to_end(env, folder, log)


def test_sigkill_at_random_points_loses_and_duplicates_nothing(tmp_path, workspace):
    rng = random.Random(int(os.environ.get("NEWSCORPUS_CRASH_SEED", "12")))
    folder, log = tmp_path / "stories", tmp_path / "imports.log"
    db = Path(workspace["NEWSCORPUS_DATABASE_URL"].removeprefix("sqlite:///"))
    write_stories(folder, range(40), edition=1)

    # Killed while the new corpus file is being created (its first migration).
    process = start_import(workspace, folder, log=log)
    wait_until(db.exists, process, 300)
    kill_group(process)
    import_with_kills(workspace, folder, log, db, rng, kills=2)
    # Every other story changes: a second version each, under two more kills.
    write_stories(folder, range(0, 40, 2), edition=2)
    import_with_kills(workspace, folder, log, db, rng, kills=2)

    latest = dict(query(db, "SELECT key, latest_version FROM articles"))
    assert latest == {
        f"file:{folder / f'story_{n:03}.txt'}": 2 if n % 2 == 0 else 1 for n in range(40)
    }
    versions = query(
        db, "SELECT a.key, v.version, v.text FROM article_versions v JOIN articles a "
        "ON a.id = v.article_id ORDER BY a.key, v.version",
    )  # fmt: skip
    assert [(key, number) for key, number, _ in versions] == [
        (key, number) for key in sorted(latest) for number in range(1, latest[key] + 1)
    ]
    for key, number, text in versions:
        assert text.endswith(f" {int(key[-7:-4])}-{number}.")  # the text of that edition
    unsigned = query(
        db, "SELECT count(*) FROM article_versions v WHERE (SELECT count(*) FROM signatures s "
        "WHERE s.article_version_id = v.id) != 1",
    )  # fmt: skip
    assert unsigned == [(0,)]

    runs = subprocess.run(
        [sys.executable, "-m", "newscorpus.cli", "runs", "--json", "--limit", "50"],
        cwd=REPO, env=workspace, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    runs = [json.loads(line) for line in runs.stdout.splitlines()]
    assert {run["status"] for run in runs} <= {"completed", "crashed"}
    # The two recovery runs completed; a kill may also land after a run's end.
    assert sum(run["status"] == "completed" for run in runs) >= 2
    crashed = [run for run in runs if run["status"] == "crashed"]
    assert crashed
    for run in crashed:
        (stored,) = query(db, f"SELECT count(*) FROM article_versions WHERE run_id = '{run['id']}'")
        assert run["counts"]["new"] + run["counts"]["new_versions"] == stored[0]


def test_three_concurrent_imports_into_one_sqlite_file_all_store_everything(tmp_path, workspace):
    db = Path(workspace["NEWSCORPUS_DATABASE_URL"].removeprefix("sqlite:///"))
    shared = tmp_path / "shared"
    write_stories(shared, range(100, 108), edition=1)
    processes = []
    for writer in range(3):
        own = tmp_path / f"writer{writer}"
        write_stories(own, range(writer * 12, writer * 12 + 12), edition=1)
        processes.append(start_import(workspace, own, shared, log=tmp_path / f"writer{writer}.log"))
    try:
        codes = [process.wait(timeout=600) for process in processes]
    finally:
        for process in processes:
            kill_group(process)
    logs = [(tmp_path / f"writer{n}.log").read_text(errors="replace") for n in range(3)]
    assert codes == [0, 0, 0], logs
    runs = query(db, "SELECT status, counts FROM runs")
    assert [status for status, _ in runs] == ["completed"] * 3
    assert [json.loads(counts)["failures"] for _, counts in runs] == [0, 0, 0]
    assert query(db, "SELECT count(*) FROM failures") == [(0,)]
    assert query(db, "SELECT count(*), max(latest_version) FROM articles") == [(3 * 12 + 8, 1)]
