"""Who is told about which change: a receiver on ``tracker.events.recorded``.

Runs inside the change's transaction (``tracker/events.py``): the notification rows and their
outbox rows commit or roll back with the change itself (a transactional outbox). Never the actor.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tracker import events
from tracker.auth.models import User
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


def followers(pilot) -> set[int]:
    """Ids of everyone following ``pilot``: owner and district coordinators (unless they
    unfollowed) and everyone who chose to follow it."""
    rows = dict(db.session.execute(
        sa.select(Follow.user_id, Follow.following).where(Follow.pilot_id == pilot.id)).all())
    automatic = {pilot.owner_id, *_coordinator_ids(pilot)}
    return {u for u in automatic if rows.get(u, True)} | {u for u, on in rows.items() if on}


def is_following(user, pilot) -> bool:
    return user.id in followers(pilot)


def _coordinator_ids(pilot) -> set[int]:
    return {u.id for u in pilot.district.coordinators}


def _audience(pilot, names, entry) -> set[int]:
    ids: set[int] = set()
    for name in names:
        if name == OWNER:
            ids.add(pilot.owner_id)
        elif name == COORDINATORS:
            ids |= _coordinator_ids(pilot)
        elif name == FOLLOWERS:
            ids |= followers(pilot)
        elif name == NEW_OWNER:
            new = (entry.changes.get("owner") or [None, None])[1]
            if isinstance(new, dict) and new.get("id"):
                ids.add(new["id"])
    return ids


def notify(user_ids, kind: str, action: str, actor, pilot=None, comment: str = "") -> list[int]:
    """A notification (and an outbox row where the user wants e-mail now) for each active user in
    ``user_ids`` except the actor; their ids. Two reads and two multi-row inserts, whatever the
    number of people told (it runs inside every action)."""
    actor_id = getattr(actor, "id", None)
    ids = sorted(set(user_ids) - {actor_id, None})
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(User.id, NotificationSettings.modes)
        .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
        .where(User.id.in_(ids), User.active.is_(True)).order_by(User.id)).all()
    if not rows:
        return []
    now = utcnow()
    common = {"kind": kind, "action": action, "pilot_id": getattr(pilot, "id", None), "actor_id": actor_id,
              "title": (pilot.title if pilot else "")[:300], "comment": comment or "", "created_at": now,
              "actor_name": (getattr(actor, "name", "") or "")[:200]}
    modes = {user_id: (settings or {}).get(kind, DEFAULT_MODE) for user_id, settings in rows}
    insert = sa.insert(Notification).returning(Notification.id, sort_by_parameter_order=True)
    made = db.session.scalars(insert, [{**common, "user_id": u, "mode": modes[u]} for u, _ in rows]).all()
    mailed = [{"user_id": u, "notification_id": n, "state": "pending", "attempts": 0, "next_attempt_at": now,
               "last_error": "", "created_at": now}
              for (u, _), n in zip(rows, made, strict=True) if modes[u] == Mode.NOW]
    if mailed:
        db.session.execute(sa.insert(OutboxMessage), mailed)
    return list(made)


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
