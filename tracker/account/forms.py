"""Forms for one's own account and for setting a password through a link."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, PasswordField, RadioField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from tracker.api.tokens import MAX_DAYS
from tracker.auth.operations import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, password_problem

PASSWORD_MESSAGES = {
    "short": _l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
    "long": _l("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH),
    "personal": _l("Do not use your name or e-mail address as the password."),
    "common": _l("This password is too easy to guess: it is a common password or close to one. "
                 "Try three or four unrelated words."),
}


# Made before the new-password fields, so it comes first in the error summary as on the page.
CURRENT_PASSWORD = PasswordField(
    _l("Current password"),
    validators=[DataRequired(_l("Enter your current password.")), Length(max=1000)],
    render_kw={"autocomplete": "current-password"})


class NewPasswordForm(FlaskForm):
    """A new password, typed twice, checked for strength against ``self.user``."""

    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(_l("Enter a new password."))],
        render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Repeat the new password.")),
                    EqualTo("new_password", _l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"})

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def validate_new_password(self, field) -> None:
        problem = password_problem(field.data, self.user.email, self.user.name)
        if problem:
            raise ValidationError(PASSWORD_MESSAGES[problem])


class ChangePasswordForm(NewPasswordForm):
    current_password = CURRENT_PASSWORD


class NameForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter your name.")), Length(max=200)],
                       render_kw={"autocomplete": "name"})


class TokenForm(FlaskForm):
    """A new personal access token for the JSON API: its name, what it may do, when it ends."""

    name = StringField(_l("Name of the token"), validators=[
        DataRequired(_l("Name the token, for example after the system that uses it.")), Length(max=100)])
    scope = RadioField(_l("The token may"), default="read", validate_choice=False)
    expires = DateField(_l("Valid until"), validators=[
        DataRequired(_l("Enter the last day the token works."))])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="token", **kwargs)
        self.scope.choices = [("read", _l("Read only")), ("read_write", _l(
            "Read and write (create and change drafts, take workflow actions)"))]
        if not self.is_submitted():
            self.expires.data = date.today() + timedelta(days=90)

    def validate_scope(self, field) -> None:
        if field.data not in dict(field.choices):
            raise ValidationError(_l("Choose what the token may do."))

    def validate_expires(self, field) -> None:
        if not date.today() <= field.data <= date.today() + timedelta(days=MAX_DAYS):
            raise ValidationError(_l("Choose a day from today to one year ahead."))
