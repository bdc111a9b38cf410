"""What extraction noticed about a stored text (a truncated page) is stored with the version
and shown by `newscorpus runs` and in the run's Prefect artifact."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client

from corpus.store import open_store
from flows.import_files import import_files
from newscorpus.cli import main

pytestmark = pytest.mark.usefixtures("prefect_harness")

SENTENCE = "The harbour reopened on Monday after the storm had closed it for a week. "


async def _artifact(key: str) -> str:
    async with get_client() as client:
        artifact = await client.read_latest_artifacts()
        return next(a.data for a in artifact if a.key == key)


def test_a_truncated_text_says_so_in_the_corpus_runs_and_artifact(
    tmp_path: Path, db_url: str, capsys
) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "long.txt").write_text("Harbour\n" + SENTENCE * 40, encoding="utf-8")
    (tmp_path / "in" / "short.txt").write_text("Storm\n" + SENTENCE, encoding="utf-8")
    config = tmp_path / "newscorpus.toml"
    config.write_text("[extraction]\nmax_text_chars = 500\n", encoding="utf-8")

    counts = import_files([str(tmp_path / "in")], database_url=db_url, config_path=str(config))

    assert counts["new"] == 2
    store = open_store(db_url)
    warnings = store.run_warnings(counts["run_id"])
    assert [(Path(w["article"]).name, w["warning"]) for w in warnings] == [
        ("long.txt", "text truncated to its first 500 characters")
    ]
    capsys.readouterr()
    assert main(["--db", db_url, "runs"]) == 0
    shown = capsys.readouterr().out
    assert "~ " in shown and "long.txt text truncated to its first 500 characters" in shown
    assert main(["--db", db_url, "runs", "--json"]) == 0
    (run,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert run["warnings"] == warnings
    artifact = asyncio.run(_artifact("import-files-failures"))
    assert "1 warning(s)" in artifact and "text truncated to its first 500 characters" in artifact
