"""The corpus store: articles with every version, runs and failures, on any SQLAlchemy URL.

`open_store(url)` creates the schema on first use (Alembic) and returns a CorpusStore;
SQLite gets WAL mode and a busy timeout so a reader never blocks a running import.

SQLite transactions are real ones (SQLAlchemy's pysqlite recipe): the driver's own implicit
transaction handling is off and every transaction starts with an explicit `BEGIN IMMEDIATE`,
so a batch is atomic, its savepoints are nested in it, and a writer waits for the write lock
(busy timeout) when it begins instead of failing on a lock upgrade halfway through. Read-only
work uses a deferred `BEGIN` (`reading()`), so readers never wait for a running import.
"""

from __future__ import annotations

import os
import random
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import and_, case, create_engine, event, func, inspect, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from config import Settings, load_settings
from corpus.dedup import Deduplicator, ExactDeduplicator, build_deduplicator
from corpus.identity import article_id, article_key, canonical_url, is_web_url
from corpus.migrate import SchemaError, upgrade
from corpus.models import ArticleRow, ArticleVersion, Failure, Run, RunStatus, Source, utcnow
from corpus.normalize import content_hash
from corpus.records import RECORD_FIELDS, VersionFilter, iter_records
from corpus.report import RunSummary
from corpus.runs import RecordedRun, recording_run
from extractors import Extracted, FailureStage, InputFailure
from extractors.inputs import escape_undecodable

EXPORT_FIELDS = RECORD_FIELDS  # the columns of every export: one record type
T = TypeVar("T")


@dataclass
class SaveResult:
    """What storing one extracted article did: `status` is new, new_version or unchanged."""

    source: str
    article_id: str
    version: int
    status: str
    language: str | None = None
    duplicate_of: str | None = None
    similarity: float | None = None
    warnings: tuple[str, ...] = ()


class StoreError(Exception):
    """The corpus database cannot be opened or created; the message says why."""


SQLITE_BUSY_TIMEOUT_MS = 30_000
# A store transaction that still finds the database locked after the busy timeout is tried
# again this many times in all, so concurrent imports into one SQLite file queue, not fail.
LOCKED_ATTEMPTS = 4
# A `running` run that stored no batch for this long is crashed, wherever its process runs
# (the only check for another host's runs; batches take seconds to minutes).
HEARTBEAT_TIMEOUT_SECONDS = 3600


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Per connection: no driver-managed transactions (we send BEGIN), WAL, foreign keys."""
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """Start SQLite transactions ourselves: IMMEDIATE (take the write lock, waiting up to the
    busy timeout) unless the connection is marked `sqlite_begin="DEFERRED"` for reading."""
    mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def is_locked_error(exc: BaseException) -> bool:
    """True for SQLite's `database is locked` / `database is busy` (contention, retryable)."""
    return isinstance(exc, OperationalError) and any(
        text in str(exc.orig) for text in ("database is locked", "database is busy")
    )


def create_db_engine(url: str) -> Engine:
    """An Engine for `url`; SQLite files get their directory created and WAL enabled."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            folder = Path(parsed.database).parent
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the database folder {folder}: {exc}") from exc
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True)


def store_reason(exc: Exception) -> str:
    """One line for a failed store: the database's own message, without the SQL statement
    and parameters SQLAlchemy appends (they hold the whole article text)."""
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {message[0] if message else 'no message'}"[:500]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run_owner_gone(run: Run, now: datetime | None = None) -> bool:
    """True when the process that owns a `running` run has died: on this host its pid is
    gone; anywhere (another host, a reused pid, a run without an owner) its heartbeat is
    older than HEARTBEAT_TIMEOUT_SECONDS."""
    last_beat = _aware(run.heartbeat_at or run.started_at)
    if (now or utcnow()) - last_beat > timedelta(seconds=HEARTBEAT_TIMEOUT_SECONDS):
        return True
    if not run.pid or run.host != socket.gethostname()[:255]:
        return False
    return not _pid_alive(run.pid)


def stored_counts(session: Session, run_id: str) -> dict[str, Any]:
    """A run's counts recomputed from what it wrote: its versions and its failures."""
    version = ArticleVersion
    duplicate = version.duplicate_of.is_not(None)
    near = and_(duplicate, version.similarity < 1.0)
    new, new_versions, duplicates, near_duplicates = session.execute(
        select(
            func.count(case((version.version == 1, 1))),
            func.count(case((version.version > 1, 1))),
            func.count(case((and_(duplicate, ~near), 1))),
            func.count(case((near, 1))),
        ).where(version.run_id == run_id)
    ).one()
    languages = (
        session.execute(
            select(func.coalesce(version.language, "unknown"), func.count())
            .where(version.run_id == run_id)
            .group_by(version.language)
        )
        .tuples()
        .all()
    )
    failures = session.scalar(
        select(func.count()).select_from(Failure).where(Failure.run_id == run_id)
    )
    return {
        "imported": new + new_versions + failures,
        "new": new,
        "new_versions": new_versions,
        "duplicates": duplicates,
        "near_duplicates": near_duplicates,
        "failures": failures,
        "languages": dict(sorted(languages)),
    }


