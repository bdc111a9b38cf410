"""Duplicate clusters as stored: groups of articles whose latest versions share a cluster."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import groupby
from typing import Any

from sqlalchemy import func

from corpus.latest import select_latest
from corpus.models import ArticleVersion, Source
from corpus.store import CorpusStore


def iter_clusters(store: CorpusStore, min_size: int = 2) -> Iterator[dict[str, Any]]:
    """Clusters with at least `min_size` articles, streamed one at a time: the canonical member
    first, then the others in the order they were stored, each with its similarity."""
    shared = (
        select_latest(ArticleVersion.cluster_id)
        .group_by(ArticleVersion.cluster_id)
        .having(func.count() >= min_size)
    )
    query = (
        select_latest(ArticleVersion, Source.locator)
        .join(Source, Source.id == ArticleVersion.source_id)
        .where(ArticleVersion.cluster_id.in_(shared))
        .order_by(ArticleVersion.cluster_id, ArticleVersion.created_at, ArticleVersion.id)
    )
    with store.reading() as session:
        rows = session.execute(query.execution_options(stream_results=True, yield_per=500))
        for cluster_id, group in groupby(rows, key=lambda row: row[0].cluster_id):
            members = [_member(version, locator) for version, locator in group]
            members.sort(key=lambda member: member["duplicate_of"] is not None)
            yield {"cluster_id": cluster_id, "size": len(members), "members": members}


def _member(version: ArticleVersion, locator: str) -> dict[str, Any]:
    return {
        "id": version.article_id,
        "version": version.version,
        "title": version.title,
        "source": locator,
        "url": version.url,
        "duplicate_of": version.duplicate_of,
        "similarity": version.similarity,
        "ingested_at": version.created_at.isoformat(),
    }
