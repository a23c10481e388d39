"""Changes in this domain: comments on pilots, follow / unfollow, read marks, settings.

Each flushes and never commits (the route commits once). A comment is audited on the pilot
(action ``comment``), so the notification rules pick it up like any other change.
"""

from __future__ import annotations

import sqlalchemy as sa

from tracker.db import db, utcnow
from tracker.notifications.models import Comment, Follow, Mode, Notification, NotificationSettings
from tracker.notifications.rules import KINDS
from tracker.pilots.audit_fields import PILOT
from tracker.pilots.permissions import can_see_internal

MAX_COMMENT = 5000


def add_comment(pilot, user, body: str) -> Comment:
    """A comment by ``user`` on ``pilot`` (who may see it), audited as ``comment``."""
    if not can_see_internal(user, pilot):
        raise PermissionError("not allowed to comment on this pilot")
    body = (body or "").strip()
    if not body or len(body) > MAX_COMMENT:
        raise ValueError("a comment has 1 to 5000 characters")
    comment = Comment(pilot_id=pilot.id, author_id=user.id, body=body, at=utcnow())
    db.session.add(comment)
    db.session.flush()
    PILOT.record(user, pilot.id, "comment", {"comment": (None, body)})
    db.session.flush()
    return comment


def set_following(pilot, user, following: bool) -> None:
    """Follow or stop following ``pilot`` (an owner or coordinator may unfollow too)."""
    if not can_see_internal(user, pilot):
        raise PermissionError("not allowed to follow this pilot")
    row = db.session.get(Follow, (user.id, pilot.id))
    if row is None:
        db.session.add(Follow(user_id=user.id, pilot_id=pilot.id, following=following))
    else:
        row.following, row.at = following, utcnow()
    db.session.flush()


def mark_read(user, notification_id: int | None = None) -> int:
    """Mark one of ``user``'s notifications (or all of them) read; how many changed."""
    stmt = sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        stmt = stmt.where(Notification.id == notification_id)
    stmt = stmt.values(read_at=utcnow()).execution_options(synchronize_session=False)
    return db.session.execute(stmt).rowcount


def save_settings(user, modes: dict[str, str], email_language: str | None) -> None:
    """Store the mode per kind (unknown kinds and modes refused) and the e-mail language."""
    clean = {k: str(Mode(v)) for k, v in modes.items() if k in KINDS}
    settings = db.session.get(NotificationSettings, user.id)
    if settings is None:
        settings = NotificationSettings(user_id=user.id)
        db.session.add(settings)
    settings.modes = clean
    settings.email_language = email_language or None
    db.session.flush()
