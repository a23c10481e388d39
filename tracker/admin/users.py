"""People: list, invite, change role and districts, deactivate/reactivate, links, hand-over."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from tracker.admin import mail, permissions
from tracker.admin.forms import (
    ConfirmForm,
    HandoverForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
    options,
)
from tracker.admin.operations import BadHandoverTarget, hand_over_pilots
from tracker.admin.routes import bp, get_or_404, page_of, stale_edit
from tracker.auth import operations as people
from tracker.auth.models import SignIn, User
from tracker.db import db
from tracker.districts.models import District
from tracker.labels import PLACEHOLDER, label
from tracker.links import absolute_url
from tracker.locking import Conflict, posted_version
from tracker.logs import event
from tracker.pilots.models import Pilot

LINK_SESSION_KEY = "admin_new_link"


def _all_districts() -> list[District]:
    return db.session.scalars(sa.select(District).order_by(District.retired, District.name)).all()


def _district_choices(districts) -> list:
    return options((d.id, d.name + (" " + _("(retired)") if d.retired else "")) for d in districts)


@bp.route("/users")
def users():
    districts = _all_districts()
    form = UserFilterForm(formdata=request.args)
    form.district.choices = options([("", _("All districts"))] + [(d.slug, d.name) for d in districts])
    stmt = sa.select(User).options(selectinload(User.districts)).order_by(User.name, User.id)
    if request.args and form.validate():
        if form.q.data:
            q = form.q.data.strip().lower()
            stmt = stmt.where(sa.or_(sa.func.lower(User.name).contains(q, autoescape=True),
                                     User.email.contains(q, autoescape=True)))
        if form.role.data:
            stmt = stmt.where(User.role == form.role.data)
        if form.district.data:
            stmt = stmt.where(User.districts.any(District.slug == form.district.data))
        if form.active.data:
            stmt = stmt.where(User.active.is_(form.active.data == "yes"))
    return render_template("admin/users.html", form=form, page=page_of(stmt))


def _issue_link(user: User) -> None:
    """Issue a set-password link, and keep it in the admin's session to show once after redirect."""
    secret = people.issue_password_link(user, current_user, current_app.config["SET_PASSWORD_LINK_HOURS"])
    db.session.commit()
    url = absolute_url("account.set_password", token=secret)
    session[LINK_SESSION_KEY] = {"user_id": user.id, "url": url}
    sent = mail.send_link(user.email, user.name, url)
    if sent is False:
        flash(_("The e-mail could not be sent. Give the link to the person yourself."), "warning")
    elif sent:
        flash(_("The link was also sent by e-mail to %(email)s.", email=user.email), "success")


