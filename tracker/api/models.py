"""Personal access tokens: a user's key for the JSON API, stored as the SHA-256 of its secret."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import User
from tracker.db import UTCDateTime, db, enum_check, utcnow


class Scope(StrEnum):
    READ = "read"
    READ_WRITE = "read_write"


class ApiToken(db.Model):
    """One named token; the secret is shown once at creation and only its hash is kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (enum_check("scope", Scope),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    scope: Mapped[str] = mapped_column(sa.String(20), default=Scope.READ)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    @property
    def writes(self) -> bool:
        return self.scope == Scope.READ_WRITE

    def state(self, now: datetime | None = None) -> str:
        """``active``, ``expired`` or ``revoked`` (a deactivated user's tokens are revoked)."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at <= (now or utcnow()) else "active"
