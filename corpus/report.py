"""Run summaries: counts accumulated batch by batch, rendered for the terminal and the UI."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rich.box import Box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from extractors import InputFailure

if TYPE_CHECKING:
    from corpus.store import SaveResult

FAILURE_LIST_LIMIT = 200
# Only a dashed line under the headings: tables read the same on a terminal and in a file.
PLAIN_BOX = Box("    \n    \n -  \n    \n    \n    \n    \n    \n", ascii=True)


@dataclass
class RunSummary:
    """What one run did. `inputs` counts every document seen, failed or not."""

    inputs: int = 0
    new: int = 0
    new_versions: int = 0
    unchanged: int = 0
    duplicates: int = 0
    near_duplicates: int = 0
    failures: int = 0
    languages: Counter = field(default_factory=Counter)
    failure_reasons: Counter = field(default_factory=Counter)
    failure_samples: list[dict[str, str]] = field(default_factory=list)
    warning_samples: list[dict[str, str]] = field(default_factory=list)
    extra: Counter = field(default_factory=Counter)

    def expect(self, *names: str) -> None:
        """Report these extra counts even when they stay 0."""
        self.extra.update(dict.fromkeys(names, 0))

    def add_saved(self, results: list[SaveResult]) -> None:
        for result in results:
            self.inputs += 1
            if result.status == "new":
                self.new += 1
            elif result.status == "new_version":
                self.new_versions += 1
            else:
                self.unchanged += 1
            if result.status != "unchanged" and result.duplicate_of:
                if result.similarity is not None and result.similarity < 1.0:
                    self.near_duplicates += 1
                else:
                    self.duplicates += 1
            self.languages[result.language or "unknown"] += 1
            for warning in result.warnings:
                if len(self.warning_samples) < FAILURE_LIST_LIMIT:
                    self.warning_samples.append({"source": result.source, "warning": warning})

    def add_failures(self, failures: list[InputFailure]) -> None:
        for failure in failures:
            self.inputs += 1
            self.failures += 1
            self.failure_reasons[f"{failure.stage}: {failure.reason}"] += 1
            if len(self.failure_samples) < FAILURE_LIST_LIMIT:
                self.failure_samples.append(
                    {"source": failure.source, "stage": failure.stage, "reason": failure.reason}
                )

    def counts(self) -> dict[str, Any]:
        """Plain counts, as stored with the run and returned by the flow."""
        return {
            "imported": self.inputs,
            **dict(self.extra),
            "new": self.new,
            "new_versions": self.new_versions,
            "unchanged": self.unchanged,
            "duplicates": self.duplicates,
            "near_duplicates": self.near_duplicates,
            "failures": self.failures,
            "languages": dict(sorted(self.languages.items())),
            "failures_by_reason": dict(self.failure_reasons.most_common()),
        }


def summary_rows(counts: dict[str, Any]) -> list[dict[str, Any]]:
    """One `{metric, value}` row per count, languages and failure reasons spelled out."""
    rows = []
    for key, value in counts.items():
        if isinstance(value, dict):
            text = ", ".join(f"{k}={v}" for k, v in value.items()) or "none"
            rows.append({"metric": key, "value": text})
        else:
            rows.append({"metric": key, "value": value})
    return rows


def summary_tables(counts: dict[str, Any]) -> RenderableType:
    """The counts as a `metric value` table, then the failures by reason when there are any."""
    table = plain_table("metric", "value")
    for row in summary_rows({k: v for k, v in counts.items() if k != "failures_by_reason"}):
        table.add_row(row["metric"].replace("_", " "), str(row["value"]))
    reasons = counts.get("failures_by_reason") or {}
    if not reasons:
        return table
    by_reason = plain_table("count", "reason", right=("count",))
    for reason, count in reasons.items():
        by_reason.add_row(str(count), reason)
    heading = Text("\nfailures by reason:")
    return Group(table, heading, Padding(by_reason, (0, 0, 0, 2), expand=False))


def plain_table(*headings: str, right: tuple[str, ...] = (), no_wrap: bool = False) -> Table:
    """A table that reads as plain text too: headings underlined with dashes, columns two
    spaces apart, no borders; the `right` columns (numbers) right-aligned. `no_wrap` keeps
    each row on one line (cut short on a narrow terminal)."""
    table = Table(box=PLAIN_BOX, show_edge=False, pad_edge=False, padding=(0, 1, 0, 0))
    for heading in headings:
        table.add_column(heading, justify="right" if heading in right else "left", no_wrap=no_wrap)
    return table


def failures_markdown(samples: list[dict[str, str]], total: int) -> str:
    """A markdown list of failures (the first FAILURE_LIST_LIMIT), for a Prefect artifact."""
    if not samples:
        return "No failures in this run."
    lines = [f"# {total} failure(s)", "", "| source | stage | reason |", "|---|---|---|"]
    for item in samples:
        cells = [
            item[k].replace("|", "\\|").replace("\n", " ") for k in ("source", "stage", "reason")
        ]
        lines.append("| " + " | ".join(cells) + " |")
    if total > len(samples):
        lines.append(f"\n… and {total - len(samples)} more (see `newscorpus runs`).")
    return "\n".join(lines)


def warnings_markdown(samples: list[dict[str, str]]) -> str:
    """A markdown list of what extraction noticed about stored texts (e.g. a truncated page),
    empty when nothing was noticed."""
    if not samples:
        return ""
    lines = ["", f"# {len(samples)} warning(s)", "", "| source | warning |", "|---|---|"]
    for item in samples:
        cells = [item[k].replace("|", "\\|").replace("\n", " ") for k in ("source", "warning")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
