"""Test data builders. They flush (so ids exist) and commit only where a test needs it."""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import date

from tracker.auth.models import Role, User
from tracker.db import db
from tracker.districts.models import District
from tracker.partners.models import Partner, PartnerKind
from tracker.partners.names import name_key
from tracker.pilots.models import (
    ArenaKind,
    FundingLine,
    Pilot,
    PilotPartner,
    PlannedKPI,
    ProgressReport,
    ProgressValue,
    StatusEvent,
    Theme,
)
from tracker.pilots.workflow import Status

PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)
_hash_cache: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    """The real scrypt hash, computed once per password per session."""
    if password not in _hash_cache:
        from tracker.auth.operations import hash_password

        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_district(slug: str | None = None, name: str | None = None, **values) -> District:
    n = next(_counter)
    district = District(slug=slug or f"district-{n}", name=name or f"District {n}", **values)
    db.session.add(district)
    db.session.flush()
    return district


def make_user(role: str = Role.STAFF, districts=(), email: str | None = None, name: str | None = None,
              password: str = PASSWORD, **values) -> User:
    n = next(_counter)
    user = User(email=email or f"user{n}@example.org", name=name or f"User {n}", role=role,
                password_hash=password_hash(password), districts=list(districts), **values)
    db.session.add(user)
    db.session.flush()
    return user


def make_theme(slug: str | None = None, **values) -> Theme:
    n = next(_counter)
    theme = Theme(slug=slug or f"theme-{n}", name_nb=values.pop("name_nb", f"Tema {n}"),
                  name_en=values.pop("name_en", f"Theme {n}"), **values)
    db.session.add(theme)
    db.session.flush()
    return theme


def make_partner(name: str | None = None, kind: str = PartnerKind.COMPANY, **values) -> Partner:
    n = next(_counter)
    name = name or f"Partner {n} AS"
    partner = Partner(name=name, name_key=values.pop("name_key", name_key(name)), kind=kind, **values)
    db.session.add(partner)
    db.session.flush()
    return partner


def make_pilot(owner: User, district: District, status: str = Status.DRAFT, **values) -> Pilot:
    """A pilot with complete proposal fields, placed directly in ``status`` (with one event)."""
    n = next(_counter)
    defaults = dict(
        title=f"Pilot {n}", arena_kind=ArenaKind.PHYSICAL, need="A real need.", description="What we test.",
        goals="Measurable goals.", location="Oslo", planned_start=date(2026, 1, 1),
        planned_end=date(2026, 12, 31), agency="Bymiljøetaten", contact_name=owner.name,
        contact_email=owner.email,
    )
    defaults.update(values)
    pilot = Pilot(owner=owner, district=district, status=status, **defaults)
    pilot.events.append(StatusEvent(to_status=status, actor=owner))
    db.session.add(pilot)
    db.session.flush()
    return pilot


def add_funding(pilot: Pilot, year: int, amount: int, source_type: str = "municipal",
                source: str = "Oslo kommune", kind: str = "cash",
                partner: Partner | None = None) -> FundingLine:
    line = FundingLine(pilot=pilot, year=year, amount=amount, source_type=source_type, source=source,
                       kind=kind, partner=partner)
    db.session.add(line)
    db.session.flush()
    return line


def link_partner(pilot: Pilot, partner: Partner, role: str = "implementer") -> PilotPartner:
    link = PilotPartner(pilot=pilot, partner=partner, role=role)
    db.session.add(link)
    db.session.flush()
    return link


def report_progress(pilot: Pilot, user: User, state: str = "at_risk", day: date = date(2026, 2, 1)):
    """A KPI plan (one KPI) on ``pilot`` and a progress report with an interim value of it."""
    kpi = PlannedKPI(position=0, name="Brukere", unit="per uke", baseline=10, target=100)
    pilot.kpi_plan.append(kpi)
    db.session.flush()
    report = ProgressReport(pilot_id=pilot.id, report_date=day, state=state, happened="Godt i gang.",
                            next_steps="Flere brukere.", author_id=user.id,
                            values=[ProgressValue(kpi_id=kpi.id, value=42.5)])
    db.session.add(report)
    db.session.flush()
    return report


def attach(pilot: Pilot, user: User, title: str, data: bytes = b"%PDF-1.4\n%%EOF\n", public: bool = False,
           deleted: bool = False):
    """A PDF attachment on ``pilot``, stored through the files operations (bytes in storage too)."""
    from tracker.files import operations
    from tracker.files.operations import Upload

    (attachment,) = operations.add_files(pilot, user, "report", title, "", public,
                                         [(Upload(io.BytesIO(data), f"{title}.pdf"), "application/pdf")])
    if deleted:
        operations.delete(attachment, user)
    return attachment


def follow(url: str, name: str, pilots: int = 1):
    """A followed district of another installation with ``pilots`` read-only copies."""
    from tracker.pilots.workflow import Status
    from tracker.register.models import NetworkPilot, NetworkSource

    source = NetworkSource(url=url, name=name)
    db.session.add(source)
    db.session.flush()
    base = url.split("/districts/")[0]
    for n in range(1, pilots + 1):
        db.session.add(NetworkPilot(source_id=source.id, remote_id=n, url=f"{base}/register/{n}",
                                    title=f"{name} pilot {n}", district=name, status=Status.RUNNING,
                                    need="Et behov i en annen by."))
    db.session.flush()
    return source


@dataclass
class World:
    """The cast of the permission tests: districts A and B, each with a coordinator and staff."""

    district_a: District
    district_b: District
    admin: User
    coordinator_a: User
    coordinator_b: User
    staff_a: User
    staff_b: User
    viewer: User  # the innovation office: reads everything, changes nothing

    @classmethod
    def build(cls) -> World:
        a = make_district("district-a", "District A")
        b = make_district("district-b", "District B")
        world = cls(
            district_a=a, district_b=b,
            admin=make_user(Role.ADMIN, name="Admin"),
            coordinator_a=make_user(Role.COORDINATOR, [a], name="Coordinator A"),
            coordinator_b=make_user(Role.COORDINATOR, [b], name="Coordinator B"),
            staff_a=make_user(Role.STAFF, name="Staff A"),
            staff_b=make_user(Role.STAFF, name="Staff B"),
            viewer=make_user(Role.VIEWER, name="Innovation Office"),
        )
        db.session.commit()
        return world
