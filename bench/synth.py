"""A synthetic city: districts, people, themes, partners and many pilots, inserted in bulk.

Core ``insert()`` with executemany and explicit ids: 20,000 pilots (with partners, links, funding,
events and outcomes) take seconds. Used by ``bench/run.py`` and by ``tests/test_query_counts.py``.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from bench.history import history
from tracker.auth.models import district_coordinators
from tracker.pilots.models import pilot_themes

STATUS_WEIGHTS = {"draft": 8, "submitted": 6, "approved": 8, "running": 25, "paused": 4, "completed": 10,
                  "evaluated": 25, "rejected": 5, "withdrawn": 9}
PUBLIC = {"approved", "running", "paused", "completed", "evaluated"}
KINDS = ["university", "research_institute", "hospital", "startup", "company", "incubator", "investor",
         "public_agency", "voluntary", "cluster_network", "other"]
ROLES = ["implementer", "funder", "test_site_host", "participant", "evaluator"]
WORDS = ["Ombruk", "Sensor", "Sykkel", "Bydel", "Energi", "Skole", "Helse", "Data", "Grønn", "Vann", "Lys",
         "Mat", "Bolig", "Buss", "Park", "Avfall", "Tjeneste", "Øko", "Ærlig", "Åpen"]
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
BATCH = 5000
CHUNK = 10_000
BUSY_EVERY = 1000  # one pilot in a thousand has a long history (bench/history.py)


def tables():
    from tracker import import_models

    import_models()  # every model: the metadata's foreign keys (audit entries → API tokens) resolve
    from tracker.audit import AuditEntry
    from tracker.auth.models import User
    from tracker.districts.models import District
    from tracker.partners.models import Partner
    from tracker.pilots.models import FundingLine, Outcome, Pilot, PilotPartner, StatusEvent, Theme

    return {name: model.__table__ for name, model in dict(
        users=User, districts=District, partners=Partner, themes=Theme, pilots=Pilot, funding=FundingLine,
        links=PilotPartner, events=StatusEvent, outcomes=Outcome, audit=AuditEntry).items()}


def _next_id(conn, table) -> int:
    return (conn.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1


def _insert(conn, table, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        conn.execute(table.insert(), rows[start:start + BATCH])


def add_pilots(conn, district_ids, owner_ids, partner_ids, theme_ids, n: int, seed: int = 1,
               reviewers: dict[int, int] | None = None) -> None:
    """Insert ``n`` pilots spread over ``district_ids``, each with links, funding, an outcome when
    evaluated, and its history (status events and audit entries, ``bench/history.py``);
    ``reviewers``: the coordinator who reviews each district's pilots."""
    t = tables()
    rng = random.Random(seed)
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    pilot_id, link_id = _next_id(conn, t["pilots"]), _next_id(conn, t["links"])
    line_id, event_id, outcome_id, entry_id = (_next_id(conn, t[k]) for k in ("funding", "events", "outcomes",
                                                                              "audit"))
    pilots, themes, links, funding, events, outcomes, entries = [], [], [], [], [], [], []
    for i in range(n):
        pid = pilot_id + i
        busy = i % BUSY_EVERY == BUSY_EVERY // 2
        status = "running" if busy else rng.choices(statuses, weights)[0]
        start = date(2022, 1, 1) + timedelta(days=rng.randrange(6 * 365))
        end = start + timedelta(days=rng.randrange(90, 900))
        started = status in {"running", "paused", "completed", "evaluated"}
        changed = NOW - timedelta(days=rng.randrange(400), hours=rng.randrange(24))
        pilots.append(dict(
            id=pid, title=f"{rng.choice(WORDS)} {rng.choice(WORDS).lower()} {pid}",
            district_id=district_ids[i % len(district_ids)],
            arena_kind=rng.choice(["physical", "digital", "organisational"]), need="Et behov.",
            description="Hva vi tester.", goals="Mål.", location="Oslo", planned_start=start, planned_end=end,
            actual_start=start if started else None,
            actual_end=end if status in {"completed", "evaluated"} else None,
            owner_id=rng.choice(owner_ids), agency="Bymiljøetaten",
            is_public=status in PUBLIC and rng.random() < .7,
            status=status, status_changed_at=changed, created_at=changed - timedelta(days=30),
            updated_at=changed + timedelta(days=rng.randrange(5)), version=1))
        for theme in rng.sample(theme_ids, k=min(len(theme_ids), rng.randint(1, 2))):
            themes.append(dict(pilot_id=pid, theme_id=theme))
        for k, partner in enumerate(rng.sample(partner_ids, k=min(len(partner_ids), rng.randint(0, 3)))):
            links.append(dict(id=link_id, pilot_id=pid, partner_id=partner,
                              role="lead" if k == 0 else rng.choice(ROLES)))
            link_id += 1
        for _ in range(rng.randint(0, 3)):
            funding.append(dict(id=line_id, pilot_id=pid, year=rng.randint(2022, 2027),
                                source_type=rng.choice(["municipal", "state", "eu", "other"]),
                                partner_id=None, source="Kilde",
                                amount=rng.randrange(10_000, 2_000_000, 1000),
                                kind=rng.choice(["cash", "in_kind"])))
            line_id += 1
        reviewer = (reviewers or {}).get(pilots[-1]["district_id"])
        pilot_events, pilot_entries = history(rng, pilots[-1], reviewer, partner_ids, district_ids, busy)
        for row in pilot_events:
            events.append(dict(row, id=event_id))
            event_id += 1
        for row in pilot_entries:
            entries.append(dict(row, id=entry_id))
            entry_id += 1
        if status == "evaluated":
            outcomes.append(dict(id=outcome_id, pilot_id=pid,
                                 verdict=rng.choice(["scale_up", "continue", "stop", "inconclusive"]),
                                 summary="Oppsummering.", lessons=f"Erfaring nummer {pid}: start i det små.",
                                 next_steps="", recorded_at=changed))
            outcome_id += 1
        if len(pilots) == CHUNK or i == n - 1:  # bounded memory at 200,000 pilots
            for table, rows in ((t["pilots"], pilots), (pilot_themes, themes), (t["links"], links),
                                (t["funding"], funding), (t["events"], events), (t["outcomes"], outcomes),
                                (t["audit"], entries)):
                _insert(conn, table, rows)
                rows.clear()
    fix_sequences(conn)


