"""audit entries: structured values instead of text

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 17:30:00

Before, operations recorded partner links as "Name (role)", funding lines as
"year source_type source amount kind", KPIs as "name [unit] baseline → target → actual", and
references as bare ids (district, owner, merged partner), slugs (themes, a user's districts) or
e-mail addresses (a district's coordinators). Upgrade turns them into the records
``tracker/audit_fields.py`` stores (``{id, name}`` with the name found now, ``{partner_id, name,
role}``, ``{year, source_type, partner_id, source, amount, kind}``, ``{name, unit, baseline,
target, actual}``); downgrade writes the text forms back. Self-contained: no application code.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

entries = sa.table("audit_entries", sa.column("id", sa.Integer), sa.column("entity", sa.String),
                   sa.column("changes", sa.JSON))

_PARTNER = re.compile(r"^(?P<name>.*) \((?P<role>[a-z_]+)\)$")
_FUNDING = re.compile(r"^(?P<year>\d+) (?P<type>[a-z_]+) (?P<source>.*) (?P<amount>-?\d+) (?P<kind>[a-z_]+)$")
# The name takes everything up to the last " [": a unit may hold "]" (today's rendering broke there).
_KPI = re.compile(r"^(?P<name>.*) \[(?P<unit>.*)\] (?P<baseline>\S+) → (?P<target>\S+) → (?P<actual>\S+)$")
_MERGED_FROM = re.compile(r"^(?P<name>.*) \(#(?P<id>\d+)\)$")
KPI_NUMBERS = ("baseline", "target", "actual")


class Lookups:
    """The names (and keys) of districts, users, themes and partners, read once."""

    def __init__(self, conn):
        rows = lambda sql: conn.execute(sa.text(sql)).all()  # noqa: E731
        self.districts = {i: (slug, name) for i, slug, name in rows("SELECT id, slug, name FROM districts")}
        self.district_slugs = {slug: (i, name) for i, (slug, name) in self.districts.items()}
        self.users = {i: (email, name) for i, email, name in rows("SELECT id, email, name FROM users")}
        self.user_emails = {email: (i, name) for i, (email, name) in self.users.items()}
        self.themes = {i: slug for i, slug, _, _ in rows("SELECT id, slug, name_nb, name_en FROM themes")}
        self.theme_slugs = {slug: (i, nb, en) for i, slug, nb, en in
                            rows("SELECT id, slug, name_nb, name_en FROM themes")}
        self.partners = dict(rows("SELECT id, name FROM partners"))
        by_name: dict[str, list[int]] = {}
        for i, name in self.partners.items():
            by_name.setdefault(name, []).append(i)
        self.partner_ids = {name: ids[0] for name, ids in by_name.items() if len(ids) == 1}


def _each(value, convert):
    """``convert`` each item of a list side (None stays None)."""
    return None if value is None else [convert(v) for v in value]


def _number(text):
    if text in (None, "None"):
        return None
    try:
        Decimal(text)
    except InvalidOperation:
        return None
    return text


# --- upgrade: text → records ------------------------------------------------------------------

def _ref(ident, names: dict):
    if not isinstance(ident, int):
        return ident
    found = names.get(ident)
    return {"id": ident, "name": found[-1] if isinstance(found, tuple) else found}


def _keyed(key, keys: dict):
    if not isinstance(key, str):
        return key
    found = keys.get(key)
    return {"id": found[0] if found else None, "name": found[1] if found else key}


def _theme(slug, look: Lookups):
    if not isinstance(slug, str):
        return slug
    found = look.theme_slugs.get(slug)
    if not found:
        return {"id": None, "name": slug, "name_en": None}
    return {"id": found[0], "name": found[1], "name_en": found[2]}


def _partner_link(text, look: Lookups):
    match = _PARTNER.match(text) if isinstance(text, str) else None
    if not match:
        return text
    return {"partner_id": look.partner_ids.get(match["name"]), "name": match["name"], "role": match["role"]}


def _funding_line(text, look: Lookups):
    match = _FUNDING.match(text) if isinstance(text, str) else None
    if not match:
        return text
    partner_id = look.partner_ids.get(match["source"]) if match["type"] == "partner" else None
    return {"year": int(match["year"]), "source_type": match["type"], "partner_id": partner_id,
            "source": match["source"], "amount": match["amount"], "kind": match["kind"]}


def _kpi(text, look: Lookups):
    match = _KPI.match(text) if isinstance(text, str) else None
    if not match:
        return text
    return {"name": match["name"], "unit": match["unit"], **{k: _number(match[k]) for k in KPI_NUMBERS}}


def _merged_from(text, look: Lookups):
    match = _MERGED_FROM.match(text) if isinstance(text, str) else None
    return {"id": int(match["id"]), "name": match["name"]} if match else text


def _count(value, look: Lookups):
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# (entity, old field) -> (new field, how one side converts)
UP = {
    ("pilot", "district_id"): ("district", lambda v, lk: _ref(v, lk.districts)),
    ("pilot", "owner_id"): ("owner", lambda v, lk: _ref(v, lk.users)),
    ("pilot", "themes"): ("themes", lambda v, lk: _each(v, lambda s: _theme(s, lk))),
    ("pilot", "partners"): ("partners", lambda v, lk: _each(v, lambda t: _partner_link(t, lk))),
    ("pilot", "funding"): ("funding", lambda v, lk: _each(v, lambda t: _funding_line(t, lk))),
    ("pilot", "kpis"): ("kpis", lambda v, lk: _each(v, lambda t: _kpi(t, lk))),
    ("partner", "merged_into"): ("merged_into", lambda v, lk: _ref(v, lk.partners)),
    ("partner", "merged_from"): ("merged_from", _merged_from),
    ("partner", "links_moved"): ("links_moved", _count),
    ("partner", "links_dropped"): ("links_dropped", _count),
    ("partner", "funding_lines_moved"): ("funding_lines_moved", _count),
    ("user", "districts"): ("districts", lambda v, lk: _each(v, lambda s: _keyed(s, lk.district_slugs))),
    ("district", "coordinators"): ("coordinators", lambda v, lk: _each(v, lambda e: _keyed(e, lk.user_emails))),
}


# --- downgrade: records → text ----------------------------------------------------------------

def _id(ref, look):
    return ref.get("id") if isinstance(ref, dict) else ref


def _key_back(ref, keys: dict, index: int):
    if not isinstance(ref, dict):
        return ref
    found = keys.get(ref.get("id"))
    return found[index] if found else ref.get("name")


def _theme_back(ref, look: Lookups):
    if not isinstance(ref, dict):
        return ref
    return look.themes.get(ref.get("id")) or ref.get("name")


def _partner_link_back(link, look):
    return f"{link['name']} ({link['role']})" if isinstance(link, dict) else link


def _funding_line_back(line, look):
    if not isinstance(line, dict):
        return line
    return f"{line['year']} {line['source_type']} {line['source']} {line['amount']} {line['kind']}"


def _kpi_back(kpi, look):
    if not isinstance(kpi, dict):
        return kpi
    numbers = " → ".join(str(kpi[k]) for k in KPI_NUMBERS)
    return f"{kpi['name']} [{kpi['unit']}] {numbers}"


def _merged_from_back(ref, look):
    return f"{ref['name']} (#{ref['id']})" if isinstance(ref, dict) else ref


def _count_back(value, look):
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else value


DOWN = {
    ("pilot", "district"): ("district_id", _id),
    ("pilot", "owner"): ("owner_id", _id),
    ("pilot", "themes"): ("themes", lambda v, lk: _each(v, lambda r: _theme_back(r, lk))),
    ("pilot", "partners"): ("partners", lambda v, lk: _each(v, lambda r: _partner_link_back(r, lk))),
    ("pilot", "funding"): ("funding", lambda v, lk: _each(v, lambda r: _funding_line_back(r, lk))),
    ("pilot", "kpis"): ("kpis", lambda v, lk: _each(v, lambda r: _kpi_back(r, lk))),
    ("partner", "merged_into"): ("merged_into", _id),
    ("partner", "merged_from"): ("merged_from", _merged_from_back),
    ("partner", "links_moved"): ("links_moved", _count_back),
    ("partner", "links_dropped"): ("links_dropped", _count_back),
    ("partner", "funding_lines_moved"): ("funding_lines_moved", _count_back),
    ("user", "districts"): ("districts", lambda v, lk: _each(v, lambda r: _key_back(r, lk.districts, 0))),
    ("district", "coordinators"): ("coordinators", lambda v, lk: _each(v, lambda r: _key_back(r, lk.users, 0))),
}


def _convert(table: dict) -> None:
    conn = op.get_bind()
    look = Lookups(conn)
    for ident, entity, changes in conn.execute(sa.select(entries.c.id, entries.c.entity, entries.c.changes)).all():
        if not isinstance(changes, dict):
            continue
        converted = {}
        for field, pair in changes.items():
            rule = table.get((entity, field))
            if rule is None or not (isinstance(pair, list) and len(pair) == 2):
                converted[field] = pair
                continue
            name, side = rule
            converted[name] = [side(pair[0], look), side(pair[1], look)]
        if converted != changes:
            conn.execute(entries.update().where(entries.c.id == ident).values(changes=converted))


def upgrade():
    _convert(UP)


def downgrade():
    _convert(DOWN)
