"""Duplicate assignment for new article versions: every version gets a cluster.

A version whose normalised text equals the latest text of another article joins that
article's cluster and points at the cluster's canonical member (`duplicate_of`). Nothing is
ever deleted: duplicates are marked, not dropped.
"""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from corpus.models import Article, ArticleVersion


def latest_with_hash(
    session: Session, content_hash: str, exclude_article: str
) -> ArticleVersion | None:
    """The earliest stored article whose latest version has this content hash."""
    query = (
        select(ArticleVersion)
        .join(
            Article,
            and_(
                Article.id == ArticleVersion.article_id,
                Article.latest_version == ArticleVersion.version,
            ),
        )
        .where(ArticleVersion.content_hash == content_hash)
        .where(ArticleVersion.article_id != exclude_article)
        .order_by(ArticleVersion.created_at, ArticleVersion.id)
        .limit(1)
    )
    return session.scalars(query).first()


class ExactDeduplicator:
    """Clusters versions with identical normalised text (same `content_hash`)."""

    def assign(self, session: Session, version: ArticleVersion) -> None:
        match = latest_with_hash(session, version.content_hash, version.article_id)
        if match is None:
            version.cluster_id = version.article_id
            version.duplicate_of = None
            version.similarity = None
        else:
            version.cluster_id = match.cluster_id or match.article_id
            version.duplicate_of = match.duplicate_of or match.article_id
            version.similarity = 1.0
