"""Following a district of another installation: the address of its public page and a name."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from tracker.register import network


def _district_page(form, field) -> None:
    if network.feed_url(field.data or "") is None:
        raise ValidationError(_l("Enter the address of a district page of another Testarena, such as "
                                 "https://testarena.example.se/districts/kista."))


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class FollowForm(FlaskForm):
    url = StringField(_l("Address of the district's page"), filters=[_strip],
                      validators=[DataRequired(_l("Enter the address of the district's page.")),
                                  Length(max=500), _district_page])
    name = StringField(_l("Name shown with its pilots"), filters=[_strip],
                       validators=[DataRequired(_l("Enter a name, such as the city and the district.")),
                                   Length(max=200)])
