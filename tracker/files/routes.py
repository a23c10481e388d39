"""Attachment pages: add files or a link to a pilot, see versions, download, replace, delete, restore.

Uploads are the only form posts that carry files: ``guards.accepts_files`` exempts ``new`` and
``replace`` from the no-files guard and gives them their own body limit (``MAX_UPLOAD_MB``).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tracker import guards, logs
from tracker.db import db
from tracker.files import operations, permissions, queries, storage
from tracker.files.forms import MAX_FILES, LinkForm, ReplaceForm, UploadForm, _files_given
from tracker.files.operations import TooLarge, Upload
from tracker.files.sniff import Refused
from tracker.headers import CSP
from tracker.labels import label
from tracker.pilots import queries as pilot_queries
from tracker.pilots.permissions import can_view

bp = Blueprint("files", __name__, url_prefix="/files")

REFUSALS = {
    "empty": _l("The file “%(name)s” is empty."),
    "markup": _l("The file “%(name)s” is a web page or an image in SVG/XML: these can carry scripts and are "
              "not accepted. Save it as PDF instead."),
    "bomb": _l("The file “%(name)s” unpacks to far more than its size and is refused."),
    "type": _l("The file “%(name)s” is not an accepted type. Accepted: PDF, Word/Excel/PowerPoint (docx, "
            "xlsx, pptx), OpenDocument (odt, ods, odp), plain text, CSV, PNG, JPEG and WebP."),
}


def file_limit() -> int:
    return int(float(current_app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)


guards.accepts_files("files.new", lambda: file_limit() * MAX_FILES + 1024 * 1024, ("files",))
guards.accepts_files("files.replace", lambda: file_limit() + 1024 * 1024, ("file",))


def fmt_size(size: int) -> str:
    if size < 1024 * 1024:
        return _("%(n)s kB", n=format_decimal(max(1, round(size / 1024))))
    return _("%(n)s MB", n=format_decimal(round(size / 1024 / 1024, 1)))


@bp.app_context_processor
def _helpers():
    """For ``files/_list.html``, included by the pilot page: the same permission functions."""
    return {"kind_label": lambda k: label("attachment_kind", k), "can_change": permissions.can_change,
            "can_restore": permissions.can_restore, "can_add_files": permissions.can_add,
            "attachments_for": lambda pilot: queries.for_pilot(current_user, pilot), "fmt_size": fmt_size}


def _pilot(pilot_id: int):
    """The pilot to add to: 404 if unknown or unseen by an anonymous visitor, 403 if not a manager."""
    pilot = pilot_queries.load_pilot(pilot_id)
    if pilot is None or not can_view(current_user, pilot):
        abort(404 if pilot is None or not current_user.is_authenticated else 403)
    if not permissions.can_add(current_user, pilot):
        abort(403)
    return pilot


def _attachment(attachment_id: int):
    attachment = queries.load(attachment_id)
    if attachment is None:
        abort(404)
    if not permissions.can_see(current_user, attachment):
        abort(403 if current_user.is_authenticated else 404)
    return attachment


def _checked(files, form_field) -> list[tuple[Upload, str]] | None:
    """``(upload, sniffed type)`` per file, or None with the reasons on ``form_field``."""
    checked, errors = [], []
    for storage_file in files:
        upload = Upload(storage_file.stream, storage_file.filename or "")
        name = operations.display_name(upload.filename)
        try:
            checked.append((upload, operations.check(upload, file_limit())))
        except TooLarge:
            errors.append(_("The file “%(name)s” is larger than %(mb)s MB.", name=name,
                            mb=current_app.config["MAX_UPLOAD_MB"]))
        except Refused as exc:
            errors.append(REFUSALS[exc.reason] % {"name": name})
    form_field.errors = [*form_field.errors, *errors]
    return None if errors else checked


@bp.route("/pilots/<int:pilot_id>/new", methods=["GET", "POST"])
@login_required
def new(pilot_id: int):
    pilot = _pilot(pilot_id)
    form = UploadForm(pilot)
    if form.validate_on_submit():
        checked = _checked(_files_given(form.files.data), form.files)
        if checked is not None:
            operations.add_files(pilot, current_user, form.kind.data, form.title.data, form.note.data,
                                 form.is_public.data, checked)
            db.session.commit()
            flash(_("Attached %(n)s file(s).", n=len(checked)), "success")
            return redirect(url_for("pilots.show", pilot_id=pilot.id, _anchor="attachments"))
    status = 400 if form.errors else 200
    return render_template("files/new.html", pilot=pilot, form=form, link=False,
                           max_mb=current_app.config["MAX_UPLOAD_MB"], max_files=MAX_FILES), status


@bp.route("/pilots/<int:pilot_id>/link", methods=["GET", "POST"])
@login_required
def new_link(pilot_id: int):
    pilot = _pilot(pilot_id)
    form = LinkForm(pilot)
    if form.validate_on_submit():
        operations.add_link(pilot, current_user, form.kind.data, form.title.data, form.url.data,
                            form.case_number.data, form.note.data, form.is_public.data)
        db.session.commit()
        flash(_("Link added."), "success")
        return redirect(url_for("pilots.show", pilot_id=pilot.id, _anchor="attachments"))
    return render_template("files/new.html", pilot=pilot, form=form, link=True), 400 if form.errors else 200


@bp.route("/<int:attachment_id>")
def show(attachment_id: int):
    attachment = _attachment(attachment_id)
    return render_template("files/show.html", a=attachment, form=ReplaceForm(formdata=None),
                           max_mb=current_app.config["MAX_UPLOAD_MB"])


@bp.route("/<int:attachment_id>/replace", methods=["POST"])
@login_required
def replace(attachment_id: int):
    attachment = _attachment(attachment_id)
    if not permissions.can_change(current_user, attachment) or attachment.url:
        abort(403)
    form = ReplaceForm()
    if form.validate_on_submit():
        checked = _checked([form.file.data], form.file)
        if checked is not None:
            operations.replace(attachment, current_user, *checked[0])
            db.session.commit()
            flash(_("New version saved; the older versions are kept."), "success")
            return redirect(url_for("files.show", attachment_id=attachment.id))
    return render_template("files/show.html", a=attachment, form=form,
                           max_mb=current_app.config["MAX_UPLOAD_MB"]), 400


@bp.route("/<int:attachment_id>/versions/<int:number>")
def download(attachment_id: int, number: int):
    """The stored bytes, as the sniffed type, never rendered by the browser as a page."""
    attachment = _attachment(attachment_id)
    version = next((v for v in attachment.versions if v.number == number), None)
    if version is None:
        abort(404)
    path = storage.path_for(version.sha256)
    if not path.is_file():
        logs.event("file_missing", attachment_id=attachment.id, version=number, sha256=version.sha256)
        abort(404)
    if permissions.logs_download(current_user, version):
        logs.event("file_download", user_id=current_user.id, pilot_id=attachment.pilot_id,
                   attachment_id=attachment.id, version=number)
    inline = version.mimetype.startswith("image/") and request.args.get("inline") == "1"
    response = send_file(path, mimetype=version.mimetype, as_attachment=not inline,
                         download_name=operations.download_name(version), etag=version.sha256, max_age=0)
    response.headers["Content-Security-Policy"] = f"{CSP}; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"  # like every page: nothing kept in shared caches
    return response


def _decided(attachment_id: int, allowed, operation):
    """Delete or restore: load or 404, ``allowed`` or 403, the operation, one commit."""
    attachment = _attachment(attachment_id)
    if not allowed(current_user, attachment):
        abort(403)
    operation(attachment, current_user)
    db.session.commit()
    return attachment


@bp.route("/<int:attachment_id>/delete", methods=["POST"])
@login_required
def delete(attachment_id: int):
    attachment = _decided(attachment_id, permissions.can_change, operations.delete)
    flash(_("“%(title)s” deleted. An administrator can restore it for 30 days.", title=attachment.title),
          "success")
    return redirect(url_for("pilots.show", pilot_id=attachment.pilot_id, _anchor="attachments"))


@bp.route("/<int:attachment_id>/restore", methods=["POST"])
@login_required
def restore(attachment_id: int):
    attachment = _decided(attachment_id, permissions.can_restore, operations.restore)
    flash(_("“%(title)s” restored.", title=attachment.title), "success")
    return redirect(url_for("files.show", attachment_id=attachment.id))