@bp.route("/users/new", methods=["GET", "POST"])
def user_new():
    form = UserCreateForm()
    form.districts.choices = _district_choices(_all_districts())
    if form.validate_on_submit():
        chosen = [d for d in _all_districts() if d.id in set(form.districts.data)]
        try:
            user = people.create_user(form.email.data, form.name.data, form.role.data,
                                      [d.slug for d in chosen], agency=(form.agency.data or "").strip(),
                                      actor=current_user)
        except (people.UserError, sa.exc.IntegrityError):  # taken, also by a simultaneous request
            db.session.rollback()
            form.email.errors.append(_("A user with this e-mail address already exists."))
        else:
            event("user_created", user_id=user.id, role=user.role, by=current_user.id)
            _issue_link(user)
            flash(_("%(name)s was added.", name=user.name), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return render_template("admin/user_new.html", form=form), 400 if form.errors else 200


def _render_user(user: User, form: UserEditForm | None = None, handover: HandoverForm | None = None,
                 status: int = 200, conflict: dict | None = None):
    districts = _all_districts()
    if form is None:
        form = UserEditForm(obj=user)
        form.districts.data = [d.id for d in user.districts]  # ids, not the District objects
    form.districts.choices = _district_choices(districts)
    handover = handover or HandoverForm()
    handover.to_user.choices = _handover_choices(user)
    owned = db.session.scalar(sa.select(sa.func.count()).select_from(Pilot).where(Pilot.owner_id == user.id))
    sign_ins = db.session.scalars(sa.select(SignIn).where(SignIn.user_id == user.id)
                                  .order_by(SignIn.at.desc(), SignIn.id.desc()).limit(10)).all()
    link = session.pop(LINK_SESSION_KEY, None)
    link = link["url"] if link and link.get("user_id") == user.id else None
    return render_template("admin/user.html", user=user, form=form, handover=handover, owned=owned,
                           sign_ins=sign_ins, link=link, confirm=ConfirmForm(),
                           permissions=permissions, conflict=conflict), status


def _handover_choices(user: User) -> list:
    others = db.session.scalars(sa.select(User).where(User.active.is_(True), User.id != user.id)
                                .order_by(User.name, User.id)).all()
    return options([(PLACEHOLDER, _("Choose a person"))] + [(u.id, f"{u.name} ({u.email})") for u in others])


def _user_stored(user: User) -> dict:
    return {"name": (user.name, user.name), "role": (user.role, label("role", user.role)),
            "districts": ([d.id for d in user.districts], ", ".join(d.name for d in user.districts)),
            "agency": (user.agency, user.agency)}


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id: int):
    user = get_or_404(User, user_id)
    if request.method == "GET":
        return _render_user(user)
    form = UserEditForm()
    form.districts.choices = _district_choices(_all_districts())
    if form.validate_on_submit():
        chosen = [d for d in _all_districts() if d.id in set(form.districts.data)]
        try:
            changes = people.update_user(user, current_user, name=form.name.data,
                                         agency=form.agency.data or "", role=form.role.data,
                                         districts=chosen, version=posted_version(form.version.data))
        except people.UserError:
            db.session.rollback()
            form.role.errors.append(_("You are the last active administrator: make someone else "
                                      "administrator first."))
        except Conflict:
            conflict = stale_edit(form, "user", user, _user_stored)
            return _render_user(user, form=form, status=409, conflict=conflict)
        else:
            db.session.commit()
            if changes:
                event("user_updated", user_id=user.id, fields=sorted(changes), by=current_user.id)
            flash(_("The changes were saved.") if changes else _("Nothing was changed."), "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return _render_user(user, form=form, status=400)


def confirmed(action: str):
    """Register ``act(user)`` as the POST route ``/users/<id>/<action>`` (endpoint: its name) of a
    confirmed button on a user's page: it runs if the confirmation form is valid (it commits and
    says what happened), then the admin is back on that page."""
    def register(act):
        def view(user_id: int):
            user = get_or_404(User, user_id)
            if ConfirmForm().validate_on_submit():
                act(user)
            return redirect(url_for("admin.user", user_id=user.id))
        bp.add_url_rule(f"/users/<int:user_id>/{action}", act.__name__, view, methods=["POST"])
        return act
    return register


@confirmed("deactivate")
def user_deactivate(user):
    try:
        people.deactivate(user, current_user)
    except people.LastAdmin:
        db.session.rollback()
        flash(_("You cannot deactivate the last active administrator."), "error")
    except people.SelfDeactivation:
        db.session.rollback()
        flash(_("You cannot deactivate yourself."), "error")
    else:
        db.session.commit()
        event("user_deactivated", user_id=user.id, by=current_user.id)
        flash(_("%(name)s is deactivated and signed out everywhere.", name=user.name), "success")


@confirmed("reactivate")
def user_reactivate(user):
    people.reactivate(user, current_user)
    db.session.commit()
    event("user_reactivated", user_id=user.id, by=current_user.id)
    flash(_("%(name)s can sign in again.", name=user.name), "success")


@confirmed("link")
def user_link(user):
    if not permissions.can_issue_link(current_user, user):
        flash(_("Reactivate the user before you make a set-password link."), "error")
    else:
        _issue_link(user)
        flash(_("A new set-password link was made; older links no longer work."), "success")


@bp.route("/users/<int:user_id>/handover", methods=["POST"])
def user_handover(user_id: int):
    user = get_or_404(User, user_id)
    handover = HandoverForm()
    handover.to_user.choices = _handover_choices(user)
    if handover.validate_on_submit():
        target = db.session.get(User, handover.to_user.data)
        try:
            moved = hand_over_pilots(user, target, current_user)
        except BadHandoverTarget:
            db.session.rollback()
            handover.to_user.errors.append(_("Choose an active person other than this one."))
        else:
            db.session.commit()
            event("pilots_handed_over", from_user=user.id, to_user=target.id, pilots=moved,
                  by=current_user.id)
            flash(_("%(count)d pilot(s) handed over to %(name)s.", count=len(moved), name=target.name),
                  "success")
            return redirect(url_for("admin.user", user_id=user.id))
    return _render_user(user, handover=handover, status=400)
