"""Notifications, the e-mail outbox and its delivery records, follows, settings, digests, comments."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, db, enum_check, utcnow


class Mode(StrEnum):
    """How a user wants one kind of event: e-mail at once, in the weekly digest, in the app only."""

    NOW = "now"
    DIGEST = "digest"
    APP = "app"


class OutboxState(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    GAVE_UP = "gave_up"


class Notification(db.Model):
    """One thing one person is told about (shown on /notifications; e-mailed through the outbox)."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_user_read", "user_id", "read_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(30))  # preference group (rules.KINDS)
    action: Mapped[str] = mapped_column(sa.String(40))  # the audit action it reports
    pilot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    # Names at the time, so the text survives renames and deletions.
    title: Mapped[str] = mapped_column(sa.String(300), default="")
    actor_name: Mapped[str] = mapped_column(sa.String(200), default="")
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    mode: Mapped[str] = mapped_column(sa.String(10), default=Mode.NOW)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])


class OutboxMessage(db.Model):
    """One e-mail to send (a notification or a weekly digest), written in the change's transaction.

    A worker leases rows (``lease_token`` / ``lease_until``), sends, and marks them sent; a failure
    moves ``next_attempt_at`` on exponentially until ``attempts`` reaches the limit (``gave_up``).
    """

    __tablename__ = "outbox"
    __table_args__ = (enum_check("state", OutboxState),
                      sa.Index("ix_outbox_due", "state", "next_attempt_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notifications.id", ondelete="CASCADE"), unique=True)
    digest_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("digests.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(sa.String(10), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(sa.String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")
    notification: Mapped[Notification | None] = relationship()
    digest: Mapped[Digest | None] = relationship()


class Delivery(db.Model):
    """One attempt to deliver an outbox message: sent, failed (with the error) or gave up."""

    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(sa.ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    outcome: Mapped[str] = mapped_column(sa.String(10))  # sent | failed | gave_up
    error: Mapped[str] = mapped_column(sa.String(500), default="")
    attempt: Mapped[int] = mapped_column(default=1)

    message: Mapped[OutboxMessage] = relationship()


class Follow(db.Model):
    """An explicit choice to follow (``following``) or stop following a pilot.

    Owners and the district's coordinators follow without a row; their row with
    ``following=False`` records that they unfollowed.
    """

    __tablename__ = "follows"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    pilot_id: Mapped[int] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)
    following: Mapped[bool] = mapped_column(default=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationSettings(db.Model):
    """A user's choices: the mode per kind of event (missing: the default) and e-mail language."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    modes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    email_language: Mapped[str | None] = mapped_column(sa.String(5))


class Digest(db.Model):
    """The weekly digest of one user for one ISO week (``2026-W48``): at most one per week."""

    __tablename__ = "digests"
    __table_args__ = (sa.UniqueConstraint("user_id", "week"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(sa.String(10))
    content: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(db.Model):
    """A comment on a pilot by a signed-in user who may see it."""

    __tablename__ = "pilot_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author = relationship("User")
