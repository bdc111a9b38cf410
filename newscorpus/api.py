"""Read a corpus from Python: `newscorpus.open(url)` returns a read-only `Corpus`.

Opening never creates a database or a table: a missing corpus raises CorpusNotFound. Articles
stream as `ArticleRecord`s (the record type the export writes), with the export's filters.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from corpus.clusters import Cluster, iter_clusters
from corpus.records import ArticleRecord, VersionFilter, as_utc, iter_records


class CorpusNotFound(Exception):
    """No corpus at the URL given: no database, or a database without the corpus tables."""


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One ingestion run with its final counts."""

    id: str
    flow: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    counts: dict[str, Any]
    prefect_flow_run_id: str | None
    prefect_flow_run_name: str | None


def _names(value: str | Sequence[str] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _read_only_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite opened in read-only mode, PostgreSQL sessions in
    read-only transactions. CorpusNotFound when the SQLite file does not exist."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not parsed.database or parsed.database == ":memory:" or not path.is_file():
            raise CorpusNotFound(f"no corpus at {url}: the file {path} does not exist")
        uri = f"{path.resolve().as_uri()}?mode=ro"
        return create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False)
        )
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, connect_args={"options": "-c default_transaction_read_only=on"})
    return create_engine(url)


def open(url: str) -> Corpus:  # noqa: A001 - `newscorpus.open(url)` is the public name
    """The corpus at the SQLAlchemy `url`, read-only; CorpusNotFound when there is none."""
    engine = _read_only_engine(url)
    try:
        tables = inspect(engine).get_table_names()
    except SQLAlchemyError as exc:
        engine.dispose()
        raise CorpusNotFound(f"no corpus at {make_url(url).render_as_string()}: {exc}") from exc
    if "article_versions" not in tables:
        engine.dispose()
        raise CorpusNotFound(f"{make_url(url)} holds no newscorpus tables (nothing imported yet)")
    return Corpus(engine)


class Corpus:
    """Read-only access to a corpus: articles, their versions, duplicate clusters and runs."""

    def __init__(self, engine: Engine) -> None:
        from sqlalchemy.orm import sessionmaker

        self.engine = engine
        self.sessions = sessionmaker(engine)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> Corpus:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def articles(
        self,
        *,
        language: str | Sequence[str] | None = None,
        site: str | Sequence[str] | None = None,
        since: datetime | None = None,
        as_of: datetime | None = None,
        canonical_only: bool = False,
        versions: bool = False,
        run_ids: Sequence[str] | None = None,
    ) -> Iterator[ArticleRecord]:
        """Stream the latest version of each article (as of `as_of` when given; every version
        with `versions=True`) in article id order, filtered by language, site, storage time
        (`since`), canonical articles only, or the runs that stored them."""
        selection = VersionFilter(
            language=_names(language),
            site=_names(site),
            since=as_utc(since) if since else None,
            as_of=as_utc(as_of) if as_of else None,
            canonical_only=canonical_only,
            all_versions=versions,
            run_ids=run_ids,
        )
        with self.sessions() as session:
            yield from iter_records(session, selection)

    def versions(self, article_id: str) -> list[ArticleRecord]:
        """Every version of one article, oldest first (empty when there is no such article)."""
        with self.sessions() as session:
            selection = VersionFilter(all_versions=True, article_id=article_id)
            return list(iter_records(session, selection))

    def clusters(self, min_size: int = 2) -> Iterator[Cluster]:
        """Duplicate clusters with at least `min_size` articles, one at a time."""
        return iter_clusters(self.sessions, min_size=min_size)

    def runs(self, limit: int | None = None) -> list[RunRecord]:
        """Ingestion runs, newest first."""
        from corpus.models import Run

        query = select(Run).order_by(Run.started_at.desc(), Run.id)
        if limit is not None:
            query = query.limit(limit)
        with self.sessions() as session:
            return [
                RunRecord(
                    id=run.id,
                    flow=run.flow,
                    status=run.status,
                    started_at=as_utc(run.started_at),
                    finished_at=as_utc(run.finished_at) if run.finished_at else None,
                    counts=dict(run.counts or {}),
                    prefect_flow_run_id=run.prefect_flow_run_id,
                    prefect_flow_run_name=run.prefect_flow_run_name,
                )
                for run in session.scalars(query)
            ]
