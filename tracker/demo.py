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
from tracker.districts.models import District
from tracker.partners import orgnr
from tracker.partners.models import Partner, PartnerKind
from tracker.partners.names import name_key
from tracker.pilots import operations as pilot_operations
from tracker.pilots.audit_fields import PILOT
from tracker.pilots.models import (
    ArenaKind,
    FundingKind,
    FundingLine,
    Outcome,
    OutcomeKPI,
    Pilot,
    PilotPartner,
    PlannedKPI,
    ProgressReport,
    ProgressState,
    ProgressValue,
    SourceType,
    StatusEvent,
    Theme,
    Verdict,
)
from tracker.pilots.workflow import TRANSITIONS, Action, Status

DISTRICTS = [  # slug, name, description, focus (nb), description, focus (en)
    ("oslo-science-city", "Oslo Science City",
     "Norges første innovasjonsdistrikt: landets fremste universitet, Nordens største sykehus, "
     "forskningsinstitutter og oppstartsmiljøer rundt Blindern, Gaustad og Forskningsparken.",
     "Life science og helse, forskningsbasert innovasjon, kommersialisering.",
     "Norway's first innovation district: the country's leading university, the largest hospital in "
     "the Nordics, research institutes and start-ups around Blindern, Gaustad and the Research Park.",
     "Life science and health, research-based innovation, commercialisation."),
    ("hovinbyen", "Hovinbyen Sirkulære Oslo",
     "Hovinbyen kobler indre by og Groruddalen og skal transformeres fullstendig: ny kunnskap, "
     "nye løsninger og nye arbeidsplasser innen sirkulærøkonomi.",
     "Sirkulærøkonomi i bygg, anlegg og produksjon.",
     "Hovinbyen links the inner city and Groruddalen and will be transformed completely: new "
     "knowledge, new solutions and new jobs in the circular economy.",
     "Circular economy in construction, civil works and production."),
    ("punkt-oslo", "Punkt Oslo",
     "Et sentrum for innovasjon og entreprenørskap i hjertet av Oslo.",
     "Entreprenørskap, digitale tjenester, byliv.",
     "A centre for innovation and entrepreneurship in the heart of Oslo.",
     "Entrepreneurship, digital services, city life."),
    ("hele-oslo", "Hele Oslo",
     "Hele byen som testarena, og kommunen selv som testarena for nye måter å jobbe på "
     "(forvaltningsinnovasjon).",
     "Forvaltningsinnovasjon, tjenesteinnovasjon på tvers av virksomheter.",
     "The whole city as a test arena, and the municipality itself as a test arena for new ways of "
     "working (public-sector innovation).",
     "Public-sector innovation, service innovation across agencies."),
]

THEMES = [
    ("circular-economy", "Sirkulærøkonomi", "Circular economy"),
    ("construction", "Bygg og anlegg", "Construction"),
    ("life-science-health", "Life science og helse", "Life science and health"),
    ("mobility", "Mobilitet", "Mobility"),
    ("energy-climate", "Energi og klima", "Energy and climate"),
    ("digital-services", "Digitale tjenester", "Digital services"),
    ("public-administration", "Forvaltningsinnovasjon", "Public administration"),
    ("urban-life", "Byliv og kultur", "Urban life and culture"),
]


def _fictional_orgnr(rng: random.Random) -> str:
    """A valid Norwegian number (one in eleven random ones passes MOD11)."""
    while True:
        number = "9" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        if orgnr.is_valid(number):
            return number


PARTNERS = [
    ("Universitetet i Oslo", PartnerKind.UNIVERSITY, "https://www.uio.no", False),
    ("OsloMet – storbyuniversitetet", PartnerKind.UNIVERSITY, "https://www.oslomet.no", False),
    ("Oslo universitetssykehus", PartnerKind.HOSPITAL, "https://oslo-universitetssykehus.no", False),
    ("SINTEF", PartnerKind.RESEARCH_INSTITUTE, "https://www.sintef.no", False),
    ("Oslo Science Park", PartnerKind.INCUBATOR, "https://www.oslosciencepark.no", False),
    ("The Life Science Cluster", PartnerKind.CLUSTER_NETWORK, "", False),
    ("Inven2", PartnerKind.INVESTOR, "https://www.inven2.com", False),
    ("Innovasjon Norge", PartnerKind.PUBLIC_AGENCY, "https://www.innovasjonnorge.no", False),
    ("Bymiljøetaten", PartnerKind.PUBLIC_AGENCY, "", False),
    ("Sirkulær Bygg Eksempel AS", PartnerKind.STARTUP, "", True),
    ("Sensorbyen Eksempel AS", PartnerKind.STARTUP, "", True),
    ("Grønn Logistikk Eksempel AS", PartnerKind.COMPANY, "", True),
    ("Frivillighetssentral Eksempel", PartnerKind.VOLUNTARY, "", True),
    ("Nabolagshager (eksempel)", PartnerKind.VOLUNTARY, "", True),
]

