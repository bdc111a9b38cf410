"""Configuration mistakes on the command line: exit 2 with one line naming file, section and key,
before Prefect starts and before anything is recorded in the corpus."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newscorpus.cli import EXIT_RUN_FAILED, main

# Each mistake the reliability campaign found (issue: "Configuration"), with what the line says.
MISTAKES = [
    (
        '[database]\nurll = "sqlite:///x.db"',
        r"\[database\] in .*bad.toml: unknown key\(s\) \['urll'\]",
    ),
    ("[pipeline]\nbatchsize = 8", r"\[pipeline\] in .*bad.toml: unknown key\(s\) \['batchsize'\]"),
    ("[feeds]\ngroup = []", r"\[feeds\] in .*bad.toml: unknown key\(s\) \['group'\]"),
    ("[fetching]\nretries = 1", r"bad.toml: unknown section \[fetching\]"),
    ("[pipeline]\nbatch_size = 0", r"\[pipeline\] in .*bad.toml: batch_size = 0: must be greater"),
    (
        "[pipeline]\nbatch_size = -5",
        r"\[pipeline\] in .*bad.toml: batch_size = -5: must be greater",
    ),
    ('[pipeline]\nbatch_size = "sixty-four"', r"batch_size = 'sixty-four': must be an integer"),
    ('[dedup]\nnum_perm = "128"', r"\[dedup\] in .*bad.toml: num_perm = '128': must be an integer"),
    ('[extraction]\nmax_input_bytes = "20MB"', r"max_input_bytes = '20MB': must be an integer"),
    ('[dedup]\nnear_duplicates = "no"', r"near_duplicates = 'no': must be true or false"),
    ("[extraction]\nmax_input_bytes = -1", r"max_input_bytes = -1: must be greater than or equal"),
    ('[extraction]\nrule_languages = ["xx"]', r"rule_languages = \['xx'\]: no rule file for 'xx'"),
    (
        '[fetch]\nretries = "three"',
        r"\[fetch\] in .*bad.toml: retries = 'three': must be an integer",
    ),
]


def one_line(stderr: str, pattern: str) -> None:
    import re

    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("newscorpus: ")
    assert re.search(pattern, lines[0]), lines[0]


@pytest.mark.parametrize(("text", "expected"), MISTAKES)
def test_each_config_mistake_stops_import_with_one_line_and_exit_2(
    tmp_path: Path, seeds: Path, capsys: pytest.CaptureFixture[str], text: str, expected: str
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    corpus = tmp_path / "corpus.db"

    status = main(["--db", f"sqlite:///{corpus}", "--config", str(bad), "import", str(seeds)])

    assert status == EXIT_RUN_FAILED
    one_line(capsys.readouterr().err, expected)
    assert not corpus.exists(), "nothing may be recorded before the settings are checked"


@pytest.mark.parametrize(
    "command",
    [
        ["import", "PAGES"],
        ["ingest-urls", "URLS"],
        ["ingest-feeds", "--feed", "https://news.example/rss.xml"],
        ["serve"],
        ["extract", "PAGES"],
        ["export"],
        ["runs"],
        ["duplicates"],
    ],
)
def test_every_command_checks_the_settings_first(
    tmp_path: Path, seeds: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[dedup]\nnum_perm = 8\n", encoding="utf-8")
    urls = tmp_path / "urls.txt"
    urls.write_text("https://news.example/a\n", encoding="utf-8")
    corpus = tmp_path / "corpus.db"
    args = [{"PAGES": str(seeds), "URLS": str(urls)}.get(arg, arg) for arg in command]

    status = main(["--db", f"sqlite:///{corpus}", "--config", str(bad), *args])

    assert status == EXIT_RUN_FAILED
    captured = capsys.readouterr()
    one_line(captured.err, r"\[dedup\] in .*bad.toml: num_perm = 8: must be greater than or equal")
    assert captured.out == ""
    assert not corpus.exists()


def newscorpus(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "newscorpus.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **env},
    )


def test_a_bad_environment_override_stops_the_run_before_prefect_starts(
    tmp_path: Path, seeds: Path
) -> None:
    prefect_home = tmp_path / "prefect-home"
    corpus = tmp_path / "corpus.db"
    env = {
        "PREFECT_HOME": str(prefect_home),
        "NEWSCORPUS_DATABASE_URL": f"sqlite:///{corpus}",
        "NEWSCORPUS_PIPELINE_BATCH_SIZE": "0",
    }

    result = newscorpus("import", str(seeds), cwd=tmp_path, env=env)

    assert result.returncode == EXIT_RUN_FAILED, result.stderr
    one_line(
        result.stderr,
        r"\[pipeline\] in NEWSCORPUS_PIPELINE_BATCH_SIZE: batch_size = 0: must be greater",
    )
    assert not corpus.exists()
    assert not prefect_home.exists(), "Prefect must not have started"


def test_newscorpus_config_names_a_file_that_is_checked(tmp_path: Path, seeds: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[dedup]\nnear_duplicates = "no"\n', encoding="utf-8")

    result = newscorpus("extract", str(seeds), cwd=tmp_path, env={"NEWSCORPUS_CONFIG": str(bad)})

    assert result.returncode == EXIT_RUN_FAILED
    one_line(result.stderr, r"\[dedup\] in .*bad.toml: near_duplicates = 'no': must be true")
    assert result.stdout == ""


def test_environment_overrides_reach_the_commands(tmp_path: Path, seeds: Path) -> None:
    corpus = tmp_path / "elsewhere.db"
    env = {
        "NEWSCORPUS_DATABASE_URL": f"sqlite:///{corpus}",
        "NEWSCORPUS_EXTRACTION_MIN_TEXT_CHARS": "1000000",
    }

    runs = newscorpus("runs", cwd=tmp_path, env=env)
    extracted = newscorpus("extract", str(seeds), cwd=tmp_path, env=env)

    # `runs` reads the corpus NEWSCORPUS_DATABASE_URL names, and creates none (issue 14).
    assert runs.returncode == 2, runs.stderr
    assert (
        runs.stderr.strip()
        == f"newscorpus: no corpus at sqlite:///{corpus}: {corpus} does not exist"
    )
    assert not corpus.exists()
    assert extracted.returncode == 0, extracted.stderr
    records = [json.loads(line) for line in extracted.stdout.splitlines()]
    assert len(records) == 5
    assert all("shorter than 1000000 characters" in record["error"] for record in records)
