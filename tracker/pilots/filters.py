"""The one pilot filter: the pilot list, the district page and the city overview read the same
query arguments with the same form and turn them into the same SQL conditions.

Arguments: ``q`` (the title contains it, or the full-text search finds it in the public text:
``tracker/search``), ``district`` (id; the pilot list), ``status``, ``theme`` (id),
``arena`` (arena kind; the pilot list's old ``kind=`` still works), ``partner`` (a partner's name,
or part of it; an old link's partner id still means that partner), ``year`` (active in that
year) and ``sort``. A GET form: bookmarkable, no CSRF. An invalid value is a field
error (shown where the page shows errors) and is ignored, never a 500.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from datetime import date

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from tracker.db import db, utcnow
from tracker.guards import parse_id
from tracker.labels import choices
from tracker.partners import queries as partner_queries
from tracker.partners.models import Partner
from tracker.pilots.models import FUNDING_YEAR_MAX, FUNDING_YEAR_MIN, Pilot, PilotPartner, pilot_themes
from tracker.pilots.workflow import Status

# Every order a pilot list offers (each page lists the ones it shows); ids break ties so pages
# never overlap.
SORTS = {
    "updated": (Pilot.updated_at.desc(), Pilot.id.desc()),
    "title": (Pilot.title.asc(), Pilot.id.asc()),
    "start": (Pilot.planned_start.is_(None), Pilot.planned_start.asc(), Pilot.id.asc()),
    "planned_end": (Pilot.planned_end.is_(None), Pilot.planned_end.asc(), Pilot.id.asc()),
}
ALIASES = {"kind": "arena"}  # old argument names still in bookmarks
OLD_NAMES = {new: old for old, new in ALIASES.items()}
TEXT_MAX = 200  # the longest text filter (the title or text, a partner's name)
STATUSES = frozenset(value for value, _label in choices("status"))
ARENAS = frozenset(value for value, _label in choices("arena_kind"))


def active_period():
    """A pilot's period as SQL ``(start, end)``: the rule behind "Active in year".

    From the actual start (else the planned start) to the actual end; while not ended, to the
    planned end, except that a running pilot past its planned end runs up to today (not forever).
    No start: no period; no end: the start day only.
    """
    today = sa.literal(utcnow().date(), sa.Date)
    start = sa.func.coalesce(Pilot.actual_start, Pilot.planned_start)
    end = sa.case(
        (Pilot.actual_end.is_not(None), Pilot.actual_end),
        (Pilot.status == Status.RUNNING,
         sa.case((Pilot.planned_end > today, Pilot.planned_end), else_=today)),
        else_=sa.func.coalesce(Pilot.planned_end, start),
    )
    return start, end


@dataclass(frozen=True)
class PilotFilter:
    """The valid filter values (None or "" = not set) and the chosen order."""

    q: str = ""
    district: int | None = None
    status: str | None = None
    theme: int | None = None
    arena: str | None = None
    partner: int | None = None
    partner_name: str = ""
    year: int | None = None
    sort: str = "updated"

    def __bool__(self) -> bool:
        """Whether anything filters (the order alone does not)."""
        return any(getattr(self, f.name) not in (None, "") for f in fields(self) if f.name != "sort")

    def only(self, *names: str) -> PilotFilter:
        """The same filter with every value but ``names`` (and the order) cleared."""
        return replace(PilotFilter(sort=self.sort), **{n: getattr(self, n) for n in names})

    def without(self, *names: str) -> PilotFilter:
        return replace(self, **{n: PilotFilter.__dataclass_fields__[n].default for n in names})

    def as_args(self) -> dict:
        """The set values and a chosen order as query arguments (for page and download links)."""
        args = {f.name: getattr(self, f.name) for f in fields(self)}
        args["partner"] = args.pop("partner_name") or args["partner"]
        return {k: v for k, v in args.items() if v not in (None, "") and (k, v) != ("sort", "updated")}

    def conditions(self, visible, district_ids=None) -> list:
        """WHERE conditions on ``Pilot``: the viewer's visibility, the districts and the filters."""
        where = [visible]
        if district_ids is not None:
            where.append(Pilot.district_id.in_(list(district_ids)))
        if self.district:
            where.append(Pilot.district_id == self.district)
        if self.status:
            where.append(Pilot.status == self.status)
        if self.arena:
            where.append(Pilot.arena_kind == self.arena)
        if self.theme:
            where.append(Pilot.id.in_(sa.select(pilot_themes.c.pilot_id)
                                      .where(pilot_themes.c.theme_id == self.theme)))
        if self.partner:
            where.append(Pilot.id.in_(sa.select(PilotPartner.pilot_id)
                                      .where(PilotPartner.partner_id == self.partner)))
        if self.partner_name:
            named = sa.select(Partner.id).where(partner_queries.matching(self.partner_name))
            where.append(Pilot.id.in_(sa.select(PilotPartner.pilot_id)
                                      .where(PilotPartner.partner_id.in_(named))))
        if self.year:
            start, end = active_period()
            where.append(sa.and_(start.is_not(None), start <= date(self.year, 12, 31),
                                 end >= date(self.year, 1, 1)))
        if self.q:
            from tracker.search.queries import pilot_condition  # search reads the pilots' models

            where.append(pilot_condition(self.q))
        return where

    @property
    def order(self) -> tuple:
        return SORTS[self.sort]


