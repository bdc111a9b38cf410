"""Cluster policy: who joins whom, which member is canonical, and merging clusters.

A cluster is named by its canonical member's article id (`cluster_id`); every other member
points at it (`duplicate_of`) with the `similarity` that joined it. The canonical member is the
earliest *published* copy (the original of a syndicated story), ties to the longer text; a copy
with a publication date precedes one without; the first ingested only when no date decides.
Rows are relabelled, never removed.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, update
from sqlalchemy.orm import Session

from corpus.latest import select_latest
from corpus.models import ArticleVersion

NEAR_DUPLICATE_CEILING = 0.9999  # a near-duplicate never reports 1.0, which means identical text


def reported(score: float) -> float:
    """A near-duplicate's similarity: 4 decimals, below the 1.0 kept for identical text."""
    return min(round(score, 4), NEAR_DUPLICATE_CEILING)


def parse_published(published: str | None) -> tuple[date, datetime | None] | None:
    """A stored `published` string as (UTC date, UTC time if the string has one)."""
    if not published:
        return None
    text = published.strip()
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        try:
            return date.fromisoformat(text[:10]), None
        except ValueError:
            return None
    if len(text) <= 10:
        return stamp.date(), None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    stamp = stamp.astimezone(UTC)
    return stamp.date(), stamp


@dataclass(frozen=True)
class Member:
    """What decides which copy of a story is canonical."""

    article_id: str
    published: str | None
    length: int
    ingested: datetime

    @classmethod
    def of(cls, version: ArticleVersion) -> Member:
        return cls(version.article_id, version.published, len(version.text), version.created_at)


def _compare(a: Member, b: Member) -> int:
    """Negative when `a` is the better canonical member than `b`."""
    pa, pb = parse_published(a.published), parse_published(b.published)
    if (pa is None) != (pb is None):
        return -1 if pb is None else 1
    if pa is not None and pb is not None:
        if pa[0] != pb[0]:
            return -1 if pa[0] < pb[0] else 1
        if pa[1] is not None and pb[1] is not None and pa[1] != pb[1]:
            return -1 if pa[1] < pb[1] else 1
        if a.length != b.length:
            return -1 if a.length > b.length else 1
    ingested_a, ingested_b = _utc(a.ingested), _utc(b.ingested)
    if ingested_a != ingested_b:
        return -1 if ingested_a < ingested_b else 1
    return -1 if a.article_id < b.article_id else (1 if a.article_id > b.article_id else 0)


def _utc(stamp: datetime) -> datetime:
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


canonical_order = functools.cmp_to_key(_compare)


def canonical_members(session: Session, clusters: Sequence[str]) -> list[Member]:
    """The canonical members of clusters (named by their canonical article), best first."""
    rows = session.execute(
        select_latest(
            ArticleVersion.article_id,
            ArticleVersion.published,
            func.length(ArticleVersion.text),
            ArticleVersion.created_at,
        ).where(ArticleVersion.article_id.in_(clusters))
    ).all()
    return sorted((Member(*row) for row in rows), key=canonical_order)


def earliest_cluster(session: Session, clusters: Sequence[str]) -> str:
    """Of clusters named by their canonical article, the one whose canonical member comes
    first (earliest published, then longest, then first stored)."""
    return canonical_members(session, clusters)[0].article_id


def start_cluster(version: ArticleVersion) -> None:
    """`version` is the first of its story: its article is the cluster's canonical member."""
    version.cluster_id = version.article_id
    version.duplicate_of = None
    version.similarity = None


def merge_cluster(session: Session, cluster: str, into: str, similarity: float) -> None:
    """Re-point every version of `cluster` at cluster `into` (rows are relabelled, never
    removed); its former canonical member gets the similarity of the bridging match."""
    session.execute(
        update(ArticleVersion)
        .where(ArticleVersion.cluster_id == cluster, ArticleVersion.duplicate_of.is_(None))
        .values(similarity=similarity)
    )
    session.execute(
        update(ArticleVersion)
        .where(ArticleVersion.cluster_id == cluster)
        .values(cluster_id=into, duplicate_of=into)
    )


def join_cluster(
    session: Session, version: ArticleVersion, cluster: str, similarity: float
) -> None:
    """Put `version` in `cluster`. When it is the better canonical member (published earlier:
    the original of a syndicated copy ingested first), it takes the cluster over."""
    current = canonical_members(session, [cluster])
    if current and canonical_order(Member.of(version)) < canonical_order(current[0]):
        merge_cluster(session, cluster, into=version.article_id, similarity=similarity)
        start_cluster(version)
        return
    version.cluster_id = version.duplicate_of = cluster
    version.similarity = similarity
