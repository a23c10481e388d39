"""Sign-in form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(_l("Enter your e-mail address.")),
                                                   Length(max=254)],
                        render_kw={"autocomplete": "username", "type": "email"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password.")),
                                                         Length(max=1000)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this device"))
    next = HiddenField()
