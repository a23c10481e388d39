"""The outbox worker: lease due rows, send each, record the deliveries, commit in small groups.

Claiming is one ``UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED LIMIT n)`` on
PostgreSQL (several workers never lease the same row), the same statement without the lock
clause on SQLite (its writes are serialised). Rows the SMTP server accepted are marked sent in one
commit per group of ``MAIL_COMMIT_EVERY`` messages (or the group so far, at the first acceptance
``MAIL_COMMIT_SECONDS`` after it began) and at the end of the batch, also one ended by an exception. The
price, kept small on purpose: a worker killed outright (SIGKILL, power cut) forgets at most that
one group, whose messages are sent again, with the same Message-ID, when the lease runs out.
Nothing is lost: rows not marked stay leased, then pending. Failures are stored at once, retry
with exponential back-off and give up after ``MAIL_MAX_ATTEMPTS``.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from tracker.db import db, utcnow
from tracker.notifications import mail
from tracker.notifications.models import (
    Delivery,
    Notification,
    NotificationSettings,
    OutboxMessage,
    OutboxState,
)

log = logging.getLogger(__name__)


def _due(now, batch: int):
    due = (sa.select(OutboxMessage.id)
           .where(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now,
                  sa.or_(OutboxMessage.lease_until.is_(None), OutboxMessage.lease_until < now))
           .order_by(OutboxMessage.id).limit(batch))
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    return due


def claim(batch: int, now=None) -> tuple[str, list[OutboxMessage]]:
    """Lease up to ``batch`` due rows for this worker (committed); return the token and rows."""
    now = now or utcnow()
    token = uuid.uuid4().hex
    lease = timedelta(seconds=float(current_app.config["MAIL_LEASE_SECONDS"]))
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id.in_(_due(now, batch).scalar_subquery()),
               OutboxMessage.state == OutboxState.PENDING)
        .values(lease_token=token, lease_until=now + lease)
        .execution_options(synchronize_session=False))
    db.session.commit()
    rows = db.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.lease_token == token).order_by(OutboxMessage.id)
        .options(joinedload(OutboxMessage.user), joinedload(OutboxMessage.notification),
                 joinedload(OutboxMessage.digest))).all()
    return token, list(rows)


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failure: base, 2×base, 4×base… (capped at a day)."""
    base = float(current_app.config["MAIL_RETRY_SECONDS"])
    return timedelta(seconds=min(base * 2 ** (attempts - 1), 86400))


def _finish(message: OutboxMessage, token: str, values: dict, delivery: dict) -> bool:
    """Store a failure if this worker still holds the lease, in its own short transaction on its
    own connection (committed at once; the batch's loaded rows stay as they are)."""
    with db.engine.begin() as conn:
        done = conn.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id == message.id, OutboxMessage.lease_token == token)
            .values(lease_token=None, lease_until=None, **values)).rowcount
        if done:
            conn.execute(sa.insert(Delivery).values(outbox_id=message.id, **delivery))
    return bool(done)


class SentLog:
    """Messages the SMTP server accepted, marked sent in one commit per small group (see above)."""

    def __init__(self, token: str, now=None):
        self.token, self.now = token, now
        self.size = int(current_app.config["MAIL_COMMIT_EVERY"])
        self.seconds = float(current_app.config["MAIL_COMMIT_SECONDS"])
        self.pending: dict[int, object] = {}  # outbox id -> when it was sent
        self.since = 0.0

    def add(self, message: OutboxMessage) -> None:
        if not self.pending:
            self.since = time.monotonic()
        self.pending[message.id] = self.now or utcnow()
        if len(self.pending) >= self.size or time.monotonic() - self.since >= self.seconds:
            self.flush()

    def flush(self) -> None:
        """Two statements and a commit on a connection of its own: the rows this worker still
        leases become sent (attempts + 1), and each gets its delivery record."""
        if not self.pending:
            return
        pending, self.pending = self.pending, {}
        with db.engine.begin() as conn:
            held = conn.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id.in_(pending), OutboxMessage.lease_token == self.token)
                .values(lease_token=None, lease_until=None, state=OutboxState.SENT, last_error="",
                        attempts=OutboxMessage.attempts + 1, sent_at=max(pending.values()))
                .returning(OutboxMessage.id, OutboxMessage.attempts)).all()
            if held:
                conn.execute(sa.insert(Delivery), [
                    {"outbox_id": i, "outcome": "sent", "error": "", "attempt": n, "at": pending[i]}
                    for i, n in sorted(held)])


