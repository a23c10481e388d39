"""Realistic history for synthetic pilots: the status events and audit entries the operations write.

Each pilot walks the workflow to its status (with returns and revisions now and then), and gets
edits of every shape ``tracker/pilots/operations.py`` records: plain fields, dates, a district move,
the public flag, themes, partner links, funding lines, comments, outcomes with KPIs. A few pilots
("busy" ones) get a long history: ``BUSY_ENTRIES`` audit entries from pause/resume cycles and edits.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

# The workflow path to each status (a plain happy path; returns are added at random).
PATHS = {
    "draft": [],
    "submitted": ["submit"],
    "approved": ["submit", "approve"],
    "running": ["submit", "approve", "start"],
    "paused": ["submit", "approve", "start", "pause"],
    "completed": ["submit", "approve", "start", "complete"],
    "evaluated": ["submit", "approve", "start", "complete", "evaluate"],
    "rejected": ["submit", "reject"],
    "withdrawn": ["submit", "withdraw"],
}
TARGET = {"submit": "submitted", "approve": "approved", "return": "draft", "reject": "rejected",
          "revise": "draft", "start": "running", "pause": "paused", "resume": "running",
          "complete": "completed", "evaluate": "evaluated", "withdraw": "withdrawn"}
REVIEWS = {"approve", "return", "reject", "evaluate"}
COMMENTED = {"return", "reject", "pause", "withdraw"}
BUSY_ENTRIES = 500


def _edit(rng: random.Random, pilot: dict, partner_ids: list[int], district_ids: list[int]) -> dict:
    """The changes of one edit, in the structured shape the update operation records
    (``tracker/pilots/audit_fields.py``)."""
    shape = rng.randrange(8)
    if shape == 0:
        return {"title": [pilot["title"] + " (utkast)", pilot["title"]]}
    if shape == 1:
        return {"planned_end": ["2026-06-30", "2026-12-31"], "goals": ["Mål.", "Mål, målt i tonn CO2."]}
    if shape == 2:
        old = rng.choice(district_ids)
        return {"district": [{"id": old, "name": f"Distrikt {old}"},
                             {"id": pilot["district_id"], "name": f"Distrikt {pilot['district_id']}"}]}
    if shape == 3:
        return {"is_public": [False, True]}
    if shape == 4:
        one = {"id": 1, "name": "Tema 1", "name_en": "Theme 1"}
        return {"themes": [[one], [one, {"id": 2, "name": "Tema 2", "name_en": "Theme 2"}]]}
    if shape == 5:
        links = [{"partner_id": p, "name": f"Partner {p} AS", "role": "participant"}
                 for p in rng.sample(partner_ids, k=min(2, len(partner_ids)))]
        return {"partners": [links[:1], links]}
    if shape == 6:
        city = {"year": 2025, "source_type": "municipal", "partner_id": None, "source": "Kilde",
                "amount": "100000", "kind": "cash"}
        eu = {"year": 2026, "source_type": "eu", "partner_id": None, "source": "Horizon Europe",
              "amount": "250000", "kind": "cash"}
        return {"funding": [[city], [city, eu]]}
    return {"need": ["Et behov.", "Et tydeligere behov."], "location": ["", "Grønland"]}


def history(rng: random.Random, pilot: dict, reviewer: int | None, partner_ids: list[int],
            district_ids: list[int], busy: bool) -> tuple[list[dict], list[dict]]:
    """Status events and audit entries for ``pilot`` (ids not yet set), oldest first, ending at its
    ``status_changed_at``."""
    owner, status = pilot["owner_id"], pilot["status"]
    actions = list(PATHS[status])
    if actions and rng.random() < 0.15:  # returned once before it was approved
        actions[0:0] = ["submit", "return"]
    if busy and status in ("running", "paused"):  # paused and resumed many times
        after_start = actions.index("start") + 1
        actions[after_start:after_start] = ["pause", "resume"] * (BUSY_ENTRIES // 4)
    edits = (BUSY_ENTRIES - len(actions) - 1) if busy else rng.randint(0, 3)
    # Edits fall at random between the workflow steps, whose order is kept.
    ordered = ["create", *actions]
    for _ in range(max(edits, 0)):
        ordered.insert(rng.randint(1, len(ordered)), "edit")
    start, end = pilot["created_at"], pilot["status_changed_at"]
    span = max((end - start).total_seconds(), 1.0)
    events, entries = [], []
    current = "draft"
    for n, kind in enumerate(ordered):
        at = start + timedelta(seconds=span * n / max(len(ordered) - 1, 1))
        if kind == "create":
            events.append(dict(pilot_id=pilot["id"], action=None, from_status=None, to_status="draft",
                               actor_id=owner, at=at, comment=""))
            district = {"id": pilot["district_id"], "name": f"Distrikt {pilot['district_id']}"}
            entries.append(_entry(owner, pilot, "create", at, {
                "title": [None, pilot["title"]], "district": [None, district],
                "arena_kind": [None, pilot["arena_kind"]], "need": [None, pilot["need"]]}))
        elif kind == "edit":
            entries.append(_entry(owner, pilot, "update", at, _edit(rng, pilot, partner_ids, district_ids)))
        else:
            actor = reviewer if kind in REVIEWS else owner
            comment = "Se kommentaren i saken." if kind in COMMENTED else ""
            target = TARGET[kind]
            if kind == "evaluate":
                entries.append(_entry(owner, pilot, "outcome_create", at, {
                    "verdict": [None, "continue"], "lessons": [None, "Start i det små."],
                    "kpis": [[], [{"name": "CO2", "unit": "t", "baseline": "10", "target": "5",
                                   "actual": "6.5"}]]}))
            events.append(dict(pilot_id=pilot["id"], action=kind, from_status=current, to_status=target,
                               actor_id=actor, at=at, comment=comment))
            changes = {"status": [current, target]}
            if comment:
                changes["comment"] = [None, comment]
            if kind == "start":
                changes["actual_start"] = [None, str(pilot["actual_start"] or at.date())]
            entries.append(_entry(actor, pilot, kind, at, changes))
            current = target
    return events, entries


def _entry(actor: int | None, pilot: dict, action: str, at: datetime, changes: dict) -> dict:
    return dict(actor_id=actor, entity="pilot", entity_id=pilot["id"], action=action, changes=changes, at=at)
