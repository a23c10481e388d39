"""Forms: a comment, the notification settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from tracker.notifications.models import Mode
from tracker.notifications.operations import MAX_COMMENT
from tracker.notifications.rules import DEFAULT_MODE, KINDS

MODE_CHOICES = [SelectChoice(str(Mode.NOW), _l("E-mail at once")),
                SelectChoice(str(Mode.DIGEST), _l("In the weekly digest")),
                SelectChoice(str(Mode.APP), _l("In the app only"))]


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[
        DataRequired(_l("Write a comment.")),
        Length(max=MAX_COMMENT, message=_l("A comment has at most %(max)d characters."))])


def settings_form(settings, formdata: bool = False):
    """The settings form: one radio group per kind of event, plus the e-mail language."""

    class SettingsForm(FlaskForm):
        email_language = SelectField(_l("Language of e-mails"), choices=[
            SelectChoice("", _l("The language I use in the app")), SelectChoice("nb", "Norsk bokmål"),
            SelectChoice("en", "English")],
            default="")

    for kind, text in KINDS.items():
        setattr(SettingsForm, f"mode_{kind}", RadioField(text, choices=MODE_CHOICES, default=DEFAULT_MODE))
    modes = (settings.modes or {}) if settings else {}
    data = {f"mode_{k}": modes.get(k, DEFAULT_MODE) for k in KINDS}
    data["email_language"] = (settings.email_language if settings else None) or ""
    return SettingsForm(data=data) if formdata else SettingsForm(formdata=None, data=data)
