"""Re-clustering a store whose clusters were made by older clustering rules.

Table `dedup_state` records the rules (`CLUSTERING_RULES`) that made the stored clusters; a
store without that record (made before migration `0005_site_shingles`) or with older rules is
re-clustered when it is opened: every article's latest version is assigned again, in the
order it was stored. Only cluster fields change; every row stays.
"""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from corpus.latest import select_latest
from corpus.models import ArticleVersion, DedupState

# Version of the clustering rules; a store whose clusters were made by other rules is
# re-clustered. 2: site furniture left out of verification, canonical = earliest published.
CLUSTERING_RULES = "2"
_RECLUSTER_CHUNK = 500


def stored_state(session: Session, name: str) -> str | None:
    """A `dedup_state` value (None when not recorded)."""
    return session.scalar(select(DedupState.value).where(DedupState.name == name))


def record_state(session: Session, name: str, value: str) -> None:
    """Record a `dedup_state` value."""
    row = session.get(DedupState, name)
    if row is None:
        session.add(DedupState(name=name, value=value))
    else:
        row.value = value
    session.flush()


def recluster_if_outdated(session: Session, assign_in_order: ReclusterStep) -> bool:
    """Re-cluster every article's latest version, in ingestion order, when the stored clusters
    were made by other rules (a store created before them). Only cluster fields change."""
    if stored_state(session, "clustering") == CLUSTERING_RULES:
        return False
    latest_ids = select_latest(ArticleVersion.id)
    session.execute(
        update(ArticleVersion)
        .where(ArticleVersion.id.in_(latest_ids.scalar_subquery()))
        .values(cluster_id=None, duplicate_of=None, similarity=None)
        .execution_options(synchronize_session=False)
    )
    session.expire_all()
    ordered = [
        row[0]
        for row in session.execute(
            latest_ids.order_by(ArticleVersion.created_at, ArticleVersion.id)
        )
    ]
    for start in range(0, len(ordered), _RECLUSTER_CHUNK):
        chunk = ordered[start : start + _RECLUSTER_CHUNK]
        versions = session.scalars(select(ArticleVersion).where(ArticleVersion.id.in_(chunk)))
        by_id = {version.id: version for version in versions}
        for version_id in chunk:
            assign_in_order(session, by_id[version_id])
            session.flush()
    record_state(session, "clustering", CLUSTERING_RULES)
    return True


class ReclusterStep(Protocol):
    """Assigns one version's cluster, given that every earlier one is assigned (what it
    returns is not used)."""

    def __call__(self, session: Session, version: ArticleVersion) -> object: ...
