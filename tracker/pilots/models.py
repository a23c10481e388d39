"""Pilots and what belongs to them: themes, funding lines, partner links, status events, outcome."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, db, enum_check, utcnow
from tracker.pilots.workflow import Action, Status

if TYPE_CHECKING:
    from tracker.auth.models import User
    from tracker.districts.models import District
    from tracker.partners.models import Partner


class ArenaKind(StrEnum):
    PHYSICAL = "physical"
    DIGITAL = "digital"
    ORGANISATIONAL = "organisational"


class FundingKind(StrEnum):
    CASH = "cash"
    IN_KIND = "in_kind"


class SourceType(StrEnum):
    """Where a funding line comes from (Oulu's plan: EU + state, the cities' own budgets)."""

    MUNICIPAL = "municipal"
    STATE = "state"
    EU = "eu"
    PARTNER = "partner"
    OTHER = "other"


class PartnerRole(StrEnum):
    LEAD = "lead"
    IMPLEMENTER = "implementer"
    FUNDER = "funder"
    TEST_SITE_HOST = "test_site_host"
    PARTICIPANT = "participant"
    EVALUATOR = "evaluator"


class Verdict(StrEnum):
    SCALE_UP = "scale_up"
    CONTINUE = "continue"
    STOP = "stop"
    INCONCLUSIVE = "inconclusive"


FUNDING_YEAR_MIN, FUNDING_YEAR_MAX = 2000, 2100
FUNDING_AMOUNT_MAX = 10_000_000_000  # 10 billion NOK: anything above is a typo
# Planned and actual dates fall in the same years as funding: a date outside them is a typo.
DATE_MIN, DATE_MAX = date(FUNDING_YEAR_MIN, 1, 1), date(FUNDING_YEAR_MAX, 12, 31)


class Theme(db.Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name_nb: Mapped[str] = mapped_column(sa.String(120), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(120), unique=True)
    retired: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # optimistic locking

    def name(self, locale: str) -> str:
        return self.name_en if str(locale).startswith("en") else self.name_nb


pilot_themes = sa.Table(
    "pilot_themes",
    db.metadata,
    sa.Column("pilot_id", sa.ForeignKey("pilots.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("themes.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Pilot(db.Model):
    __tablename__ = "pilots"
    __table_args__ = (
        enum_check("status", Status),
        enum_check("arena_kind", ArenaKind),
        sa.CheckConstraint(
            "planned_end IS NULL OR planned_start IS NULL OR planned_end >= planned_start",
            name="planned_dates_order",
        ),
        sa.CheckConstraint(
            "actual_end IS NULL OR actual_start IS NULL OR actual_end >= actual_start",
            name="actual_dates_order",
        ),
        sa.CheckConstraint("version >= 1", name="version_positive"),
        # Covers the visibility condition (``permissions.visible_filter``) beside the district and
        # status: counts per district and status never read a pilot row, and the district page's
        # timeline (by planned start) sorts index entries, not rows.
        sa.Index("ix_pilots_district_status_start", "district_id", "status", "planned_start", "owner_id",
                 "is_public"),
        sa.Index("ix_pilots_district_updated", "district_id", "updated_at"),
        sa.Index("ix_pilots_status_changed", "status", "status_changed_at"),
        sa.Index("ix_pilots_updated", "updated_at", "id"),  # the pilot list's default order
        # Needs attention's counts per district (the city overview): every rule's column beside the
        # visibility, so the count over the city reads no pilot row.
        sa.Index("ix_pilots_attention", "district_id", "status", "updated_at", "status_changed_at",
                 "planned_end", "owner_id", "is_public"),
        # The district's needs attention by the rules' other columns: each rule's count and oldest
        # pilots are a range of one of these (or of the one above), at any size of the city.
        sa.Index("ix_pilots_district_status_changed", "district_id", "status", "status_changed_at",
                 "owner_id", "is_public"),
        sa.Index("ix_pilots_district_status_end", "district_id", "status", "planned_end", "owner_id",
                 "is_public"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id", ondelete="RESTRICT"))
    arena_kind: Mapped[str] = mapped_column(sa.String(20), default=ArenaKind.PHYSICAL)
    need: Mapped[str] = mapped_column(sa.Text, default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    goals: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    planned_start: Mapped[date | None]
    planned_end: Mapped[date | None]
    actual_start: Mapped[date | None]
    actual_end: Mapped[date | None]
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    agency: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(200), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    is_public: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(sa.String(20), default=Status.DRAFT)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic locking: compared explicitly in the UPDATE (see pilots/operations.py).
    version: Mapped[int] = mapped_column(default=1)

    district: Mapped[District] = relationship()
    owner: Mapped[User] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=pilot_themes, order_by="Theme.name_nb")
    funding: Mapped[list[FundingLine]] = relationship(
        back_populates="pilot", cascade="all, delete-orphan", order_by="(FundingLine.year, FundingLine.id)"
    )
    partner_links: Mapped[list[PilotPartner]] = relationship(
        back_populates="pilot", cascade="all, delete-orphan", order_by="PilotPartner.id"
    )
    events: Mapped[list[StatusEvent]] = relationship(
        back_populates="pilot", cascade="all, delete-orphan", order_by="(StatusEvent.at, StatusEvent.id)"
    )
    outcome: Mapped[Outcome | None] = relationship(back_populates="pilot", cascade="all, delete-orphan")
    kpi_plan: Mapped[list[PlannedKPI]] = relationship(
        back_populates="pilot", cascade="all, delete-orphan", order_by="(PlannedKPI.position, PlannedKPI.id)"
    )
    progress_reports: Mapped[list[ProgressReport]] = relationship(
        back_populates="pilot", cascade="all, delete-orphan",
        order_by="(ProgressReport.report_date.desc(), ProgressReport.id.desc())"
    )

    def __repr__(self) -> str:
        return f"<Pilot {self.id} {self.status} {self.title!r}>"


class FundingLine(db.Model):
    __tablename__ = "funding_lines"
    __table_args__ = (
        enum_check("kind", FundingKind),
        enum_check("source_type", SourceType),
        sa.CheckConstraint(f"year BETWEEN {FUNDING_YEAR_MIN} AND {FUNDING_YEAR_MAX}", name="year_range"),
        # Covers the funding totals (per year and source, per district): no funding line row read.
        sa.Index("ix_funding_lines_totals", "pilot_id", "year", "source_type", "amount"),
        sa.CheckConstraint(f"amount >= 0 AND amount <= {FUNDING_AMOUNT_MAX}", name="amount_range"),
        sa.CheckConstraint(
            "(source_type = 'partner') = (partner_id IS NOT NULL)", name="partner_source"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    year: Mapped[int]
    source_type: Mapped[str] = mapped_column(sa.String(20))
    partner_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partners.id", ondelete="RESTRICT"), index=True
    )
    # Free-text source (e.g. "EAKR", "Innovasjon Norge"); for partner lines the partner's name.
    source: Mapped[str] = mapped_column(sa.String(200), default="")
    amount: Mapped[int] = mapped_column(sa.BigInteger)  # whole NOK
    kind: Mapped[str] = mapped_column(sa.String(20), default=FundingKind.CASH)

    pilot: Mapped[Pilot] = relationship(back_populates="funding")
    partner: Mapped[Partner | None] = relationship()

    @property
    def source_label(self) -> str:
        return self.partner.name if self.partner is not None else self.source


class PilotPartner(db.Model):
    __tablename__ = "pilot_partners"
    __table_args__ = (
        enum_check("role", PartnerRole),
        sa.UniqueConstraint("pilot_id", "partner_id", "role", name="uq_pilot_partners_link"),
        # A pilot has at most one lead partner.
        sa.Index(
            "uq_pilot_partners_one_lead",
            "pilot_id",
            unique=True,
            sqlite_where=sa.text("role = 'lead'"),
            postgresql_where=sa.text("role = 'lead'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"))
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(sa.String(20))

    pilot: Mapped[Pilot] = relationship(back_populates="partner_links")
    partner: Mapped[Partner] = relationship(back_populates="links")


class StatusEvent(db.Model):
    """One status change of a pilot; append-only."""

    __tablename__ = "status_events"
    __table_args__ = (
        enum_check("to_status", Status),
        sa.CheckConstraint(
            "from_status IS NULL OR from_status IN ({})".format(", ".join(f"'{s}'" for s in Status)),
            name="from_status_valid",
        ),
        sa.CheckConstraint(
            "action IS NULL OR action IN ({})".format(", ".join(f"'{a}'" for a in Action)),
            name="action_valid",
        ),
        sa.Index("ix_status_events_pilot_at", "pilot_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"))
    action: Mapped[str | None] = mapped_column(sa.String(20))  # None for creation
    from_status: Mapped[str | None] = mapped_column(sa.String(20))
    to_status: Mapped[str] = mapped_column(sa.String(20))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    pilot: Mapped[Pilot] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Outcome(db.Model):
    """What a pilot achieved and taught; one per pilot."""

    __tablename__ = "outcomes"
    __table_args__ = (
        enum_check("verdict", Verdict),
        sa.CheckConstraint("length(lessons) > 0", name="lessons_required"),
        sa.Index("ix_outcomes_pilot_verdict", "pilot_id", "verdict"),  # covers the verdict counts
        sa.Index("ix_outcomes_recorded", "recorded_at", "id"),  # the latest lessons, newest first
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"), unique=True)
    verdict: Mapped[str] = mapped_column(sa.String(20))
    summary: Mapped[str] = mapped_column(sa.Text, default="")
    lessons: Mapped[str] = mapped_column(sa.Text)
    next_steps: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pilot: Mapped[Pilot] = relationship(back_populates="outcome")
    recorded_by: Mapped[User | None] = relationship()
    kpis: Mapped[list[OutcomeKPI]] = relationship(
        back_populates="outcome", cascade="all, delete-orphan", order_by="OutcomeKPI.position"
    )


class OutcomeKPI(db.Model):
    __tablename__ = "outcome_kpis"

    id: Mapped[int] = mapped_column(primary_key=True)
    outcome_id: Mapped[int] = mapped_column(sa.ForeignKey("outcomes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(40), default="")
    baseline: Mapped[float | None]
    target: Mapped[float | None]
    actual: Mapped[float | None]

    outcome: Mapped[Outcome] = relationship(back_populates="kpis")


class ProgressState(StrEnum):
    """How a running pilot is doing, by its latest progress report."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"


