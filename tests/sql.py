"""Counting the SQL statements the app sends (for tests that keep the count flat as data grows)."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa

from tracker.db import db


@contextlib.contextmanager
def counted():
    """Yield a list that collects every statement sent to the database inside the block."""
    statements: list[str] = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", listener)


def statements(client, url: str) -> int:
    """How many SQL statements one GET of ``url`` runs (the test's own writes committed first)."""
    db.session.commit()
    with counted() as seen:
        assert client.get(url).status_code == 200
    return len(seen)
