"""Operations on personal access tokens: make (secret shown once), find by secret, note use, revoke.

The secret is ``tta_`` plus 32 random bytes (URL-safe base64); only its SHA-256 is stored, so a
copy of the database lets nobody act as anyone. A token acts as its user with that user's
permissions, limited by its scope; it stops working when it expires, when it is revoked and when
its user is deactivated (every token of theirs is revoked in the same transaction).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from tracker import events
from tracker.api.models import ApiToken, Scope
from tracker.db import db, utcnow
from tracker.logs import event

PREFIX = "tta_"
MAX_DAYS = 366  # the longest a token may live
LAST_USED_RESOLUTION = timedelta(minutes=1)  # "last used" is written at most once a minute


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create(user, name: str, scope: str, expires_on: date) -> tuple[ApiToken, str]:
    """A new token of ``user`` valid to the end of ``expires_on`` (UTC); returns it and its secret."""
    secret = PREFIX + secrets.token_urlsafe(32)
    end = datetime.combine(expires_on + timedelta(days=1), time(), tzinfo=UTC)
    token = ApiToken(user_id=user.id, name=name.strip(), scope=Scope(scope), token_hash=digest(secret),
                     created_at=utcnow(), expires_at=end)
    db.session.add(token)
    db.session.flush()
    event("api_token_created", user_id=user.id, token_id=token.id, scope=str(scope))
    return token, secret


def find(secret: str) -> ApiToken | None:
    """The usable token with this secret: known, not revoked, not expired, its user active."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == digest(secret))
                              .options(joinedload(ApiToken.user)))  # one query per request
    if token is None or token.state() != "active" or not token.user.active:
        return None
    return token


def note_use(token: ApiToken) -> bool:
    """Remember when the token was last used (at most once a minute: reads stay cheap); True if
    that changed the token (the caller commits)."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        token.last_used_at = now
        return True
    return False


def revoke(token: ApiToken) -> bool:
    """Revoke ``token``; False if it already was."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    db.session.flush()
    event("api_token_revoked", user_id=token.user_id, token_id=token.id)
    return True


def tokens_of(user) -> list[ApiToken]:
    return db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()


def revoke_all(user_id: int) -> None:
    """Revoke every live token of a user (on deactivation)."""
    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()).execution_options(synchronize_session=False))


@events.recorded.connect_via("user")
def _deactivated(sender, entry, actor, **extra) -> None:
    """Tokens die with their user: a deactivation revokes them in the same transaction."""
    if entry.action == "deactivate":
        revoke_all(entry.entity_id)