# title, district slug, arena kind, theme slugs, final status
PILOTS = [
    ("Ombruk av betongelementer i Hovinbyen", "hovinbyen", ArenaKind.PHYSICAL,
     ["circular-economy", "construction"], Status.RUNNING),
    ("Digital materialbank for kommunale bygg", "hovinbyen", ArenaKind.DIGITAL,
     ["circular-economy", "digital-services"], Status.APPROVED),
    ("Sirkulær byggeplass på Økern", "hovinbyen", ArenaKind.PHYSICAL,
     ["construction", "energy-climate"], Status.SUBMITTED),
    ("Massehåndtering med lokal mellomlagring", "hovinbyen", ArenaKind.PHYSICAL,
     ["construction"], Status.EVALUATED),
    ("Reparasjonsverksted i nabolaget", "hovinbyen", ArenaKind.PHYSICAL,
     ["circular-economy", "urban-life"], Status.COMPLETED),
    ("Felles innkjøp av brukte møbler", "hovinbyen", ArenaKind.ORGANISATIONAL,
     ["circular-economy", "public-administration"], Status.DRAFT),
    ("Sensorer for inneklima i skoler", "oslo-science-city", ArenaKind.PHYSICAL,
     ["life-science-health", "digital-services"], Status.RUNNING),
    ("Hjemmemåling for kronisk syke", "oslo-science-city", ArenaKind.DIGITAL,
     ["life-science-health"], Status.PAUSED),
    ("Testbed for helseteknologi i sykehjem", "oslo-science-city", ArenaKind.PHYSICAL,
     ["life-science-health"], Status.SUBMITTED),
    ("Forskerstøtte i kommunale innkjøp", "oslo-science-city", ArenaKind.ORGANISATIONAL,
     ["public-administration"], Status.EVALUATED),
    ("Studenter som tjenestedesignere", "oslo-science-city", ArenaKind.ORGANISATIONAL,
     ["public-administration", "digital-services"], Status.REJECTED),
    ("Grønn tak-lab på Gaustad", "oslo-science-city", ArenaKind.PHYSICAL,
     ["energy-climate"], Status.COMPLETED),
    ("Åpne data om luftkvalitet", "oslo-science-city", ArenaKind.DIGITAL,
     ["digital-services", "energy-climate"], Status.WITHDRAWN),
    ("Pop-up-lokaler for gründere i sentrum", "punkt-oslo", ArenaKind.PHYSICAL,
     ["urban-life"], Status.RUNNING),
    ("Chatbot for næringsetaten", "punkt-oslo", ArenaKind.DIGITAL,
     ["digital-services"], Status.EVALUATED),
    ("Varelevering med el-sykkel", "punkt-oslo", ArenaKind.PHYSICAL,
     ["mobility", "energy-climate"], Status.APPROVED),
    ("Smart parkering for varebiler", "punkt-oslo", ArenaKind.DIGITAL,
     ["mobility"], Status.SUBMITTED),
    ("Kulturkvartal om kvelden", "punkt-oslo", ArenaKind.PHYSICAL,
     ["urban-life"], Status.DRAFT),
    ("Innovasjonspartnerskap for sykehjemsmat", "hele-oslo", ArenaKind.ORGANISATIONAL,
     ["public-administration", "life-science-health"], Status.RUNNING),
    ("Felles digital postkasse for virksomheter", "hele-oslo", ArenaKind.DIGITAL,
     ["digital-services", "public-administration"], Status.COMPLETED),
    ("Tverretatlig team for bydelsutvikling", "hele-oslo", ArenaKind.ORGANISATIONAL,
     ["public-administration"], Status.EVALUATED),
    ("Bildeling for kommunens ansatte", "hele-oslo", ArenaKind.ORGANISATIONAL,
     ["mobility", "energy-climate"], Status.APPROVED),
    ("Frivillige som digitale veiledere", "hele-oslo", ArenaKind.ORGANISATIONAL,
     ["digital-services", "urban-life"], Status.SUBMITTED),
    ("Kjøpesenter som testarena for gjenbruk", "hele-oslo", ArenaKind.PHYSICAL,
     ["circular-economy"], Status.WITHDRAWN),
    ("Klimabudsjett per bydel", "hele-oslo", ArenaKind.ORGANISATIONAL,
     ["energy-climate", "public-administration"], Status.DRAFT),
    ("Selvbetjent utlån av verktøy", "hovinbyen", ArenaKind.PHYSICAL,
     ["circular-economy", "urban-life"], Status.PAUSED),
    ("KI-støtte til byggesaksbehandling", "hele-oslo", ArenaKind.DIGITAL,
     ["digital-services", "construction"], Status.REJECTED),
    ("Lyngby-samarbeid om talentprogram", "oslo-science-city", ArenaKind.ORGANISATIONAL,
     ["public-administration"], Status.APPROVED),
]

