"""The API's read side: pages by keyset, and pilots as JSON with the public-field rules.

What a caller sees is what the web shows them: ``permissions.visible_filter`` chooses the rows
(anonymous callers: exactly the public register), and a caller who may not see internal fields
gets none of the fields the pilot field registry does not mark ``public``, no comments, no
actors, and the outcome only once the pilot is evaluated.
"""

from __future__ import annotations

import base64
import binascii
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import url_for
from sqlalchemy.orm import joinedload, selectinload

from tracker.db import db
from tracker.districts.models import District
from tracker.guards import parse_id
from tracker.partners.models import Partner
from tracker.pilots import permissions
from tracker.pilots.audit_fields import FIELDS
from tracker.pilots.filters import PilotFilter
from tracker.pilots.models import FundingLine, Outcome, Pilot, PilotPartner, Theme, pilot_themes
from tracker.pilots.workflow import Status

OSLO = ZoneInfo("Europe/Oslo")


def non_public_fields() -> frozenset[str]:
    """The registry's fields that only signed-in users see (contacts, funding...)."""
    return frozenset(f.name for f in FIELDS if not f.public)


# -- keyset paging --------------------------------------------------------------------------------
def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id after which a page starts; ``ValueError`` for a cursor this API did not make."""
    if not cursor:
        return None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ValueError("cursor") from None
    number = parse_id(text[3:]) if text.startswith("id:") else None
    if number is None:
        raise ValueError("cursor")
    return number


# -- pilots ---------------------------------------------------------------------------------------
_SUMMARY_COLUMNS = (Pilot.id, Pilot.title, District.id, District.slug, District.name, Pilot.status,
                   Pilot.arena_kind, Pilot.planned_start, Pilot.planned_end, Pilot.actual_start,
                   Pilot.actual_end, Pilot.updated_at, Pilot.version)
_THEME_KEYS = ("id", "slug", "name_nb", "name_en")


def _iso(value):
    return None if value is None else value.isoformat()


def pilot_page(user, pilot_filter: PilotFilter, after: int | None, limit: int) -> dict:
    """One page of the pilot list as ``PilotPage`` dumps it, from plain rows: the pilots with their
    districts in one query, their themes in a second (the list's hot path: no ORM objects, no
    marshmallow; ``tests/test_api_reads.py`` holds it to the schema's output)."""
    stmt = (sa.select(*_SUMMARY_COLUMNS).join(District, District.id == Pilot.district_id)
            .where(*pilot_filter.conditions(permissions.visible_filter(user))))
    if after is not None:
        stmt = stmt.where(Pilot.id > after)
    rows = db.session.execute(stmt.order_by(Pilot.id.asc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    themes = _themes_of([row[0] for row in rows])
    url = url_for("api.pilot", pilot_id=0)[:-1]  # ".../pilots/0" without the id: one url_for a page
    items = []
    for (pid, title, district_id, slug, name, status, arena, p_start, p_end, a_start, a_end, updated,
         version) in rows:
        items.append({"id": pid, "title": title, "district": {"id": district_id, "slug": slug, "name": name},
                      "status": status, "arena_kind": arena, "themes": themes.get(pid, []),
                      "planned_start": _iso(p_start), "planned_end": _iso(p_end),
                      "actual_start": _iso(a_start), "actual_end": _iso(a_end),
                      "updated_at": updated.isoformat(), "version": version, "url": f"{url}{pid}"})
    return {"items": items, "next_cursor": encode_cursor(rows[-1][0]) if more else None}


def _themes_of(pilot_ids: list[int]) -> dict[int, list[dict]]:
    """The themes of these pilots (as ``Pilot.themes`` orders them), by pilot id: one query."""
    if not pilot_ids:
        return {}
    found: dict[int, list[dict]] = {}
    for pid, *theme in db.session.execute(
            sa.select(pilot_themes.c.pilot_id, Theme.id, Theme.slug, Theme.name_nb, Theme.name_en)
            .join(Theme, Theme.id == pilot_themes.c.theme_id).where(pilot_themes.c.pilot_id.in_(pilot_ids))
            .order_by(pilot_themes.c.pilot_id, Theme.name_nb, Theme.id)):
        found.setdefault(pid, []).append(dict(zip(_THEME_KEYS, theme, strict=True)))
    return found



def load_pilot(pilot_id: int) -> Pilot | None:
    return db.session.scalars(sa.select(Pilot).where(Pilot.id == pilot_id).options(
        joinedload(Pilot.district), selectinload(Pilot.themes),
        selectinload(Pilot.funding).joinedload(FundingLine.partner),
        selectinload(Pilot.partner_links).joinedload(PilotPartner.partner),
        selectinload(Pilot.events),
        selectinload(Pilot.outcome).selectinload(Outcome.kpis))).first()


def _district(d: District) -> dict:
    return {"id": d.id, "slug": d.slug, "name": d.name}


def _theme(t: Theme) -> dict:
    return {"id": t.id, "slug": t.slug, "name_nb": t.name_nb, "name_en": t.name_en}


def _partner(p: Partner | None) -> dict | None:
    return None if p is None else {"id": p.id, "name": p.name}


def summary(pilot: Pilot) -> dict:
    return {
        "id": pilot.id, "title": pilot.title, "district": _district(pilot.district), "status": pilot.status,
        "arena_kind": pilot.arena_kind, "themes": [_theme(t) for t in pilot.themes],
        "planned_start": pilot.planned_start, "planned_end": pilot.planned_end,
        "actual_start": pilot.actual_start, "actual_end": pilot.actual_end,
        "updated_at": pilot.updated_at, "version": pilot.version,
        "url": url_for("api.pilot", pilot_id=pilot.id),
    }


def detail(pilot: Pilot, user) -> dict:
    """The pilot as ``user`` (None: anonymous) may see it."""
    internal = permissions.can_see_internal(user, pilot)
    data = summary(pilot)
    data.update(
        need=pilot.need, description=pilot.description, goals=pilot.goals, location=pilot.location,
        agency=pilot.agency,
        partners=[{"partner": _partner(link.partner), "role": link.role} for link in pilot.partner_links],
        status_history=[_event(e, internal) for e in pilot.events],
        outcome=_outcome(pilot.outcome) if pilot.outcome and (internal or pilot.status == Status.EVALUATED)
        else None,
        contact_name=pilot.contact_name, contact_email=pilot.contact_email, contact_phone=pilot.contact_phone,
        is_public=pilot.is_public,
        funding=[{"year": f.year, "source_type": f.source_type, "partner": _partner(f.partner),
                  "source": f.source_label, "amount": f.amount, "kind": f.kind} for f in pilot.funding],
    )
    if internal:
        data["allowed_actions"] = [str(a) for a in permissions.allowed_actions(user, pilot)]
        return data
    for name in non_public_fields() | {"is_public"}:
        data.pop(name, None)
    return data


def _event(event, internal: bool) -> dict:
    out = {"on": event.at.astimezone(OSLO).date(), "action": event.action, "from_status": event.from_status,
           "to_status": event.to_status}
    if internal:
        out["comment"] = event.comment
    return out


def _outcome(outcome: Outcome) -> dict:
    return {"verdict": outcome.verdict, "summary": outcome.summary, "lessons": outcome.lessons,
            "next_steps": outcome.next_steps,
            "kpis": [{"name": k.name, "unit": k.unit, "baseline": k.baseline, "target": k.target,
                      "actual": k.actual} for k in outcome.kpis]}


# -- districts, partners, themes ------------------------------------------------------------------
def districts(user) -> list[dict]:
    """Every district with the number of pilots ``user`` may see, in total and per status: 2 queries."""
    counts = db.session.execute(
        sa.select(Pilot.district_id, Pilot.status, sa.func.count())
        .where(permissions.visible_filter(user)).group_by(Pilot.district_id, Pilot.status)).all()
    by_district: dict[int, dict[str, int]] = {}
    for district_id, status, n in counts:
        by_district.setdefault(district_id, {})[status] = n
    out = []
    for d in db.session.scalars(sa.select(District).order_by(District.id)):
        statuses = by_district.get(d.id, {})
        out.append({"id": d.id, "slug": d.slug, "name": d.name, "description": d.description,
                    "focus": d.focus, "retired": d.retired, "pilot_count": sum(statuses.values()),
                    "by_status": statuses})
    return out


def partner_page(user, after: int | None, limit: int):
    """Partners with the number of pilots ``user`` may see; anonymous callers get only those
    taking part in a public pilot (the partner directory itself is for signed-in users)."""
    pilots = sa.func.count(sa.distinct(PilotPartner.pilot_id)).label("n")
    visible = (sa.select(PilotPartner.partner_id, pilots).join(Pilot, Pilot.id == PilotPartner.pilot_id)
               .where(permissions.visible_filter(user)).group_by(PilotPartner.partner_id).subquery())
    stmt = (sa.select(Partner, sa.func.coalesce(visible.c.n, 0))
            .outerjoin(visible, visible.c.partner_id == Partner.id))
    if user is None:
        stmt = stmt.where(visible.c.n > 0)
    if after is not None:
        stmt = stmt.where(Partner.id > after)
    rows = db.session.execute(stmt.order_by(Partner.id.asc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    items = [{"id": p.id, "name": p.name, "kind": p.kind, "org_number": p.org_number, "website": p.website,
              "pilot_count": n} for p, n in rows]
    return items, (encode_cursor(rows[-1][0].id) if more else None)


def themes() -> list[dict]:
    return [_theme(t) for t in db.session.scalars(sa.select(Theme).where(Theme.retired.is_(False))
                                                  .order_by(Theme.id))]