def build(conn, districts: int, pilots: int, password_hash: str, seed: int = 1) -> dict:
    """A whole city from scratch: districts with a coordinator each, staff, an admin, themes, partners."""
    t = tables()
    rng = random.Random(seed)
    _insert(conn, t["districts"], [dict(id=i, slug=f"distrikt-{i}", name=f"Distrikt {i}", description="",
                                        focus="", retired=(i % 25 == 0), created_at=NOW)
                                   for i in range(1, districts + 1)])
    users = [dict(id=1, email="admin@bench.example", name="Admin", role="admin")]
    users += [dict(id=1 + i, email=f"koordinator{i}@bench.example", name=f"Koordinator {i}",
                   role="coordinator") for i in range(1, districts + 1)]
    first_staff = districts + 2
    users += [dict(id=first_staff + i, email=f"ansatt{i}@bench.example", name=f"Ansatt {i}", role="staff")
              for i in range(200)]
    for user in users:
        user.update(password_hash=password_hash, agency="", active=True, session_version=1, created_at=NOW)
    _insert(conn, t["users"], users)
    _insert(conn, district_coordinators,
            [dict(user_id=1 + i, district_id=i) for i in range(1, districts + 1)])
    _insert(conn, t["themes"], [dict(id=i, slug=f"tema-{i}", name_nb=f"Tema {i}", name_en=f"Theme {i}",
                                     retired=False) for i in range(1, 13)])
    _insert(conn, t["partners"], [dict(id=i, name=f"Partner {i} AS", name_key=f"partner {i}",
                                       kind=rng.choice(KINDS), org_number=None, created_at=NOW,
                                       updated_at=NOW, version=1) for i in range(1, 801)])
    add_pilots(conn, list(range(1, districts + 1)), [u["id"] for u in users[districts + 1:]],
               list(range(1, 801)), list(range(1, 13)), pilots, seed,
               reviewers={i: 1 + i for i in range(1, districts + 1)})
    return {"admin": "admin@bench.example", "coordinator": "koordinator1@bench.example",
            "district": "distrikt-1"}


def fix_sequences(conn) -> None:
    """After explicit ids, move PostgreSQL's id sequences past them (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for table in [*tables().values()]:
        # Table names come from our own metadata, never from input.
        name = table.name
        seq = f"pg_get_serial_sequence('{name}', 'id')"
        sql = f"SELECT setval({seq}, COALESCE(MAX(id), 0) + 1, false) FROM {name}"  # noqa: S608
        conn.execute(sa.text(sql))
