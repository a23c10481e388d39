"""One counter that every committed change to the data moves: the key of the district-page cache.

Row ids cannot serve: PostgreSQL hands out ids at insert time, so a transaction that started first
can commit last with the lower id and its change would hide behind a key already cached. The
counter is incremented as the last statement of every transaction that changed anything shown
on pages (in ``before_commit``, so the row is locked only while committing): increments follow
commit order, and a reader that sees value N sees every change committed with a value up to N.

Nothing has to remember it: flushes of new, changed or deleted objects and ORM ``UPDATE`` /
``DELETE`` statements (such as the guarded update of ``tracker.locking``) mark the session, and
the commit bumps the counter. Sign-in records and set-password tokens are not shown on pages.
Not seen: SQL run on the raw connection (``session.connection().execute``); the app runs none
(the bench's bulk loader does, before any page is cached).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker.db import db

_CHANGED = "data_changed"
# Tables whose changes never alter a page's content (so they do not empty the cache).
QUIET_TABLES = frozenset({"sign_ins", "password_tokens", "data_versions", "api_tokens"})


class DataVersion(db.Model):
    """A single row (id 1) counting committed changes."""

    __tablename__ = "data_versions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    counter: Mapped[int] = mapped_column(sa.BigInteger, default=0, server_default="0")


def current(session=None) -> int:
    """The counter as committed (0 before the first change): one primary-key read."""
    session = session or db.session
    return session.scalar(sa.select(DataVersion.counter).where(DataVersion.id == 1)) or 0


def changed_in(session) -> bool:
    """Whether this transaction has changed data shown on pages (not committed yet)."""
    return bool(session.info.get(_CHANGED))


def _bump(session: Session) -> None:
    """Increment the counter (creating the row if it is missing) in the session's transaction."""
    table = DataVersion.__table__
    connection = session.connection()
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[connection.dialect.name]
    connection.execute(
        insert(table).values(id=1, counter=1)
        .on_conflict_do_update(index_elements=[table.c.id], set_={"counter": table.c.counter + 1})
    )


def _loud(objects) -> bool:
    return any(getattr(obj, "__tablename__", None) not in QUIET_TABLES for obj in objects)


@sa.event.listens_for(Session, "after_flush")
def _note_flush(session: Session, context) -> None:
    if _loud(session.new) or _loud(session.dirty) or _loud(session.deleted):
        session.info[_CHANGED] = True


@sa.event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    """Bulk ``UPDATE`` / ``DELETE`` / ``INSERT`` statements bypass the flush: note them here."""
    if state.is_update or state.is_delete or state.is_insert:
        tables = {getattr(m, "local_table", None) for m in state.all_mappers}
        if not tables or any(t is None or t.name not in QUIET_TABLES for t in tables):
            state.session.info[_CHANGED] = True


@sa.event.listens_for(Session, "before_commit")
def _bump_on_commit(session: Session) -> None:
    session.flush()  # the commit's own flush comes after this event
    if session.info.pop(_CHANGED, False):
        _bump(session)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction: committed or rolled back
        session.info.pop(_CHANGED, None)
