"""State changes for people: create users, sign in and out, passwords, sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash, generate_password_hash

import tracker.db
from tracker import audit
from tracker.auth.audit_fields import USER
from tracker.auth.models import PasswordToken, Role, SignIn, User
from tracker.db import db
from tracker.districts.models import District
from tracker.locking import bump, guard_changes

PASSWORD_METHOD = "scrypt:65536:8:1"  # noqa: S105 - OWASP: scrypt N=2^16, r=8, p=1
MIN_PASSWORD_LENGTH = 12
# Verified against when the e-mail is unknown, so both paths cost the same.
_DUMMY_HASH = generate_password_hash("timing-equaliser", method=PASSWORD_METHOD)


class UserError(ValueError):
    """A user operation refused for a reason the caller shows as-is."""


class LastAdmin(UserError):
    """The change would leave no active administrator."""

    def __init__(self):
        super().__init__("last active admin")


class SelfDeactivation(UserError):
    """An administrator tried to deactivate themselves."""

    def __init__(self):
        super().__init__("an admin cannot deactivate themselves")


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=PASSWORD_METHOD)


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def create_user(email: str, name: str, role: str, district_slugs=(), password: str | None = None,
                agency: str = "", actor: User | None = None) -> User:
    """Create a user; raise ``UserError`` for a duplicate e-mail, unknown role or district."""
    email = normalise_email(email)
    if not email or "@" not in email:
        raise UserError(f"not a valid e-mail address: {email!r}")
    if role not in set(Role):
        raise UserError(f"unknown role {role!r}: use one of {', '.join(Role)}")
    if find_user(email) is not None:
        raise UserError(f"a user with e-mail {email} already exists")
    districts = []
    for slug in district_slugs:
        district = db.session.scalar(sa.select(District).where(District.slug == slug))
        if district is None:
            raise UserError(f"unknown district {slug!r}")
        districts.append(district)
    if districts and role != Role.COORDINATOR:
        raise UserError("only coordinators are linked to districts")
    if password is not None:
        _refuse_weak(password, email, name)
    user = User(email=email, name=name.strip(), role=role, agency=agency,
                password_hash=hash_password(password) if password else None, districts=districts)
    db.session.add(user)
    db.session.flush()
    USER.record(actor, user.id, "create", {"email": (None, email), "role": (None, role),
                                           "districts": (None, districts)})
    return user


def authenticate(email: str, password: str, ip: str = "", user_agent: str = "") -> User | None:
    """The active user with this e-mail and password, or None; the attempt is recorded."""
    user = find_user(email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    ok = check_password_hash(user.password_hash, password or "") and user.active
    db.session.add(SignIn(user_id=user.id, success=ok, ip=ip[:64], user_agent=user_agent[:300]))
    return user if ok else None


def end_sessions(user: User) -> None:
    """Invalidate every session and remember cookie this user holds."""
    user.session_version += 1


def set_password(user: User, password: str, actor: User | None = None) -> None:
    """Set a new password (strength checked) and end every session the user holds."""
    check_password(password, user)
    user.password_hash = hash_password(password)
    end_sessions(user)
    USER.record(actor or user, user.id, "password")


# --- Administration and own account (issue 7) -------------------------------------------------
# Every change to a user's state goes through the functions below; each audits, flushes, never commits.

MAX_PASSWORD_LENGTH = 200
MIN_PASSWORD_SCORE = 3  # zxcvbn: 3 = "safely unguessable", resists an offline slow-hash attack


def password_problem(password: str, email: str = "", name: str = "") -> str | None:
    """Why ``password`` is too weak (``"short"``, ``"long"``, ``"personal"``, ``"common"``), or None.

    The common-password and word lists are those bundled with ``zxcvbn`` (nothing is fetched).
    """
    from zxcvbn import zxcvbn

    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return "short"
    if len(password) > MAX_PASSWORD_LENGTH:
        return "long"
    lowered = password.strip().lower()
    personal = {normalise_email(email), normalise_email(email).split("@")[0], (name or "").strip().lower()}
    if lowered in personal - {""}:
        return "personal"
    # Only the first 64 characters are scored: the estimate is super-linear in length, and a
    # password that long is not weak for want of its tail.
    inputs = [v for v in personal if v] + (name or "").lower().split()
    if zxcvbn(password[:64], user_inputs=inputs)["score"] < MIN_PASSWORD_SCORE:
        return "common"
    return None


# Why a password is refused, for the command line (the web forms show translated messages).
PASSWORD_REFUSALS = {
    "short": f"the password must be at least {MIN_PASSWORD_LENGTH} characters",
    "long": f"the password must be at most {MAX_PASSWORD_LENGTH} characters",
    "personal": "the password must not be the name or e-mail address",
    "common": "the password is too easy to guess (a common password or close to one): "
              "try three or four unrelated words",
}


def _refuse_weak(password: str, email: str, name: str) -> None:
    problem = password_problem(password, email, name)
    if problem:
        raise UserError(f"password refused: {PASSWORD_REFUSALS[problem]}")


def check_password(password: str, user: User) -> None:
    """Raise ``UserError`` if ``password`` is too weak for ``user`` (see ``password_problem``)."""
    _refuse_weak(password, user.email, user.name)


def active_admin_ids(lock: bool = False) -> list[int]:
    """Ids of the active administrators (row-locked on PostgreSQL when ``lock``)."""
    stmt = sa.select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).order_by(User.id)
    if lock:
        stmt = stmt.with_for_update()
    return list(db.session.scalars(stmt))


def _would_leave_no_admin(user: User) -> bool:
    return user.active and user.role == Role.ADMIN and active_admin_ids(lock=True) == [user.id]


def update_user(user: User, actor: User, *, name: str, agency: str, role: str,
                districts: list[District], version: int | None = None) -> dict:
    """Change name, agency, role and coordinator districts; refuse to remove the last active admin.

    Raises ``locking.Conflict`` if the user changed since ``version`` (the admin's form; None: as
    loaded).
    """
    if role not in set(Role):
        raise UserError(f"unknown role {role!r}")
    if districts and role != Role.COORDINATOR:
        raise UserError("only coordinators are linked to districts")
    if role != Role.ADMIN and _would_leave_no_admin(user):
        raise LastAdmin()
    values = {"name": name.strip(), "agency": agency.strip(), "role": role}
    moved = set(user.districts) ^ set(districts)
    guard_changes(user, version, values, bool(moved))
    changes = USER.changed(audit.apply_changes(user, values))
    if moved:
        for district in moved:
            bump(district)  # its coordinator list is the same link, edited from the other side
        changes.update(USER.changed({"districts": (list(user.districts), districts)}))
        user.districts = sorted(districts, key=lambda d: d.name)
    if changes:
        USER.record(actor, user.id, "update", changes)
    db.session.flush()
    return changes


def rename(user: User, name: str) -> dict:
    """A user changes their own display name (an admin's open form of this user is now stale)."""
    changes = USER.changed(audit.apply_changes(user, {"name": name.strip()}))
    if changes:
        bump(user)
        USER.record(user, user.id, "update", changes)
    db.session.flush()
    return changes


def set_language(user: User, language: str) -> None:
    """Remember the language ``user`` chose with the switch (it beats the browser's)."""
    user.language = language
    db.session.flush()


def _expire_links(user: User, now) -> None:
    for token in db.session.scalars(sa.select(PasswordToken).where(
            PasswordToken.user_id == user.id, PasswordToken.used_at.is_(None),
            PasswordToken.expires_at > now)):
        token.expires_at = now


def deactivate(user: User, actor: User) -> None:
    """Let a leaver go: no sign-in, every session ended, open set-password links void."""
    if user.id == actor.id:
        raise SelfDeactivation()
    if _would_leave_no_admin(user):
        raise LastAdmin()
    if not user.active:
        return
    user.active = False
    end_sessions(user)
    _expire_links(user, tracker.db.utcnow())
    USER.record(actor, user.id, "deactivate", {"active": (True, False)})
    db.session.flush()


def reactivate(user: User, actor: User) -> None:
    if user.active:
        return
    user.active = True
    USER.record(actor, user.id, "reactivate", {"active": (False, True)})
    db.session.flush()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_password_link(user: User, actor: User, hours: int) -> str:
    """A new one-time set-password secret for ``user`` (older unused links stop working).

    Only its SHA-256 is stored; the caller shows (or mails) the secret once.
    """
    if not user.active:
        raise UserError("the user is deactivated")
    now = tracker.db.utcnow()
    _expire_links(user, now)
    secret = secrets.token_urlsafe(32)
    db.session.add(PasswordToken(user_id=user.id, token_hash=token_digest(secret), created_at=now,
                                 expires_at=now + timedelta(hours=hours), created_by_id=actor.id))
    USER.record(actor, user.id, "password_link")
    db.session.flush()
    return secret


def find_password_link(secret: str) -> PasswordToken | None:
    if not secret or len(secret) > 100:
        return None
    return db.session.scalar(sa.select(PasswordToken).where(PasswordToken.token_hash == token_digest(secret)))


def link_state(token: PasswordToken) -> str:
    """``"valid"``, ``"used"`` or ``"expired"`` (a deactivated user's links count as expired)."""
    if token.used_at is not None:
        return "used"
    if token.expires_at <= tracker.db.utcnow() or not token.user.active:
        return "expired"
    return "valid"


def use_password_link(token: PasswordToken, password: str) -> User:
    """Set the password through a link and spend the link, in the caller's one transaction."""
    if link_state(token) != "valid":
        raise UserError("the link is used or expired")
    check_password(password, token.user)  # a refused password does not spend the link
    # Claim the link with a conditional UPDATE, so two simultaneous uses cannot both win.
    now = tracker.db.utcnow()
    claimed = db.session.execute(
        sa.update(PasswordToken).where(PasswordToken.id == token.id, PasswordToken.used_at.is_(None),
                                       PasswordToken.expires_at > now)
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise UserError("the link is used or expired")
    set_committed_value(token, "used_at", now)
    set_password(token.user, password)
    return token.user


def change_own_password(user: User, current: str, new: str) -> None:
    """Change one's own password; the current one is required. Other sessions end."""
    if not check_password_hash(user.password_hash or _DUMMY_HASH, current or "") or not user.password_hash:
        raise UserError("wrong current password")
    set_password(user, new)
