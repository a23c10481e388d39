"""State changes made by administrators to districts, themes and pilot ownership.

User changes live in ``tracker/auth/operations.py``. Each function audits, flushes, never commits.
Edits carry the version the admin saw and raise ``tracker.locking.Conflict`` if someone saved first.
"""

from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from tracker import audit
from tracker.admin.audit_fields import DISTRICT, THEME
from tracker.auth.models import Role, User
from tracker.db import db
from tracker.districts.models import District
from tracker.locking import bump, guard_changes
from tracker.pilots import operations as pilot_operations
from tracker.pilots.models import Pilot, Theme

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 60
_NORDIC = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "ae", "Ø": "o", "Å": "a"})


class AdminError(ValueError):
    """An administrative change refused for a reason the route shows beside a field: ``field``
    (None: the field the route names)."""

    field: str | None = None


class BadSlug(AdminError):
    """Not a short name of a–z, 0–9 and single hyphens."""


class SlugTaken(AdminError):
    """Another district or theme has this short name."""


class NotCoordinators(AdminError):
    """A district's coordinators must have the coordinator role."""

    field = "coordinators"


class BadHandoverTarget(AdminError):
    """Pilots are handed over to another, active user."""


def slugify(text: str) -> str:
    """``"Hovinbyen Sirkulære Oslo"`` → ``"hovinbyen-sirkulaere-oslo"`` (may be empty)."""
    text = unicodedata.normalize("NFKD", (text or "").translate(_NORDIC))
    text = text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:SLUG_MAX].strip("-")


def slug_taken(model, slug: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.slug == slug)) > 0


def _checked_slug(model, slug: str) -> str:
    if not SLUG_RE.match(slug or "") or len(slug) > SLUG_MAX:
        raise BadSlug(slug)
    if slug_taken(model, slug):
        raise SlugTaken(slug)
    return slug


def _coordinators_changed(district: District, coordinators: list[User]) -> dict:
    """Set the coordinators; the users who gain or lose the district get a new version too (their
    district list is the same link, edited from the other side)."""
    if any(u.role != Role.COORDINATOR for u in coordinators):
        raise NotCoordinators()
    changes = DISTRICT.changed({"coordinators": (list(district.coordinators), coordinators)})
    if changes:
        for user in set(district.coordinators) ^ set(coordinators):
            bump(user)
        district.coordinators = sorted(coordinators, key=lambda u: u.name)
    return changes


DISTRICT_TEXTS = ("description", "focus", "description_en", "focus_en")


def create_district(actor: User, *, slug: str, name: str, coordinators: list[User],
                    publishes_funding: bool = False, **texts: str) -> District:
    """A new district; ``texts`` are the ``DISTRICT_TEXTS`` (Norwegian and English)."""
    district = District(slug=_checked_slug(District, slug), name=name.strip(),
                        publishes_funding=publishes_funding, **{k: texts.get(k, "") for k in DISTRICT_TEXTS})
    db.session.add(district)
    changes = _coordinators_changed(district, coordinators)
    db.session.flush()
    DISTRICT.record(actor, district.id, "create",
                    {"slug": (None, district.slug), "name": (None, district.name),
                     "publishes_funding": (False, publishes_funding), **changes})
    return district


def update_district(district: District, actor: User, *, name: str, coordinators: list[User],
                    version: int | None = None, publishes_funding: bool | None = None, **texts: str) -> dict:
    """Rename, describe, set the focus texts, the coordinators and whether the district publishes
    its pilots' funding (the slug never changes)."""
    values = {"name": name.strip(), **{k: texts[k] for k in DISTRICT_TEXTS if k in texts}}
    if publishes_funding is not None:
        values["publishes_funding"] = publishes_funding
    guard_changes(district, version, values, set(district.coordinators) != set(coordinators))
    changes = DISTRICT.changed(audit.apply_changes(district, values))
    changes.update(_coordinators_changed(district, coordinators))
    if changes:
        DISTRICT.record(actor, district.id, "update", changes)
    db.session.flush()
    return changes


def create_theme(actor: User, *, slug: str, name_nb: str, name_en: str) -> Theme:
    theme = Theme(slug=_checked_slug(Theme, slug), name_nb=name_nb.strip(), name_en=name_en.strip())
    db.session.add(theme)
    db.session.flush()
    THEME.record(actor, theme.id, "create", {"slug": (None, theme.slug), "name_nb": (None, theme.name_nb),
                                             "name_en": (None, theme.name_en)})
    return theme


def update_theme(theme: Theme, actor: User, *, name_nb: str, name_en: str,
                 version: int | None = None) -> dict:
    values = {"name_nb": name_nb.strip(), "name_en": name_en.strip()}
    guard_changes(theme, version, values)
    changes = THEME.changed(audit.apply_changes(theme, values))
    if changes:
        THEME.record(actor, theme.id, "update", changes)
    db.session.flush()
    return changes


def set_retired(obj: District | Theme, entity: str, actor: User, retired: bool) -> dict:
    """Retire (no longer offered for new pilots; existing pilots keep it) or reinstate."""
    fields = {"district": DISTRICT, "theme": THEME}[entity]
    changes = fields.changed(audit.apply_changes(obj, {"retired": retired}))
    if changes:
        fields.record(actor, obj.id, "retire" if retired else "reinstate", changes)
    db.session.flush()
    return changes


def hand_over_pilots(from_user: User, to_user: User, actor: User) -> list[int]:
    """Move every pilot owned by ``from_user`` to the active ``to_user`` (``pilots.operations.hand_over``)."""
    if to_user.id == from_user.id or not to_user.active:
        raise BadHandoverTarget()
    pilots = db.session.scalars(
        sa.select(Pilot).where(Pilot.owner_id == from_user.id).order_by(Pilot.id).with_for_update()
    ).all()
    for pilot in pilots:
        pilot_operations.hand_over(pilot, to_user, actor)
    return [p.id for p in pilots]
