"""Import pages: upload a sheet, map its columns, see the dry run, import; the template and help.

The upload is the only post with a file (``guards.accepts_files``: a body over the limit is a
413 before it is read). Every preview and the import itself analyse the stored upload anew; the
import runs in one transaction and is committed once (all rows or none, unless the user chose the
valid rows only).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tracker import guards, logs
from tracker.auth.models import Role, User
from tracker.db import db, utcnow
from tracker.districts.models import District
from tracker.i18n import current_language
from tracker.imports import mapping, permissions, plan, reading, sheets, uploads
from tracker.imports.forms import UploadForm, review_form
from tracker.imports.models import ImportMapping

bp = Blueprint("imports", __name__, url_prefix="/imports")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
guards.accepts_files("imports.index", lambda: reading.MAX_FILE_BYTES + 64 * 1024, ("file",))


@bp.record_once
def _old_address(state):
    """``/import/`` (the address in the design) leads here."""
    state.app.add_url_rule("/import/", "imports.old_address",
                           lambda: redirect(url_for("imports.index"), 301))


@bp.app_context_processor
def _helpers():
    """For the main menu: whether to show the import link."""
    return {"can_import": permissions.can_import}


@bp.before_request
@login_required
def _may_import():
    if not permissions.can_import(current_user):
        abort(403)


def _download(body: bytes, name: str) -> Response:
    response = Response(body, content_type=XLSX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/", methods=["GET", "POST"])
def index():
    form = UploadForm()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            data = upload.stream.read(reading.MAX_FILE_BYTES + 1)
        finally:
            upload.close()
        name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
        try:
            reading.read_table(data, name, mapping.header_score())
        except reading.Unreadable as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            token = uploads.save(data, name, current_user.id, form.mapping.data)
            logs.event("import_upload", user_id=current_user.id, size=len(data))
            return redirect(url_for("imports.review", token=token))
    status = 400 if form.errors else 200
    return render_template("imports/index.html", form=form, max_mb=reading.MAX_FILE_BYTES // (1024 * 1024),
                           max_rows=reading.MAX_ROWS), status


def _load(token: str):
    found = uploads.load(token, current_user.id)
    if found is None:
        abort(404)
    data, note = found
    try:
        table = reading.read_table(data, note["filename"], mapping.header_score())
    except reading.Unreadable:
        abort(404)
    return table, note


def _users():
    return list(db.session.scalars(sa.select(User).where(User.active.is_(True)).order_by(User.name)))


def _districts():
    stmt = sa.select(District).where(District.retired.is_(False)).order_by(District.name)
    if current_user.role != Role.ADMIN:
        stmt = stmt.where(District.id.in_(current_user.district_ids))
    return list(db.session.scalars(stmt))


def _saved(mapping_id) -> dict | None:
    saved = db.session.get(ImportMapping, mapping_id) if mapping_id else None
    return saved.columns if saved else None


def _options(form, note) -> plan.Options:
    return plan.Options(user=current_user, owner=form.owner_user, source=note["filename"],
                        district=form.district_obj, accept_suggestions=form.accept_suggestions.data)


def _save_mapping(name: str, table, targets) -> None:
    columns = {mapping.fold(h): t for h, t in zip(table.headers, targets, strict=True)}
    saved = db.session.scalar(sa.select(ImportMapping).where(ImportMapping.name == name))
    if saved is None:
        db.session.add(ImportMapping(name=name, columns=columns, created_by_id=current_user.id))
    else:
        saved.columns, saved.updated_at = columns, utcnow()


@bp.route("/<string(length=22):token>", methods=["GET", "POST"])
def review(token: str):
    table, note = _load(token)
    guessed = mapping.auto_mapping(table.headers, _saved(note.get("mapping_id")))
    years = [y for h in table.headers if (y := mapping.funding_year(h))]
    form = review_form(table.headers, guessed, _users(), _districts(), years,
                       data={"owner": current_user.id} if request.method == "GET" else None)
    result = None
    if request.method == "GET":
        form.validate_owner(form.owner)
        form.validate_district(form.district)
        result = plan.analyse(table, guessed, _options(form, note))
    elif form.validate_on_submit():
        targets = [f.data for f in form.column_fields()]
        if len({t for t in targets if t}) < len([t for t in targets if t]):
            form.col_0.errors = [*form.col_0.errors, _("Each field can be filled from one column only.")]
        else:
            result = plan.analyse(table, targets, _options(form, note))
            if "confirm" in request.form:
                return _import(token, note, form, table, targets, result)
    return render_template("imports/review.html", form=form, table=table, note=note, result=result,
                           token=token), 400 if form.errors else 200


def _import(token, note, form, table, targets, result):
    options = _options(form, note)
    valid_only = form.valid_only.data
    if result.refused and not valid_only:
        flash(_("Nothing was imported: %(n)s row(s) are refused. Fix them in the file and upload it again, "
                "or choose to import the valid rows only.", n=len(result.refused)), "error")
        return render_template("imports/review.html", form=form, table=table, note=note, result=result,
                               token=token), 400
    try:
        done = plan.apply(result, options, valid_only=valid_only)
        if form.save_as.data:
            _save_mapping(form.save_as.data, table, targets)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    note.update(targets=targets, owner_id=options.owner.id, district_id=getattr(options.district, "id", None),
                accept=options.accept_suggestions, done={k: done.get(k, 0) for k in plan.ACTIONS})
    uploads.write_note(token, note)
    logs.event("import_done", user_id=current_user.id, **note["done"])
    counts = note["done"]
    flash(_("Imported: %(created)s new, %(updated)s updated, %(unchanged)s unchanged, %(refused)s refused.",
            created=counts["create"], updated=counts["update"], unchanged=counts["unchanged"],
            refused=counts["refused"]), "success")
    return redirect(url_for("imports.done", token=token))


@bp.route("/<string(length=22):token>/done")
def done(token: str):
    _table, note = _load(token)
    if "done" not in note:
        return redirect(url_for("imports.review", token=token))
    districts = list(db.session.scalars(sa.select(District).where(District.retired.is_(False))
                                        .order_by(District.name)))
    return render_template("imports/done.html", note=note, token=token, districts=districts)


@bp.route("/<string(length=22):token>/refused.xlsx")
def refused(token: str):
    table, note = _load(token)
    if "targets" not in note:
        abort(404)
    district = db.session.get(District, note["district_id"]) if note["district_id"] else None
    owner = db.session.get(User, note["owner_id"]) or current_user
    options = plan.Options(user=current_user, owner=owner, source=note["filename"], district=district,
                           accept_suggestions=note["accept"])
    result = plan.analyse(table, note["targets"], options)
    return _download(sheets.refused_rows(result, _("Why it was refused")), "refused-rows.xlsx")


@bp.route("/template.xlsx")
def template():
    lang = "en" if current_language().startswith("en") else "nb"
    return _download(sheets.template(lang), f"testarena-import-{lang}.xlsx")


@bp.route("/columns")
def columns():
    return render_template("imports/columns.html", fields=mapping.targets(), synonyms=mapping.SYNONYMS,
                           max_rows=reading.MAX_ROWS, max_mb=reading.MAX_FILE_BYTES // (1024 * 1024))
