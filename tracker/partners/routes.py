"""Partner directory, partner pages, create/edit (with duplicate checks), merge and delete."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import SelectChoice

from tracker.db import db
from tracker.extensions import login_manager
from tracker.labels import PLACEHOLDER, choices
from tracker.locking import Conflict, posted_version
from tracker.paging import page_number
from tracker.partners import operations, orgnr, permissions, queries
from tracker.partners.audit_fields import PARTNER
from tracker.partners.forms import LABELS, MergeForm, PartnerForm
from tracker.partners.models import Partner, PartnerKind
from tracker.urls import safe_next

bp = Blueprint("partners", __name__, url_prefix="/partners")


@bp.before_request
def _signed_in_only():
    """Partners' contact details are internal: anonymous visitors are sent to sign in."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


@bp.context_processor
def _template_helpers() -> dict:
    """Templates ask the same permission functions as the routes."""
    return {"partner_permissions": permissions, "partner_labels": LABELS,
            "partner_kinds": choices("partner_kind"), "changed_fields": _changed_fields,
            "merged_from": _merged_from}


def _changed_fields(entry) -> str:
    """The labels of the fields an audit entry changed, comma-separated."""
    return ", ".join(str(PARTNER[field].label) if field in PARTNER else field for field in entry.changes)


def _merged_from(entry) -> str:
    """The partner a ``merge`` entry folded into this one, as recorded."""
    return PARTNER["merged_from"].kind.show((entry.changes.get("merged_from") or [None, None])[1])


@bp.app_template_filter("orgnr")
def _orgnr_filter(number: str | None, country: str | None = orgnr.DEFAULT) -> str:
    return orgnr.display(number, country)


def _load(partner_id: int) -> Partner:
    return db.session.get(Partner, partner_id) or abort(404)


def _local_next(raw: str | None) -> str | None:
    """The local path a quick add returns to, or None (absent, or pointing elsewhere)."""
    if not raw:
        return None
    fallback = url_for("partners.index")
    target = safe_next(raw, "partners.index")
    return target if target != fallback or raw.strip() == fallback else None


def _with_partner(target: str, partner_id: int, role: str = "") -> str:
    """``target`` with ``partner_id`` (and the pilot ``role``, if chosen) set in its query string
    (other arguments kept)."""
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if k not in ("partner_id", "role")]
    query.append(("partner_id", str(partner_id)))
    if role:
        query.append(("role", role))
    return urlunsplit(("", "", parts.path, urlencode(query), parts.fragment))


def _duplicate_number(form: PartnerForm, existing: Partner) -> None:
    form.org_number.errors.append(
        _("%(name)s is already registered with this organisation number.", name=existing.name))


def _same_number(values: dict, partner: Partner | None = None) -> Partner | None:
    """Another partner registered with this country and number (the duplicate rule)."""
    return queries.by_org_number(values["org_number"], exclude_id=partner.id if partner else None,
                                 country=values["country"])


def _has_errors(form) -> bool:
    return any(f.errors for f in form)


@bp.route("/")
def index():
    args = request.args
    q = args.get("q", "").strip()[:200]
    kind = args.get("kind", "") if args.get("kind", "") in set(PartnerKind) else ""
    districts = queries.districts()
    district = next((d for d in districts if d.slug == args.get("district")), None)
    sort = args.get("sort") if args.get("sort") in queries.SORTS else "name"
    result = queries.directory(current_user, q=q, kind=kind, district=district, sort=sort,
                               page=page_number(args), per_page=current_app.config["PAGE_SIZE"])
    kept = {"q": q, "kind": kind, "district": district.slug if district else "",
            "sort": sort if sort != "name" else ""}
    kept = {k: v for k, v in kept.items() if v}  # only known arguments: stray ones never reach url_for
    return render_template("partners/index.html", result=result, q=q, kind=kind, district=district,
                           districts=districts, sort=sort,
                           page_url=lambda n: url_for("partners.index", **kept, page=n))


@bp.route("/new", methods=["GET", "POST"])
def new():
    if not permissions.can_create(current_user):
        abort(403)
    form = PartnerForm()
    back = _local_next(request.args.get("next"))
    candidates, existing = [], None
    if form.validate_on_submit():
        values = form.values()
        existing = _same_number(values)
        if existing is None:
            candidates = queries.similar(values["name"])
        if existing is not None:
            _duplicate_number(form, existing)
        elif candidates and not form.create_anyway.data:
            form.create_anyway.errors.append(
                _("Use one of the similar partners below, or tick the box if this is another organisation."))
        else:
            try:
                partner = operations.create_partner(current_user, values)
                db.session.commit()
            except IntegrityError:  # another request registered the same number just now
                db.session.rollback()
                existing = _same_number(values)
                if existing is None:
                    raise
                _duplicate_number(form, existing)
            else:
                flash(_("Partner %(name)s created.", name=partner.name), "success")
                if back:
                    return redirect(_with_partner(back, partner.id, form.pilot_role.data))
                return redirect(url_for("partners.show", partner_id=partner.id))
    return render_template(
        "partners/form.html", form=form, partner=None, candidates=candidates, existing=existing,
        back=back, use_url=(lambda pid: _with_partner(back, pid)) if back else None,
    ), 400 if _has_errors(form) else 200


