"""The import forms: the upload, and the review (a target per column, owner, options)."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, SelectChoice, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from tracker.auth.models import User
from tracker.db import db
from tracker.districts.models import District
from tracker.guards import id_value
from tracker.imports.mapping import targets, valid_target
from tracker.imports.models import ImportMapping
from tracker.labels import PLACEHOLDER, optional_id


def _text(value) -> str:
    return (value or "").strip()


def mapping_choices() -> list[tuple[str, str]]:
    saved = db.session.execute(sa.select(ImportMapping.id, ImportMapping.name).order_by(ImportMapping.name))
    return [SelectChoice(PLACEHOLDER, _l("Guess from the column headers")),
            *[SelectChoice(str(i), n) for i, n in saved]]


class UploadForm(FlaskForm):
    file = FileField(_l("Spreadsheet"))
    mapping = SelectField(_l("Saved column mapping"), coerce=optional_id, validate_choice=False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.mapping.choices = mapping_choices()

    def validate_file(self, field):
        if not getattr(field.data, "filename", ""):
            raise ValidationError(_l("Choose a file."))

    def validate_mapping(self, field):
        if field.data is not None and db.session.get(ImportMapping, field.data) is None:
            raise ValidationError(_l("Choose a mapping from the list."))


class ReviewBase(FlaskForm):
    owner = SelectField(_l("Owner of the new pilots"), coerce=id_value, validate_choice=False)
    district = SelectField(_l("District for rows without one"), coerce=optional_id, validate_choice=False)
    accept_suggestions = BooleanField(
        _l("Use the suggested partners where a name is close to a registered one"))
    valid_only = BooleanField(_l("Import the valid rows only (leave the refused rows out)"))
    save_as = StringField(_l("Save this mapping as (optional)"), filters=[_text],
                          validators=[Optional(), Length(max=100)])

    def validate_owner(self, field):
        user = db.session.get(User, field.data) if field.data else None
        if user is None or not user.is_active:
            raise ValidationError(_l("Choose an owner from the list."))
        self.owner_user = user

    def validate_district(self, field):
        self.district_obj = db.session.get(District, field.data) if field.data else None
        if field.data and (self.district_obj is None or self.district_obj.retired):
            raise ValidationError(_l("Choose a district from the list."))

    def column_fields(self):
        return [getattr(self, f"col_{i}") for i in range(self.width)]


def _valid(form, field):
    if not valid_target(field.data or ""):
        raise ValidationError(_l("Choose a field from the list."))


def review_form(headers: list[str], guessed: list[str], users, districts, years, **kwargs) -> ReviewBase:
    """The review form for a sheet with ``headers``: one select per column (``col_<i>``)."""
    options = [SelectChoice(value, text) for value, text in targets(years)]

    class ReviewForm(ReviewBase):
        pass

    for i, header in enumerate(headers):
        setattr(ReviewForm, f"col_{i}", SelectField(header, choices=options, default=guessed[i],
                                                    validate_choice=False, validators=[_valid]))
    form = ReviewForm(**kwargs)
    form.width = len(headers)
    form.owner.choices = [SelectChoice(str(u.id), f"{u.name} ({u.email})") for u in users]
    form.district.choices = [SelectChoice(PLACEHOLDER, _l("None: every row names its district")),
                             *[SelectChoice(str(d.id), d.name) for d in districts]]
    return form
