"""Migration 0004: the audit entries written as text by the operations before it become records,
and go back to exactly the same text on downgrade (SQLite and PostgreSQL)."""

from __future__ import annotations

import copy

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from tests import factories
from tests.conftest import make_app
from tests.test_migrations import empty_database_url  # noqa: F401 - the fixture
from tracker.audit import AuditEntry
from tracker.auth.models import User
from tracker.db import db
from tracker.districts.models import District
from tracker.history import describe
from tracker.partners.models import Partner
from tracker.partners.names import name_key
from tracker.pilots.models import Theme


def _legacy(ids) -> list[tuple]:
    """Every shape the operations before 0004 recorded (``_describe_partners``, ``_describe_funding``,
    ``_kpi_text``, ids, slugs and e-mail addresses), as (entity, entity id, action, changes)."""
    return [
        ("pilot", ids.pilot, "create", {
            "title": [None, "Smart parkering"], "district_id": [None, ids.district_a],
            "is_public": [None, True],
            "planned_start": [None, "2026-03-01"], "themes": [[], ["mobility"]],
            "partners": [[], ["Universitetet i Oslo (lead)"]],
            "funding": [[], ["2026 municipal Oslo 1000 cash", "2026 other None 5 in_kind",
                             "2027 partner Universitetet i Oslo 250000 in_kind", "2027 municipal  7 cash"]]}),
        ("pilot", ids.pilot, "update", {
            "district_id": [ids.district_a, 999_999], "themes": [["mobility"], ["energy", "gone-theme"]],
            "partners": [["Universitetet i Oslo (lead)"],
                         ["SINTEF AS (funder)", "Universitetet i Oslo (lead)"]],
            "funding": [["2026 municipal Oslo 1000 cash"], []], "contact_phone": [None, ""]}),
        ("pilot", ids.pilot, "start", {"status": ["approved", "running"],
                                       "actual_start": [None, "2026-03-02"], "comment": [None, "Go"]}),
        ("pilot", ids.pilot, "outcome_create", {
            "verdict": [None, "scale_up"], "lessons": [None, "Start small."],
            "kpis": [[], ["Reisetid [min] 12.5 → 10.0 → None", "CO2 [t]] 1.0 → 2.0 → None",
                          "Share [] 0.5 → 1 → 0.75"]]}),
        ("pilot", ids.pilot, "handover", {"owner_id": [ids.staff, ids.coordinator]}),
        ("partner", ids.sintef, "merged_into", {"merged_into": [None, ids.uio], "name": ["Sintef AS", None],
                                                "kind": ["research_institute", None]}),
        ("partner", ids.uio, "merge", {"merged_from": [None, f"Sintef AS (#{ids.sintef})"],
                                       "links_moved": [None, 4], "links_dropped": [None, 0],
                                       "funding_lines_moved": [None, 1]}),
        ("user", ids.staff, "create", {"email": [None, "staff@example.org"], "role": [None, "staff"],
                                       "districts": [None, []]}),
        ("user", ids.coordinator, "update", {"role": ["staff", "coordinator"],
                                             "districts": [["district-a"], ["district-a", "gone-district"]]}),
        ("district", ids.district_a, "update", {"coordinators": [["coordinator@example.org"], []],
                                                "name": ["A", "District A"]}),
        ("theme", ids.theme, "retire", {"retired": [False, True]}),
        ("user", ids.staff, "password", {}),
    ]


def _existing(model) -> list[str]:
    """The columns of ``model``'s table in the schema at this revision (today's models have more)."""
    return [c["name"] for c in sa.inspect(db.session.connection()).get_columns(model.__tablename__)]


def _add(model, **values) -> int:
    """A row of ``model`` as the schema at this revision has it: the given values, the model's
    defaults for the other columns that exist."""
    row, existing = dict(values), _existing(model)
    for name in existing:
        default = model.__table__.c[name].default
        if name not in row and name != "id" and default is not None:
            row[name] = default.arg(None) if callable(default.arg) else default.arg
    table = sa.Table(model.__tablename__, sa.MetaData(),  # today's types, no later column
                     *(sa.Column(c.name, c.type, primary_key=c.primary_key) for c in model.__table__.c
                       if c.name in existing))
    return db.session.execute(table.insert().values(**row)).inserted_primary_key[0]


class Ids:
    def __init__(self):
        self.district_a = _add(District, slug="district-a", name="District A")
        self.staff = _add(User, email="staff@example.org", name="Staff A", role="staff",
                          password_hash=factories.password_hash())
        self.coordinator = _add(User, email="coordinator@example.org", name="Coordinator A", role="staff",
                                password_hash=factories.password_hash())
        self.theme = _add(Theme, slug="mobility", name_nb="Mobilitet", name_en="Mobility")
        _add(Theme, slug="energy", name_nb="Energi og klima", name_en="Energy and climate")
        self.uio = _add(Partner, name="Universitetet i Oslo", name_key=name_key("Universitetet i Oslo"),
                        kind="university")
        self.sintef = 424_242  # merged away: gone
        self.pilot = 7


