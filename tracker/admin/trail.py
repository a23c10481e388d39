"""The audit trail for admins: newest first, filtered by actor, entity and date, paginated."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import get_timezone
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from tracker.admin.forms import AuditFilterForm, options
from tracker.admin.routes import bp, page_of
from tracker.audit import AuditEntry
from tracker.auth.models import User
from tracker.db import db
from tracker.history import describe
from tracker.labels import label


def _local_midnight_utc(day) -> datetime:
    """Start of ``day`` in the display time zone (Europe/Oslo), as an aware datetime."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(str(get_timezone())))


@bp.route("/audit")
def audit():
    form = AuditFilterForm(formdata=request.args)
    actors = db.session.execute(
        sa.select(User.id, User.name).where(User.id.in_(sa.select(AuditEntry.actor_id).distinct()))
        .order_by(User.name, User.id)).all()
    form.actor.choices = options([("", _("Everyone"))] + [(str(uid), name) for uid, name in actors])
    entities = db.session.scalars(sa.select(AuditEntry.entity).distinct().order_by(AuditEntry.entity)).all()
    form.entity.choices = options([("", _("Everything"))] + [(e, label("entity", e)) for e in entities])
    stmt = (sa.select(AuditEntry).options(joinedload(AuditEntry.actor))
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    valid = form.validate() if request.args else True
    if valid and form.date_from.data and form.date_to.data and form.date_to.data < form.date_from.data:
        form.date_to.errors = [_("The end date must be on or after the start date.")]
        valid = False
    if valid:
        if form.actor.data:
            stmt = stmt.where(AuditEntry.actor_id == int(form.actor.data))
        if form.entity.data:
            stmt = stmt.where(AuditEntry.entity == form.entity.data)
        if form.date_from.data:
            stmt = stmt.where(AuditEntry.at >= _local_midnight_utc(form.date_from.data))
        if form.date_to.data:
            stmt = stmt.where(AuditEntry.at < _local_midnight_utc(form.date_to.data + timedelta(days=1)))
    page = page_of(stmt)
    return (render_template("admin/audit.html", form=form, page=page, lines=describe(page.items)),
            200 if valid else 400)
