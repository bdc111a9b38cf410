"""INSERT .. ON CONFLICT in the dialect of the session: the corpus runs on SQLite or PostgreSQL,
and both spell an upsert the same way through their own `insert`."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from corpus.models import Base


def dialect_insert(session: Session, model: type[Base]) -> postgresql.Insert | sqlite.Insert:
    """An INSERT into `model`'s table that has `on_conflict_do_update`/`_do_nothing`."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(model)
    if dialect == "sqlite":
        return sqlite.insert(model)
    raise NotImplementedError(f"upserts need SQLite or PostgreSQL, not {dialect}")
