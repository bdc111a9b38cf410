"""The latest version of each article: the one query every reader of current texts uses."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, select

from corpus.models import ArticleRow, ArticleVersion

IS_LATEST = and_(
    ArticleRow.id == ArticleVersion.article_id, ArticleRow.latest_version == ArticleVersion.version
)


def select_latest(*columns: Any) -> Select[Any]:
    """`SELECT columns` over the latest version of every article (ArticleVersion rows joined
    to their article on its `latest_version`); add where/order clauses as needed."""
    return select(*columns).select_from(ArticleVersion).join(ArticleRow, IS_LATEST)
