"""courlan canonical URLs: re-key articles, merging those that now coincide

Article ids are hashes of the canonical URL, which now sorts the query, resolves dot
segments and drops a host's trailing dot (corpus.identity.canonical_url). Every stored URL
article gets its new key and id; articles whose URLs now coincide become one article holding
every version of each, renumbered 1..n in ingest order (version rows keep their row ids, so
signatures stay attached). Cluster and duplicate references follow the new ids; a version
left pointing at its own article becomes the canonical member (no self-duplicates), and
version URLs take the new canonical form. Fetch-state and feed-entry keys (canonical URLs
too) are re-keyed so conditional GETs and seen entries carry over. Nothing but emptied
article rows is removed.

Revision ID: 0004_courlan_urls
Revises: 0003
Create Date: 2026-11-24 15:40:00
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from corpus.identity import article_id, canonical_url

revision = "0004_courlan_urls"
down_revision = "0003"
branch_labels = None
depends_on = None

_CHUNK = 500

articles = sa.table(
    "articles",
    sa.column("id", sa.String),
    sa.column("key", sa.String),
    sa.column("url", sa.String),
    sa.column("source_id", sa.Integer),
    sa.column("latest_version", sa.Integer),
    sa.column("created_at", sa.DateTime(timezone=True)),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
versions = sa.table(
    "article_versions",
    sa.column("id", sa.Integer),
    sa.column("article_id", sa.String),
    sa.column("version", sa.Integer),
    sa.column("url", sa.String),
    sa.column("cluster_id", sa.String),
    sa.column("duplicate_of", sa.String),
    sa.column("similarity", sa.Float),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
fetch_state = sa.table(
    "fetch_state",
    sa.column("url", sa.String),
    sa.column("etag", sa.String),
    sa.column("last_modified", sa.String),
    sa.column("updated_at", sa.DateTime(timezone=True)),
)
feed_entries = sa.table(
    "feed_entries",
    sa.column("feed_url", sa.String),
    sa.column("entry_url", sa.String),
    sa.column("first_seen", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    bind = op.get_bind()
    moved = _rekey_articles(bind)
    _follow_references(bind, moved)
    _recanonicalise_version_urls(bind)
    _rekey_fetch_state(bind)
    _rekey_feed_entries(bind)


def downgrade() -> None:
    raise RuntimeError(
        "0004_courlan_urls cannot be undone: articles merged under one canonical URL "
        "cannot be split again, and the older code would key new fetches differently"
    )


def _new_url(url: str) -> str:
    """The new canonical form of a stored URL; a URL that cannot be parsed stays as it is."""
    try:
        return canonical_url(url)
    except ValueError:
        return url


def _chunks(items: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _rekey_articles(bind: sa.Connection) -> dict[str, str]:
    """Give URL articles their new key and id, merging those that coincide; returns the
    old id → new id of every article that moved. Only keys are held for the whole corpus."""
    rows = bind.execute(
        sa.select(articles.c.id, articles.c.key).where(articles.c.key.like("url:%"))
    )
    groups: dict[str, list[str]] = defaultdict(list)
    for ident, key in rows:
        groups["url:" + _new_url(key[4:])].append(ident)
    moved: dict[str, str] = {}
    for key, old_ids in groups.items():
        ident = article_id(key)
        if old_ids == [ident]:  # the key did not change
            continue
        members = bind.execute(sa.select(articles).where(articles.c.id.in_(old_ids))).mappings()
        _merge(bind, key, ident, list(members))
        moved.update({old: ident for old in old_ids if old != ident})
    return moved


def _merge(bind: sa.Connection, key: str, ident: str, members: list[Any]) -> None:
    """One article `ident` holding every version of `members`, numbered in ingest order."""
    old_ids = [member["id"] for member in members]
    rows = bind.execute(
        sa.select(versions.c.id)
        .where(versions.c.article_id.in_(old_ids))
        .order_by(versions.c.created_at, versions.c.id)
    ).all()
    first = min(members, key=lambda member: (member["created_at"], member["id"]))
    values = {
        "key": key,
        "url": key[4:],
        "source_id": first["source_id"],
        "latest_version": len(rows),
        "created_at": first["created_at"],
        "updated_at": max(member["updated_at"] for member in members),
    }
    if ident in old_ids:
        bind.execute(articles.update().where(articles.c.id == ident).values(**values))
    else:
        bind.execute(articles.insert().values(id=ident, **values))
    # Negative numbers first, so renumbering never meets (article_id, version) twice.
    ids = [row.id for row in rows]
    update = (
        versions.update()
        .where(versions.c.id == sa.bindparam("row"))
        .values(article_id=ident, version=sa.bindparam("number"))
    )
    bind.execute(update, [{"row": row, "number": -row} for row in ids])
    bind.execute(update, [{"row": row, "number": n} for n, row in enumerate(ids, start=1)])
    emptied = [old for old in old_ids if old != ident]
    if emptied:
        bind.execute(articles.delete().where(articles.c.id.in_(emptied)))


def _follow_references(bind: sa.Connection, moved: dict[str, str]) -> None:
    """Point cluster_id and duplicate_of at the new ids; a version that now names its own
    article as the one it duplicates is that cluster's canonical member instead."""
    old_ids = list(moved)
    for chunk in _chunks(old_ids):
        rows = bind.execute(
            sa.select(versions.c.id, versions.c.cluster_id, versions.c.duplicate_of).where(
                sa.or_(versions.c.cluster_id.in_(chunk), versions.c.duplicate_of.in_(chunk))
            )
        ).all()
        changes = [
            {
                "row": row.id,
                "cluster": moved.get(row.cluster_id, row.cluster_id),
                "duplicate": moved.get(row.duplicate_of, row.duplicate_of),
            }
            for row in rows
        ]
        if changes:
            bind.execute(
                versions.update()
                .where(versions.c.id == sa.bindparam("row"))
                .values(cluster_id=sa.bindparam("cluster"), duplicate_of=sa.bindparam("duplicate")),
                changes,
            )
    targets = sorted(set(moved.values()))
    for chunk in _chunks(targets):
        bind.execute(
            versions.update()
            .where(
                versions.c.article_id.in_(chunk), versions.c.duplicate_of == versions.c.article_id
            )
            .values(duplicate_of=None, similarity=None)
        )


