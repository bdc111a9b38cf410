"""What the terminal shows while a run goes: a progress bar on a terminal, Prefect's INFO lines
and library log lines only with --verbose (always in the run's log in Prefect), plain text
when piped. The command runs as a user runs it, in a pseudo-terminal or with its output piped."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path
from uuid import UUID

import pytest

from corpus.store import open_store
from tests.inputs import write_binary

COMMAND_TIMEOUT = 300
LOGS_TIMEOUT = 60
ANSI = re.compile(r"\x1b\[")
BAR = "━"
TASK_LINE = "Task run 'extract-batch"
TRAFILATURA_LINE = "trafilatura.utils - parsed tree length"


@pytest.fixture
def inputs(seeds: Path) -> Path:
    """The five sample articles, one page trafilatura logs an error for, one binary file:
    seven documents, two failures."""
    (seeds / "broken.html").write_text("<p>tiny</p>", encoding="utf-8")
    write_binary(seeds / "binary.html")
    return seeds


@pytest.fixture
def run_env(prefect_harness, tmp_path: Path) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "TERM": "xterm-256color"}
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS", "LINES"):
        env.pop(name, None)
    return env


def in_terminal(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    """Run `newscorpus ARGS` with a pseudo-terminal (160 columns) as its standard input,
    output and error; its exit status and everything it wrote there."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    process = subprocess.Popen(
        [sys.executable, "-m", "newscorpus.cli", *args],
        stdin=follower, stdout=follower, stderr=follower, cwd=cwd, env=env,
    )  # fmt: skip
    os.close(follower)
    output = bytearray()
    deadline = time.monotonic() + COMMAND_TIMEOUT
    try:
        while time.monotonic() < deadline:
            if not select.select([leader], [], [], 1.0)[0]:
                continue
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the command ended and closed the terminal
                break
            if not chunk:
                break
            output += chunk
        else:
            pytest.fail(f"newscorpus {' '.join(args)} still running after {COMMAND_TIMEOUT} s")
        return process.wait(timeout=COMMAND_TIMEOUT), output.decode("utf-8", "replace")
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=COMMAND_TIMEOUT)
        os.close(leader)


def piped(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscorpus.cli", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT,
    )  # fmt: skip


def latest_flow_run_id(db: str) -> UUID:
    (run,) = open_store(db).recent_runs(1)
    return UUID(run["prefect_flow_run_id"])


