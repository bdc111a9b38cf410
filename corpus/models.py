"""SQLAlchemy 2 models: sources, articles, their versions, ingestion runs and failures."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Source(Base):
    """Where documents come from: a file path as given, a page URL or a feed URL."""

    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    locator: Mapped[str] = mapped_column(String(2048), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArticleRow(Base):
    """One article, identified by its canonical URL or (for imports) its source path."""

    __tablename__ = "articles"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str | None] = mapped_column(String(2048))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    latest_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ArticleVersion(Base):
    """One clean text of an article. Versions are never updated in content nor deleted."""

    __tablename__ = "article_versions"
    __table_args__ = (
        UniqueConstraint("article_id", "version", name="uq_article_version"),
        Index("ix_article_versions_content_hash", "content_hash"),
        Index("ix_article_versions_cluster_id", "cluster_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[str] = mapped_column(ForeignKey("articles.id"))
    version: Mapped[int] = mapped_column(Integer)
    run_id: Mapped[str | None] = mapped_column(ForeignKey("runs.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(16))
    published: Mapped[str | None] = mapped_column(String(64))
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    site: Mapped[str | None] = mapped_column(String(512))
    url: Mapped[str | None] = mapped_column(String(2048))
    content_hash: Mapped[str] = mapped_column(String(64))
    extractor: Mapped[str] = mapped_column(String(128))
    # What extraction noticed about this text, e.g. "page truncated to its first N characters";
    # NULL when nothing was.
    warnings: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    cluster_id: Mapped[str | None] = mapped_column(String(32))
    duplicate_of: Mapped[str | None] = mapped_column(String(32))
    similarity: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Digest of the archived original it was extracted from (corpus/archive.py), if kept.
    original: Mapped[str | None] = mapped_column(String(64))
    # When the page it came from was fetched (a WARC record's WARC-Date); NULL for a file.
    fetched_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class StoredOriginal(Base):
    """Where one original (body plus response headers) is kept: a record in an archive WARC file."""

    __tablename__ = "originals"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    file: Mapped[str] = mapped_column(String(255))
    offset: Mapped[int] = mapped_column(BigInteger)
    length: Mapped[int] = mapped_column(BigInteger)
    url: Mapped[str | None] = mapped_column(String(2048))
    size: Mapped[int] = mapped_column(BigInteger)


class StoredSignature(Base):
    """The stored MinHash signature of one article version (`corpus.minhash.MinHashSignature`
    in memory), with what is needed to compare it: the
    scheme, seed and number of permutations that made it, and its distinct-shingle count."""

    __tablename__ = "signatures"
    __table_args__ = (
        UniqueConstraint(
            "article_version_id", "scheme", "seed", "num_perm", name="uq_signature_version"
        ),
        Index("ix_signatures_kind", "scheme", "seed", "num_perm", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_version_id: Mapped[int] = mapped_column(ForeignKey("article_versions.id"))
    scheme: Mapped[str] = mapped_column(String(64))
    seed: Mapped[int] = mapped_column(Integer)
    num_perm: Mapped[int] = mapped_column(Integer)
    hashvalues: Mapped[bytes] = mapped_column(LargeBinary)
    shingles: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FurnitureSite(Base):
    """A site (host) whose pages' shingles are counted for one shingling scheme, with how many
    of its articles the counts of `furniture_shingles` cover."""

    __tablename__ = "furniture_sites"
    __table_args__ = (UniqueConstraint("site", "scheme", name="uq_furniture_site"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site: Mapped[str] = mapped_column(String(255))
    scheme: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int] = mapped_column(Integer)


class FurnitureShingle(Base):
    """About how many articles of one site hold a shingle in their latest version, for the
    shingles that may be its furniture (`corpus.furniture` says which get a row)."""

    __tablename__ = "furniture_shingles"
    __table_args__ = {"sqlite_with_rowid": False}  # the primary key is the table

    site_id: Mapped[int] = mapped_column(ForeignKey("furniture_sites.id"), primary_key=True)
    shingle: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    articles: Mapped[int] = mapped_column(Integer)


class DedupState(Base):
    """What the stored clusters were computed with (e.g. `clustering` = the clustering rules'
    version), so a store opened by newer code re-clusters by itself."""

    __tablename__ = "dedup_state"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(255))


class RunStatus(StrEnum):
    """A run's state; the value is what `runs.status` stores."""

    RUNNING = "running"
    COMPLETED = "completed"
    INCOMPLETE = "incomplete"
    FAILED = "failed"
    CANCELLED = "cancelled"
    CRASHED = "crashed"


class Run(Base):
    """One ingestion run (one flow run) with its parameters and final counts. Its owner
    (`host`, `pid`) and `heartbeat_at` (updated with every stored batch) tell a run whose
    process died (`crashed`) from one still going."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    flow: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.RUNNING)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prefect_flow_run_id: Mapped[str | None] = mapped_column(String(36))
    prefect_flow_run_name: Mapped[str | None] = mapped_column(String(255))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Failure(Base):
    """An input that produced no article in a run: where it failed and why."""

    __tablename__ = "failures"
    __table_args__ = (Index("ix_failures_run_id", "run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("runs.id"))
    source: Mapped[str] = mapped_column(String(2048))
    stage: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FetchState(Base):
    """The validators (ETag, Last-Modified) of the last stored fetch of a canonical URL,
    sent back as a conditional GET next time; for a feed or sitemap, also its consecutive
    failures, the last error and when it may be polled again (backoff)."""

    __tablename__ = "fetch_state"

    url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    etag: Mapped[str | None] = mapped_column(String(512))
    last_modified: Mapped[str | None] = mapped_column(String(128))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_poll_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FeedEntry(Base):
    """An entry URL already handled for a feed; entries not listed here are new."""

    __tablename__ = "feed_entries"

    feed_url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    entry_url: Mapped[str] = mapped_column(String(2048), primary_key=True)
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ExportCursor(Base):
    """A finished run whose versions the incremental export `name` has written: the next pull
    with that name takes the finished runs not listed here, so no version is missed or repeated
    even when concurrent runs commit out of order."""

    __tablename__ = "export_cursors"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    exported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
