"""The administration blueprint: every route under ``/admin`` is for active administrators only.

Views live in ``users.py``, ``catalogue.py`` (districts and themes) and ``trail.py`` (audit);
this module holds the blueprint, its guard and the helpers they share.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, request, url_for
from flask_login import current_user

from tracker.admin.permissions import can_administer
from tracker.db import db

bp = Blueprint("admin", __name__, url_prefix="/admin")

MAX_DB_INT = 2**31 - 1
MAX_PAGE = 100_000


@bp.before_request
def _admins_only():
    """Anonymous visitors go to sign in; everyone else who is not an active admin gets 403."""
    if not current_user.is_authenticated:
        here = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.login", next=here))
    if not can_administer(current_user):
        abort(403)
    return None


def get_or_404(model, ident: int):
    """The row with this id, or 404 (ids beyond the database's integer range are simply unknown)."""
    if not 0 < ident <= MAX_DB_INT:
        abort(404)
    return db.session.get(model, ident) or abort(404)


def page_of(stmt):
    """One page of ``stmt`` (``?page=``, PAGE_SIZE rows): two queries, whatever the table size."""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    return db.paginate(stmt, page=page, per_page=current_app.config["PAGE_SIZE"], error_out=False,
                       count=True)


from tracker.admin import catalogue, trail, users  # noqa: E402, F401  (registers the views on bp)