@bp.route("/<int:partner_id>")
def show(partner_id: int):
    partner = _load(partner_id)
    if not permissions.can_view(current_user):
        abort(403)
    return render_template("partners/show.html", partner=partner,
                           links=queries.pilot_links(current_user, partner),
                           history=queries.history(partner.id))


def _conflict(partner: Partner, values: dict) -> dict:
    """What the other edit left, for the fields where it differs from the user's input."""
    fields = [(LABELS[f], getattr(partner, f) or "", values[f] or "")
              for f in operations.FIELDS if (getattr(partner, f) or "") != (values[f] or "")]
    latest = queries.history(partner.id, limit=1)
    return {"fields": fields, "entry": latest[0] if latest else None}


@bp.route("/<int:partner_id>/edit", methods=["GET", "POST"])
def edit(partner_id: int):
    partner = _load(partner_id)
    if not permissions.can_edit(current_user, partner):
        abort(403)
    # A POST is judged on what it sends: a missing version is never filled in from the stored row.
    form = PartnerForm(obj=partner if request.method == "GET" else None)
    existing = conflict = None
    if form.validate_on_submit():
        version, values = posted_version(form.version.data), form.values()
        existing = _same_number(values, partner)
        if existing is not None:
            _duplicate_number(form, existing)
        else:
            try:
                changes = operations.update_partner(current_user, partner, values, version)
                db.session.commit()
            except Conflict:
                db.session.rollback()
                conflict = _conflict(partner, values)
                form.version.data = partner.version  # saving again now overwrites, knowingly
            except IntegrityError:
                db.session.rollback()
                existing = _same_number(values, partner)
                if existing is None:
                    raise
                _duplicate_number(form, existing)
            else:
                flash(_("Partner saved.") if changes else _("Nothing was changed."), "success")
                return redirect(url_for("partners.show", partner_id=partner.id))
    status = 409 if conflict else (400 if _has_errors(form) else 200)
    return render_template("partners/form.html", form=form, partner=partner, candidates=[],
                           existing=existing, conflict=conflict, back=None, use_url=None), status


@bp.route("/<int:partner_id>/merge", methods=["GET", "POST"])
def merge(partner_id: int):
    """Fold this partner into another one (the survivor) and delete it; admins only."""
    partner = _load(partner_id)
    if not permissions.can_merge(current_user, partner):
        abort(403)
    form = MergeForm()
    form.survivor.choices = [SelectChoice(PLACEHOLDER, _("Choose a partner")),
                             *(SelectChoice(pid, text) for pid, text in queries.merge_choices(partner))]
    if form.validate_on_submit():
        survivor = _load(form.survivor.data)
        name = partner.name
        try:
            summary = operations.merge_partners(current_user, partner, survivor)
            db.session.commit()
        except IntegrityError:  # a link was added to either partner meanwhile
            db.session.rollback()
            flash(_("The partners changed while merging. Nothing was merged; please try again."), "error")
            return redirect(url_for("partners.merge", partner_id=partner_id))
        flash(_("%(name)s was merged into %(survivor)s: %(moved)d pilot links moved, %(dropped)d duplicate "
                "links dropped, %(lines)d funding lines moved.", name=name, survivor=survivor.name,
                moved=summary["links_moved"], dropped=summary["links_dropped"],
                lines=summary["funding_lines_moved"]), "success")
        return redirect(url_for("partners.show", partner_id=survivor.id))
    links, lines = operations.usage(partner)
    return render_template("partners/merge.html", form=form, partner=partner, links=links, lines=lines), \
        400 if _has_errors(form) else 200


@bp.route("/<int:partner_id>/delete", methods=["POST"])
def delete(partner_id: int):
    """Delete a partner nothing points at; admins only. The CSRF token is checked globally."""
    partner = _load(partner_id)
    if not permissions.can_delete(current_user, partner):
        abort(403)
    name = partner.name
    try:
        operations.delete_partner(current_user, partner)
        db.session.commit()
    except operations.PartnerInUse as exc:
        flash(_("%(name)s cannot be deleted: it is linked to %(links)d pilots and %(lines)d funding lines. "
                "Remove those links first, or merge it into another partner.",
                name=name, links=exc.links, lines=exc.funding_lines), "error")
        return redirect(url_for("partners.show", partner_id=partner_id))
    except IntegrityError:  # linked meanwhile
        db.session.rollback()
        flash(_("%(name)s was linked to a pilot meanwhile and was not deleted.", name=name), "error")
        return redirect(url_for("partners.show", partner_id=partner_id))
    flash(_("Partner %(name)s deleted.", name=name), "success")
    return redirect(url_for("partners.index"))