def _source_kind(locator: str) -> str:
    return "url" if locator.startswith(("http://", "https://")) else "file"


class CorpusStore:
    """Versioned article storage with run bookkeeping."""

    def __init__(self, engine: Engine, deduplicator: Deduplicator | None = None) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.reading = sessionmaker(
            engine.execution_options(sqlite_begin="DEFERRED"), expire_on_commit=False
        )
        self.deduplicator: Deduplicator = deduplicator or ExactDeduplicator()

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> CorpusStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one write transaction; on SQLite contention that outlasts the busy
        timeout, roll back and run it again (bounded), so concurrent writers queue."""
        for attempt in range(1, LOCKED_ATTEMPTS + 1):
            try:
                with self.sessions.begin() as session:
                    return work(session)
            except OperationalError as exc:
                if attempt == LOCKED_ATTEMPTS or not is_locked_error(exc):
                    raise
                time.sleep(random.uniform(0.05, 0.5) * attempt)
        raise AssertionError("unreachable")

    # Runs and failures -------------------------------------------------------------------

    def start_run(
        self,
        flow: str,
        parameters: dict[str, Any],
        prefect_flow_run_id: str | None = None,
        prefect_flow_run_name: str | None = None,
    ) -> str:
        """Record a new `running` run owned by this process (runs that died are marked first)."""
        self.mark_crashed_runs()
        run_id = str(uuid.uuid4())
        run = Run(
            id=run_id,
            flow=flow,
            parameters=parameters,
            counts={},
            prefect_flow_run_id=prefect_flow_run_id,
            prefect_flow_run_name=prefect_flow_run_name,
            host=socket.gethostname()[:255],
            pid=os.getpid(),
            heartbeat_at=utcnow(),
        )
        self._write(lambda session: session.add(run))
        return run_id

    def recording_run(
        self,
        flow: str,
        parameters: dict[str, Any],
        prefect_flow_run_id: str | None = None,
        summary: RunSummary | None = None,
        cancelled_by: tuple[type[BaseException], ...] = (KeyboardInterrupt,),
        *,
        prefect_flow_run_name: str | None = None,
    ) -> AbstractContextManager[RecordedRun]:
        """`with store.recording_run(...) as run:` starts a run and finishes it with the
        status the block earned (see corpus.runs.recording_run)."""
        return recording_run(
            self,
            flow,
            parameters,
            prefect_flow_run_id,
            summary,
            cancelled_by,
            prefect_flow_run_name=prefect_flow_run_name,
        )

    def finish_run(self, run_id: str, status: RunStatus, counts: dict[str, Any]) -> None:
        def finish(session: Session) -> None:
            run = session.get_one(Run, run_id)
            run.status, run.counts, run.finished_at = status, counts, utcnow()

        self._write(finish)

    def mark_crashed_runs(self) -> int:
        """Mark `running` runs whose process is gone as `crashed`, with the counts of what
        they stored (recomputed from their versions and failures); returns how many."""

        def mark(session: Session) -> int:
            running = session.scalars(select(Run).where(Run.status == RunStatus.RUNNING)).all()
            dead = [run for run in running if run_owner_gone(run)]
            for run in dead:
                run.status = RunStatus.CRASHED
                run.counts = stored_counts(session, run.id)
                run.finished_at = run.heartbeat_at or run.started_at
            return len(dead)

        with self.reading() as session:
            running = session.scalars(select(Run).where(Run.status == RunStatus.RUNNING)).all()
            if not any(run_owner_gone(run) for run in running):
                return 0
        return self._write(mark)

    def cancel_running(self, prefect_flow_run_ids: Iterable[str]) -> int:
        """Mark the still-running runs of these Prefect flow runs `cancelled` (their process was
        stopped with `serve`); returns how many."""
        ids = list(prefect_flow_run_ids)

        def cancel(session: Session) -> int:
            runs = session.scalars(
                select(Run).where(Run.prefect_flow_run_id.in_(ids), Run.status == RunStatus.RUNNING)
            ).all()
            for run in runs:
                run.status, run.finished_at = RunStatus.CANCELLED, utcnow()
            return len(runs)

        return self._write(cancel)

    def record_failures(self, run_id: str, failures: Iterable[InputFailure]) -> int:
        rows = [
            Failure(
                run_id=run_id,
                source=escape_undecodable(f.source)[:2048],
                stage=f.stage,
                reason=escape_undecodable(f.reason),
            )
            for f in failures
        ]
        if rows:
            self._write(lambda session: session.add_all(rows))
        return len(rows)

    def recent_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest runs, newest first; runs whose process died show as `crashed`."""
        self.mark_crashed_runs()
        with self.reading() as session:
            runs = session.scalars(select(Run).order_by(Run.started_at.desc()).limit(limit)).all()
            return [
                {
                    "id": run.id,
                    "flow": run.flow,
                    "status": run.status,
                    "started_at": run.started_at.isoformat(),
                    "finished_at": run.finished_at.isoformat() if run.finished_at else None,
                    "counts": run.counts,
                    "prefect_flow_run_id": run.prefect_flow_run_id,
                    "prefect_flow_run_name": run.prefect_flow_run_name,
                    "host": run.host,
                    "pid": run.pid,
                }
                for run in runs
            ]

    def run_failures(self, run_id: str) -> list[dict[str, str]]:
        with self.reading() as session:
            rows = session.scalars(
                select(Failure).where(Failure.run_id == run_id).order_by(Failure.id)
            ).all()
            return [{"source": f.source, "stage": f.stage, "reason": f.reason} for f in rows]

    def run_warnings(self, run_id: str) -> list[dict[str, str]]:
        """What extraction noticed about the texts a run stored (e.g. a truncated page)."""
        with self.reading() as session:
            rows = session.execute(
                select(ArticleVersion.url, Source.locator, ArticleVersion.warnings)
                .join(Source, Source.id == ArticleVersion.source_id)
                .where(ArticleVersion.run_id == run_id, ArticleVersion.warnings.is_not(None))
                .order_by(ArticleVersion.id)
            ).all()
            return [
                {"article": url or locator, "warning": warning}
                for url, locator, warnings in rows
                for warning in warnings or ()
            ]

    # Articles ----------------------------------------------------------------------------

    def _source(self, session: Session, locator: str) -> Source:
        source = session.scalars(select(Source).where(Source.locator == locator)).first()
        if source is None:
            source = Source(locator=locator, kind=_source_kind(locator))
            session.add(source)
            session.flush()
        else:
            source.last_seen = utcnow()
        return source

    def _save_one(
        self, session: Session, run_id: str, item: Extracted, original: str | None = None
    ) -> SaveResult:
        key = article_key(item.source, item.url)
        ident = article_id(key)
        web_url = canonical_url(item.url) if is_web_url(item.url) else None
        article = session.get(ArticleRow, ident)
        digest = content_hash(item.article.text)
        language = item.article.language
        if article is not None:
            latest = session.scalars(
                select(ArticleVersion).where(
                    ArticleVersion.article_id == ident,
                    ArticleVersion.version == article.latest_version,
                )
            ).one()
            if latest.content_hash == digest:
                return SaveResult(item.source, ident, latest.version, "unchanged", language)
        source = self._source(session, escape_undecodable(item.source)[:2048])
        if article is None:
            article = ArticleRow(
                id=ident, key=key, url=web_url, source_id=source.id, latest_version=0
            )
            session.add(article)
            session.flush()
        art = item.article
        version = ArticleVersion(
            article_id=ident,
            version=article.latest_version + 1,
            run_id=run_id,
            source_id=source.id,
            title=art.title,
            text=art.text,
            language=language,
            published=art.published,
            authors=list(art.authors),
            site=art.site,
            url=web_url or art.url,
            content_hash=digest,
            extractor=art.extractor,
            original=original,
            fetched_at=item.fetched_at,
            warnings=list(art.warnings) or None,
        )
        session.add(version)
        article.latest_version = version.version
        article.updated_at = utcnow()
        session.flush()
        self.deduplicator.assign(session, version)
        session.flush()
        status = "new" if version.version == 1 else "new_version"
        return SaveResult(
            item.source, ident, version.version, status, language,
            version.duplicate_of, version.similarity, tuple(art.warnings),
        )  # fmt: skip

    def save_batch(
        self, run_id: str, items: Iterable[Extracted], originals: Mapping[str, str] | None = None
    ) -> tuple[list[SaveResult], list[InputFailure]]:
        """Store each article (a new version only when its clean text changed) in one
        transaction with the run's heartbeat, referencing the archived original digest
        `originals` gives for its source. One item's database error becomes a `store`
        failure; the others are still saved. Contention retries the whole batch."""
        items = list(items)
        originals = originals or {}

        def save(session: Session) -> tuple[list[SaveResult], list[InputFailure]]:
            saved: list[SaveResult] = []
            failed: list[InputFailure] = []
            self.deduplicator.prepare(session)
            for item in items:
                try:
                    with session.begin_nested():
                        original = originals.get(item.source)
                        saved.append(self._save_one(session, run_id, item, original))
                except Exception as exc:  # noqa: BLE001 - recorded, the batch goes on
                    if is_locked_error(exc):
                        raise  # the whole batch is tried again
                    failed.append(InputFailure(item.source, store_reason(exc), FailureStage.STORE))
            session.execute(update(Run).where(Run.id == run_id).values(heartbeat_at=utcnow()))
            return saved, failed

        return self._write(save)

    def article_versions(self, ident: str) -> list[dict[str, Any]]:
        """Every stored version of one article, oldest first."""
        with self.reading() as session:
            rows = session.scalars(
                select(ArticleVersion)
                .where(ArticleVersion.article_id == ident)
                .order_by(ArticleVersion.version)
            ).all()
            return [
                {
                    "version": v.version,
                    "title": v.title,
                    "text": v.text,
                    "content_hash": v.content_hash,
                }
                for v in rows
            ]

    def count_articles(self) -> int:
        with self.reading() as session:
            return session.scalar(select(func.count()).select_from(ArticleRow)) or 0

    def iter_latest(
        self, canonical_only: bool = False, batch: int = 500
    ) -> Iterator[dict[str, Any]]:
        """The latest version of every article as export records (`ArticleRecord.as_dict`),
        streamed in id order."""
        selection = VersionFilter(canonical_only=canonical_only)
        with self.reading() as session:
            for record in iter_records(session, selection, batch):
                yield record.as_dict()


