"""Apply the Alembic migrations in `corpus/migrations` to a database (automatically on open).

The whole upgrade runs in one transaction (SQLite's DDL is transactional once the store sends
its own BEGIN), so a process killed mid-migration leaves the previous schema, never half of
a new one. A file left half-created by an older version (tables but no recorded revision) is
repaired when every table in it is empty, and refused with the reason otherwise.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from corpus.models import Base

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaError(Exception):
    """The database holds a schema the migrations cannot bring up to date; says why."""


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def _recorded_revision(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def repair_unrecorded_schema(connection: Connection) -> list[str]:
    """Drop the corpus tables of a database that has some but no recorded revision (a first
    migration killed before atomic migrations), when they are all empty; returns them."""
    if _recorded_revision(connection) is not None:
        return []
    present = set(inspect(connection).get_table_names())
    tables = [table for table in reversed(Base.metadata.sorted_tables) if table.name in present]
    if not tables:
        return []
    filled = [
        table.name
        for table in tables
        if connection.execute(text(f'SELECT 1 FROM "{table.name}" LIMIT 1')).first()
    ]
    if filled:
        raise SchemaError(
            f"the database has corpus tables with rows ({', '.join(filled)}) but no recorded "
            "schema revision; it was not created by newscorpus or its creation was interrupted"
        )
    for table in tables:
        table.drop(connection)
    return [table.name for table in tables]


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` in one transaction; a no-op when it is already there."""
    config = alembic_config()
    with engine.begin() as connection:
        repair_unrecorded_schema(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
