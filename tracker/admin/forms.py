"""Forms of the administration pages (filters are GET forms without CSRF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from tracker.admin.operations import SLUG_MAX, SLUG_RE
from tracker.guards import id_value
from tracker.labels import choices, optional_id

NAME_MAX = 200


def options(pairs) -> list[SelectChoice]:
    """``(value, label)`` pairs as WTForms choices."""
    return [SelectChoice(value, text) for value, text in pairs]


ROLE_CHOICES = options(choices("role"))


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes holding integer ids (unknown ids are a field error, not a 500)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("coerce", id_value)
        kwargs.setdefault("validate_choice", True)
        super().__init__(*args, **kwargs)


class GetForm(FlaskForm):
    """A filter form read from the query string."""

    class Meta:
        csrf = False


class ConfirmForm(FlaskForm):
    """A button that changes state: nothing but the CSRF token."""


class VersionedForm(FlaskForm):
    """An edit form that carries the version the admin saw (optimistic locking; unused on create)."""

    version = HiddenField()


class UserFilterForm(GetForm):
    q = StringField(_l("Search name or e-mail"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=[SelectChoice("", _l("All roles")), *ROLE_CHOICES],
                       validators=[Optional()])
    district = SelectField(_l("District"), coerce=str, validators=[Optional()])
    active = SelectField(_l("Status"), choices=options([("", _l("All")), ("yes", _l("Active")),
                                                         ("no", _l("Deactivated"))]),
                         validators=[Optional()])


# Made in page order (name, e-mail, role, districts, agency): the error summary follows it.
NAME = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=NAME_MAX)])
EMAIL = StringField(
    _l("E-mail"),
    validators=[DataRequired(_l("Enter the e-mail address.")), Length(max=254),
                Email(_l("Enter an e-mail address like name@oslo.kommune.no."))],
    render_kw={"type": "email", "autocomplete": "off"})


class UserEditForm(VersionedForm):
    name = NAME
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    districts = CheckboxesField(_l("Districts this coordinator reviews"))
    agency = StringField(_l("Responsible agency"), validators=[Optional(), Length(max=200)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.role.data != "coordinator":
            self.districts.data = []  # only coordinators have districts (the hint says so)
        elif not self.districts.data and not self.districts.errors:  # said together with the rest
            self.districts.errors.append(str(_l("Choose at least one district for a coordinator.")))
            ok = False
        return ok


class UserCreateForm(UserEditForm):
    email = EMAIL


class HandoverForm(FlaskForm):
    to_user = SelectField(_l("New owner"), coerce=optional_id,
                          validators=[DataRequired(_l("Choose who takes over the pilots."))])


class DistrictForm(VersionedForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the name.")), Length(max=120)])
    slug = StringField(
        _l("Short name in web addresses"),
        validators=[Optional(), Length(max=SLUG_MAX),
                    Regexp(SLUG_RE, message=_l("Use only a–z, 0–9 and single hyphens."))])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=5000)])
    focus = TextAreaField(_l("Focus"), validators=[Optional(), Length(max=5000)])
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=5000)])
    focus_en = TextAreaField(_l("Focus in English"), validators=[Optional(), Length(max=5000)])
    coordinators = CheckboxesField(_l("Coordinators"))
    publishes_funding = BooleanField(
        _l("Publish the funding of this district's pilots in the public register"))


class ThemeForm(VersionedForm):
    name_nb = StringField(_l("Name in Norwegian"),
                          validators=[DataRequired(_l("Enter the Norwegian name.")), Length(max=120)])
    name_en = StringField(_l("Name in English"),
                          validators=[DataRequired(_l("Enter the English name.")), Length(max=120)])
    slug = StringField(
        _l("Short name in web addresses"),
        validators=[Optional(), Length(max=SLUG_MAX),
                    Regexp(SLUG_RE, message=_l("Use only a–z, 0–9 and single hyphens."))])


def sane_year(form, field) -> None:
    if field.data and not 1900 <= field.data.year <= 2999:
        raise ValidationError(_l("Enter a date between the years 1900 and 2999."))


class AuditFilterForm(GetForm):
    actor = SelectField(_l("Who"), coerce=str, validators=[Optional()])
    entity = SelectField(_l("What"), coerce=str, validators=[Optional()])
    date_from = DateField(_l("From date"), validators=[Optional(), sane_year])
    date_to = DateField(_l("To date"), validators=[Optional(), sane_year])