class InChoices:
    """A select value must be one of the listed options (or empty: no filter)."""

    def __call__(self, form, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose one of the listed options."))


class FilterForm(FlaskForm):
    """The filter fields; ``filter()`` gives the valid values as a ``PilotFilter``."""

    class Meta:
        csrf = False

    q = StringField(_l("Title or text contains"), validators=[Optional(), Length(max=TEXT_MAX)])
    district = SelectField(_l("District"), validate_choice=False, validators=[InChoices()])
    status = SelectField(_l("Status"), validate_choice=False, validators=[InChoices()])
    theme = SelectField(_l("Theme"), validate_choice=False, validators=[InChoices()])
    arena = SelectField(_l("Arena kind"), validate_choice=False, validators=[InChoices()])
    partner = StringField(_l("Partner"), validators=[Optional(), Length(max=TEXT_MAX)])
    year = IntegerField(
        _l("Active in year"),
        # The rule itself: active_period.
        description=_l("From actual (else planned) start to actual end; not ended: planned end, or "
                       "today for a running pilot past it."),
        validators=[Optional(), NumberRange(FUNDING_YEAR_MIN, FUNDING_YEAR_MAX,
                                            message=_l("Enter a year between %(min)s and %(max)s."))],
    )
    sort = SelectField(_l("Sort by"), validate_choice=False, validators=[InChoices()])

    def __init__(self, formdata, themes=(), districts=(), locale="nb", statuses=None, sorts=None):
        """``statuses``: the status values the viewer may filter by (default: all); ``sorts``:
        ``(value, label)`` pairs of the orders this page offers."""
        formdata = MultiDict(formdata)
        for old, new in ALIASES.items():
            if old in formdata and new not in formdata:
                formdata.setlist(new, formdata.getlist(old))
        super().__init__(formdata=formdata)
        any_ = [("", _l("All"))]
        self.status.choices = any_ + [c for c in choices("status") if statuses is None or c[0] in statuses]
        self.arena.choices = any_ + choices("arena_kind")
        self.theme.choices = any_ + [(str(t.id), t.name(locale)) for t in themes]
        self.district.choices = any_ + [(str(d.id), d.name) for d in districts]
        self.sort.choices = sorts or [("updated", _l("Last updated")), ("planned_end", _l("Planned end")),
                                      ("title", _l("Title"))]

    def filter(self) -> PilotFilter:
        """The valid values (a field with an error counts as not set)."""
        self.validate()
        values = {}
        for name in ("q", "district", "status", "theme", "arena", "partner", "year"):
            field = getattr(self, name)
            value = field.data.strip() if isinstance(field.data, str) else field.data
            if value not in (None, "") and not field.errors:
                values[name] = parse_id(value) if name in ("district", "theme") else value
        if "partner" in values:
            values.update(self._partner(values.pop("partner")))
        sort = self.sort.data if self.sort.data in SORTS and not self.sort.errors else "updated"
        return PilotFilter(sort=sort, **values)

    def _partner(self, text: str) -> dict:
        """``partner_values``; an old link's partner id shows as that partner's name in the box."""
        values = partner_values(text)
        if "partner" in values:
            self.partner.data = db.session.get(Partner, values["partner"]).name  # loaded already
        return values


def partner_values(text: str) -> dict:
    """A partner's name (or part of one); an old link's id (digits naming a partner) means that
    partner."""
    if (ident := parse_id(text)) is not None and db.session.get(Partner, ident) is not None:
        return {"partner": ident}
    return {"partner_name": text}


def plain_filter(args, districts, themes, sorts) -> PilotFilter:
    """``FilterForm(args, ...).filter()`` without building the form, for a page that shows no
    filter errors (the pilot list): ``districts`` and ``themes`` are ids, ``sorts`` the names of
    the orders offered; every status. The same rules (tests hold the two to the same answers), a
    tenth of the time.
    """
    def arg(name):
        value = args.get(name)
        return args.get(OLD_NAMES[name]) if value is None and name in OLD_NAMES else value

    values = {}
    for name in ("q", "partner"):
        text = arg(name)
        if text is not None and len(text) <= TEXT_MAX and text.strip():
            values[name] = text.strip()
    for name, ids in (("district", districts), ("theme", themes)):
        if (ident := parse_id(arg(name))) in ids:  # parse_id: one spelling per id
            values[name] = ident
    if (status := arg("status")) in STATUSES:
        values["status"] = status
    if (arena := arg("arena")) in ARENAS:
        values["arena"] = arena
    if (year := _year(arg("year"))) is not None:
        values["year"] = year
    if "partner" in values:
        values.update(partner_values(values.pop("partner")))
    sort = arg("sort")
    return PilotFilter(sort=sort if sort in SORTS and sort in sorts else "updated", **values)


def _year(text) -> int | None:
    """``IntegerField`` with ``NumberRange``: what ``int()`` reads, within the funding years."""
    try:
        year = int(text)
    except (TypeError, ValueError):
        return None
    return year if FUNDING_YEAR_MIN <= year <= FUNDING_YEAR_MAX else None
