"""The shared ingestion pipeline every flow runs: [fetch →] extract → dedup and store → report.

Work is batched: one Prefect task per batch of documents, never one per article.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import islice
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import TerminationSignal
from prefect.runtime import flow_run

from config import Settings
from corpus.archive import OriginalsArchive, open_archive
from corpus.report import RunSummary, failures_markdown, summary_rows, warnings_markdown
from corpus.runs import RecordedRun
from corpus.store import CorpusStore, SaveResult
from extractors import (
    Document,
    Extracted,
    ExtractionConfig,
    FailureStage,
    InputFailure,
    extract_many,
)
from extractors.parallel import ExtractionPool
from fetching.pages import FetchedBatch, PageFetcher, StartedBatch
from fetching.targets import FetchTarget, interleaved_by_host
from flows import progress
from flows.ahead import produced_ahead
from flows.runners import BATCHES_AHEAD, PendingResults, batch_extraction

# Batches whose fetching starts while the one before is still fetched: they use hosts that
# batch leaves idle.
FETCHES_STARTED_AHEAD = 2
# Every count is reported, even as 0 in a run that had nothing to do.
FETCH_COUNTS = (*FetchedBatch().counts(), "fetch_failed")


def batched(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@task(name="fetch-batch", cache_policy=NO_CACHE)
def fetch_batch(fetcher: PageFetcher, started: StartedBatch) -> FetchedBatch:
    """A started batch of URLs fetched into documents; fetch failures stay in place with their
    reason."""
    return fetcher.finish(started)


@task(name="extract-batch", cache_policy=NO_CACHE)
def extract_batch(
    documents: list[Document | InputFailure],
    config: ExtractionConfig,
    pool: ExtractionPool | None = None,
) -> list[Extracted | InputFailure]:
    """Clean articles for a batch of documents, on the worker processes of `pool` when given;
    failures stay in place with their reason."""
    return pool.extract(documents) if pool else extract_many(documents, config)


@task(name="archive-batch", cache_policy=NO_CACHE)
def archive_batch(
    archive: OriginalsArchive, documents: list[Document | InputFailure]
) -> dict[str, str]:
    """Keep every document's original bytes (once per digest); the digest per source."""
    return archive.keep(documents)


@task(name="store-batch", cache_policy=NO_CACHE)
def store_batch(
    store: CorpusStore,
    run_id: str,
    results: list[Extracted | InputFailure],
    originals: dict[str, str] | None = None,
) -> tuple[list[SaveResult], list[InputFailure]]:
    """Deduplicate and store the extracted articles, each version referencing its archived
    original; record every failure with the run."""
    extracted = [item for item in results if isinstance(item, Extracted)]
    failures = [item for item in results if isinstance(item, InputFailure)]
    saved, store_failures = store.save_batch(run_id, extracted, originals)
    failures += store_failures
    store.record_failures(run_id, failures)
    return saved, failures


@task(name="remember-fetched", cache_policy=NO_CACHE)
def remember_fetched(
    fetcher: PageFetcher,
    fetched: FetchedBatch,
    saved: list[SaveResult],
    failures: list[InputFailure],
) -> None:
    """Keep the fetch state (validators, feed entries seen) of the pages now handled."""
    fetcher.remember(fetched, [result.source for result in saved], failures)


@task(name="publish-report", cache_policy=NO_CACHE)
def publish_report(flow_name: str, run_id: str, summary: RunSummary) -> None:
    """Table and markdown artifacts so the Prefect UI shows what the run did."""
    key = flow_name.replace("_", "-")
    counts = summary.counts()
    create_table_artifact(
        key=f"{key}-counts",
        table=summary_rows(counts),
        description=f"newscorpus run {run_id}: counts",
    )
    create_markdown_artifact(
        key=f"{key}-failures",
        markdown=failures_markdown(summary.failure_samples, summary.failures)
        + warnings_markdown(summary.warning_samples),
        description=f"newscorpus run {run_id}: failures",
    )


