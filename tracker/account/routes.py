"""My account (name, password, recent sign-ins) and one-time set-password links."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from tracker.account.forms import ChangePasswordForm, NameForm, NewPasswordForm, TokenForm
from tracker.api import tokens
from tracker.api.models import ApiToken
from tracker.auth import operations as people
from tracker.auth.models import SignIn
from tracker.db import db
from tracker.extensions import limiter
from tracker.logs import event

bp = Blueprint("account", __name__, url_prefix="/account")

RECENT_SIGN_INS = 10


@bp.context_processor
def _password_rules():
    return {"min_length": people.MIN_PASSWORD_LENGTH}


def _render(name_form=None, password_form=None, token_form=None, new_secret=None, status: int = 200):
    sign_ins = db.session.scalars(sa.select(SignIn).where(SignIn.user_id == current_user.id)
                                  .order_by(SignIn.at.desc(), SignIn.id.desc()).limit(RECENT_SIGN_INS)).all()
    return render_template(
        "account/index.html", sign_ins=sign_ins,
        name_form=name_form or NameForm(obj=current_user),
        password_form=password_form or ChangePasswordForm(current_user, formdata=None),
        token_form=token_form or TokenForm(formdata=None), tokens=tokens.tokens_of(current_user),
        new_secret=new_secret), status


@bp.route("")
@login_required
def index():
    return _render()


@bp.route("/name", methods=["POST"])
@login_required
def name():
    form = NameForm()
    if not form.validate_on_submit():
        return _render(name_form=form, status=400)
    changed = people.rename(current_user, form.name.data)
    db.session.commit()
    flash(_("Your name was saved.") if changed else _("Nothing was changed."), "success")
    return redirect(url_for("account.index"))


def _password_limits() -> str:
    return current_app.config["LOGIN_LIMITS"]


def _account_key() -> str:
    """Throttle key: the signed-in account (guessing the current password is a sign-in attempt)."""
    return f"password-change:{current_user.get_id().split(':')[0] if current_user.is_authenticated else '-'}"


@bp.route("/password", methods=["POST"])
@login_required
@limiter.limit(_password_limits, key_func=_account_key)
def password():
    form = ChangePasswordForm(current_user)
    if form.validate_on_submit():
        try:
            people.change_own_password(current_user, form.current_password.data, form.new_password.data)
        except people.UserError:
            db.session.rollback()
            form.current_password.errors.append(_("The current password is wrong."))
        else:
            db.session.commit()
            # Sign this session in again under the new session version: only the others end.
            login_user(current_user._get_current_object())
            event("password_changed", user_id=current_user.id)
            flash(_("Your password was changed. You were signed out everywhere else."), "success")
            return redirect(url_for("account.index"))
    return _render(password_form=form, status=400)


@bp.post("/tokens")
@login_required
def token_new():
    """Make a personal access token for the JSON API; its secret is shown on this answer only
    (not flashed: the flash would travel in the session cookie)."""
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(token_form=form, status=400)
    _token, secret = tokens.create(current_user, form.name.data, form.scope.data, form.expires.data)
    db.session.commit()
    response, status = _render(new_secret=secret)
    return response, status, {"Cache-Control": "no-store"}


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def token_revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    revoked = tokens.revoke(token)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked.", name=token.name) if revoked else _("Nothing was changed."),
          "success")
    return redirect(url_for("account.index", _anchor="tokens-title"))


LINK_SESSION_KEY = "password_link"


@bp.route("/set-password/<token>", methods=["GET", "POST"])
def set_password(token: str):
    """Anonymous: open a one-time link. A valid token moves into the session and the browser goes
    on to a URL without it, so the secret is not left in history, referrers or later log lines."""
    if request.method == "POST":
        return _set_password(token)
    refusal = _refusal(people.find_password_link(token))
    if refusal:
        return refusal
    session[LINK_SESSION_KEY] = token
    return redirect(url_for("account.set_password_form"))


@bp.route("/set-password", methods=["GET", "POST"])
def set_password_form():
    """The set-password form for the link opened in this browser session."""
    token = session.get(LINK_SESSION_KEY)
    if not token:
        return render_template("account/link_refused.html", state="unknown"), 404
    return _set_password(token)


def _refusal(link):
    """The refusal page for an unknown, used or expired link; None for a valid one."""
    if link is None:
        return render_template("account/link_refused.html", state="unknown"), 404
    state = people.link_state(link)
    if state != "valid":
        return render_template("account/link_refused.html", state=state), 410
    return None


def _set_password(token: str):
    """Set a password through a one-time link (refused when used, late or unknown)."""
    link = people.find_password_link(token)
    refusal = _refusal(link)
    if refusal:
        return refusal
    form = NewPasswordForm(link.user)
    if form.validate_on_submit():
        try:
            user = people.use_password_link(link, form.new_password.data)
        except people.UserError:
            db.session.rollback()
            return render_template("account/link_refused.html", state="used"), 410
        db.session.commit()
        session.pop(LINK_SESSION_KEY, None)
        event("password_link_used", user_id=user.id)
        flash(_("Your password is set. Sign in with your e-mail address and the new password."), "success")
        return redirect(url_for("auth.login"))
    status = 400 if form.errors else 200
    return render_template("account/set_password.html", form=form, user=link.user), status
