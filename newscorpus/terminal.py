"""What a command shows: tables, the progress bar of a run, and which log lines.

On a terminal (the stream is a TTY) tables have bold headings and a run draws a progress bar
on standard error. Piped into a file, output is plain text: no colours or other ANSI codes, no
bar, lines never wrapped. Prefect's INFO lines and the log records of libraries (trafilatura,
htmldate, httpx, ...) go to the run's log in Prefect; the terminal shows them only with
`--verbose`: everything in the run's log stays off the terminal, only Prefect's own warnings
(about its API, say), which have no run to go to, are always shown.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from flows import progress

# Piped output is never wrapped: a table is as wide as its widest row.
PIPED_WIDTH = 100_000
# Prefect's loggers of flow and task runs: what they log is in the run's log in Prefect.
RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")


def console_for(stream: IO[str]) -> Console:
    """A console on `stream`: styled on a terminal, plain text otherwise; no markup, so a
    title with [brackets] prints as it is."""
    terminal = stream.isatty()
    return Console(
        file=stream,
        force_terminal=terminal,
        width=None if terminal else PIPED_WIDTH,
        markup=False,
        highlight=False,
        emoji=False,
    )


def print_table(console: Console, table: RenderableType) -> None:
    """Print `table` without the blanks rich pads its last column with."""
    for line in _lines(console, table):
        console.print(line)


def print_rows_with_details(
    console: Console, table: Table, details: Sequence[Sequence[str]]
) -> None:
    """Print `table`, each row followed by its lines of `details`, indented and as long as
    they are. Every cell of `table` must fit on one line (columns with no_wrap)."""
    lines = _lines(console, table)
    heading = len(lines) - len(details)
    for line in lines[:heading]:
        console.print(line)
    for line, notes in zip(lines[heading:], details, strict=True):
        console.print(line)
        for note in notes:
            console.print(Text(f"    {note}"), soft_wrap=True)


def _lines(console: Console, renderable: RenderableType) -> list[Segments]:
    """`renderable` line by line, each without the blanks at its end."""
    lines = console.render_lines(renderable, console.options, pad=False)
    return [Segments([*_without_trailing_blanks(line), Segment.line()]) for line in lines]


def _without_trailing_blanks(line: list[Segment]) -> list[Segment]:
    line = list(line)
    while line and not line[-1].control and not line[-1].text.rstrip():
        line.pop()
    if line and not line[-1].control:
        text, style, control = line[-1]
        line[-1] = Segment(text.rstrip(), style, control)
    return line


class PagesPerSecond(ProgressColumn):
    """Documents handled per second since the run started."""

    def render(self, task: Task) -> Text:
        elapsed = task.finished_time if task.finished else task.elapsed
        if not elapsed or not task.completed:
            return Text("- pages/s")
        return Text(f"{task.completed / elapsed:.1f} pages/s")


class ProgressBar:
    """A `flows.progress` listener drawing a run on a terminal: documents done (of how many,
    when known), pages/s and failures so far."""

    def __init__(self, console: Console, label: str, expected: int | None) -> None:
        self.label, self.expected, self.failures = label, expected, 0
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            PagesPerSecond(),
            TextColumn("{task.fields[failures]} failed"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=console,
            redirect_stdout=False,
        )
        self.task = self.progress.add_task(f"{label} (starting)", total=expected, failures=0)

    def run_started(self, total: int | None) -> None:
        total = self.expected if total is None else total
        self.failures = 0
        self.progress.reset(self.task, total=total, description=self.label, failures=0)

    def batch_done(self, documents: int, failures: int) -> None:
        self.failures += failures
        self.progress.update(self.task, advance=documents, failures=self.failures)


@contextmanager
def progress_bar(label: str, expected: Callable[[], int | None]) -> Iterator[Console]:
    """While the block runs, a progress bar of the runs in this process on standard error
    when it is a terminal (`expected()` documents, when the run cannot tell); yields the
    standard error console, which prints above the bar."""
    console = console_for(sys.stderr)
    if not console.is_terminal:
        yield console
        return
    bar = ProgressBar(console, label, expected())
    with bar.progress, progress.listening(bar):
        yield console


class TerminalLogHandler(logging.Handler):
    """Log records printed through a console (above a progress bar). Unless `verbose`, only
    Prefect's own warnings and errors: the records of flow and task runs and of libraries
    stay in the run's log."""

    def __init__(self, console: Console, verbose: bool) -> None:
        super().__init__()
        self.console = console
        if not verbose:
            self.addFilter(_prefect_own_warning)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.console.print(Text(self.format(record)), soft_wrap=True)
        except Exception:
            self.handleError(record)


def _prefect_own_warning(record: logging.LogRecord) -> bool:
    run_record = any(_is_under(record.name, name) for name in RUN_LOGGERS)
    return _is_prefect(record.name) and not run_record and record.levelno >= logging.WARNING


def _is_prefect(name: str) -> bool:
    return _is_under(name, "prefect")


def _is_under(name: str, logger: str) -> bool:
    """`name` is `logger` or one of its children."""
    return name == logger or name.startswith(f"{logger}.")


@contextmanager
def terminal_logs(console: Console, verbose: bool) -> Iterator[None]:
    """While a flow runs in this process: the log records libraries make during the run also
    go to the run's log in Prefect, and Prefect's terminal output goes through `console`,
    filtered unless `verbose`. A logging setup of the user's own (no Prefect console handler)
    keeps its terminal output."""
    from prefect.logging.configuration import ensure_logging_setup
    from prefect.logging.handlers import APILogHandler, PrefectConsoleHandler

    ensure_logging_setup()
    root = logging.getLogger()
    replaced: list[logging.Handler] = [
        h for h in root.handlers if isinstance(h, PrefectConsoleHandler)
    ]
    added: list[logging.Handler] = [_library_records_to_run_log(APILogHandler())]
    if replaced:
        terminal = TerminalLogHandler(console, verbose)
        terminal.setFormatter(replaced[0].formatter)
        added.append(terminal)
    for handler in replaced:
        root.removeHandler(handler)
    for handler in added:
        root.addHandler(handler)
    try:
        yield
    finally:
        for handler in added:
            root.removeHandler(handler)
        for handler in replaced:
            root.addHandler(handler)


def _library_records_to_run_log(handler: logging.Handler) -> logging.Handler:
    """`handler` for the records of libraries logged inside a flow or task run; Prefect's own
    records, and those of PREFECT_LOGGING_EXTRA_LOGGERS, reach the API through theirs."""
    from prefect.context import FlowRunContext, TaskRunContext
    from prefect.settings import PREFECT_LOGGING_EXTRA_LOGGERS

    own = [name for name in PREFECT_LOGGING_EXTRA_LOGGERS.value() if name]

    def in_a_run(record: logging.LogRecord) -> bool:
        if _is_prefect(record.name) or any(_is_under(record.name, name) for name in own):
            return False
        return FlowRunContext.get() is not None or TaskRunContext.get() is not None

    handler.addFilter(in_a_run)
    return handler
