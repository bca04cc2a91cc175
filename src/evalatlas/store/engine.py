"""Database engines: one SQLAlchemy engine per workspace, SQLite tuned for safe sharing.

SQLite runs in WAL mode (readers never block the one writer) with foreign keys on. The
sqlite3 driver's own transaction handling is switched off so that SQLAlchemy's BEGIN and
COMMIT are exactly what reaches SQLite; otherwise DDL inside a migration would commit on
its own and a failed migration could leave half a schema behind.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import URL, Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from evalatlas.jsonio import dumps

BUSY_TIMEOUT_MS = 10_000
WRITE_OPTION = "evalatlas_writes"


def _json_dumps(value: Any) -> str:
    # Readable unicode in the database; PortableJSON columns already wrote non-finite
    # floats as strings, any other JSON column follows the project's policy (null).
    return dumps(value)


def make_engine(url: str | URL) -> Engine:
    """An engine for ``url``; SQLite URLs get WAL, foreign keys and explicit transactions."""
    engine = create_engine(url, json_serializer=_json_dumps)
    if engine.dialect.name == "sqlite":
        _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # autocommit; SQLAlchemy emits BEGIN itself
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys = ON")
            _enable_wal(cursor)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A write transaction takes the write lock up front: a deferred one that reads
        # first fails at once ("database is locked") when another writer commits between
        # its read and its first write, instead of waiting for the busy timeout.
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def _enable_wal(cursor: sqlite3.Cursor) -> None:
    """Switch the file to WAL (a setting stored in the file) unless it already is.

    Reading the mode first also makes a file that is no database fail here, at open time.
    SQLite answers a mode change with "database is locked" at once, without waiting,
    while another connection is creating the same new database; so wait here instead.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            mode = str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower()
            if mode not in ("wal", "memory"):
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that will write; on SQLite it holds the write lock from its start."""
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        with conn.begin():
            yield conn


def describe(engine: Engine) -> str:
    """The database as a user would name it: a file path for SQLite, else the URL without
    its password."""
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database:
        return url.database
    return url.render_as_string(hide_password=True)


def describe_url(url: str | URL) -> str:
    """``describe`` for a URL string that may not even parse."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database URL given"