class PlannedKPI(db.Model):
    """A KPI a pilot declares in its plan (at proposal time): what it will measure, from where to where.

    Progress reports give interim values of these; the outcome's KPI rows start from them.
    """

    __tablename__ = "planned_kpis"
    __table_args__ = (sa.UniqueConstraint("pilot_id", "name"),)  # also the index of a pilot's plan

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(sa.String(200))
    unit: Mapped[str] = mapped_column(sa.String(40), default="")
    baseline: Mapped[float | None]
    target: Mapped[float | None]

    pilot: Mapped[Pilot] = relationship(back_populates="kpi_plan")


class ProgressReport(db.Model):
    """A dated report on a running or paused pilot: its state, what happened, what is next."""

    __tablename__ = "progress_reports"
    __table_args__ = (
        enum_check("state", ProgressState),
        # Covers "the latest report per pilot" (district page) and "any report since" (needs attention).
        sa.Index("ix_progress_reports_pilot_latest", "pilot_id", "report_date", "id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"))
    report_date: Mapped[date]
    state: Mapped[str] = mapped_column(sa.String(20))
    happened: Mapped[str] = mapped_column(sa.Text, default="")
    next_steps: Mapped[str] = mapped_column(sa.Text, default="")
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pilot: Mapped[Pilot] = relationship(back_populates="progress_reports")
    author: Mapped[User | None] = relationship()
    values: Mapped[list[ProgressValue]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ProgressValue.id"
    )


class ProgressValue(db.Model):
    """An interim value of one planned KPI in one progress report."""

    __tablename__ = "progress_values"
    __table_args__ = (sa.UniqueConstraint("report_id", "kpi_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("progress_reports.id", ondelete="CASCADE"))
    kpi_id: Mapped[int] = mapped_column(sa.ForeignKey("planned_kpis.id", ondelete="CASCADE"), index=True)
    value: Mapped[float]

    report: Mapped[ProgressReport] = relationship(back_populates="values")
    kpi: Mapped[PlannedKPI] = relationship()
