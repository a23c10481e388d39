"""Who is told about which change: a receiver on ``tracker.events.recorded``.

Runs inside the change's transaction (``tracker/events.py``): the notification rows and their
outbox rows commit or roll back with the change itself (a transactional outbox). Never the actor.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tracker import events
from tracker.auth.models import User, district_coordinators
from tracker.db import db, utcnow
from tracker.notifications.models import Follow, Mode, Notification, NotificationSettings, OutboxMessage

# Kinds of event a user sets a preference for, with their label on /account.
KINDS = {
    "submitted": _l("A proposal is submitted for your review"),
    "decision": _l("Your proposal is approved, returned or rejected"),
    "status": _l("A pilot you follow starts, pauses, resumes, completes, is evaluated or withdrawn"),
    "comment": _l("A comment on a pilot you follow"),
    "progress": _l("A progress report on a pilot you follow"),
    "handover": _l("A pilot is handed over to you"),
    "change": _l("Change requests and their decisions"),
    "invite": _l("You are invited to Testarena"),
}
DEFAULT_MODE = Mode.NOW

OWNER, COORDINATORS, FOLLOWERS, NEW_OWNER = "owner", "coordinators", "followers", "new_owner"

# Pilot audit action -> (kind, audiences). Actions not listed (create, update, import, outcome…)
# notify nobody.
PILOT_ACTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "submit": ("submitted", (COORDINATORS,)),
    **{a: ("decision", (OWNER,)) for a in ("approve", "return", "reject")},
    **{a: ("status", (OWNER, COORDINATORS, FOLLOWERS))
       for a in ("start", "pause", "resume", "complete", "evaluate", "withdraw")},
    "comment": ("comment", (OWNER, FOLLOWERS)),
    "progress_report": ("progress", (OWNER, FOLLOWERS)),
    "handover": ("handover", (NEW_OWNER,)),
    "change_request": ("change", (COORDINATORS,)),
    "change_accept": ("change", (OWNER,)),
    "change_decline": ("change", (OWNER,)),
}


def _coordinators(pilot):
    """The ids of the pilot's district's coordinators, as a subquery."""
    table = district_coordinators
    return sa.select(table.c.user_id).where(table.c.district_id == pilot.district_id)


def following(pilot):
    """SQL condition on ``User.id``: follows ``pilot``. Owner and district coordinators follow
    unless they unfollowed; anyone else who chose to follow it does."""
    chosen = sa.select(Follow.user_id).where(Follow.pilot_id == pilot.id)
    return sa.or_(User.id.in_(chosen.where(Follow.following.is_(True))),
                  sa.and_(sa.or_(User.id == pilot.owner_id, User.id.in_(_coordinators(pilot))),
                          User.id.not_in(chosen.where(Follow.following.is_(False)))))


def followers(pilot) -> set[int]:
    """Ids of everyone following ``pilot``."""
    return set(db.session.scalars(sa.select(User.id).where(following(pilot))))


def is_following(user, pilot) -> bool:
    return db.session.scalar(sa.select(User.id).where(User.id == user.id, following(pilot))) is not None


def _audience(pilot, names, entry):
    """SQL condition on ``User.id``: the people the audiences ``names`` make up (None: nobody)."""
    conditions = []
    for name in names:
        if name == OWNER:
            conditions.append(User.id == pilot.owner_id)
        elif name == COORDINATORS:
            conditions.append(User.id.in_(_coordinators(pilot)))
        elif name == FOLLOWERS:
            conditions.append(following(pilot))
        elif name == NEW_OWNER:
            new = (entry.changes.get("owner") or [None, None])[1]
            if isinstance(new, dict) and new.get("id"):
                conditions.append(User.id == new["id"])
    return sa.or_(*conditions) if conditions else None


def _value(value, column):
    """A constant of the INSERT … SELECT below (PostgreSQL wants a NULL typed; SQLite would turn a
    timestamp cast to its DATETIME into a number)."""
    return sa.cast(sa.null(), column.type) if value is None else sa.literal(value, column.type)


def notify(user_ids, kind: str, action: str, actor, pilot=None, comment: str = "") -> list[int]:
    """A notification (and an outbox row where the user wants e-mail now) for each active user in
    ``user_ids`` except the actor; their ids, in the order of the users' ids. ``user_ids`` is a
    collection of ids or a SQL condition on ``User.id`` (an audience). Two statements, whatever the
    number of people told (it runs inside every action): one INSERT … SELECT that picks the people
    and their preferred mode, and one insert of the outbox rows."""
    if user_ids is None:
        return []
    if not isinstance(user_ids, sa.ColumnElement):
        user_ids = User.id.in_(sorted(set(user_ids) - {None}))
    actor_id = getattr(actor, "id", None)
    now = utcnow()
    constants = {"kind": kind, "action": action, "pilot_id": getattr(pilot, "id", None), "actor_id": actor_id,
                 "title": (pilot.title if pilot else "")[:300], "comment": comment or "",
                 "actor_name": (getattr(actor, "name", "") or "")[:200], "created_at": now}
    mode = sa.func.coalesce(NotificationSettings.modes[kind].as_string(), str(DEFAULT_MODE))
    columns = Notification.__table__.c
    people = (sa.select(User.id, mode, *(_value(v, columns[k]) for k, v in constants.items()))
              .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
              .where(user_ids, User.active.is_(True), User.id != (actor_id or 0)))
    made = sorted(db.session.connection().execute(
        sa.insert(Notification).from_select(["user_id", "mode", *constants], people)
        .returning(Notification.user_id, Notification.id, Notification.mode)).all())
    mailed = [{"user_id": u, "notification_id": n, "state": "pending", "attempts": 0, "next_attempt_at": now,
               "last_error": "", "created_at": now} for u, n, mode in made if mode == Mode.NOW]
    if mailed:
        db.session.connection().execute(sa.insert(OutboxMessage.__table__), mailed)
    return [n for _, n, _ in made]


def _comment(entry) -> str:
    value = (entry.changes.get("comment") or [None, None])[1]
    return value if isinstance(value, str) else ""


@events.recorded.connect
def on_recorded(sender, entry, actor=None, **_):
    """Turn a recorded change into notifications, in the same transaction."""
    with db.session.no_autoflush:
        if sender == "pilot" and entry.action in PILOT_ACTIONS and entry.entity_id is not None:
            from tracker.pilots.models import Pilot

            pilot = db.session.get(Pilot, entry.entity_id)
            if pilot is None:
                return
            kind, names = PILOT_ACTIONS[entry.action]
            notify(_audience(pilot, names, entry), kind, entry.action, actor, pilot, _comment(entry))
        elif sender == "user" and entry.action == "create" and actor is not None:
            notify({entry.entity_id}, "invite", "invite", actor)
