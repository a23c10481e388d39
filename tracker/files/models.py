"""Attachments of a pilot (files with versions, or links) and the stored versions of a file."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, db, enum_check, utcnow


class Kind(StrEnum):
    APPLICATION = "application"
    AGREEMENT = "agreement"
    DPIA = "dpia"
    REPORT = "report"
    EVALUATION = "evaluation"
    PHOTO = "photo"
    OTHER = "other"


NEVER_PUBLIC = frozenset({Kind.AGREEMENT, Kind.DPIA})


class Attachment(db.Model):
    """A document or a link on a pilot. A link has ``url`` and no versions; a file has versions."""

    __tablename__ = "attachments"
    __table_args__ = (
        enum_check("kind", Kind),
        sa.CheckConstraint("NOT (is_public AND kind IN ('agreement', 'dpia'))", name="never_public_kinds"),
        sa.Index("ix_attachments_pilot", "pilot_id", "deleted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(200))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    is_public: Mapped[bool] = mapped_column(default=False)
    url: Mapped[str | None] = mapped_column(sa.String(2000))  # a link (https only)
    case_number: Mapped[str] = mapped_column(sa.String(100), default="")  # ePhorte / Public 360
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    pilot = relationship("Pilot")
    created_by = relationship("User", foreign_keys=[created_by_id])
    versions: Mapped[list[FileVersion]] = relationship(
        back_populates="attachment", order_by="FileVersion.number.desc()", cascade="all, delete-orphan")

    @property
    def current(self) -> FileVersion | None:
        return self.versions[0] if self.versions else None


class FileVersion(db.Model):
    """One uploaded version: the bytes live in content-addressed storage under ``sha256``."""

    __tablename__ = "file_versions"
    __table_args__ = (sa.UniqueConstraint("attachment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attachment_id: Mapped[int] = mapped_column(sa.ForeignKey("attachments.id", ondelete="CASCADE"))
    number: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    size: Mapped[int] = mapped_column(sa.BigInteger)
    mimetype: Mapped[str] = mapped_column(sa.String(120))
    filename: Mapped[str] = mapped_column(sa.String(255))  # shown and offered on download only
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attachment: Mapped[Attachment] = relationship(back_populates="versions")
    uploaded_by = relationship("User")
