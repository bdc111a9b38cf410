"""Streaming export of article records to JSON Lines, CSV or Parquet, to one file or to a
directory of bounded part files with a dataset card; incremental pulls by named cursor.

Memory stays flat: records are written as they stream from the database, Parquet in row
groups of at most `row_group_rows` rows (`[export]` settings) or `ROW_GROUP_BYTES` of text.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import select

from config.models import ExportSettings
from corpus.models import ExportCursor, Run
from corpus.records import RECORD_FIELDS, ArticleRecord

FORMATS = ("jsonl", "parquet", "csv")
EXTENSIONS = {"jsonl": "jsonl", "parquet": "parquet", "csv": "csv"}
ROW_GROUP_BYTES = 64 * 1024 * 1024
DATA_DIR = "data"
DEFAULTS = ExportSettings()

# The Parquet schema, documented in the README and in each dataset card: change only by adding.
SCHEMA_DOC = (
    ("id", "string", False, "article id (stable across versions)"),
    ("version", "int32", False, "version number, 1 for the first text stored"),
    ("version_id", "int64", False, "the version's row id in the corpus"),
    ("url", "string", True, "canonical URL (web articles)"),
    ("title", "string", True, "title"),
    ("text", "string", False, "clean text"),
    ("language", "string", True, "ISO 639-1 language code"),
    ("published", "string", True, "publication date as found (ISO 8601 when parsed)"),
    ("authors", "list<string>", False, "authors, possibly empty"),
    ("site", "string", True, "site name"),
    ("content_hash", "string", False, "hash of the normalised text"),
    ("cluster_id", "string", True, "duplicate cluster"),
    ("duplicate_of", "string", True, "canonical article of the cluster, null when canonical"),
    ("similarity", "double", True, "estimated similarity to the canonical article"),
    ("ingested_at", "timestamp[us, UTC]", False, "when this version was stored"),
    ("source", "string", False, "provenance: the file path or URL the document came from"),
    ("feed", "string", True, "provenance: the feed that listed the URL"),
    ("run_id", "string", True, "provenance: the ingestion run that stored this version"),
    ("extractor", "string", False, "provenance: extractor name and version"),
    ("extractor_version", "string", True, "provenance: the extractor's version alone"),
    ("original", "string", True, "provenance: sha256 of the archived original (`[archive]`)"),
    ("fetched_at", "timestamp[us, UTC]", True, "provenance: when the page was fetched (WARC-Date)"),
)


class ExportError(Exception):
    """The export cannot be written as asked; the message says why."""


def parquet_schema() -> Any:
    """The Arrow schema of exported records."""
    import pyarrow as pa

    types = {
        "string": pa.string(),
        "int32": pa.int32(),
        "int64": pa.int64(),
        "double": pa.float64(),
        "list<string>": pa.list_(pa.string()),
        "timestamp[us, UTC]": pa.timestamp("us", tz="UTC"),
    }
    return pa.schema(
        [pa.field(name, types[kind], nullable=nullable) for name, kind, nullable, _ in SCHEMA_DOC]
    )


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _record_bytes(record: ArticleRecord) -> int:
    return len(record.text) + len(record.title or "") + 512


class _JsonlWriter:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, record: ArticleRecord) -> None:
        values = {name: _json_value(value) for name, value in record.as_dict().items()}
        self.out.write(json.dumps(values, ensure_ascii=False))
        self.out.write("\n")

    def close(self) -> None:
        """Nothing to finish: the stream's owner closes it."""


class _CsvWriter:
    """CSV with a header; authors as a JSON array, empty cells for nulls."""

    def __init__(self, out: TextIO) -> None:
        self.writer = csv.writer(out)
        self.writer.writerow(RECORD_FIELDS)
        self.out = out

    def write(self, record: ArticleRecord) -> None:
        values = record.as_dict()
        values["authors"] = json.dumps(values["authors"], ensure_ascii=False)
        self.writer.writerow(
            "" if value is None else _json_value(value) for value in values.values()
        )

    def close(self) -> None:
        """Nothing to finish: the stream's owner closes it."""