# The path through the workflow that leads to each final demo status.
PATHS: dict[Status, list[tuple[Action, Status]]] = {
    Status.DRAFT: [],
    Status.SUBMITTED: [(Action.SUBMIT, Status.SUBMITTED)],
    Status.APPROVED: [(Action.SUBMIT, Status.SUBMITTED), (Action.APPROVE, Status.APPROVED)],
    Status.REJECTED: [(Action.SUBMIT, Status.SUBMITTED), (Action.REJECT, Status.REJECTED)],
    Status.RUNNING: [(Action.SUBMIT, Status.SUBMITTED), (Action.APPROVE, Status.APPROVED),
                     (Action.START, Status.RUNNING)],
}
PATHS[Status.PAUSED] = [*PATHS[Status.RUNNING], (Action.PAUSE, Status.PAUSED)]
PATHS[Status.COMPLETED] = [*PATHS[Status.RUNNING], (Action.COMPLETE, Status.COMPLETED)]
PATHS[Status.EVALUATED] = [*PATHS[Status.COMPLETED], (Action.EVALUATE, Status.EVALUATED)]
PATHS[Status.WITHDRAWN] = [*PATHS[Status.APPROVED], (Action.WITHDRAW, Status.WITHDRAWN)]

# Needs in real words for some pilots (the search is worth trying on them); others get a generic one.
NEEDS = {
    "Sensorer for inneklima i skoler": "Lærere på flere av skolene melder om hodepine og tung luft i "
    "klasserommene, men ingen vet når CO₂-nivået blir for høyt. Vaktmesterne får klager, ikke data.",
    "Smart parkering for varebiler": "Varebilene leter etter ledig plass, og parkeringsplassen ved torget "
    "er full av privatbiler hele dagen. Sjåførene stopper i sykkelfeltet i stedet.",
    "Varelevering med el-sykkel": "Lastebiler blokkerer gatene i sentrum om morgenen. Statens vegvesen og "
    "Bymiljøetaten ønsker færre tunge kjøretøy i gågatene.",
    "Ombruk av betongelementer i Hovinbyen": "Når kontorbygg rives, knuses hulldekker og betongelementer "
    "som kunne vært brukt på nytt. Det mangler rutiner for å teste og sertifisere dem.",
    "Chatbot for næringsetaten": "Næringsdrivende venter i telefonkø for å få svar om skjenkebevilling og "
    "serveringsbevilling, og de samme spørsmålene kommer hundrevis av ganger i måneden.",
    "Hjemmemåling for kronisk syke": "Pasienter med KOLS og hjertesvikt reiser til legen for målinger de "
    "kunne tatt hjemme. Hjemmetjenesten får vite om forverring for sent.",
    "Åpne data om luftkvalitet": "Foreldre vil vite hvor forurenset skoleveien er, men målestasjonene står "
    "langt unna skolene og dataene er vanskelige å hente ut.",
}
# Lessons in real words, one per evaluated pilot in turn.
LESSONS = [
    "Tidlig involvering av driftsorganisasjonen var avgjørende: vaktmestrene visste hvor sensorene "
    "kunne henge uten å bli ødelagt. Juridiske avklaringer om personvern tok lengre tid enn planlagt.",
    "Massene kunne mellomlagres lokalt i stedet for å kjøres ut av byen, men tillatelsene måtte søkes "
    "hos flere etater. Statens vegvesen måtte godkjenne trafikkløsningen rundt lageret.",
    "Forskerne trengte tilgang til innkjøpsdata tidligere enn avtalt. Et felles møtepunkt hver fjerde uke "
    "gjorde samarbeidet mellom kommunen og universitetet mye enklere.",
    "Chatboten svarte riktig på de vanligste spørsmålene om bevillinger, men innbyggerne ville snakke med "
    "et menneske når saken var sammensatt. Svarene må eies av fagmiljøet, ikke av IT.",
]

