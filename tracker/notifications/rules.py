"""Who is told about which change: a receiver on ``tracker.events.recorded``.

Runs inside the change's transaction (``tracker/events.py``): the notification rows and their
outbox rows commit or roll back with the change itself (a transactional outbox). Never the actor.
"""

from __future__ import annotations

import functools

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from tracker import events
from tracker.auth.models import User, district_coordinators
from tracker.db import db, utcnow
from tracker.notifications.models import (
    Follow,
    Mode,
    Notification,
    NotificationSettings,
    OutboxMessage,
    OutboxState,
)

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


# The statements below take the pilot as parameters (built once, then cached by SQLAlchemy).
def _pilot_params(pilot) -> dict:
    return {"pilot_id": getattr(pilot, "id", None), "owner_id": getattr(pilot, "owner_id", None),
            "district_id": getattr(pilot, "district_id", None)}


def _coordinators():
    """The ids of the coordinators of the district ``:district_id``, as a subquery."""
    table = district_coordinators
    return sa.select(table.c.user_id).where(table.c.district_id == sa.bindparam("district_id"))


def _following():
    """SQL condition on ``User.id``: follows the pilot (``:pilot_id``, ``:owner_id``,
    ``:district_id``). Owner and district coordinators follow unless they unfollowed; anyone else
    who chose to follow it does."""
    chosen = sa.select(Follow.user_id).where(Follow.pilot_id == sa.bindparam("pilot_id"))
    return sa.or_(User.id.in_(chosen.where(Follow.following.is_(True))),
                  sa.and_(sa.or_(User.id == sa.bindparam("owner_id"), User.id.in_(_coordinators())),
                          User.id.not_in(chosen.where(Follow.following.is_(False)))))


def followers(pilot) -> set[int]:
    """Ids of everyone following ``pilot``."""
    return set(db.session.scalars(sa.select(User.id).where(_following()), _pilot_params(pilot)))


@functools.cache
def _is_following():
    return sa.select(User.id).where(User.id == sa.bindparam("user_id"), _following())


def is_following(user, pilot) -> bool:
    """One statement, built once per process (the pilot page asks on every view)."""
    return db.session.scalar(_is_following(), {**_pilot_params(pilot), "user_id": user.id}) is not None


IDS = "ids"  # the audience of notify(): the ids given
AUDIENCES = {
    OWNER: lambda: User.id == sa.bindparam("owner_id"),
    COORDINATORS: lambda: User.id.in_(_coordinators()),
    FOLLOWERS: _following,
    NEW_OWNER: lambda: User.id == sa.bindparam("new_owner_id"),
    IDS: lambda: User.id.in_(sa.bindparam("ids", expanding=True)),
}
CONSTANTS = ("kind", "action", "pilot_id", "actor_id", "title", "comment", "actor_name", "created_at")


@functools.cache
def _insert(names: tuple[str, ...], kind: str):
    """INSERT … SELECT … RETURNING: a notification about a ``kind`` of event for each active
    person in the audiences ``names`` but ``:except_id``, in the mode they chose for that kind;
    the values are parameters ``:v_<column>`` (a NULL id cast, as PostgreSQL wants it typed)."""
    columns = Notification.__table__.c

    def value(name):
        param = sa.bindparam(f"v_{name}", type_=columns[name].type)
        return sa.cast(param, columns[name].type) if name.endswith("_id") else param

    mode = sa.func.coalesce(NotificationSettings.modes[kind].as_string(), str(DEFAULT_MODE))
    people = (sa.select(User.id, mode, *map(value, CONSTANTS))
              .outerjoin(NotificationSettings, NotificationSettings.user_id == User.id)
              .where(sa.or_(*(AUDIENCES[name]() for name in names)), User.active.is_(True),
                     User.id != sa.bindparam("except_id")))
    return (sa.insert(Notification).from_select(["user_id", "mode", *CONSTANTS], people)
            .returning(Notification.user_id, Notification.id, Notification.mode))


@functools.cache
def _insert_both(names: tuple[str, ...], kind: str):
    """PostgreSQL: the statement above, and the outbox rows of the people who want e-mail now,
    as one statement (a data-modifying CTE); returns (user id, notification id)."""
    made = _insert(names, kind).cte("made")
    now = sa.bindparam("v_created_at", type_=OutboxMessage.__table__.c.created_at.type)
    mailed = sa.insert(OutboxMessage).from_select(
        ["user_id", "notification_id", "state", "attempts", "next_attempt_at", "last_error", "created_at"],
        sa.select(made.c.user_id, made.c.id, sa.literal(OutboxState.PENDING.value), sa.literal(0), now,
                  sa.literal(""), now).where(made.c.mode == str(Mode.NOW))).cte("mailed")
    return sa.select(made.c.user_id, made.c.id).add_cte(mailed)


def _tell(names: tuple[str, ...], params: dict, kind: str, action: str, actor, pilot,
          comment: str) -> list[int]:
    """Two statements, whatever the number of people told (this runs inside every action): the
    INSERT … SELECT above, then one insert of the outbox rows of those who want e-mail now (one
    statement on PostgreSQL, one round trip to the server)."""
    actor_id = getattr(actor, "id", None)
    now = utcnow()
    values = {"kind": kind, "action": action, "pilot_id": getattr(pilot, "id", None), "actor_id": actor_id,
              "title": (pilot.title if pilot else "")[:300], "comment": comment or "",
              "actor_name": (getattr(actor, "name", "") or "")[:200], "created_at": now}
    params = {**_pilot_params(pilot), **params, "except_id": actor_id or 0,
              **{f"v_{k}": v for k, v in values.items()}}
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":  # one round trip: the outbox rows in a CTE
        return [n for _, n in sorted(connection.execute(_insert_both(names, kind), params).all())]
    made = sorted(connection.execute(_insert(names, kind), params).all())
    mailed = [{"user_id": u, "notification_id": n, "state": "pending", "attempts": 0, "next_attempt_at": now,
               "last_error": "", "created_at": now} for u, n, mode in made if mode == Mode.NOW]
    if mailed:
        connection.execute(sa.insert(OutboxMessage.__table__), mailed)
    return [n for _, n, _ in made]


def notify(user_ids, kind: str, action: str, actor, pilot=None, comment: str = "") -> list[int]:
    """A notification (and an outbox row where the user wants e-mail now) for each active user in
    ``user_ids`` except the actor; their ids, in the order of the users' ids."""
    ids = sorted(set(user_ids) - {None})
    return _tell((IDS,), {"ids": ids}, kind, action, actor, pilot, comment) if ids else []


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
            new_owner = (entry.changes.get("owner") or [None, None])[1]
            new_owner_id = new_owner.get("id") if isinstance(new_owner, dict) else None
            _tell(names, {"new_owner_id": new_owner_id}, kind, entry.action, actor, pilot, _comment(entry))
        elif sender == "user" and entry.action == "create" and actor is not None:
            notify({entry.entity_id}, "invite", "invite", actor)