class _ParquetWriter:
    """Buffers records into columns and writes one row group whenever the buffer is full."""

    def __init__(self, path: Path, row_group_rows: int) -> None:
        import pyarrow.parquet as pq

        self.row_group_rows = row_group_rows
        self.schema = parquet_schema()
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.buffer: list[ArticleRecord] = []
        self.buffered_bytes = 0

    def write(self, record: ArticleRecord) -> None:
        self.buffer.append(record)
        self.buffered_bytes += _record_bytes(record)
        if len(self.buffer) >= self.row_group_rows or self.buffered_bytes >= ROW_GROUP_BYTES:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if not self.buffer:
            return
        columns = [
            pa.array([getattr(record, name) for record in self.buffer], type=fld.type)
            for name, fld in zip(RECORD_FIELDS, self.schema, strict=True)
        ]
        self.writer.write_table(pa.Table.from_arrays(columns, schema=self.schema))
        self.buffer, self.buffered_bytes = [], 0

    def close(self) -> None:
        self._flush()
        self.writer.close()


def _open_writer(fmt: str, path: Path, settings: ExportSettings) -> tuple[Any, TextIO | None]:
    if fmt == "parquet":
        return _ParquetWriter(path, settings.row_group_rows), None
    handle = path.open("w", encoding="utf-8", newline="" if fmt == "csv" else None)
    return (_CsvWriter(handle) if fmt == "csv" else _JsonlWriter(handle)), handle


@dataclass
class ExportSummary:
    """What an export wrote: row count, counts by language and site, and the files."""

    rows: int = 0
    by_language: Counter[str] = field(default_factory=Counter)
    by_site: Counter[str] = field(default_factory=Counter)
    files: list[Path] = field(default_factory=list)

    def count(self, record: ArticleRecord) -> None:
        self.rows += 1
        self.by_language[record.language or "(unknown)"] += 1
        self.by_site[record.site or "(unknown)"] += 1


def export_stream(records: Iterable[ArticleRecord], fmt: str, out: TextIO) -> ExportSummary:
    """Write `records` as JSON Lines or CSV to an open text stream (standard output)."""
    if fmt == "parquet":
        raise ExportError("Parquet is binary: give --out FILE or --out DIRECTORY/")
    writer = _CsvWriter(out) if fmt == "csv" else _JsonlWriter(out)
    summary = ExportSummary()
    for record in records:
        writer.write(record)
        summary.count(record)
    writer.close()
    return summary


def export_file(
    records: Iterable[ArticleRecord],
    fmt: str,
    path: Path,
    settings: ExportSettings = DEFAULTS,
) -> ExportSummary:
    """Write `records` to one file in `fmt`."""
    summary = ExportSummary(files=[path])
    writer, handle = _open_writer(fmt, path, settings)
    try:
        for record in records:
            writer.write(record)
            summary.count(record)
    finally:
        writer.close()
        if handle is not None:
            handle.close()
    return summary


def export_directory(
    records: Iterable[ArticleRecord],
    fmt: str,
    directory: Path,
    command: str,
    settings: ExportSettings = DEFAULTS,
    part_bytes: int | None = None,
) -> ExportSummary:
    """Write `records` to part files of about `part_bytes` of text each (default: the
    settings' `part_size_mb`) in `directory`/data
    (`data/part-00000.parquet`, ...), then a dataset card `README.md` describing them. The parts
    have a folder of their own so that readers of a folder of Parquet files see only them."""
    data = directory / DATA_DIR
    data.mkdir(parents=True, exist_ok=True)
    stale = sorted(data.glob("part-*.*"))
    if stale:
        raise ExportError(f"{data} already holds part files ({stale[0].name}, ...)")
    if part_bytes is None:
        part_bytes = settings.part_size_mb * 1024 * 1024
    summary = ExportSummary()
    writer = handle = None
    written = 0
    try:
        for record in records:
            if writer is None or written >= part_bytes:
                if writer is not None:
                    writer.close()
                    if handle is not None:
                        handle.close()
                path = data / f"part-{len(summary.files):05d}.{EXTENSIONS[fmt]}"
                writer, handle = _open_writer(fmt, path, settings)
                summary.files.append(path)
                written = 0
            writer.write(record)
            written += _record_bytes(record)
            summary.count(record)
    finally:
        if writer is not None:
            writer.close()
            if handle is not None:
                handle.close()
    (directory / "README.md").write_text(dataset_card(summary, fmt, command), encoding="utf-8")
    return summary


