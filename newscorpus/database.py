"""Check a corpus database URL before any work starts: one clear line for every mistake."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

# Drivers a user may lack, with what to install for them.
DRIVER_PACKAGES = {
    "mysql": "mysqlclient (pip install mysqlclient), or use mysql+pymysql:// with pymysql",
    "mysql+mysqldb": "mysqlclient (pip install mysqlclient)",
    "mysql+pymysql": "pymysql (pip install pymysql)",
    "postgresql+psycopg2": "psycopg2 (pip install psycopg2-binary), or use postgresql://",
    "postgresql+asyncpg": "nothing: use postgresql:// (the corpus needs a synchronous driver)",
}


class DatabaseUrlError(ValueError):
    """The database URL cannot be used; the message says why in one line."""


def normalise_database_url(url: str, writing: bool = True) -> str:
    """`url` checked and normalised: postgres:// and postgresql:// use psycopg (installed);
    the driver must be importable and, for `writing`, an SQLite file writable."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlError(
            f"not a database URL: {url!r} (expected e.g. sqlite:///data/newscorpus.db or "
            "postgresql://user@host/dbname)"
        ) from None
    if parsed.drivername in ("postgres", "postgresql"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    _check_driver(parsed)
    if writing and parsed.get_backend_name() == "sqlite":
        _check_sqlite_file(parsed)
    return parsed.render_as_string(hide_password=False)


def _check_driver(url: URL) -> None:
    try:
        url.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise DatabaseUrlError(f"unknown database type {url.drivername!r} in {url}") from None
    except ImportError as exc:
        need = DRIVER_PACKAGES.get(url.drivername, f"the Python package {exc.name!r}")
        raise DatabaseUrlError(
            f"{url.drivername} databases need a driver that is not installed: install {need}"
        ) from None


def _check_sqlite_file(url: URL) -> None:
    if not url.database or url.database == ":memory:":
        return
    path = Path(url.database)
    if path.exists():
        if path.is_dir():
            raise DatabaseUrlError(f"the SQLite database {path} is a directory")
        if not os.access(path, os.R_OK | os.W_OK):
            raise DatabaseUrlError(f"the SQLite database {path} is not writable")
        return
    folder = next((p for p in path.absolute().parents if p.exists()), None)
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise DatabaseUrlError(
            f"cannot create the SQLite database {path}: {folder} is not writable ({exc.strerror})"
        ) from None