def run_pipeline(
    flow_name: str,
    documents: Iterable[Document | InputFailure] | Iterable[FetchTarget | InputFailure],
    settings: Settings,
    store: CorpusStore,
    parameters: dict[str, Any],
    summary: RunSummary | None = None,
    fetcher: PageFetcher | None = None,
) -> dict[str, Any]:
    """Extract, store and report `documents` in batches as one recorded run in `store`;
    returns counts. With a `fetcher`, the inputs are FetchTargets fetched batch by batch first.
    The flow opens the store once and passes it here (and its engine to the fetcher)."""
    logger = get_run_logger()
    prefect_id = str(flow_run.id) if flow_run.id else None
    prefect_name = flow_run.name if flow_run.id else None
    interrupts = (KeyboardInterrupt, TerminationSignal)
    with store.recording_run(
        flow_name, parameters, prefect_id, summary, interrupts, prefect_flow_run_name=prefect_name
    ) as run:
        logger.info(
            "corpus %s, run %s", store.engine.url.render_as_string(hide_password=True), run.id
        )
        config = ExtractionConfig.from_settings(settings)
        archive = open_archive(settings.archive, store.engine, str(store.engine.url))
        run.summary.expect("extracted", *(FETCH_COUNTS if fetcher else ()))
        logger.info("extraction runner: %s", settings.pipeline.runner)
        progress.run_started(documents)

        def store_next(pending: deque[PendingBatch]) -> None:
            """Store the oldest batch under way: one writer, batches in input order."""
            batch = pending.popleft()
            results = batch.extraction.result()
            saved, failures = store_batch(store, run.id, results, batch.originals)
            if fetcher and batch.fetched:
                remember_fetched(fetcher, batch.fetched, saved, failures)
            count_batch(run, batch.fetched, results, saved, failures)
            logger.info("batch %d: %d stored, %d failed", batch.number, len(saved), len(failures))

        # Batches N+1 and N+2 are fetched and extracted while batch N is stored; a batch is
        # stored as soon as it is extracted and the batches before it are stored.
        with (
            batch_extraction(settings.pipeline, config, extract_batch) as extract,
            input_batches(documents, settings.pipeline.batch_size, fetcher) as batches,
        ):
            pending: deque[PendingBatch] = deque()
            for number, (inputs, fetched) in enumerate(batches, 1):
                extraction = extract(inputs)  # on the workers while this process archives
                originals = archive_batch(archive, inputs) if archive else None
                pending.append(PendingBatch(number, fetched, originals, extraction))
                while len(pending) > BATCHES_AHEAD or (pending and pending[0].extraction.done()):
                    store_next(pending)
            while pending:
                store_next(pending)
    publish_report(flow_name, run.id, run.summary)
    return run.result()


@contextmanager
def input_batches(
    documents: Iterable[Any], size: int, fetcher: PageFetcher | None
) -> Iterator[Iterator[tuple[list[Any], FetchedBatch | None]]]:
    """The inputs batch by batch; with a `fetcher` each batch comes fetched, its hosts mixed
    (`interleaved_by_host`), the next batches fetched on a thread of their own while the flow
    handles this one, and started while the one before is still being fetched."""
    if fetcher is None:
        yield ((batch, None) for batch in batched(documents, size))
        return
    batches = batched(interleaved_by_host(documents), size)
    started = fetcher.started_ahead(batches, FETCHES_STARTED_AHEAD)
    with produced_ahead(started, partial(fetch_batch, fetcher), BATCHES_AHEAD) as ahead:
        yield ((fetched.items, fetched) for _started, fetched in ahead)


@dataclass
class PendingBatch:
    """A batch fetched and archived, its extraction under way."""

    number: int
    fetched: FetchedBatch | None
    originals: dict[str, str] | None
    extraction: PendingResults


def count_batch(
    run: RecordedRun,
    fetched: FetchedBatch | None,
    results: list[Extracted | InputFailure],
    saved: list[SaveResult],
    failures: list[InputFailure],
) -> None:
    """Add what one batch did to the run's counts (and tell whoever watches the progress)."""
    if fetched:
        run.summary.extra.update(fetched.counts())
        run.summary.extra["fetch_failed"] += sum(
            isinstance(item, InputFailure) and item.stage == FailureStage.FETCH
            for item in fetched.items
        )
    run.summary.extra["extracted"] += sum(isinstance(r, Extracted) for r in results)
    run.summary.add_saved(saved)
    run.add_failures(failures)
    progress.batch_done(len(results), len(failures))
