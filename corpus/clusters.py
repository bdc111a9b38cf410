"""Duplicate clusters as stored: groups of articles whose latest versions share a cluster."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import Session, sessionmaker

from corpus.latest import select_latest
from corpus.models import ArticleVersion
from corpus.records import ArticleRecord, VersionFilter, select_versions, to_record

# What `newscorpus duplicates --json` shows of each member.
MEMBER_FIELDS = ("id", "version", "title", "source", "url", "duplicate_of", "similarity")


@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of articles whose latest versions are duplicates: canonical member first."""

    cluster_id: str
    members: tuple[ArticleRecord, ...]

    @property
    def size(self) -> int:
        return len(self.members)

    def summary(self) -> dict[str, Any]:
        """The cluster as plain values, each member by its `MEMBER_FIELDS` and ingestion time."""
        members = [
            {name: getattr(member, name) for name in MEMBER_FIELDS}
            | {"ingested_at": member.ingested_at.isoformat()}
            for member in self.members
        ]
        return {"cluster_id": self.cluster_id, "size": self.size, "members": members}


def iter_clusters(sessions: sessionmaker[Session], min_size: int = 2) -> Iterator[Cluster]:
    """Clusters with at least `min_size` articles, read in one session of `sessions` and
    streamed one at a time: the canonical member first, then the others in the order they were
    stored."""
    shared = (
        select_latest(ArticleVersion.cluster_id)
        .group_by(ArticleVersion.cluster_id)
        .having(func.count() >= min_size)
    )
    query = (
        select_versions(VersionFilter())
        .where(ArticleVersion.cluster_id.in_(shared))
        .order_by(None)
        .order_by(ArticleVersion.cluster_id, ArticleVersion.created_at, ArticleVersion.id)
    )
    with sessions() as session:
        rows = session.execute(query.execution_options(stream_results=True, yield_per=500))
        for cluster_id, group in groupby(rows, key=lambda row: row[0].cluster_id):
            members = sorted(
                (to_record(*row) for row in group),
                key=lambda member: member.duplicate_of is not None,
            )
            yield Cluster(cluster_id, tuple(members))
