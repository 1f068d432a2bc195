"""Engine and session factory. No module-level engine: the app's lifespan owns it."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar, cast

from sqlalchemy import Connection, CursorResult, Engine, Result, any_, event, literal, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Mapped, QueryableAttribute
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, SQLModel, create_engine

log = logging.getLogger("kyodo.db")

WRITE_LOCK_TIMEOUT = 30.0  # as long as SQLite's busy timeout


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with the settings each database needs for concurrent use.

    SQLite: WAL (readers don't block the writer), a busy timeout, foreign keys on, and the
    parent folder created. PostgreSQL: psycopg 3 with pre-ping so a restarted server is survived.
    """
    # Store JSON as readable UTF-8 (not \uXXXX escapes) so text in it can be searched and erased.
    kwargs.setdefault("json_serializer", _json_dumps)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            # Python's sqlite3 opens transactions lazily; take control so BEGIN IMMEDIATE works.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if database and database != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        # Every transaction takes SQLite's write lock up front (BEGIN IMMEDIATE) instead of
        # failing with SQLITE_BUSY on upgrade. Inside one process the threads queue on a lock
        # first: SQLite's own busy handler sleeps 1–100 ms between tries, which made a
        # busy process wait far longer than the transactions it waited for.
        process_lock = threading.Lock()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            held = process_lock.acquire(timeout=WRITE_LOCK_TIMEOUT)
            if not held:  # a transaction was left open: fall back to SQLite's busy handler
                log.warning("SQLite write lock not released within %s s", WRITE_LOCK_TIMEOUT)
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if held:
                    process_lock.release()
                raise
            conn.info["kyodo_write_lock"] = held

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _sqlite_end(conn):
            if conn.info.pop("kyodo_write_lock", False):
                process_lock.release()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def _json_dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def is_postgres(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "postgresql"


def insert_or_skip(engine: Engine | Connection, table):
    """``INSERT`` that can take ``.on_conflict_do_nothing()`` (PostgreSQL and SQLite both
    have it; SQLAlchemy offers it on each dialect's own insert)."""
    return (postgresql.insert if is_postgres(engine) else sqlite.insert)(table)


def one_of(
    engine: Engine | Connection, column: ColumnElement[Any] | Mapped[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``column = ANY(:array)``, one parameter.

    A 500-value ``IN`` list is a new, long SQL text every time: psycopg re-parses it on every
    execution (its parse cache skips long queries) and can never prepare it. An array keeps
    the text fixed, so the statement is parsed once and prepared.
    """
    expr = (
        column
        if isinstance(column, ColumnElement)
        else cast(QueryableAttribute[Any], column).expression
    )
    if is_postgres(engine):
        return expr == any_(literal(list(values), ARRAY(expr.type)))
    return expr.in_(list(values))


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a query against our schema."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1 FROM processed_event WHERE 1 = 0"))


def affected(result: Result[Any]) -> int:
    """Rows an UPDATE/DELETE touched: ``Session.execute`` types its result as ``Result``, but
    for DML it is always a ``CursorResult``, which has ``rowcount``."""
    return cast(CursorResult[Any], result).rowcount


def stored_id(row_id: int | None) -> int:
    """The id of a row read from (or flushed to) the store, where it is never None; SQLModel
    types every ``id`` as ``int | None`` because a new, unsaved row has none yet."""
    if row_id is None:
        raise ValueError("row has no id: it was never flushed to the store")
    return row_id


_Row = TypeVar("_Row", bound=SQLModel)


def stored_row(db: Session, model: type[_Row], row_id: int) -> _Row:
    """A row a foreign key points at: it exists (the key is enforced), so None is an error."""
    row = db.get(model, row_id)
    if row is None:
        raise LookupError(f"{model.__name__} {row_id} is missing although a key points at it")
    return row