def _stored() -> list[tuple]:
    table = AuditEntry.__table__
    return [tuple(row) for row in db.session.execute(
        sa.select(table.c.entity, table.c.entity_id, table.c.action, table.c.changes).order_by(table.c.id))]


def test_upgrade_turns_text_into_records_and_downgrade_restores_it(empty_database_url):  # noqa: F811
    app = make_app(empty_database_url)
    with app.app_context():
        upgrade(revision="0003")
        ids = Ids()
        legacy = _legacy(ids)
        for entity, entity_id, action, changes in legacy:
            _add(AuditEntry, entity=entity, entity_id=entity_id, action=action,
                 changes=copy.deepcopy(changes))
        db.session.commit()

        upgrade()
        after = _stored()
        assert len(after) == len(legacy)
        create, update, start, outcome, handover, merged_into, merge, _, moved, coordinators, retire, _ = \
            [changes for *_, changes in after]
        assert create["district"] == [None, {"id": ids.district_a, "name": "District A"}]
        assert "district_id" not in create
        assert create["themes"] == [[], [{"id": ids.theme, "name": "Mobilitet", "name_en": "Mobility"}]]
        assert create["partners"] == [[], [{"partner_id": ids.uio, "name": "Universitetet i Oslo",
                                            "role": "lead"}]]
        assert create["funding"][1] == [
            {"year": 2026, "source_type": "municipal", "partner_id": None, "source": "Oslo", "amount": "1000",
             "kind": "cash"},
            {"year": 2026, "source_type": "other", "partner_id": None, "source": "None", "amount": "5",
             "kind": "in_kind"},
            {"year": 2027, "source_type": "partner", "partner_id": ids.uio, "source": "Universitetet i Oslo",
             "amount": "250000", "kind": "in_kind"},
            {"year": 2027, "source_type": "municipal", "partner_id": None, "source": "", "amount": "7",
             "kind": "cash"}]
        assert update["district"] == [{"id": ids.district_a, "name": "District A"},
                                      {"id": 999_999, "name": None}]
        assert update["themes"][1][1] == {"id": None, "name": "gone-theme", "name_en": None}
        assert update["partners"][1][0] == {"partner_id": None, "name": "SINTEF AS", "role": "funder"}
        assert outcome["kpis"][1] == [
            {"name": "Reisetid", "unit": "min", "baseline": "12.5", "target": "10.0", "actual": None},
            {"name": "CO2", "unit": "t]", "baseline": "1.0", "target": "2.0", "actual": None},
            {"name": "Share", "unit": "", "baseline": "0.5", "target": "1", "actual": "0.75"}]
        assert handover == {"owner": [{"id": ids.staff, "name": "Staff A"},
                                      {"id": ids.coordinator, "name": "Coordinator A"}]}
        assert merged_into["merged_into"] == [None, {"id": ids.uio, "name": "Universitetet i Oslo"}]
        assert merge["merged_from"] == [None, {"id": ids.sintef, "name": "Sintef AS"}]
        assert merge["links_moved"] == [None, "4"]
        assert moved["districts"] == [[{"id": ids.district_a, "name": "District A"}],
                                      [{"id": ids.district_a, "name": "District A"},
                                       {"id": None, "name": "gone-district"}]]
        assert coordinators["coordinators"] == [[{"id": ids.coordinator, "name": "Coordinator A"}], []]
        assert (start, retire) == (legacy[2][3], legacy[10][3])  # nothing to convert: unchanged

        # The converted entries read as before, without the old parser's mistakes.
        with app.test_request_context(headers={"Accept-Language": "en"}):
            shown = {f"{c.label}: " + ("" if c.old is None else f"{c.old} → ") + c.new for line in describe(
                db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id))) for c in line.changes}
        assert "Key performance indicators: Reisetid (min): baseline 12.5, target 10, actual –; " \
               "CO2 (t]): baseline 1, target 2, actual –; Share: baseline 0.5, target 1, actual 0.75" in shown
        assert any("2026: None, 5 NOK (In kind)" in text for text in shown)
        assert "District: District A → District #999999 (deleted)" in shown
        assert "Owner: Staff A → Coordinator A" in shown

        # End the read transaction first: on PostgreSQL its locks on pilots would block the
        # downgrade's DDL (run on another connection) for ever.
        db.session.rollback()
        downgrade(revision="0003")
        assert _stored() == legacy
        db.session.remove()
        db.engine.dispose()
