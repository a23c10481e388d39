"""The weekly digest: one e-mail per user and ISO week, only when there is something to read.

For coordinators (and admins): proposals waiting for their review and the districts' needs-
attention list; for owners: their pilots that need action; for everyone: the notifications they
chose to receive in the digest. Idempotent per week: a second run finds the week's row.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.models import User
from tracker.db import db, utcnow
from tracker.districts import attention
from tracker.notifications.models import Digest, Mode, Notification, OutboxMessage
from tracker.pilots.models import Pilot
from tracker.pilots.permissions import visible_filter
from tracker.pilots.workflow import Status


def iso_week(now: datetime) -> str:
    year, week, _day = now.isocalendar()
    return f"{year}-W{week:02d}"


def _pilots(rows) -> list[dict]:
    return [{"id": r.id, "title": r.title} for r in rows]


def _attention(found) -> list[dict]:
    if found is None:
        return []
    return [{"rule": g.rule.key, "pilots": _pilots(g.pilots)} for g in found.groups if g.pilots]


def gather(user: User) -> tuple[dict, list[Notification]]:
    """What ``user`` would read this week (stored form: ids and titles) and the digest notifications."""
    notes = db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.mode == Mode.DIGEST,
        Notification.digested_at.is_(None)).order_by(Notification.id)).all()
    review = []
    if user.district_ids or user.is_admin:
        stmt = sa.select(Pilot.id, Pilot.title).where(Pilot.status == Status.SUBMITTED,
                                                      Pilot.owner_id != user.id).order_by(Pilot.id)
        if not user.is_admin:
            stmt = stmt.where(Pilot.district_id.in_(user.district_ids))
        review = _pilots(db.session.execute(stmt))
    content = {
        "review": review,
        "attention": _attention(attention.for_user(user)),
        "mine": _attention(attention.items(sa.and_(visible_filter(user), Pilot.owner_id == user.id))),
        "notes": [{"id": n.id, "action": n.action, "title": n.title, "actor_name": n.actor_name,
                   "pilot_id": n.pilot_id} for n in notes],
    }
    return content, list(notes)


def run_digest(now: datetime | None = None) -> int:
    """Queue this week's digest for every active user with something to read; return how many."""
    now = now or utcnow()
    week = iso_week(now)
    done = set(db.session.scalars(sa.select(Digest.user_id).where(Digest.week == week)))
    queued = 0
    for user in db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.id)).all():
        if user.id in done:
            continue
        content, notes = gather(user)
        if not any(content.values()):
            continue
        digest = Digest(user_id=user.id, week=week, content=content, created_at=now)
        db.session.add(digest)
        db.session.add(OutboxMessage(user_id=user.id, digest=digest, created_at=now))
        for note in notes:
            note.digested_at = now
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # another run queued this user's digest meanwhile
            db.session.rollback()
            continue
        queued += 1
    return queued


def render_context(digest: Digest) -> dict:
    """The digest's sections with translated headings (in the current locale) and links."""
    from tracker.links import absolute_url
    from tracker.notifications.mail import subject_and_text

    titles = {r.key: str(r.title) for r in attention.rules()}

    def linked(items):
        return [{"title": p["title"], "url": absolute_url("pilots.show", pilot_id=p["id"])} for p in items]

    content = digest.content or {}
    sections = []
    if content.get("review"):
        sections.append({"heading": _("Waiting for your review"), "items": linked(content["review"])})
    for key, heading in (("attention", _("Needs attention in your districts")),
                         ("mine", _("Your pilots that need action"))):
        for group in content.get(key) or []:
            sections.append({"heading": f"{heading}: {titles.get(group['rule'], group['rule'])}",
                             "items": linked(group["pilots"])})
    if content.get("notes"):
        items = []
        for n in content["notes"]:
            note = Notification(action=n["action"], title=n["title"], actor_name=n["actor_name"])
            items.append({"title": subject_and_text(note)[1],
                          "url": absolute_url("pilots.show", pilot_id=n["pilot_id"]) if n["pilot_id"]
                          else absolute_url("notifications.index")})
        sections.append({"heading": _("What happened in pilots you follow"), "items": items})
    return {"week": digest.week, "sections": sections}
