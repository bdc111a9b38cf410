"""The `newscorpus` command line as a user runs it: real subprocesses, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.inputs import write_binary, write_cp1251_page

EXTRACT_FIELDS = {
    "source", "title", "text", "language", "published", "authors", "site", "url", "extractor",
}  # fmt: skip


def newscorpus(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str = ""):
    return subprocess.run(
        [sys.executable, "-m", "newscorpus.cli", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )


def test_extract_prints_one_json_line_per_input_and_survives_bad_files(
    seeds: Path, tmp_path: Path
) -> None:
    write_binary(seeds / "binary.html")
    write_cp1251_page(seeds / "page.html")
    missing = str(tmp_path / "missing.txt")

    result = newscorpus("extract", str(seeds), missing, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == 5 + 2 + 1
    errors = {Path(r["source"]).name: r["error"] for r in records if "error" in r}
    assert set(errors) == {"binary.html", "missing.txt"}
    assert "no such file" in errors["missing.txt"]
    articles = [r for r in records if "error" not in r]
    for record in articles:
        assert set(record) == EXTRACT_FIELDS
        assert record["title"] and record["text"]
    page = next(r for r in articles if r["source"].endswith("page.html"))
    assert page["language"] == "ru"
    assert not (tmp_path / "data").exists(), "extract must not store anything"


@pytest.mark.usefixtures("prefect_harness")
def test_import_reports_to_the_prefect_api_it_is_given(seeds: Path, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    api_url = PREFECT_API_URL.value()
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {"PREFECT_API_URL": api_url, "NEWSCORPUS_DATABASE_URL": db}

    first = newscorpus("import", str(seeds), cwd=tmp_path, env=env)
    second = newscorpus("import", str(seeds), cwd=tmp_path, env=env)

    assert first.returncode == 0, first.stderr
    assert "new              5" in first.stdout
    assert "unchanged        5" in second.stdout
    exported = newscorpus("--db", db, "export", "--out", str(tmp_path / "out.jsonl"), cwd=tmp_path)
    assert exported.returncode == 0
    assert len((tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 5
    runs = newscorpus("--db", db, "runs", "--json", cwd=tmp_path)
    recorded = [json.loads(line) for line in runs.stdout.splitlines()]
    assert len(recorded) == 2
    # Without a server to ask (no PREFECT_API_URL here), `runs` names each flow run from the
    # corpus, which stored the name with the run.
    table = newscorpus("--db", db, "runs", cwd=tmp_path).stdout
    with get_client(sync_client=True) as client:
        for run in recorded:
            flow_run = client.read_flow_run(run["prefect_flow_run_id"])
            assert flow_run.state.is_completed()
            assert run["prefect_flow_run_name"] == flow_run.name
            assert f"    prefect flow run {flow_run.name} {flow_run.id}\n" in table


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (["import", "articles"], "cannot create the SQLite database"),
        (["runs"], "no corpus at"),
        (["export"], "no corpus at"),
    ],
)
def test_an_unusable_database_exits_2(
    command: list[str], message: str, seeds: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    result = newscorpus("--db", f"sqlite:///{blocker}/x.db", *command, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_bad_config_file_is_a_clear_error(tmp_path: Path) -> None:
    result = newscorpus("--config", str(tmp_path / "nope.toml"), "runs", cwd=tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_url_list_not_utf8_and_repeated_urls(tmp_path: Path) -> None:
    """Bad lines of a URL list become recorded failures, good lines are still fetched, and a
    URL listed twice (same canonical URL) is fetched once; the embedded default Prefect."""
    urls = tmp_path / "urls.txt"
    urls.write_bytes(
        b"http://127.0.0.1:9/a\n\xff\xfe caf\xe9\nhttp://127.0.0.1:9/a#again\nhttp://127.0.0.1:9/b\n"
    )
    db = f"sqlite:///{tmp_path / 'urls.db'}"
    result = newscorpus("ingest-urls", str(urls), "--db", db, cwd=tmp_path,
                        env={"PREFECT_HOME": str(tmp_path / ".prefect")})  # fmt: skip
    assert result.returncode == 0, result.stderr
    runs = newscorpus("runs", "--db", db, "--json", cwd=tmp_path)
    (run,) = [json.loads(line) for line in runs.stdout.splitlines()]
    sources = sorted(f["source"] for f in run["failures"])
    assert sources == [
        "http://127.0.0.1:9/a",
        "http://127.0.0.1:9/b",
        "not-utf-8:line-2:\\xff\\xfe caf\\xe9",
    ]
    assert run["counts"]["fetch_failed"] == 3
    assert run["counts"]["fetched"] == 0
    reasons = {f["source"]: f["reason"] for f in run["failures"]}
    assert reasons["not-utf-8:line-2:\\xff\\xfe caf\\xe9"] == "URL list line 2 is not UTF-8 text"
