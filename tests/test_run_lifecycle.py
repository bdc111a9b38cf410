"""Runs that die, fail or cannot store, and migrations that are interrupted, on real
SQLite files (and PostgreSQL where the store is shared)."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text, update

from corpus.models import Base, Run, utcnow
from corpus.store import StoreError, open_store
from extractors import Article, Document, Extracted
from newscorpus.cli import main

BODY = "The council approved the new harbour budget after a long debate on Tuesday night."


def item(source: str, text_: str) -> Extracted:
    return Extracted(
        source, None, Article(title="Harbour", text=text_, language="en", extractor="t")
    )


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait(timeout=60)
    return process.pid


def set_run(store, run_id: str, **values) -> None:
    with store.sessions.begin() as session:
        session.execute(update(Run).where(Run.id == run_id).values(**values))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, db_url: str) -> str:
    if request.param == "sqlite":
        return db_url
    return request.getfixturevalue("postgres_url")


def test_a_run_whose_process_died_shows_as_crashed_with_what_it_stored(store_url):
    store = open_store(store_url)
    run_id = store.start_run("import_files", {"paths": ["a"]})
    store.save_batch(run_id, [item("a.txt", BODY), item("b.txt", BODY + " Also the ferry.")])
    store.save_batch(run_id, [item("a.txt", BODY + " A second paragraph.")])
    store.record_failures(run_id, [])
    assert store.recent_runs()[0]["status"] == "running"  # its process (this one) lives

    set_run(store, run_id, pid=dead_pid())
    (run,) = store.recent_runs()

    assert run["status"] == "crashed"
    assert run["finished_at"] is not None
    counts = run["counts"]
    assert (counts["new"], counts["new_versions"], counts["failures"]) == (2, 1, 0)
    assert (counts["imported"], counts["duplicates"], counts["languages"]) == (3, 0, {"en": 3})


def test_a_run_whose_heartbeat_is_stale_is_crashed_wherever_it_runs(store_url):
    """Another host's process cannot be checked, and a live pid here may have been reused."""
    store = open_store(store_url)
    quiet, beating, reused = (store.start_run("ingest_urls", {}) for _ in range(3))
    set_run(store, quiet, host="elsewhere", heartbeat_at=utcnow() - timedelta(hours=2))
    set_run(store, beating, host="elsewhere", heartbeat_at=utcnow() - timedelta(minutes=1))
    set_run(store, reused, heartbeat_at=utcnow() - timedelta(hours=2))

    statuses = {run["id"]: run["status"] for run in store.recent_runs()}

    assert statuses == {quiet: "crashed", beating: "running", reused: "crashed"}


def test_starting_a_run_marks_dead_runs_crashed(db_url):
    store = open_store(db_url)
    dead = store.start_run("import_files", {})
    set_run(store, dead, pid=dead_pid())
    store.start_run("import_files", {})
    with store.reading() as session:
        assert session.get(Run, dead).status == "crashed"


@pytest.mark.usefixtures("prefect_harness")
def test_an_error_after_the_run_row_exists_ends_the_run_failed(db_url):
    """Settings are checked before a run starts; whatever still goes wrong once its row
    exists (here the inputs of a flow) ends it `failed`, never `running`."""
    from prefect import flow

    from config import load_settings
    from flows.pipeline import run_pipeline

    def documents():
        yield Document(source="a.txt", kind="text", payload=BODY)
        raise ValueError("bad parameter: not a path")

    @flow
    def broken() -> dict:
        with open_store(db_url) as store:
            return run_pipeline("import_files", documents(), load_settings(), store, {})

    with pytest.raises(ValueError, match="bad parameter"):
        broken()
    assert [run["status"] for run in open_store(db_url).recent_runs()] == ["failed"]


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_that_could_not_store_an_article_is_incomplete_and_exits_1(tmp_path, db_url, capsys):
    """A real database error (a trigger refusing one text) on one of two articles."""
    open_store(db_url).close()
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TRIGGER refuse BEFORE INSERT ON article_versions "
            "WHEN NEW.text LIKE '%embargoed%' BEGIN SELECT RAISE(ABORT, 'embargoed text'); END"
        )
    engine.dispose()
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "ok.txt").write_text(BODY, encoding="utf-8")
    (folder / "no.txt").write_text(BODY + " This report is embargoed.", encoding="utf-8")

    assert main(["--db", db_url, "import", str(folder)]) == 1
    assert "is incomplete" in capsys.readouterr().err
    store = open_store(db_url)
    (run,) = store.recent_runs()
    assert (run["status"], run["counts"]["new"], run["counts"]["failures"]) == ("incomplete", 1, 1)
    (failure,) = store.run_failures(run["id"])
    assert failure["stage"] == "store"
    assert failure["reason"] == "IntegrityError: embargoed text"


def test_a_migration_that_fails_midway_leaves_nothing_behind(tmp_path):
    """A view named like a later revision's table makes that revision fail: the earlier
    revisions of the same upgrade are rolled back too."""
    path = tmp_path / "corpus.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE VIEW feed_entries AS SELECT 1 AS x")
    with pytest.raises(Exception, match="feed_entries"):
        open_store(f"sqlite:///{path}")
    assert inspect(engine).get_table_names() == []
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP VIEW feed_entries")
    engine.dispose()
    assert open_store(f"sqlite:///{path}").recent_runs() == []


def test_an_empty_half_schema_is_repaired_and_a_filled_one_refused(tmp_path):
    """What a first migration killed before migrations were atomic left: tables, no revision."""
    half, filled = tmp_path / "half.db", tmp_path / "filled.db"
    for path in (half, filled):
        engine = create_engine(f"sqlite:///{path}")
        Base.metadata.create_all(engine, tables=[Base.metadata.tables["runs"]])
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32))")
            if path == filled:
                connection.execute(
                    text(
                        "INSERT INTO runs (id, flow, status, parameters, counts, started_at) "
                        "VALUES ('r', 'f', 'running', '{}', '{}', '2026-11-24 10:00:00')"
                    )
                )
        engine.dispose()

    assert open_store(f"sqlite:///{half}").recent_runs() == []
    with pytest.raises(StoreError, match=r"corpus tables with rows \(runs\)"):
        open_store(f"sqlite:///{filled}")
    assert Path(filled).exists()