def _recanonicalise_version_urls(bind: sa.Connection) -> None:
    """Each version's web URL in its new canonical form (what export and the API show),
    read in chunks of row ids so the corpus is never held whole."""
    after = 0
    while True:
        rows = bind.execute(
            sa.select(versions.c.id, versions.c.url)
            .where(versions.c.id > after, versions.c.url.like("http%"))
            .order_by(versions.c.id)
            .limit(_CHUNK)
        ).all()
        if not rows:
            return
        changes = [
            {"row": row.id, "new": new} for row in rows if (new := _new_url(row.url)) != row.url
        ]
        if changes:
            bind.execute(
                versions.update()
                .where(versions.c.id == sa.bindparam("row"))
                .values(url=sa.bindparam("new")),
                changes,
            )
        after = rows[-1].id


def _rekey_fetch_state(bind: sa.Connection) -> None:
    """Validators under the new canonical URL; where several now coincide the newest wins."""
    rows = bind.execute(sa.select(fetch_state)).mappings().all()
    groups: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        groups[_new_url(row["url"])].append(row)
    for url, members in groups.items():
        if [member["url"] for member in members] == [url]:
            continue
        newest = max(members, key=lambda member: member["updated_at"])
        bind.execute(fetch_state.delete().where(fetch_state.c.url.in_([m["url"] for m in members])))
        bind.execute(fetch_state.insert().values(**{**newest, "url": url}))


def _rekey_feed_entries(bind: sa.Connection) -> None:
    """Seen entries under the new canonical feed and entry URLs, first sighting kept."""
    rows = bind.execute(sa.select(feed_entries)).mappings().all()
    groups: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in rows:
        groups[(_new_url(row["feed_url"]), _new_url(row["entry_url"]))].append(row)
    for (feed, entry), members in groups.items():
        if [(m["feed_url"], m["entry_url"]) for m in members] == [(feed, entry)]:
            continue
        for member in members:
            bind.execute(
                feed_entries.delete().where(
                    feed_entries.c.feed_url == member["feed_url"],
                    feed_entries.c.entry_url == member["entry_url"],
                )
            )
        first_seen = min(member["first_seen"] for member in members)
        bind.execute(
            feed_entries.insert().values(feed_url=feed, entry_url=entry, first_seen=first_seen)
        )