def dataset_card(summary: ExportSummary, fmt: str, command: str) -> str:
    """The dataset card: what the files hold, their schema and counts, how they were made."""
    lines = [
        "# newscorpus export",
        "",
        f"{summary.rows} article versions in {len(summary.files)} {fmt} part file(s), "
        f"exported {datetime.now(UTC).isoformat(timespec='seconds')}.",
        "",
        "Made by:",
        "",
        f"    {command}",
        "",
        "The part files are in `data/`; read them as they are with",
        "",
        '    datasets.load_dataset("parquet", data_dir="THIS_FOLDER")',
        '    pandas.read_parquet("THIS_FOLDER/data")',
        '    polars.read_parquet("THIS_FOLDER/data/*.parquet")',
        "    duckdb.sql(\"select * from 'THIS_FOLDER/data/*.parquet'\")",
        "",
        "## Schema",
        "",
        "| column | type | nullable | meaning |",
        "|---|---|---|---|",
        *(
            f"| `{name}` | {kind} | {'yes' if nullable else 'no'} | {meaning} |"
            for name, kind, nullable, meaning in SCHEMA_DOC
        ),
        "",
        "## Rows by language",
        "",
        "| language | rows |",
        "|---|---|",
        *(f"| {key} | {n} |" for key, n in summary.by_language.most_common()),
        "",
        "## Rows by site",
        "",
        "| site | rows |",
        "|---|---|",
        *(f"| {key} | {n} |" for key, n in summary.by_site.most_common()),
        "",
    ]
    return "\n".join(lines)


# Incremental pulls ---------------------------------------------------------------------------


def pending_runs(session: Any, cursor: str) -> list[str]:
    """The finished runs the cursor `cursor` has not exported yet. Only finished runs count:
    a run still storing versions is taken by a later pull, once all of its versions are in."""
    done = select(ExportCursor.run_id).where(ExportCursor.name == cursor)
    query = (
        select(Run.id)
        .where(Run.finished_at.is_not(None), Run.id.not_in(done))
        .order_by(Run.started_at, Run.id)
    )
    return list(session.scalars(query))


def advance_cursor(session: Any, cursor: str, run_ids: Iterable[str]) -> None:
    """Remember that `cursor` has exported the versions of `run_ids`."""
    session.add_all(ExportCursor(name=cursor, run_id=run_id) for run_id in run_ids)


def runs_since(session: Any, run_id: str) -> list[str]:
    """The runs that started after `run_id`; ExportError when there is no such run."""
    run = session.get(Run, run_id)
    if run is None:
        raise ExportError(f"no run {run_id} in this corpus (see `newscorpus runs`)")
    query = select(Run.id).where(Run.started_at > run.started_at).order_by(Run.started_at)
    return list(session.scalars(query))


def export_jsonl(store: Any, out: TextIO, canonical_only: bool = False) -> int:
    """The latest version of every article of `store` as JSON Lines; returns the count."""
    from corpus.records import VersionFilter, iter_records

    with store.sessions() as session:
        records = iter_records(session, VersionFilter(canonical_only=canonical_only))
        return export_stream(records, "jsonl", out).rows
