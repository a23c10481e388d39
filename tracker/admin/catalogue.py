"""Districts and themes: create, rename, describe, coordinators, retire and reinstate."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from tracker.admin import operations as ops
from tracker.admin.forms import ConfirmForm, DistrictForm, ThemeForm, options
from tracker.admin.routes import bp, get_or_404, stale_edit
from tracker.auth.models import Role, User
from tracker.db import db
from tracker.districts.models import District
from tracker.locking import Conflict, posted_version
from tracker.pilots.models import Pilot, Theme, pilot_themes

REFUSALS = {  # what the user reads beside the field, by refusal
    ops.BadSlug: lambda: _("Use only a–z, 0–9 and single hyphens."),
    ops.SlugTaken: lambda: _("This short name is already used. Choose another."),
    ops.NotCoordinators: lambda: _("Only coordinators can be chosen."),
}


def _taken(column, value: str, exclude_id: int | None) -> bool:
    """Whether another row already has ``value`` in ``column``, ignoring case ("Hovinbyen" and
    "hovinbyen" are one district). Compared in Python: SQLite's lower() folds ASCII only, and the
    district and theme tables hold a few dozen rows."""
    key = value.strip().casefold()
    rows = db.session.execute(sa.select(column.class_.id, column)).all()
    return any(name.casefold() == key for row_id, name in rows if row_id != exclude_id)


def _unique(form, exclude_id: int | None, *fields) -> bool:
    """Field errors for names another row already uses; True when all are free."""
    ok = True
    for name, column in fields:
        field = form[name]
        if _taken(column, field.data or "", exclude_id):
            field.errors.append(_("Another one already has this name."))
            ok = False
    return ok


def _attempt(form, error_field: str, operation, *args, **kwargs) -> bool:
    """Run ``operation`` and commit; on a refusal put the reason beside ``error_field``."""
    try:
        operation(*args, **kwargs)
        db.session.commit()
    except ops.AdminError as exc:
        db.session.rollback()
        form[exc.field or error_field].errors.append(REFUSALS[type(exc)]())
        return False
    except sa.exc.IntegrityError:  # a simultaneous change to the same name or slug
        db.session.rollback()
        form[error_field].errors.append(_("This short name is already used. Choose another.")
                                        if error_field == "slug" else _("Another one already has this name."))
        return False
    return True


def _retirement(obj, entity: str, retired: bool, endpoint: str, **ident):
    if ConfirmForm().validate_on_submit():
        ops.set_retired(obj, entity, current_user, retired)
        db.session.commit()
        flash(_("Retired: no longer offered for new pilots; existing pilots keep it.") if retired
              else _("Reinstated: offered for new pilots again."), "success")
    return redirect(url_for(endpoint, **ident))


# --- districts ---------------------------------------------------------------------------------

def _coordinator_choices() -> list:
    users = db.session.scalars(sa.select(User).where(User.role == Role.COORDINATOR)
                               .order_by(User.name, User.id)).all()
    return options((u.id, u.name + ("" if u.active else " " + _("(deactivated)"))) for u in users)


def _chosen_coordinators(ids) -> list[User]:
    if not ids:
        return []
    return db.session.scalars(sa.select(User).where(User.id.in_(ids))).all()


def _district_form(district: District | None = None) -> DistrictForm:
    """The form, pre-filled from ``district`` on GET; on POST only what was sent counts."""
    if district is None or request.method == "POST":
        form = DistrictForm()
    else:
        form = DistrictForm(obj=district)
        form.coordinators.data = [u.id for u in district.coordinators]  # ids, not the User objects
    form.coordinators.choices = _coordinator_choices()
    return form


def _district_values(form: DistrictForm) -> dict:
    texts = {name: form[name].data or "" for name in ops.DISTRICT_TEXTS}
    return {"name": form.name.data, **texts, "coordinators": _chosen_coordinators(form.coordinators.data),
            "publishes_funding": bool(form.publishes_funding.data)}


@bp.route("/districts")
def districts():
    rows = db.session.scalars(sa.select(District).options(selectinload(District.coordinators))
                              .order_by(District.retired, District.name)).all()
    counts = dict(db.session.execute(sa.select(Pilot.district_id, sa.func.count())
                                     .group_by(Pilot.district_id)).all())
    return render_template("admin/districts.html", districts=rows, counts=counts)


@bp.route("/districts/new", methods=["GET", "POST"])
def district_new():
    form = _district_form()
    if (form.validate_on_submit() and _unique(form, None, ("name", District.name))
            and _attempt(form, "slug", ops.create_district, current_user,
                         slug=form.slug.data or ops.slugify(form.name.data), **_district_values(form))):
        flash(_("The district %(name)s was created.", name=form.name.data.strip()), "success")
        return redirect(url_for("admin.districts"))
    return render_template("admin/district_form.html", form=form, district=None), 400 if form.errors else 200


def _district_stored(district: District) -> dict:
    names = ", ".join(u.name for u in district.coordinators)
    return {"name": (district.name, district.name),
            **{k: (getattr(district, k), getattr(district, k)) for k in ops.DISTRICT_TEXTS},
            "coordinators": ([u.id for u in district.coordinators], names),
            "publishes_funding": (district.publishes_funding,
                                  _("Yes") if district.publishes_funding else _("No"))}


@bp.route("/districts/<int:district_id>", methods=["GET", "POST"])
def district(district_id: int):
    district = get_or_404(District, district_id)
    form = _district_form(district)
    del form.slug  # stable once used in web addresses
    conflict = None
    if form.validate_on_submit() and _unique(form, district.id, ("name", District.name)):
        try:
            if _attempt(form, "name", ops.update_district, district, current_user,
                        version=posted_version(form.version.data), **_district_values(form)):
                flash(_("The changes were saved."), "success")
                return redirect(url_for("admin.district", district_id=district.id))
        except Conflict:
            conflict = stale_edit(form, "district", district, _district_stored)
    return (render_template("admin/district_form.html", form=form, district=district, confirm=ConfirmForm(),
                            conflict=conflict), _status(form, conflict))


def _status(form, conflict) -> int:
    return 409 if conflict else 400 if form.errors else 200


@bp.route("/districts/<int:district_id>/retire", methods=["POST"])
def district_retire(district_id: int):
    return _retirement(get_or_404(District, district_id), "district", True, "admin.district",
                       district_id=district_id)


@bp.route("/districts/<int:district_id>/reinstate", methods=["POST"])
def district_reinstate(district_id: int):
    return _retirement(get_or_404(District, district_id), "district", False, "admin.district",
                       district_id=district_id)


# --- themes ------------------------------------------------------------------------------------

THEME_NAMES = (("name_nb", Theme.name_nb), ("name_en", Theme.name_en))


@bp.route("/themes")
def themes():
    rows = db.session.scalars(sa.select(Theme).order_by(Theme.retired, Theme.name_nb)).all()
    counts = dict(db.session.execute(sa.select(pilot_themes.c.theme_id, sa.func.count())
                                     .group_by(pilot_themes.c.theme_id)).all())
    return render_template("admin/themes.html", themes=rows, counts=counts)


@bp.route("/themes/new", methods=["GET", "POST"])
def theme_new():
    form = ThemeForm()
    if (form.validate_on_submit() and _unique(form, None, *THEME_NAMES)
            and _attempt(form, "slug", ops.create_theme, current_user,
                         slug=form.slug.data or ops.slugify(form.name_en.data or form.name_nb.data),
                         name_nb=form.name_nb.data, name_en=form.name_en.data)):
        flash(_("The theme %(name)s was created.", name=form.name_nb.data.strip()), "success")
        return redirect(url_for("admin.themes"))
    return render_template("admin/theme_form.html", form=form, theme=None), 400 if form.errors else 200


@bp.route("/themes/<int:theme_id>", methods=["GET", "POST"])
def theme(theme_id: int):
    theme = get_or_404(Theme, theme_id)
    form = ThemeForm() if request.method == "POST" else ThemeForm(obj=theme)
    del form.slug
    conflict = None
    if form.validate_on_submit() and _unique(form, theme.id, *THEME_NAMES):
        try:
            if _attempt(form, "name_nb", ops.update_theme, theme, current_user,
                        version=posted_version(form.version.data),
                        name_nb=form.name_nb.data, name_en=form.name_en.data):
                flash(_("The changes were saved."), "success")
                return redirect(url_for("admin.theme", theme_id=theme.id))
        except Conflict:
            conflict = stale_edit(form, "theme", theme,
                                  lambda t: {name: (getattr(t, name),) * 2 for name, _column in THEME_NAMES})
    return (render_template("admin/theme_form.html", form=form, theme=theme, confirm=ConfirmForm(),
                            conflict=conflict), _status(form, conflict))


@bp.route("/themes/<int:theme_id>/retire", methods=["POST"])
def theme_retire(theme_id: int):
    return _retirement(get_or_404(Theme, theme_id), "theme", True, "admin.theme", theme_id=theme_id)


@bp.route("/themes/<int:theme_id>/reinstate", methods=["POST"])
def theme_reinstate(theme_id: int):
    return _retirement(get_or_404(Theme, theme_id), "theme", False, "admin.theme", theme_id=theme_id)