def open_store(
    url: str, deduplicator: Deduplicator | None = None, settings: Settings | None = None
) -> CorpusStore:
    """A store on `url`, with the schema migrated to the latest revision; without an explicit
    `deduplicator`, the one the `[dedup]` settings describe (default: shipped settings)."""
    engine = create_db_engine(url)
    try:
        upgrade(engine)
    except SchemaError as exc:
        engine.dispose()
        raise StoreError(str(exc)) from exc
    if deduplicator is None:
        deduplicator = build_deduplicator((settings or load_settings()).dedup, url)
    deduplicator.open(engine)
    return CorpusStore(engine, deduplicator)


def open_existing_store(url: str) -> CorpusStore:
    """A store on an existing corpus at `url`, for reading: nothing is created (no SQLite file,
    no tables); a StoreError says so when `url` holds no corpus."""
    parsed = make_url(url)
    database = parsed.database
    on_file = parsed.get_backend_name() == "sqlite" and database != ":memory:"
    if on_file and database is not None and not Path(database).is_file():
        raise StoreError(f"no corpus at {url}: {database} does not exist")
    engine = create_db_engine(url)
    if not {"runs", "articles"} <= set(inspect(engine).get_table_names()):
        engine.dispose()
        raise StoreError(f"no corpus at {url}: the database has no newscorpus tables")
    upgrade(engine)
    return CorpusStore(engine)
