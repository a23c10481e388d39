"""Demo data: Oslo's innovation districts, themes, partners, people and fictional pilots.

Idempotent: districts, themes and partners are matched by slug/name, users by e-mail, and
pilots are only added when the demo owner has none yet.
"""

from __future__ import annotations

import random
import secrets
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from tracker.auth.models import Role, User
from tracker.auth.operations import create_user
from tracker.changes import operations as change_operations
from tracker.db import db
from tracker.demo.data import (
    COMMENTS,
    DEMO_CHANGE_REQUEST,
    DEMO_PEOPLE,
    DISTRICTS,
    KPI_PLAN,
    LESSONS,
    NEEDS,
    NETWORK_PARTNERS,
    PARTNERS,
    PATHS,
    PILOTS,
    PROGRESS,
    PROGRESS_STORIES,
    PUBLISHES_FUNDING,
    THEMES,
)
from tracker.districts.models import District
from tracker.partners import orgnr
from tracker.partners.models import Partner
from tracker.partners.names import name_key
from tracker.pilots import operations as pilot_operations
from tracker.pilots.audit_fields import PILOT
from tracker.pilots.models import (
    FundingKind,
    FundingLine,
    Outcome,
    OutcomeKPI,
    Pilot,
    PilotPartner,
    PlannedKPI,
    ProgressReport,
    ProgressValue,
    SourceType,
    StatusEvent,
    Theme,
    Verdict,
)
from tracker.pilots.workflow import TRANSITIONS, Action, Status


def _fictional_orgnr(rng: random.Random) -> str:
    """A valid Norwegian number (one in eleven random ones passes MOD11)."""
    while True:
        number = "9" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        if orgnr.is_valid(number):
            return number


def _get_or_create(model, lookup: dict, **values):
    obj = db.session.scalar(sa.select(model).filter_by(**lookup))
    if obj is None:
        obj = model(**lookup, **values)
        db.session.add(obj)
    return obj


def load_demo() -> list[tuple[str, str, str]]:
    """Load the demo data; return ``(email, role, password)`` for users created now."""
    rng = random.Random(2026)
    districts = {slug: _get_or_create(District, {"slug": slug}, name=name, description=desc, focus=focus,
                                      description_en=desc_en, focus_en=focus_en,
                                      publishes_funding=slug in PUBLISHES_FUNDING)
                 for slug, name, desc, focus, desc_en, focus_en in DISTRICTS}
    themes = {slug: _get_or_create(Theme, {"slug": slug}, name_nb=nb, name_en=en) for slug, nb, en in THEMES}
    partners = {}
    for name, kind, website, fictional in PARTNERS:
        partners[name] = _get_or_create(
            Partner, {"name": name}, kind=kind, website=website,
            name_key=name_key(name), org_number=_fictional_orgnr(rng) if fictional else None,
            description="Fiktiv eksempelvirksomhet." if fictional else "")
    for name, kind, country, number in NETWORK_PARTNERS:
        partners[name] = _get_or_create(
            Partner, {"name": name}, kind=kind, country=country, org_number=number, name_key=name_key(name),
            description="Fiktiv virksomhet i nettverket.")
    db.session.flush()

    created = []
    users = {}
    for email, name, role, slugs, agency in DEMO_PEOPLE:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            password = secrets.token_urlsafe(12)
            user = create_user(email, name, role, slugs, password=password, agency=agency)
            created.append((email, role.value, password))
        users[email] = user
    owners = [users["saksbehandler@testarena.example"], users["radgiver@testarena.example"]]
    if db.session.scalar(sa.select(sa.func.count()).select_from(Pilot).where(Pilot.owner_id.in_(
            [o.id for o in owners]))):
        return _indexed(created)

    coordinators = {d.id: c for c in users.values() if c.role == Role.COORDINATOR for d in c.districts}
    partner_list = list(partners.values())
    today = date.today()
    for index, (title, slug, kind, theme_slugs, final) in enumerate(PILOTS):
        district = districts[slug]
        owner = owners[index % 2]
        # The last change lands 5-60 days ago; every fifth pilot is left idle (needs attention).
        history = sum(8 + step * 5 for step in range(len(PATHS[final])))
        idle = 5 + (index % 6) * 11 + (100 if index % 5 == 4 else 0)
        created_at = datetime.combine(today - timedelta(days=history + idle), time(9), tzinfo=UTC)
        start = created_at.date() + timedelta(days=30)
        pilot = Pilot(
            title=title, district=district, arena_kind=kind, owner=owner, agency=owner.agency,
            themes=[themes[t] for t in theme_slugs],
            need=NEEDS.get(title, f"Fiktivt eksempel. Behovet: {title.lower()} er i dag løst manuelt og "
                                  "spredt på mange aktører, og ingen har oversikt over hva som virker."),
            description=f"Vi tester «{title}» i liten skala sammen med partnere i distriktet.",
            goals="Redusere tidsbruk med 20 %, dokumentere effekt og avgjøre om løsningen skal skaleres.",
            location=district.name, planned_start=start, planned_end=start + timedelta(days=365),
            contact_name=owner.name, contact_email=owner.email, is_public=index % 3 != 0,
            created_at=created_at, updated_at=created_at, status_changed_at=created_at,
        )
        db.session.add(pilot)
        for role, partner in zip(("lead", "implementer", "funder"), rng.sample(partner_list, 3), strict=True):
            pilot.partner_links.append(PilotPartner(partner=partner, role=role))
        for year in (start.year, start.year + 1):
            pilot.funding.append(FundingLine(year=year, source_type=SourceType.MUNICIPAL,
                                             source="Oslo kommune", amount=rng.randrange(100, 900) * 1000,
                                             kind=FundingKind.CASH))
            funder = pilot.partner_links[2].partner
            pilot.funding.append(FundingLine(year=year, source_type=SourceType.PARTNER, partner=funder,
                                             amount=rng.randrange(50, 400) * 1000, kind=FundingKind.IN_KIND))
        pilot.events.append(StatusEvent(action=None, from_status=None, to_status=Status.DRAFT,
                                        actor=owner, at=created_at))
        at, current = created_at, Status.DRAFT
        for step, (action, target) in enumerate(PATHS[final]):
            at = at + timedelta(days=8 + step * 5)
            # Reviews and evaluations are someone else's judgement (the district's coordinator).
            actor = coordinators.get(district.id, owner) if TRANSITIONS[action].by_others else owner
            if action == Action.START:
                pilot.actual_start = at.date()
            if action == Action.COMPLETE:
                pilot.actual_end = at.date()
            if action == Action.EVALUATE:
                _outcome(pilot, owner, at, index)
            pilot.events.append(StatusEvent(action=action, from_status=current, to_status=target,
                                            actor=actor, at=at, comment=COMMENTS.get(action, "")))
            current = target
        pilot.status, pilot.status_changed_at, pilot.updated_at = current, at, at
        if final != Status.DRAFT:
            pilot.kpi_plan = [PlannedKPI(position=i, name=name, unit=unit, baseline=baseline, target=target)
                              for i, (name, unit, baseline, target, _steps) in enumerate(KPI_PLAN)]
        db.session.flush()
        if current in (Status.RUNNING, Status.PAUSED) and index % 13 != 0:
            _progress(pilot, owner, today, index)
        entry = PILOT.record(owner, pilot.id, "create", {"title": (None, title)})
        entry.at = created_at
    _change_request(db.session.scalar(sa.select(Pilot).where(Pilot.title == DEMO_CHANGE_REQUEST)))
    return _indexed(created)


