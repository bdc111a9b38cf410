"""Where a run's extraction happens: `[pipeline] runner` (or `--runner` on the commands).

- `processes`: the `extract-batch` tasks run on a thread each, handing their pages to a pool
  of worker processes on this machine (`extractors.parallel.ExtractionPool`);
- `sequential`: each `extract-batch` task runs in the flow's own thread, as it finishes;
- `dask`: the `extract-batch` tasks run on a dask.distributed cluster through prefect-dask's
  `DaskTaskRunner`: the scheduler at `[pipeline] dask_address`, or a local cluster.

Whichever runs extraction, the flow's process stores the results batch after batch in input
order, so every runner stores the same articles, versions and clusters.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from prefect import Task
from prefect.futures import PrefectFuture
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from config import PipelineSettings
from extractors import Document, Extracted, ExtractionConfig, InputFailure
from extractors.parallel import ExtractionPool, default_workers

# Batches being extracted while the flow stores an earlier one: enough to keep every worker
# busy while the flow stores, few enough that memory holds a handful of batches.
BATCHES_AHEAD = 2

Results = list[Extracted | InputFailure]


class PendingResults(Protocol):
    """A batch's extraction under way (a task started on a runner, or one already finished)."""

    def done(self) -> bool: ...

    def result(self) -> Results: ...


class Finished:
    """Results computed on the spot."""

    def __init__(self, results: Results):
        self.results = results

    def done(self) -> bool:
        return True

    def result(self) -> Results:
        return self.results


class Started:
    """An extraction task started on a task runner: `done` says whether it has ended, without
    asking the Prefect API."""

    def __init__(self, future: PrefectFuture[Results]):
        self.future = future
        self.ended = threading.Event()
        future.add_done_callback(lambda _future: self.ended.set())

    def done(self) -> bool:
        return self.ended.is_set()

    def result(self) -> Results:
        return self.future.result()


SubmitBatch = Callable[[Sequence[Document | InputFailure]], PendingResults]


def worker_count(pipeline: PipelineSettings) -> int:
    """`[pipeline] workers`, 0 meaning one per core."""
    return pipeline.workers or default_workers()


def dask_task_runner(pipeline: PipelineSettings) -> TaskRunner[Any]:
    """prefect-dask's runner: on the scheduler at `dask_address`, else on a local cluster of
    `workers` single-threaded worker processes (no dashboard)."""
    from prefect_dask import DaskTaskRunner

    if pipeline.dask_address:
        return DaskTaskRunner(address=pipeline.dask_address)
    return DaskTaskRunner(
        cluster_kwargs={
            "n_workers": worker_count(pipeline),
            "threads_per_worker": 1,
            "processes": True,
            "dashboard_address": None,
        }
    )


@contextmanager
def batch_extraction(
    pipeline: PipelineSettings,
    config: ExtractionConfig,
    extract_batch: Task[..., Results],
) -> Iterator[SubmitBatch]:
    """A function that starts the `extract_batch` task on a batch where `pipeline.runner`
    says, and returns its pending results. A run whose whole input is one partial batch is
    extracted on the spot: starting workers would cost more than it saves."""

    def on_the_spot(documents: Sequence[Document | InputFailure]) -> PendingResults:
        return Finished(extract_batch(list(documents), config))

    if pipeline.runner == "sequential":
        yield on_the_spot
        return
    with _task_runner(pipeline, config) as (runner, pool):
        started = False

        def submit(documents: Sequence[Document | InputFailure]) -> PendingResults:
            nonlocal started
            if not started and len(documents) < pipeline.batch_size:
                return on_the_spot(documents)
            started = True
            parameters = {"documents": list(documents), "config": config}
            return Started(
                runner.submit(extract_batch, parameters | ({"pool": pool} if pool else {}))
            )

        yield submit


@contextmanager
def _task_runner(
    pipeline: PipelineSettings, config: ExtractionConfig
) -> Iterator[tuple[TaskRunner[Any], ExtractionPool | None]]:
    if pipeline.runner == "dask":
        with dask_task_runner(pipeline) as runner:
            yield runner, None
        return
    # The pool is left first: on an interrupt its queued work is dropped, so the threads
    # waiting on it end at once instead of after every queued page.
    threads: ThreadPoolTaskRunner[Any] = ThreadPoolTaskRunner(max_workers=BATCHES_AHEAD)
    with threads as runner, ExtractionPool(config, worker_count(pipeline)) as pool:
        yield runner, pool
