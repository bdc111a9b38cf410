"""Command-line mistakes: one line on standard error and exit 2, before Prefect starts (no
local Prefect server is started, nothing is created)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from tests.support import postgres_database

pytestmark = pytest.mark.timeout(120)


def newscorpus(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscorpus.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PREFECT_HOME": str(cwd / ".prefect")},
    )


def one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """The error line, once checked: exit 2, one line, naming every `expected` part."""
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for part in expected:
        assert part in lines[0], lines[0]
    return lines[0]


def nothing_started(cwd: Path) -> None:
    assert not (cwd / ".prefect").exists(), "no Prefect server may start for a bad command"
    assert not (cwd / "data").exists(), "no corpus may be created for a bad command"


def test_nonsense_database_url(seeds: Path, tmp_path: Path) -> None:
    result = newscorpus("--db", "nonsense", "import", str(seeds), cwd=tmp_path)
    one_line_error(result, "not a database URL: 'nonsense'")
    nothing_started(tmp_path)


def test_mysql_without_its_driver_names_what_to_install(seeds: Path, tmp_path: Path) -> None:
    try:
        import MySQLdb  # noqa: F401

        pytest.skip("mysqlclient is installed here")
    except ImportError:
        pass
    result = newscorpus("--db", "mysql://user@127.0.0.1/corpus", "import", str(seeds), cwd=tmp_path)
    one_line_error(result, "mysql", "install mysqlclient")
    nothing_started(tmp_path)


def test_postgres_scheme_is_accepted_as_postgresql(tmp_path: Path) -> None:
    from newscorpus.database import normalise_database_url

    assert normalise_database_url("postgres://u:p@db:5432/corpus") == (
        "postgresql+psycopg://u:p@db:5432/corpus"
    )
    with postgres_database() as url:
        postgres_scheme = url.replace(url.split("://")[0], "postgres", 1)
        result = newscorpus("--db", postgres_scheme, "runs", cwd=tmp_path)
        # Understood as PostgreSQL: it reached the (empty) database and found no corpus there.
        one_line_error(result, "no corpus at postgresql+psycopg://")


def test_unwritable_sqlite_file_is_named(seeds: Path, tmp_path: Path) -> None:
    target = "/proc/newscorpus/corpus.db"  # not writable even for root
    result = newscorpus("--db", f"sqlite:///{target}", "import", str(seeds), cwd=tmp_path)
    one_line_error(result, f"cannot create the SQLite database {target}")
    nothing_started(tmp_path)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files")
def test_read_only_sqlite_file_is_named(seeds: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "ro.db"
    corpus.write_bytes(b"")
    corpus.chmod(0o444)
    result = newscorpus("--db", f"sqlite:///{corpus}", "import", str(seeds), cwd=tmp_path)
    one_line_error(result, f"the SQLite database {corpus} is not writable")


def test_export_into_a_missing_folder(tmp_path: Path) -> None:
    result = newscorpus("export", "--out", "/missing/dir/x.jsonl", cwd=tmp_path)
    one_line_error(result, "cannot write /missing/dir/x.jsonl", "/missing/dir does not exist")
    nothing_started(tmp_path)


def test_import_of_a_missing_path(tmp_path: Path) -> None:
    result = newscorpus("import", "/does-not-exist", cwd=tmp_path)
    one_line_error(result, "no such file or folder: /does-not-exist")
    nothing_started(tmp_path)


@pytest.mark.parametrize("command", ["import", "extract"])
def test_folder_without_supported_files_says_what_was_skipped(command: str, tmp_path: Path) -> None:
    folder = tmp_path / "papers"
    folder.mkdir()
    (folder / "report.pdf").write_bytes(b"%PDF-1.4")
    (folder / "notes.docx").write_bytes(b"PK")
    result = newscorpus(command, str(folder), cwd=tmp_path)
    one_line_error(result, "no supported files in", "skipped 2 file(s): notes.docx, report.pdf")
    nothing_started(tmp_path)


@pytest.mark.parametrize("command", [["runs"], ["export"], ["duplicates"]])
def test_read_only_commands_create_no_sqlite_corpus(command: list[str], tmp_path: Path) -> None:
    result = newscorpus(*command, cwd=tmp_path)
    one_line_error(result, "no corpus at sqlite:///./data/newscorpus.db")
    nothing_started(tmp_path)


@pytest.mark.parametrize("command", [["runs"], ["export"], ["duplicates"]])
def test_read_only_commands_create_no_tables_in_another_database(
    command: list[str], tmp_path: Path
) -> None:
    with postgres_database() as url:
        result = newscorpus("--db", url, *command, cwd=tmp_path)
        one_line_error(result, "no corpus at", "has no newscorpus tables")
        engine = create_engine(url)
        try:
            assert inspect(engine).get_table_names() == []
        finally:
            engine.dispose()


def test_global_options_work_after_the_command(tmp_path: Path) -> None:
    result = newscorpus("runs", "--db", "nonsense", cwd=tmp_path)
    one_line_error(result, "not a database URL: 'nonsense'")
    result = newscorpus("runs", "--config", str(tmp_path / "nope.toml"), cwd=tmp_path)
    one_line_error(result, "nope.toml")
