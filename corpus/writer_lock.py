"""One deduplicating writer per database at a time."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

WRITER_LOCK = 0x6E657773  # PostgreSQL advisory lock key of newscorpus's deduplicating writers


def take_writer_turn(session: Session) -> None:
    """Serialise deduplicating writers of one database until this transaction ends, so
    signature ids are committed in order and no batch misses another's. SQLite already has a
    single writer (the store begins its write transactions IMMEDIATE, so the write lock is held
    for the whole batch); PostgreSQL takes an advisory lock,
    before any write so that it can never deadlock with row locks."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(WRITER_LOCK)))