COMMENTS = {
    Action.REJECT: "Ligger utenfor distriktets satsingsområder i år.",
    Action.PAUSE: "Venter på avklaring med leverandør.",
    Action.WITHDRAW: "Erstattet av et større prosjekt.",
    Action.RETURN: "Beskriv suksesskriteriene tydeligere.",
}


DEMO_PEOPLE = [
    ("admin@testarena.example", "Ada Admin", Role.ADMIN, [], "Byrådsavdeling for kultur og næring"),
    ("koordinator.osc@testarena.example", "Kari Koordinator", Role.COORDINATOR,
     ["oslo-science-city", "punkt-oslo"], "Næringsetaten"),
    ("koordinator.hovinbyen@testarena.example", "Hassan Hovin", Role.COORDINATOR,
     ["hovinbyen", "hele-oslo"], "Plan- og bygningsetaten"),
    ("saksbehandler@testarena.example", "Sara Saksbehandler", Role.STAFF, [], "Bymiljøetaten"),
    ("radgiver@testarena.example", "Rolf Rådgiver", Role.STAFF, [], "Helseetaten"),
    # The innovation office: reads the whole portfolio (drafts and funding included), changes nothing.
    ("innovasjon@testarena.example", "Inger Innovasjon", Role.VIEWER, [], "Innovasjonskontoret"),
]


def _get_or_create(model, lookup: dict, **values):
    obj = db.session.scalar(sa.select(model).filter_by(**lookup))
    if obj is None:
        obj = model(**lookup, **values)
        db.session.add(obj)
    return obj


# Partners from the network's countries, with their own (fictional, valid) business ids.
NETWORK_PARTNERS = [
    ("Kista Mobilitetslabb Exempel AB", PartnerKind.STARTUP, "SE", "5599112348"),
    ("Lyngby Bylab Eksempel ApS", PartnerKind.COMPANY, "DK", "41234571"),
    ("Oulu Testbed Esimerkki Oy", PartnerKind.RESEARCH_INSTITUTE, "FI", "31234571"),
]
# Districts that publish their pilots' funding in the public register.
PUBLISHES_FUNDING = {"hele-oslo"}


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


# The demo KPI plan: name, unit, baseline, target, change per progress report (the outcome's KPIs
# have the same names, so evaluated pilots show their actual values on the trend).
KPI_PLAN = [("Tidsbruk per sak", "minutter", 45, 35, -3), ("Brukertilfredshet", "%", 62, 75, 4)]
PROGRESS = [  # state, what happened, what is next
    (ProgressState.ON_TRACK, "Oppstartsmøte med alle partnere er holdt, og de første brukerne er i gang.",
     "Samle inn målinger for første måned og justere opplæringen."),
    (ProgressState.AT_RISK, "Leveransen av utstyr er forsinket tre uker. Brukerne er fornøyde så langt.",
     "Avklare ny leveransedato med leverandøren og informere styringsgruppen."),
    (ProgressState.ON_TRACK, "Utstyret er levert, og målingene viser kortere saksbehandlingstid.",
     "Forberede midtveisevaluering sammen med Oslo kommunes innovasjonsenhet."),
    (ProgressState.OFF_TRACK, "Leverandøren har trukket seg, og testen står stille.",
     "Styringsgruppen avgjør om piloten skal settes på pause eller få ny leverandør."),
]
# Which reports each demo pilot gets, in order: its latest state is on track, at risk or off track.
PROGRESS_STORIES = [(0, 1, 2), (0, 2, 1), (0, 1, 3)]


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
DEMO_CHANGE_REQUEST = "Digital materialbank for kommunale bygg"


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
