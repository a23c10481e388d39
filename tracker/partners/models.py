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


class Country(StrEnum):
    """The network's countries whose business ids the app checks (python-stdnum)."""

    NORWAY = "NO"
    SWEDEN = "SE"
    DENMARK = "DK"
    FINLAND = "FI"


class Partner(db.Model):
    __tablename__ = "partners"
    __table_args__ = (
        enum_check("kind", PartnerKind),
        enum_check("country", Country),
        sa.CheckConstraint("org_number IS NULL OR length(org_number) BETWEEN 8 AND 10",
                           name="org_number_len"),
        # Business ids are unique per country (a Swedish and a Norwegian number may coincide).
        sa.UniqueConstraint("country", "org_number", name="uq_partners_country_org_number"),
        # Partners are deleted and merged: a new one must never take an old id (and its history).
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    # Normalised name (case, spaces, company suffixes, diacritics folded) for duplicate hints.
    name_key: Mapped[str] = mapped_column(sa.String(200), index=True, default="")
    kind: Mapped[str] = mapped_column(sa.String(30))
    # Where the partner is registered; its business id follows that country's rules (orgnr.py).
    country: Mapped[str] = mapped_column(sa.String(2), default="NO", server_default="NO")
    # Business id in its compact form (digits only), checked per country; unique per country.
    org_number: Mapped[str | None] = mapped_column(sa.String(10))
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
