"""Partner organisations that pilots are run with."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, db, enum_check, utcnow

if TYPE_CHECKING:
    from tracker.pilots.models import PilotPartner


class PartnerKind(StrEnum):
    UNIVERSITY = "university"
    RESEARCH_INSTITUTE = "research_institute"
    HOSPITAL = "hospital"
    STARTUP = "startup"
    COMPANY = "company"
    INCUBATOR = "incubator"
    INVESTOR = "investor"
    PUBLIC_AGENCY = "public_agency"
    VOLUNTARY = "voluntary"
    CLUSTER_NETWORK = "cluster_network"
    OTHER = "other"


class Partner(db.Model):
    __tablename__ = "partners"
    __table_args__ = (
        enum_check("kind", PartnerKind),
        sa.CheckConstraint("org_number IS NULL OR length(org_number) = 9", name="org_number_len"),
        # Partners are deleted and merged: a new one must never take an old id (and its history).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Normalised name (case, spaces, company suffixes, diacritics folded) for duplicate hints.
    name_key: Mapped[str] = mapped_column(sa.String(200), index=True, default="")
    kind: Mapped[str] = mapped_column(sa.String(30))
    # Norwegian organisation number: 9 digits, MOD11 checked; unique when present.
    org_number: Mapped[str | None] = mapped_column(sa.String(9), unique=True)
    website: Mapped[str] = mapped_column(sa.String(500), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    links: Mapped[list[PilotPartner]] = relationship(back_populates="partner")

    def __repr__(self) -> str:
        return f"<Partner {self.name!r}>"
