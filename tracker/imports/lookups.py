"""What the rows of a sheet are matched against: districts, themes, partners, status and arena
words, and the pilots named by their external reference; loaded once per analysis."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from tracker.db import db
from tracker.districts.models import District
from tracker.imports import values as parse
from tracker.imports.mapping import fold
from tracker.imports.models import PilotReference
from tracker.labels import LABELS
from tracker.partners import orgnr
from tracker.partners.models import Partner
from tracker.partners.names import is_close, name_key
from tracker.pilots.models import Pilot, Theme


@dataclass
class NewPartner:
    """A partner the import will create (no id until then); one object per name in a sheet."""

    __hash__ = object.__hash__
    name: str
    org_number: str | None = None
    id: None = None



class Lookups:
    """Everything a row is matched against, loaded once per analysis (a few queries in all)."""

    def __init__(self, references: list[str]):
        self.districts = {}
        for d in db.session.scalars(sa.select(District).where(District.retired.is_(False))):
            self.districts[fold(d.slug)] = self.districts[fold(d.name)] = d
        self.themes = {}
        for t in db.session.scalars(sa.select(Theme).where(Theme.retired.is_(False))):
            for name in (t.slug, t.name_nb, t.name_en):
                self.themes[fold(name)] = t
        partners = list(db.session.scalars(sa.select(Partner)))
        self.by_org = {p.org_number: p for p in partners if p.org_number}
        self.by_name = {p.name.casefold(): p for p in partners}
        self.by_key = {}
        for p in partners:
            self.by_key.setdefault(p.name_key, p)
        self.new_partners: dict[str, NewPartner] = {}
        labels = {kind: {code: [] for code in LABELS[kind]} for kind in ("status", "arena_kind")}
        for locale in ("nb", "en"):
            with force_locale(locale):
                for kind, codes in labels.items():
                    for code, texts in codes.items():
                        texts.append(str(LABELS[kind][code]))
        self.statuses = parse.words(parse.STATUS_WORDS, labels["status"])
        self.arenas = parse.words(parse.ARENA_WORDS, labels["arena_kind"])
        self.pilots: dict[str, Pilot] = {}
        wanted = sorted({r for r in references if r})
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for ref, pilot in db.session.execute(
                    sa.select(PilotReference.reference, Pilot)
                    .join(Pilot, Pilot.id == PilotReference.pilot_id)
                    .where(PilotReference.reference.in_(chunk))
                    .options(selectinload(Pilot.themes), selectinload(Pilot.funding),
                             selectinload(Pilot.partner_links), selectinload(Pilot.district))):
                self.pilots[ref] = pilot

    def partner(self, item: str, accept: bool, notes: list[str]):
        """The partner an item names: by organisation number, then exact name, then (confirmed)
        close name; else a new one. Raises ``Bad`` for a wrong number or an unconfirmed close name."""
        name, number = parse.partner_item(item)
        if number:
            if not orgnr.is_valid(number):
                raise parse.Bad(_("“%(value)s” is not a valid organisation number.", value=number))
            found = self.by_org.get(number)
            if found is not None:
                if name and name.casefold() != found.name.casefold():
                    notes.append(_("“%(given)s” matched by organisation number: %(name)s.", given=name,
                                   name=found.name))
                return found
        if not name:
            raise parse.Bad(_("Organisation number %(number)s is not registered: add the partner's name.",
                              number=number))
        found = self.by_name.get(name.casefold())
        if found is not None:
            return found
        key = name_key(name)
        close = self.by_key.get(key) or next((p for k, p in self.by_key.items() if is_close(key, k)), None)
        if close is not None:
            if not accept:
                raise parse.Bad(_("No partner is called “%(name)s”. Did you mean “%(suggestion)s”? Write "
                                  "its exact name or organisation number, or choose “Use the suggested "
                                  "partners”.",
                                  name=name, suggestion=close.name))
            notes.append(_("“%(given)s” taken as the partner %(name)s.", given=name, name=close.name))
            return close
        new = self.new_partners.get(key)
        if new is None:
            new = self.new_partners[key] = NewPartner(name=name[:200], org_number=number or None)
        notes.append(_("New partner: %(name)s.", name=new.name))
        return new
