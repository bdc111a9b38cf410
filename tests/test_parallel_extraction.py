"""Extraction on worker processes: the same results as one process, in the same order, and an
import whose corpus is row for row the one a sequential import leaves."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from config import SettingsError, load_settings, settings_from
from extractors import Document, Extracted, ExtractionConfig, InputFailure, extract_many
from extractors.inputs import iter_documents
from extractors.parallel import ExtractionPool
from newscorpus.cli import main
from tests.runner_corpus import build_pages, corpus_rows, import_scenario


def comparable(results: list[Extracted | InputFailure]) -> list[tuple]:
    return [
        (r.source, r.url, r.article) if isinstance(r, Extracted) else (r.source, r.reason)
        for r in results
    ]


def test_the_pool_returns_what_one_process_returns_in_input_order(tmp_path: Path) -> None:
    documents: list[Document | InputFailure] = list(
        iter_documents([str(build_pages(tmp_path / "p"))])
    )
    documents.insert(3, InputFailure("unreadable.html", "permission denied"))
    documents.append(Document(source="empty.html", payload=b"   ", kind="html"))
    config = ExtractionConfig(language_seed=7)

    with ExtractionPool(config, workers=2, chunk_size=3) as pool:
        parallel = pool.extract(documents)
        again = pool.extract(list(reversed(documents)))

    sequential = extract_many(documents, config)
    assert comparable(parallel) == comparable(sequential)
    assert comparable(again) == comparable(list(reversed(sequential)))
    assert {r.article.language for r in parallel if isinstance(r, Extracted)} > {"en", "de"}
    assert [r.reason for r in parallel if isinstance(r, InputFailure)] == [
        "permission denied",
        "empty input",
    ]


def test_leaving_on_an_interrupt_stops_the_workers_and_wakes_the_waiters(tmp_path: Path) -> None:
    documents = list(iter_documents([str(build_pages(tmp_path / "p"))])) * 10
    chunks = []
    with pytest.raises(KeyboardInterrupt), ExtractionPool(ExtractionConfig(), 2, 1) as pool:
        chunks = pool.submit(documents)
        chunks[0].result(timeout=120)  # the workers are up and busy
        raise KeyboardInterrupt

    deadline = time.monotonic() + 60
    while (multiprocessing.active_children() or not all(c.done() for c in chunks)) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.1)
    assert not multiprocessing.active_children()
    assert all(chunk.done() for chunk in chunks)  # cancelled, or broken off: no waiter hangs
    assert sum(chunk.cancelled() for chunk in chunks) > len(chunks) // 2


class KillsItsWorker:
    """Unpickled on a worker, it ends that process at once, as a crash in C code would."""

    def __reduce__(self) -> tuple:
        return (os._exit, (9,))


def test_a_page_that_kills_its_worker_is_a_failure_and_the_rest_go_on(tmp_path: Path) -> None:
    documents: list[Document | InputFailure] = list(
        iter_documents([str(build_pages(tmp_path / "p"))])
    )
    poison = Document(source="poison.html", payload=b"<p>x</p>", kind="html")
    poison.metadata["crash"] = KillsItsWorker()
    with_poison = [*documents[:5], poison, *documents[5:]]
    config = ExtractionConfig(language_seed=7)

    with ExtractionPool(config, workers=2, chunk_size=3) as pool:
        results = pool.extract(with_poison)
        after = pool.extract(documents)  # the pool was started again

    sequential = comparable(extract_many(documents, config))
    assert comparable(results[:5] + results[6:]) == sequential
    assert comparable(after) == sequential
    failure = results[5]
    assert isinstance(failure, InputFailure)
    assert failure.source == "poison.html"
    assert "worker died" in failure.reason


def test_a_worker_killed_from_outside_loses_no_page(tmp_path: Path) -> None:
    documents = list(iter_documents([str(build_pages(tmp_path / "p"))])) * 3
    config = ExtractionConfig(language_seed=7)
    results: list[Extracted | InputFailure] = []
    with ExtractionPool(config, workers=1, chunk_size=2) as pool:
        pool.extract(documents[:1])  # the worker is up
        (worker,) = multiprocessing.active_children()
        extracting = threading.Thread(target=lambda: results.extend(pool.extract(documents)))
        extracting.start()
        os.kill(worker.pid, signal.SIGKILL)  # as the out-of-memory killer would
        extracting.join(timeout=300)
        assert not extracting.is_alive()
    assert comparable(results) == comparable(extract_many(documents, config))


def test_a_pool_needs_a_worker() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        ExtractionPool(ExtractionConfig(), workers=0)


@pytest.mark.usefixtures("prefect_harness")
def test_an_import_on_worker_processes_stores_what_a_sequential_one_stores(tmp_path: Path) -> None:
    sequential_url, sequential_counts = import_scenario(tmp_path / "sequential", "sequential")
    parallel_url, parallel_counts = import_scenario(tmp_path / "processes", "processes")

    assert parallel_counts == sequential_counts
    first, second = parallel_counts
    assert (first["new"], first["duplicates"], first["near_duplicates"]) == (16, 2, 2)
    assert (second["new_versions"], second["unchanged"]) == (2, 14)
    rows = corpus_rows(parallel_url)
    assert rows == corpus_rows(sequential_url)
    assert len(rows) == 18


def test_runner_settings_are_checked() -> None:
    assert load_settings(None).pipeline.runner == "processes"
    assert settings_from({"pipeline": {"runner": "dask"}}).pipeline.runner == "dask"
    with pytest.raises(SettingsError, match="runner"):
        settings_from({"pipeline": {"runner": "threads"}})
    with pytest.raises(SettingsError, match="scheduler address"):
        settings_from({"pipeline": {"dask_address": "scheduler:8786"}})
    with pytest.raises(SettingsError, match="workers"):
        settings_from({"pipeline": {"workers": -1}})


def test_the_runner_option_is_a_choice(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["import", "--runner", "threads", str(tmp_path)])
    assert exited.value.code == 2
    assert "invalid choice: 'threads'" in capsys.readouterr().err
