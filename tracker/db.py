"""The SQLAlchemy handle, the declarative base and per-connection SQLite settings."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base whose constraints get stable names (Alembic batch mode needs them)."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


def utcnow() -> datetime:
    """Timezone-aware now in UTC, evaluated per call (never once at import)."""
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given for a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def enum_check(column: str, values) -> sa.CheckConstraint:
    """A CHECK constraint that mirrors a Python enum (named ``<column>_valid``)."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({allowed})", name=f"{column}_valid")


MMAP_BYTES = 4 << 30  # beyond the size of the database at 200,000 pilots


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """Per-connection SQLite settings: foreign keys, WAL, a busy timeout, and reads through a
    memory map (the operating system's page cache, shared by every worker, instead of a copy of
    each page into a 2 MB per-connection cache: a search touching thousands of rows ran 2-4 ×
    faster). The map is address space, not memory: only the pages read take room."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    cursor.close()


class LeftFirst(sa.sql.expression.Join):
    """An inner join whose left side SQLite reads first (``CROSS JOIN``: SQLite's way to fix the
    order); other databases plan it themselves. For a statement that walks an index of the left
    table in order and stops at a ``LIMIT``, where SQLite's planner would read every candidate of
    the right side and sort them."""

    inherit_cache = True


@compiles(LeftFirst, "sqlite")
def _left_first_sqlite(join, compiler, **kw):
    return compiler.visit_join(join, **kw).replace(" JOIN ", " CROSS JOIN ", 1)
