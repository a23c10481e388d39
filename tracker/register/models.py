"""Other cities' pilots: districts of other installations we follow, and their public pilots.

Read-only copies of what each source publishes in its ``/register/pilots.json``; kept in their own
tables (never mixed with our own pilots), replaced on every ``flask network pull``.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, db, utcnow


class NetworkSource(db.Model):
    """A district of another installation, followed by the URL of its public page."""

    __tablename__ = "network_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(sa.String(500), unique=True)  # the district's public page
    name: Mapped[str] = mapped_column(sa.String(200))  # e.g. "Stockholm – Kista"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    pulled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str] = mapped_column(sa.String(500), default="")  # why the last pull failed

    pilots: Mapped[list[NetworkPilot]] = relationship(
        back_populates="source", cascade="all, delete-orphan", order_by="NetworkPilot.title")


class NetworkPilot(db.Model):
    """One public pilot of a followed district, as its installation published it."""

    __tablename__ = "network_pilots"
    __table_args__ = (sa.UniqueConstraint("source_id", "remote_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(sa.ForeignKey("network_sources.id", ondelete="CASCADE"),
                                           index=True)
    remote_id: Mapped[int]
    url: Mapped[str] = mapped_column(sa.String(500))  # its page at the source
    title: Mapped[str] = mapped_column(sa.String(200))
    district: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[str] = mapped_column(sa.String(20))
    arena_kind: Mapped[str] = mapped_column(sa.String(20), default="")
    themes: Mapped[str] = mapped_column(sa.Text, default="")
    partners: Mapped[str] = mapped_column(sa.Text, default="")
    need: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    planned_start: Mapped[date | None]
    planned_end: Mapped[date | None]
    verdict: Mapped[str] = mapped_column(sa.String(20), default="")
    lessons: Mapped[str] = mapped_column(sa.Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    source: Mapped[NetworkSource] = relationship(back_populates="pilots")
