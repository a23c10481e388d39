"""People: users with a role, coordinator districts, sign-in history and set-password tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, db, enum_check, utcnow

if TYPE_CHECKING:
    from tracker.districts.models import District


class Role(StrEnum):
    STAFF = "staff"
    COORDINATOR = "coordinator"
    ADMIN = "admin"
    VIEWER = "viewer"  # the innovation office: reads everything everywhere, changes nothing


district_coordinators = sa.Table(
    "district_coordinators",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("district_id", sa.ForeignKey("districts.id", ondelete="CASCADE"), primary_key=True),
)


class User(db.Model):
    __tablename__ = "users"
    __table_args__ = (enum_check("role", Role),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased: uniqueness is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    role: Mapped[str] = mapped_column(sa.String(20), default=Role.STAFF)
    agency: Mapped[str] = mapped_column(sa.String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    session_version: Mapped[int] = mapped_column(default=1)
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # optimistic locking
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The language chosen with the switch ("nb"/"en"); None: follow the browser.
    language: Mapped[str | None] = mapped_column(sa.String(5))

    districts: Mapped[list[District]] = relationship(
        secondary=district_coordinators, back_populates="coordinators", order_by="District.name"
    )

    # Flask-Login protocol, written out so that the id carries the session version.
    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_viewer(self) -> bool:
        return self.role == Role.VIEWER

    @property
    def sees_everything(self) -> bool:
        """Administrators and the innovation office read every pilot in every district."""
        return self.role in (Role.ADMIN, Role.VIEWER)

    @property
    def district_ids(self) -> set[int]:
        return {d.id for d in self.districts} if self.role == Role.COORDINATOR else set()

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class SignIn(db.Model):
    """One sign-in attempt for a known account (shown to the user under My account)."""

    __tablename__ = "sign_ins"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    success: Mapped[bool]
    ip: Mapped[str] = mapped_column(sa.String(64), default="")
    user_agent: Mapped[str] = mapped_column(sa.String(300), default="")


class PasswordToken(db.Model):
    """A one-time set-password link; only the hash of its secret is stored."""

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
