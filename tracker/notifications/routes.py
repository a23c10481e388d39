"""Notification pages: the list, read marks, settings (shown on /account), follow, comments, and
the delivery records for admins."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker.db import db
from tracker.memo import per_request
from tracker.notifications import mail, operations, rules
from tracker.notifications.forms import CommentForm, settings_form
from tracker.notifications.models import Delivery, Notification, NotificationSettings, OutboxMessage
from tracker.notifications.rules import KINDS
from tracker.paging import page_number, paginate
from tracker.pilots import queries as pilot_queries
from tracker.pilots.permissions import can_see_internal

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


_NOTIFICATIONS = Notification.__table__


def unread_column(user_id):
    """A user's unread count as a column: ``load_user`` reads it with the user, for the header."""
    return (sa.select(sa.func.count()).select_from(_NOTIFICATIONS)
            .where(_NOTIFICATIONS.c.user_id == user_id, _NOTIFICATIONS.c.read_at.is_(None)).scalar_subquery())


_UNREAD = sa.select(unread_column(sa.bindparam("user_id")))


def unread_count(user) -> int:
    return db.session.execute(_UNREAD, {"user_id": user.id}).scalar() or 0


def remember_unread(user, count: int) -> None:
    """Keep the count read with the user for this request's header, until the request writes."""
    per_request("unread")[user.id] = count


def _forget_unread(*_args) -> None:
    per_request("unread").clear()


def _forget_unread_after_write(state) -> None:
    if not state.is_select:  # an UPDATE, INSERT or DELETE sent through the session
        _forget_unread()


# The request's own writes: its flushes, statements and commits (a statement on the bare connection
# is seen at the commit; uncommitted, it is rolled back with the request). Session events, not the
# engine's: an engine listener would slow every query the app sends.
sa.event.listen(sa.orm.Session, "after_flush", _forget_unread)
sa.event.listen(sa.orm.Session, "do_orm_execute", _forget_unread_after_write)
sa.event.listen(sa.orm.Session, "after_commit", _forget_unread)


@bp.app_context_processor
def _helpers():
    """For the header (unread count), the pilot page (comments, follow) and /account (settings)."""

    def unread():
        user = current_user._get_current_object()
        if not user.is_authenticated:
            return 0
        known = per_request("unread").get(user.id)
        return unread_count(user) if known is None else known

    return {"unread_notifications": unread,
            "is_following": rules.is_following,
            "can_comment": can_see_internal,
            "comment_form": lambda: CommentForm(formdata=None),
            "notification_settings_form": lambda: g.get("notification_settings_form") or settings_form(
                db.session.get(NotificationSettings, current_user.id)),
            "notification_kinds": KINDS}


@bp.route("")
@login_required
def index():
    stmt = (sa.select(Notification).where(Notification.user_id == current_user.id)
            .order_by(Notification.id.desc()))
    page = paginate(stmt, page_number(request.args))
    shown = [(n, *mail.subject_and_text(n)) for n in page.items]
    return render_template("notifications/index.html", page=page, shown=shown,
                           unread=unread_count(current_user))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id: int):
    note = db.session.get(Notification, notification_id)
    if note is None or note.user_id != current_user.id:
        abort(404)
    operations.mark_read(current_user, note.id)
    db.session.commit()
    if note.pilot_id:
        return redirect(url_for("pilots.show", pilot_id=note.pilot_id))
    return redirect(url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    count = operations.mark_read(current_user)
    db.session.commit()
    flash(_("%(n)s notifications marked as read.", n=count), "success")
    return redirect(url_for("notifications.index"))


@bp.route("/settings", methods=["POST"])
@login_required
def settings():
    form = settings_form(db.session.get(NotificationSettings, current_user.id), formdata=True)
    if not form.validate_on_submit():
        g.notification_settings_form = form
        return render_template("notifications/settings.html"), 400
    operations.save_settings(current_user, {k: getattr(form, f"mode_{k}").data for k in KINDS},
                             form.email_language.data)
    db.session.commit()
    flash(_("Your notification settings were saved."), "success")
    return redirect(url_for("account.index") + "#notification-settings")


def _pilot(pilot_id: int):
    """Load or 404; who may not see the pilot gets 403, as on the pilot page."""
    pilot = pilot_queries.load_pilot(pilot_id)
    if pilot is None:
        abort(404)
    if not can_see_internal(current_user, pilot):
        abort(403)
    return pilot


@bp.route("/pilots/<int:pilot_id>/follow", methods=["POST"])
@login_required
def follow(pilot_id: int):
    pilot = _pilot(pilot_id)
    following = request.form.get("follow") != "0"
    operations.set_following(pilot, current_user, following)
    db.session.commit()
    flash(_("You follow this pilot.") if following else _("You no longer follow this pilot."), "success")
    return redirect(url_for("pilots.show", pilot_id=pilot.id) + "#comments")


@bp.route("/pilots/<int:pilot_id>/comments", methods=["POST"])
@login_required
def comment(pilot_id: int):
    pilot = _pilot(pilot_id)
    form = CommentForm()
    if not form.validate_on_submit():
        return render_template("notifications/comment.html", pilot=pilot, form=form), 400
    operations.add_comment(pilot, current_user, form.body.data)
    db.session.commit()
    flash(_("Your comment was posted."), "success")
    return redirect(url_for("pilots.show", pilot_id=pilot.id) + "#comments")


@bp.route("/deliveries")
@login_required
def deliveries():
    """Admins: every delivery attempt (sent, failed with the error, gave up), newest first."""
    if not current_user.is_admin:
        abort(403)
    stmt = (sa.select(Delivery, OutboxMessage).join(OutboxMessage, OutboxMessage.id == Delivery.outbox_id)
            .options(sa.orm.joinedload(OutboxMessage.user)).order_by(Delivery.id.desc()))
    page = paginate(stmt, page_number(request.args), rows=True)
    counts = dict(db.session.execute(sa.select(OutboxMessage.state, sa.func.count())
                                     .group_by(OutboxMessage.state)).all())
    return render_template("notifications/deliveries.html", page=page, counts=counts)