def run_log(flow_run_id: UUID, *expected: str) -> list[str]:
    """The messages of the flow run's log in Prefect, once each of `expected` is in one."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    wanted = LogFilter(flow_run_id=LogFilterFlowRunId(any_=[flow_run_id]))
    deadline = time.monotonic() + LOGS_TIMEOUT
    with get_client(sync_client=True) as client:
        while True:
            messages = [log.message for log in client.read_logs(log_filter=wanted, limit=200)]
            if all(any(e in m for m in messages) for e in expected):
                return messages
            if time.monotonic() > deadline:
                return messages
            time.sleep(0.5)


def test_import_on_a_terminal_draws_progress_and_keeps_the_logs_in_the_run(
    inputs: Path, tmp_path: Path, run_env: dict[str, str]
) -> None:
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    status, shown = in_terminal(["--db", db, "import", str(inputs)], tmp_path, run_env)

    assert status == 0, shown
    assert BAR in shown and "pages/s" in shown and ANSI.search(shown)
    assert "7/7" in shown and "2 failed" in shown  # the folder's files, counted up front
    assert "new              5" in shown  # the summary
    assert TASK_LINE not in shown and "Beginning flow run" not in shown
    assert "trafilatura" not in shown
    messages = run_log(latest_flow_run_id(db), "parsed tree length", "batch 1:")
    assert any("parsed tree length" in m for m in messages), messages
    assert any(m.startswith("batch 1: 5 stored, 2 failed") for m in messages), messages


def test_verbose_shows_prefect_and_library_lines_with_the_bar(
    inputs: Path, tmp_path: Path, run_env: dict[str, str]
) -> None:
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    args = ["--db", db, "import", "--verbose", str(inputs)]
    status, shown = in_terminal(args, tmp_path, run_env)

    assert status == 0, shown
    assert BAR in shown and "7/7" in shown
    assert TASK_LINE in shown and TRAFILATURA_LINE in shown
    messages = run_log(latest_flow_run_id(db), "parsed tree length")
    assert any("parsed tree length" in m for m in messages), messages


def test_piped_output_is_plain_text_without_bar_or_log_lines(
    inputs: Path, tmp_path: Path, run_env: dict[str, str]
) -> None:
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    result = piped(["--db", db, "import", str(inputs)], tmp_path, run_env)

    assert result.returncode == 0, result.stderr
    assert "new              5" in result.stdout and "failures by reason:" in result.stdout
    both = result.stdout + result.stderr
    assert not ANSI.search(both) and BAR not in both and "pages/s" not in both
    assert result.stderr == ""  # no Prefect INFO line, no trafilatura line

    verbose = piped(["--db", db, "import", "--verbose", str(inputs)], tmp_path, run_env)
    assert verbose.returncode == 0, verbose.stderr
    assert TASK_LINE in verbose.stderr and TRAFILATURA_LINE in verbose.stderr
    assert not ANSI.search(verbose.stdout + verbose.stderr) and BAR not in verbose.stderr


def test_ingest_urls_on_a_terminal_counts_the_list(tmp_path: Path, run_env: dict[str, str]) -> None:
    """The total comes from the run: the list's URLs, each once (nothing listens on port 9,
    so each is a fetch failure)."""
    urls = tmp_path / "urls.txt"
    urls.write_text("http://127.0.0.1:9/a\nhttp://127.0.0.1:9/a#again\nhttp://127.0.0.1:9/b\n")
    db = f"sqlite:///{tmp_path / 'corpus.db'}"
    status, shown = in_terminal(["--db", db, "ingest-urls", str(urls)], tmp_path, run_env)

    assert status == 0, shown
    assert BAR in shown and "2/2" in shown and "2 failed" in shown
    assert "Task run" not in shown


class Recorder:
    """A progress listener that keeps what it hears."""

    def __init__(self) -> None:
        self.heard: list[tuple[str, ...]] = []

    def run_started(self, total: int | None) -> None:
        self.heard.append(("started", total))

    def batch_done(self, documents: int, failures: int) -> None:
        self.heard.append(("batch", documents, failures))


@pytest.mark.usefixtures("prefect_harness")
def test_the_pipeline_tells_listeners_each_batch(inputs: Path, db_url: str, tmp_path: Path):
    """What the progress bar is drawn from: a total when the run has one (a list), then each
    batch as it is stored."""
    from flows import progress
    from flows.import_files import import_files
    from flows.ingest_urls import ingest_urls

    config = tmp_path / "small-batches.toml"
    config.write_text("[pipeline]\nbatch_size = 3\n", encoding="utf-8")
    with progress.listening(Recorder()) as files, progress.listening(Recorder()) as also:
        import_files([str(inputs)], database_url=db_url, config_path=str(config))
    assert files.heard == also.heard == [
        ("started", None), ("batch", 3, 0), ("batch", 3, 1), ("batch", 1, 1)
    ]  # fmt: skip

    with progress.listening(Recorder()) as urls:
        ingest_urls(["http://127.0.0.1:9/a", "http://127.0.0.1:9/a#again"], database_url=db_url)
    assert urls.heard == [("started", 1), ("batch", 1, 1)]

    import_files([str(inputs)], database_url=db_url, config_path=str(config))
    assert len(files.heard) == 4  # a listener hears nothing once its block has ended


def test_runs_table_keeps_long_lines_whole_when_piped(db_url: str, tmp_path: Path) -> None:
    """Piped, the runs table is plain: no wrapping at 80 columns, no blanks at line ends."""
    from extractors import InputFailure

    store = open_store(db_url)
    run_id = store.start_run("ingest_sitemaps", {})
    reason = "refused: " + " ".join(["a very long reason"] * 10)
    store.record_failures(run_id, [InputFailure("http://example.org/a", reason)])
    store.finish_run(run_id, "completed", {"imported": 1, "failures": 1})
    env = {**os.environ, "COLUMNS": "80"}

    result = piped(["--db", db_url, "runs"], tmp_path, env)
    runs = piped(["--db", db_url, "runs", "--json"], tmp_path, env)

    assert result.returncode == 0, result.stderr
    header, rule, row, failure = result.stdout.splitlines()
    assert header.split() == [
        "started", "(UTC)", "flow", "status", "imported", "new", "vers", "same", "dups", "fail",
    ]  # fmt: skip
    assert set(rule) == {"-", " "}
    (started,) = [json.loads(line)["started_at"][:19] for line in runs.stdout.splitlines()]
    assert row.split() == [started, "ingest_sitemaps", "completed", "1", "0", "0", "0", "0", "1"]
    assert failure == f"    ! http://example.org/a [read] {reason}"
    assert not ANSI.search(result.stdout)
