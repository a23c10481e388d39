"""Sign in and sign out."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, flash, redirect, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from tracker.auth import operations
from tracker.auth.forms import LoginForm
from tracker.auth.models import User, district_coordinators
from tracker.db import db
from tracker.districts.models import District
from tracker.extensions import limiter, login_manager
from tracker.guards import parse_id
from tracker.logs import event
from tracker.notifications.routes import remember_unread, unread_column
from tracker.urls import safe_next

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page explains itself
login_manager.session_protection = "basic"


# Every signed-in request starts here: the user, the districts they coordinate (one row each, by
# name) and the header's unread count, in one Core query. The objects are made from its rows without
# the ORM's loading machinery, which cost more than the query itself.
_USER_COLUMNS, _DISTRICT_COLUMNS = (
    [(attr.key, attr.columns[0]) for attr in model.__mapper__.column_attrs] for model in (User, District))
_USERS, _DISTRICTS = User.__table__, District.__table__  # tables, not entities: a plain Core query
_LOAD = (sa.select(*(c for _, c in _USER_COLUMNS + _DISTRICT_COLUMNS), unread_column(_USERS.c.id))
         .outerjoin(district_coordinators, district_coordinators.c.user_id == _USERS.c.id)
         .outerjoin(_DISTRICTS, _DISTRICTS.c.id == district_coordinators.c.district_id)
         .where(_USERS.c.id == sa.bindparam("uid")).order_by(_DISTRICTS.c.name))


def _persistent(session, model, columns, values):
    """``model``'s object from a whole row, as if the ORM had loaded it: the session's own if it has one."""
    values = dict(zip((key for key, _ in columns), values, strict=True))
    known = session.identity_map.get(model.__mapper__.identity_key_from_primary_key((values["id"],)))
    if known is not None:
        return known
    obj = model.__mapper__.class_manager.new_instance()
    obj.__dict__.update(values)  # as the ORM's loading does: loaded values, not changes
    make_transient_to_detached(obj)  # persistent once added, with nothing to write
    session.add(obj)
    return obj


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Resolve ``"<id>:<session_version>"``; an old version means the session has ended."""
    uid, _, version = user_id.partition(":") if isinstance(user_id, str) else ("", "", "")
    uid, version = parse_id(uid), parse_id(version)
    if uid is None or version is None:
        return None
    session = db.session()  # the request's session, looked up once
    rows = session.execute(_LOAD, {"uid": uid}).all()
    if not rows:
        return None
    split = len(_USER_COLUMNS)
    user = _persistent(session, User, _USER_COLUMNS, rows[0][:split])
    if not user.active or user.session_version != version:
        return None
    if "districts" not in user.__dict__:  # unless the session had them already
        districts = [row[split:-1] for row in rows if row[split] is not None]
        set_committed_value(user, "districts", [_persistent(session, District, _DISTRICT_COLUMNS, values)
                                                for values in districts])
    remember_unread(user, rows[0][-1])
    return user


def _login_limits() -> str:
    return current_app.config["LOGIN_LIMITS"]


def _submitted_account() -> str:
    """The throttling key for the account named in the form (normalised, bounded)."""
    return "account:" + operations.normalise_email(request.form.get("email", ""))[:254]


def _throttled(request_limit) -> None:
    event("sign_in_throttled", email=_submitted_account()[8:], limit=str(request_limit.limit))


@bp.route("/login", methods=["GET", "POST"])
# Two independent budgets: one per client address, one per account (whatever the address).
@limiter.limit(_login_limits, methods=["POST"], on_breach=_throttled)
@limiter.limit(_login_limits, key_func=_submitted_account, methods=["POST"], on_breach=_throttled)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = operations.authenticate(
            form.email.data, form.password.data, ip=request.remote_addr or "",
            user_agent=request.headers.get("User-Agent", ""))
        db.session.commit()
        if user is None:
            event("sign_in_failed", email=operations.normalise_email(form.email.data)[:254])
            flash(_("Wrong e-mail or password."), "error")
            return render_template("auth/login.html", form=form), 401
        session.clear()  # no fixation: a fresh session for the signed-in user (the language is a cookie)
        login_user(user, remember=form.remember.data)
        event("sign_in", user_id=user.id, email=user.email)
        return redirect(safe_next(form.next.data))
    status = 400 if form.errors else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    operations.end_sessions(current_user)
    db.session.commit()
    event("sign_out", user_id=current_user.id)
    logout_user()
    session.clear()
    flash(_("You are signed out."), "success")
    return redirect("/login")
