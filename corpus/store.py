"""The corpus store: articles with every version, runs and failures, on any SQLAlchemy URL.

`open_store(url)` creates the schema on first use (Alembic) and returns a CorpusStore;
SQLite gets WAL mode and a busy timeout so a reader never blocks a running import.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from config import Settings, load_settings
from corpus.dedup import Deduplicator, ExactDeduplicator, build_deduplicator
from corpus.identity import article_id, article_key, canonical_url, is_web_url
from corpus.latest import select_latest
from corpus.migrate import upgrade
from corpus.models import Article, ArticleVersion, Failure, Run, Source, utcnow
from corpus.normalize import content_hash
from extractors import Extracted, InputFailure

EXPORT_FIELDS = (
    "id", "source", "url", "title", "text", "language", "published", "authors", "site",
    "version", "content_hash", "cluster_id", "duplicate_of", "similarity", "ingested_at",
    "extractor",
)  # fmt: skip


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


class StoreError(Exception):
    """The corpus database cannot be opened or created; the message says why."""


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


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
        engine = create_engine(url, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _source_kind(locator: str) -> str:
    return "url" if locator.startswith(("http://", "https://")) else "file"


class CorpusStore:
    """Versioned article storage with run bookkeeping."""

    def __init__(self, engine: Engine, deduplicator: Deduplicator | None = None) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.deduplicator: Deduplicator = deduplicator or ExactDeduplicator()

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()

    def __enter__(self) -> CorpusStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # Runs and failures -------------------------------------------------------------------

    def start_run(
        self, flow: str, parameters: dict[str, Any], prefect_flow_run_id: str | None = None
    ) -> str:
        run_id = str(uuid.uuid4())
        with self.sessions.begin() as session:
            session.add(
                Run(
                    id=run_id,
                    flow=flow,
                    parameters=parameters,
                    counts={},
                    prefect_flow_run_id=prefect_flow_run_id,
                )
            )
        return run_id

    def finish_run(self, run_id: str, status: str, counts: dict[str, Any]) -> None:
        with self.sessions.begin() as session:
            run = session.get(Run, run_id)
            run.status, run.counts, run.finished_at = status, counts, utcnow()

    def record_failures(self, run_id: str, failures: Iterable[InputFailure]) -> int:
        rows = [
            Failure(run_id=run_id, source=f.source[:2048], stage=f.stage, reason=f.reason)
            for f in failures
        ]
        if rows:
            with self.sessions.begin() as session:
                session.add_all(rows)
        return len(rows)

    def recent_runs(self, limit: int = 20) -> list[dict[str, Any]]:
        with self.sessions() as session:
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
                }
                for run in runs
            ]

    def run_failures(self, run_id: str) -> list[dict[str, str]]:
        with self.sessions() as session:
            rows = session.scalars(
                select(Failure).where(Failure.run_id == run_id).order_by(Failure.id)
            ).all()
            return [{"source": f.source, "stage": f.stage, "reason": f.reason} for f in rows]

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
        article = session.get(Article, ident)
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
        source = self._source(session, item.source[:2048])
        if article is None:
            article = Article(id=ident, key=key, url=web_url, source_id=source.id, latest_version=0)
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
            version.duplicate_of, version.similarity,
        )  # fmt: skip

    def save_batch(
        self, run_id: str, items: Iterable[Extracted], originals: Mapping[str, str] | None = None
    ) -> tuple[list[SaveResult], list[InputFailure]]:
        """Store each article (a new version only when its clean text changed), referencing
        the archived original digest `originals` gives for its source. One item's database
        error becomes a `store` failure; the others are still saved."""
        originals = originals or {}
        saved: list[SaveResult] = []
        failed: list[InputFailure] = []
        with self.sessions.begin() as session:
            self.deduplicator.prepare(session)
            for item in items:
                try:
                    with session.begin_nested():
                        original = originals.get(item.source)
                        saved.append(self._save_one(session, run_id, item, original))
                except Exception as exc:  # noqa: BLE001 - recorded, the batch goes on
                    failed.append(
                        InputFailure(item.source, f"{type(exc).__name__}: {exc}", "store")
                    )
        return saved, failed

    def article_versions(self, ident: str) -> list[dict[str, Any]]:
        """Every stored version of one article, oldest first."""
        with self.sessions() as session:
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
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(Article)) or 0

    def iter_latest(
        self, canonical_only: bool = False, batch: int = 500
    ) -> Iterator[dict[str, Any]]:
        """The latest version of every article as export records, streamed in id order."""
        query = (
            select_latest(ArticleVersion, Source.locator)
            .join(Source, Source.id == ArticleVersion.source_id)
            .order_by(ArticleVersion.article_id)
        )
        if canonical_only:
            query = query.where(ArticleVersion.duplicate_of.is_(None))
        with self.sessions() as session:
            result = session.execute(query.execution_options(stream_results=True, yield_per=batch))
            for version, locator in result:
                yield {
                    "id": version.article_id,
                    "source": locator,
                    "url": version.url,
                    "title": version.title,
                    "text": version.text,
                    "language": version.language,
                    "published": version.published,
                    "authors": version.authors,
                    "site": version.site,
                    "version": version.version,
                    "content_hash": version.content_hash,
                    "cluster_id": version.cluster_id,
                    "duplicate_of": version.duplicate_of,
                    "similarity": version.similarity,
                    "ingested_at": version.created_at.isoformat(),
                    "extractor": version.extractor,
                }
                session.expunge(version)


def open_store(
    url: str, deduplicator: Deduplicator | None = None, settings: Settings | None = None
) -> CorpusStore:
    """A store on `url`, with the schema migrated to the latest revision; without an explicit
    `deduplicator`, the one the `[dedup]` settings describe (default: shipped settings)."""
    engine = create_db_engine(url)
    upgrade(engine)
    if deduplicator is None:
        deduplicator = build_deduplicator((settings or load_settings()).dedup, url)
    deduplicator.open(engine)
    return CorpusStore(engine, deduplicator)