def deliver(message: OutboxMessage, token: str, transport, builder: mail.Builder, sent: SentLog,
            now=None, email_language: str | None = None) -> str:
    """Send one leased message; return ``sent`` (recorded through ``sent``), ``failed`` or ``gave_up``."""
    try:
        transport.send(builder.build(message, email_language), f"{message.id:08d}")
    except (OSError, smtplib.SMTPException, ValueError, LookupError) as exc:
        attempt = message.attempts + 1
        error = f"{type(exc).__name__}: {exc}"[:500]
        now = now or utcnow()
        gave_up = attempt >= int(current_app.config["MAIL_MAX_ATTEMPTS"])
        outcome = "gave_up" if gave_up else "failed"
        values = {"attempts": attempt, "last_error": error,
                  "state": OutboxState.GAVE_UP if gave_up else OutboxState.PENDING,
                  "next_attempt_at": now + backoff(attempt)}
        _finish(message, token, values, {"outcome": outcome, "error": error, "attempt": attempt, "at": now})
        log.warning("mail to user %s %s (attempt %s): %s", message.user_id, outcome, attempt, error)
        return outcome
    sent.add(message)
    return "sent"


def run_once(batch: int = 100, transport=None, now=None) -> dict[str, int]:
    """One pass: claim a batch and deliver it; counts per outcome."""
    own = transport is None
    transport = transport or mail.Transport(current_app)
    token, rows = claim(batch, now)
    counts = {"sent": 0, "failed": 0, "gave_up": 0}
    languages = dict(db.session.execute(
        sa.select(NotificationSettings.user_id, NotificationSettings.email_language)
        .where(NotificationSettings.user_id.in_({m.user_id for m in rows}))).all()) if rows else {}
    sent = SentLog(token, now)
    try:
        with current_app.test_request_context("/"):
            builder = mail.Builder(current_app)
            for message in rows:
                counts[deliver(message, token, transport, builder, sent, now,
                               languages.get(message.user_id))] += 1
    finally:
        try:
            sent.flush()  # what the server accepted is recorded even when the batch ends early
        finally:
            if own:
                transport.close()
            db.session.rollback()  # end the read transaction; what changed was committed apart
    return counts


def purge(now=None) -> int:
    """Delete notifications older than ``NOTIFY_RETENTION_DAYS`` (their outbox rows and delivery
    records go with them)."""
    cutoff = (now or utcnow()) - timedelta(days=int(current_app.config["NOTIFY_RETENTION_DAYS"]))
    old = sa.select(Notification.id).where(Notification.created_at < cutoff)
    old_outbox = sa.select(OutboxMessage.id).where(
        sa.or_(OutboxMessage.notification_id.in_(old), sa.and_(OutboxMessage.digest_id.is_not(None),
                                                               OutboxMessage.created_at < cutoff)))
    db.session.execute(sa.delete(Delivery).where(Delivery.outbox_id.in_(old_outbox)))
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.id.in_(old_outbox)))
    count = db.session.execute(sa.delete(Notification).where(Notification.created_at < cutoff)).rowcount
    db.session.commit()
    return count


def work(poll: float, batch: int, stop=lambda: False, once: bool = False) -> None:
    """Poll the outbox until ``stop()`` (SIGTERM/SIGINT in the CLI); purge old rows hourly."""
    transport = mail.Transport(current_app)
    last_purge = 0.0
    try:
        while not stop():
            if time.monotonic() - last_purge > 3600:
                purge()
                last_purge = time.monotonic()
            counts = run_once(batch, transport)
            if once:
                return
            if not any(counts.values()):
                transport.close()
                for _ in range(max(1, int(poll * 10))):
                    if stop():
                        return
                    time.sleep(0.1)
    finally:
        transport.close()
        db.session.remove()
