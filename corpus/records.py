"""One record type for an article version and one query that selects versions to read.

`ArticleRecord` is what export, the command line and the Python API hand out; `select_versions`
builds the query behind all of them: the latest version of each article (now or as of a time),
or every version, with the same filters everywhere, streamed in (article id, version) order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime

from sqlalchemy import Select, Subquery, and_, func, select
from sqlalchemy.orm import Session

from corpus.latest import IS_LATEST
from corpus.models import ArticleRow, ArticleVersion, FeedEntry, Source


@dataclass(frozen=True, slots=True)
class ArticleRecord:
    """One stored version of an article with where it came from (provenance)."""

    id: str
    version: int
    version_id: int
    url: str | None
    title: str | None
    text: str
    language: str | None
    published: str | None
    authors: tuple[str, ...]
    site: str | None
    content_hash: str
    cluster_id: str | None
    duplicate_of: str | None
    similarity: float | None
    ingested_at: datetime
    source: str
    feed: str | None
    run_id: str | None
    extractor: str
    extractor_version: str | None
    original: str | None
    fetched_at: datetime | None

    def as_dict(self) -> dict[str, object]:
        """The record as plain values (authors as a list), in field order."""
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        values["authors"] = list(self.authors)
        return values


RECORD_FIELDS = tuple(field.name for field in fields(ArticleRecord))
RUNS_PER_QUERY = 500


@dataclass(frozen=True, slots=True)
class VersionFilter:
    """Which versions to read. `as_of`: each article's latest version created at or before it
    (articles first stored later are left out); `all_versions`: every version, not only the
    latest; `since`: versions stored at or after it; `run_ids`: versions stored by these runs."""

    language: Sequence[str] = ()
    site: Sequence[str] = ()
    since: datetime | None = None
    as_of: datetime | None = None
    canonical_only: bool = False
    all_versions: bool = False
    run_ids: Sequence[str] | None = None
    article_id: str | None = None


def extractor_version(extractor: str) -> str | None:
    """The version part of an extractor name such as `newscorpus-text-0.2` (`0.2`)."""
    head, _, tail = extractor.rpartition("-")
    return tail if head and tail[:1].isdigit() else None


def as_utc(moment: datetime) -> datetime:
    """`moment` with a UTC time zone (naive times are taken as UTC, as SQLite returns them)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _latest_at(as_of: datetime) -> Subquery:
    """(article id, version) of each article's latest version created at or before `as_of`."""
    return (
        select(ArticleVersion.article_id, func.max(ArticleVersion.version).label("version"))
        .where(ArticleVersion.created_at <= as_of)
        .group_by(ArticleVersion.article_id)
        .subquery("latest_at")
    )


def select_versions(selection: VersionFilter) -> Select:
    """The query of the versions `selection` names, with their source and feed."""
    # Feed entries are stored under the canonical form of the URL fetched, which is the URL
    # fetched (the source) or, for most pages, the canonical article URL of the version.
    entries = select(FeedEntry.entry_url, func.min(FeedEntry.feed_url).label("feed_url")).group_by(
        FeedEntry.entry_url
    )
    by_source, by_url = entries.subquery("feed_by_source"), entries.subquery("feed_by_url")
    query = (
        select(
            ArticleVersion,
            Source.locator,
            func.coalesce(by_source.c.feed_url, by_url.c.feed_url),
        )
        .join(Source, Source.id == ArticleVersion.source_id)
        .outerjoin(by_source, by_source.c.entry_url == Source.locator)
        .outerjoin(by_url, by_url.c.entry_url == ArticleVersion.url)
    )
    if selection.all_versions:
        pass
    elif selection.as_of is not None:
        latest = _latest_at(selection.as_of)
        query = query.join(
            latest,
            and_(
                latest.c.article_id == ArticleVersion.article_id,
                latest.c.version == ArticleVersion.version,
            ),
        )
    else:
        query = query.join(ArticleRow, IS_LATEST)
    if selection.all_versions and selection.as_of is not None:
        query = query.where(ArticleVersion.created_at <= selection.as_of)
    if selection.language:
        query = query.where(ArticleVersion.language.in_(list(selection.language)))
    if selection.site:
        query = query.where(ArticleVersion.site.in_(list(selection.site)))
    if selection.since is not None:
        query = query.where(ArticleVersion.created_at >= selection.since)
    if selection.canonical_only:
        query = query.where(ArticleVersion.duplicate_of.is_(None))
    if selection.run_ids is not None:
        query = query.where(ArticleVersion.run_id.in_(list(selection.run_ids)))
    if selection.article_id is not None:
        query = query.where(ArticleVersion.article_id == selection.article_id)
    return query.order_by(ArticleVersion.article_id, ArticleVersion.version)


def to_record(version: ArticleVersion, locator: str, feed: str | None) -> ArticleRecord:
    """The record of one stored version."""
    return ArticleRecord(
        id=version.article_id,
        version=version.version,
        version_id=version.id,
        url=version.url,
        title=version.title,
        text=version.text,
        language=version.language,
        published=version.published,
        authors=tuple(version.authors or ()),
        site=version.site,
        content_hash=version.content_hash,
        cluster_id=version.cluster_id,
        duplicate_of=version.duplicate_of,
        similarity=version.similarity,
        ingested_at=as_utc(version.created_at),
        source=locator,
        feed=feed,
        run_id=version.run_id,
        extractor=version.extractor,
        extractor_version=extractor_version(version.extractor),
        original=version.original,
        fetched_at=as_utc(version.fetched_at) if version.fetched_at else None,
    )


def iter_records(
    session: Session, selection: VersionFilter, batch: int = 1000
) -> Iterator[ArticleRecord]:
    """The records `selection` names, streamed `batch` rows at a time (memory stays flat).
    A long list of runs is read `RUNS_PER_QUERY` runs at a time (bound-parameter limits)."""
    runs = selection.run_ids
    if runs is not None and len(runs) > RUNS_PER_QUERY:
        for start in range(0, len(runs), RUNS_PER_QUERY):
            chunk = replace(selection, run_ids=runs[start : start + RUNS_PER_QUERY])
            yield from iter_records(session, chunk, batch)
        return
    query = select_versions(selection).execution_options(stream_results=True, yield_per=batch)
    for version, locator, feed in session.execute(query):
        yield to_record(version, locator, feed)
        session.expunge(version)