def _indexed(created):
    """Rebuild the search index over what the demo holds (its rows are not made by operations)."""
    from tracker.search.index import reindex

    reindex()
    return created


def _progress(pilot: Pilot, owner: User, today: date, index: int) -> None:
    """Three progress reports spread over the time the pilot has run, in the demo's own words; the
    latest state differs from pilot to pilot."""
    ran = (today - pilot.actual_start).days
    story = PROGRESS_STORIES[index // 7 % len(PROGRESS_STORIES)]
    for n, (state, happened, next_steps) in enumerate(PROGRESS[i] for i in story):
        day = pilot.actual_start + timedelta(days=ran * (n + 1) // len(story))
        values = [ProgressValue(kpi_id=kpi.id, value=plan[2] + plan[4] * (n + 1))
                  for kpi, plan in zip(pilot.kpi_plan, KPI_PLAN, strict=True)]
        db.session.add(ProgressReport(pilot_id=pilot.id, report_date=day, state=state, happened=happened,
                                      next_steps=next_steps, author_id=owner.id, values=values,
                                      created_at=datetime.combine(day, time(10), tzinfo=UTC)))
def _change_request(pilot: Pilot) -> None:
    """The approved pilot's owner asks for more money and a wider goal: a change request waiting
    for the district's coordinator (through the operations, as the edit form would)."""
    content = pilot_operations.current_content(pilot)
    content.funding[0]["amount"] += 250_000
    content.values["goals"] += " Materialbanken skal også omfatte skoler og barnehager."
    change_operations.save_edit(pilot, pilot.owner, content, None)


def reset_demo_passwords() -> list[tuple[str, str, str]]:
    """New random passwords for the demo users that exist; returns ``(email, role, password)``."""
    from tracker.auth.operations import set_password

    reset = []
    for email, *_rest in DEMO_PEOPLE:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is not None:
            password = secrets.token_urlsafe(12)
            set_password(user, password)
            reset.append((email, user.role, password))
    return reset


def _outcome(pilot: Pilot, owner: User, at: datetime, index: int) -> None:
    verdict = [Verdict.SCALE_UP, Verdict.CONTINUE, Verdict.STOP, Verdict.INCONCLUSIVE][index % 4]
    pilot.outcome = Outcome(
        verdict=verdict, recorded_by=owner, recorded_at=at,
        summary="Piloten ble gjennomført som planlagt med god deltakelse.",
        lessons=LESSONS[index % len(LESSONS)],
        next_steps="Vurdere innkjøp gjennom ordinær anskaffelse.",
        kpis=[OutcomeKPI(position=0, name="Tidsbruk per sak", unit="minutter",
                         baseline=45, target=35, actual=31),
              OutcomeKPI(position=1, name="Brukertilfredshet", unit="%", baseline=62, target=75, actual=71)],
    )
