"""The filter form of the district page and the city overview (a GET form: bookmarkable, no CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from tracker.guards import parse_id
from tracker.labels import choices
from tracker.pilots.models import FUNDING_YEAR_MAX, FUNDING_YEAR_MIN

SORTS = ("updated", "planned_end", "title")
MAX_PAGE = 100_000


class InChoices:
    """A select value must be one of the listed options (or empty: no filter)."""

    def __call__(self, form, field):
        if field.data and field.data not in {value for value, _label in field.choices}:
            raise ValidationError(_l("Choose one of the listed options."))


class FilterForm(FlaskForm):
    """Filters kept in the query string. An invalid value is reported beside its field and ignored."""

    class Meta:
        csrf = False

    q = StringField(_l("Title contains"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), validate_choice=False, validators=[InChoices()])
    theme = SelectField(_l("Theme"), validate_choice=False, validators=[InChoices()])
    arena = SelectField(_l("Arena kind"), validate_choice=False, validators=[InChoices()])
    partner = SelectField(_l("Partner"), validate_choice=False, validators=[InChoices()])
    year = IntegerField(
        _l("Active in year"),
        # The rule itself: queries.active_period.
        description=_l("From actual (else planned) start to actual end; not ended: planned end, or "
                       "today for a running pilot past it."),
        validators=[Optional(), NumberRange(FUNDING_YEAR_MIN, FUNDING_YEAR_MAX,
                                            message=_l("Enter a year between %(min)s and %(max)s."))],
    )
    sort = SelectField(_l("Sort by"), validate_choice=False, validators=[InChoices()])
    page = IntegerField(_l("Page"), validators=[Optional(), NumberRange(1, MAX_PAGE)])

    def __init__(self, formdata, themes=(), partners=(), locale="nb", statuses=None):
        """``statuses``: the status values the viewer may filter by (default: all)."""
        super().__init__(formdata=formdata)
        any_ = [("", _l("All"))]
        self.status.choices = any_ + [c for c in choices("status") if statuses is None or c[0] in statuses]
        self.arena.choices = any_ + choices("arena_kind")
        self.theme.choices = any_ + [(str(t.id), t.name(locale)) for t in themes]
        self.partner.choices = any_ + [(str(p.id), p.name) for p in partners]
        self.sort.choices = [("updated", _l("Last updated")), ("planned_end", _l("Planned end")),
                             ("title", _l("Title"))]

    def filters(self) -> dict:
        """The valid filter values (a field with an error counts as not set)."""
        self.validate()
        values = {}
        for name in ("q", "status", "theme", "arena", "partner", "year"):
            field = getattr(self, name)
            if field.data not in (None, "") and not field.errors:
                value = field.data.strip() if isinstance(field.data, str) else field.data
                if value != "":
                    values[name] = parse_id(value) if name in ("theme", "partner") else value
        return values

    @property
    def sort_key(self) -> str:
        return self.sort.data if self.sort.data in SORTS and not self.sort.errors else "updated"

    @property
    def page_number(self) -> int:
        return self.page.data if self.page.data and not self.page.errors else 1
