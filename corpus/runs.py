"""The lifecycle of one recorded run: started in the corpus, then finished as `completed`,
`incomplete` (an extracted article could not be stored), `failed` (an exception) or
`cancelled` (an interrupt), with the counts of what it did so far."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from corpus.models import RunStatus
from corpus.report import RunSummary
from extractors import FailureStage, InputFailure

if TYPE_CHECKING:
    from corpus.store import CorpusStore


class RunCancelled(Exception):
    """The run was interrupted (Ctrl-C, SIGTERM) and recorded as `cancelled` in the corpus.
    An ordinary exception, so Prefect ends the flow run Failed instead of leaving it Running."""


@dataclass
class RecordedRun:
    """A run being recorded: its id, what it did so far, and (once finished) its status."""

    id: str
    summary: RunSummary = field(default_factory=RunSummary)
    status: RunStatus = RunStatus.RUNNING
    unstored: int = 0

    def add_failures(self, failures: list[InputFailure]) -> None:
        """Count failures; one at the store stage makes the run `incomplete`."""
        self.summary.add_failures(failures)
        self.unstored += sum(failure.stage == FailureStage.STORE for failure in failures)

    def result(self) -> dict[str, Any]:
        """What a flow returns: the run id, its status and its counts."""
        return {"run_id": self.id, "status": self.status.value, **self.summary.counts()}


@contextmanager
def recording_run(
    store: CorpusStore,
    flow: str,
    parameters: dict[str, Any],
    prefect_flow_run_id: str | None = None,
    summary: RunSummary | None = None,
    cancelled_by: tuple[type[BaseException], ...] = (KeyboardInterrupt,),
    *,
    prefect_flow_run_name: str | None = None,
) -> Iterator[RecordedRun]:
    """Start a run in `store` and finish it when the block ends: an exception in
    `cancelled_by` records it `cancelled` and raises RunCancelled, any other records it
    `failed` and propagates; otherwise it is `incomplete` or `completed`."""
    run = RecordedRun(store.start_run(flow, parameters, prefect_flow_run_id, prefect_flow_run_name))
    if summary is not None:
        run.summary = summary
    try:
        yield run
    except cancelled_by as exc:
        run.status = RunStatus.CANCELLED
        store.finish_run(run.id, run.status, run.summary.counts())
        raise RunCancelled(f"run {run.id} cancelled by an interrupt (Ctrl-C or SIGTERM)") from exc
    except BaseException:
        run.status = RunStatus.FAILED
        store.finish_run(run.id, run.status, run.summary.counts())
        raise
    run.status = RunStatus.INCOMPLETE if run.unstored else RunStatus.COMPLETED
    store.finish_run(run.id, run.status, run.summary.counts())
