"""Partner forms: create/edit, merge, delete."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from tracker.labels import choices, optional_id
from tracker.partners import orgnr

LABELS = {
    "name": _l("Name"),
    "kind": _l("Kind of organisation"),
    "country": _l("Country of registration"),
    "org_number": _l("Organisation number"),
    "website": _l("Website"),
    "contact_name": _l("Contact person"),
    "contact_email": _l("Contact e-mail"),
    "description": _l("Description"),
}
URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def website_with_scheme(value):
    """``www.uio.no`` means ``https://www.uio.no``; anything naming a scheme is kept for checking."""
    value = strip(value)
    if value and not URL_SCHEME.match(value) and not value.startswith("//"):
        return "https://" + value
    return value


def valid_org_number(form, field) -> None:
    """The number of the chosen country (spaces, dots or hyphens between the digits allowed), its
    length and check digit checked by python-stdnum (``orgnr.py``)."""
    if not field.data:
        return
    country = form.country.data if form.country.data in orgnr.SCHEMES else orgnr.DEFAULT
    rules = orgnr.scheme(country)
    problem = orgnr.problem(field.data, country)
    if problem == "length":
        raise ValidationError(_l("An organisation number from %(country)s has %(digits)s digits, for example "
                                 "%(example)s.", country=rules.name, digits=rules.digits,
                                 example=rules.example))
    if problem == "checksum":
        raise ValidationError(_l("%(number)s is not a valid organisation number: the check digit does not "
                                 "match.", number=field.data))


# A host name with a dot: labels of letters (any script), digits and hyphens, 63 at most each.
HOST_NAME = re.compile(r"(?=.{1,253}$)(?:(?!-)[^\W_]{1}[\w-]{0,62}\.)+[^\W_\d][\w-]{0,62}|[0-9.]{7,15}")


def valid_website(form, field) -> None:
    """Only ``http://`` and ``https://`` addresses with a real host name and no login in them
    (never ``javascript:``, ``data:``, ``https://user:pw@…``, a bad port or a made-up host)."""
    if not field.data:
        return
    message = _l("Enter a web address that starts with https:// or http://, for example https://www.uio.no.")
    if any(ch.isspace() or not ch.isprintable() for ch in field.data):
        raise ValidationError(message)
    try:
        parts = urlsplit(field.data)
        host, _port = parts.hostname, parts.port  # .port raises ValueError outside 0..65535
    except ValueError:
        raise ValidationError(message) from None
    if parts.scheme.lower() not in ("http", "https") or not host or parts.username is not None \
            or not HOST_NAME.fullmatch(host):
        raise ValidationError(message)


class PartnerForm(FlaskForm):
    name = StringField(LABELS["name"], filters=[strip],
                       validators=[DataRequired(_l("Enter the name of the organisation.")), Length(max=200)])
    kind = SelectField(LABELS["kind"],
                       choices=[SelectChoice("", _l("Choose a kind")),
                                *(SelectChoice(v, text) for v, text in choices("partner_kind"))],
                       validators=[DataRequired(_l("Choose the kind of organisation."))])
    country = SelectField(LABELS["country"], default=orgnr.DEFAULT,
                          choices=[SelectChoice(c, s.name) for c, s in orgnr.SCHEMES.items()])
    org_number = StringField(LABELS["org_number"], filters=[strip],
                             validators=[Optional(), Length(max=20), valid_org_number],
                             render_kw={"inputmode": "numeric", "autocomplete": "off"})
    website = StringField(LABELS["website"], filters=[website_with_scheme],
                          validators=[Optional(), Length(max=500), valid_website],
                          render_kw={"type": "url", "autocomplete": "url"})
    contact_name = StringField(LABELS["contact_name"], filters=[strip], validators=[Length(max=200)])
    contact_email = StringField(
        LABELS["contact_email"], filters=[strip],
        validators=[Optional(), Length(max=254),
                    Email(_l("Enter an e-mail address like name@example.org."), check_deliverability=False)],
        render_kw={"type": "email", "autocomplete": "email"})
    description = TextAreaField(LABELS["description"], filters=[strip], validators=[Length(max=5000)],
                                render_kw={"rows": 5})
    # Shown on the quick add from a proposal form only: the new partner comes back with this role.
    pilot_role = SelectField(_l("Role in the pilot"), validators=[Optional()], choices=lambda: [
        SelectChoice("", _l("Choose it on the pilot form")),
        *(SelectChoice(v, t) for v, t in choices("partner_role"))])
    version = HiddenField()
    create_anyway = BooleanField(_l("Create anyway, as a different organisation"))

    def values(self) -> dict:
        """The partner's columns from the form, normalised as they are stored."""
        return {
            "name": self.name.data,
            "kind": self.kind.data,
            "country": self.country.data,
            "org_number": orgnr.normalise(self.org_number.data, self.country.data) or None,
            "website": self.website.data or "",
            "contact_name": self.contact_name.data or "",
            "contact_email": self.contact_email.data or "",
            "description": self.description.data or "",
        }


class MergeForm(FlaskForm):
    survivor = SelectField(_l("Merge into"), coerce=optional_id,
                           validators=[DataRequired(_l("Choose the partner to keep."))])
