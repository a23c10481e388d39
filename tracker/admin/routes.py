"""The administration blueprint: every route under ``/admin`` is for active administrators only.

Views live in ``users.py``, ``catalogue.py`` (districts and themes) and ``trail.py`` (audit);
this module holds the blueprint, its guard and the helpers they share.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user

from tracker import locking
from tracker.admin.permissions import can_administer
from tracker.db import db
from tracker.paging import page_number, paginate

bp = Blueprint("admin", __name__, url_prefix="/admin")

MAX_DB_INT = 2**31 - 1


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
    """One page of ``stmt`` at ``?page=`` (the shared paginator)."""
    return paginate(stmt, page_number(request.args))


def _comparable(value):
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple | set):
        return sorted(str(v) for v in value)
    return value


def stale_edit(form, entity: str, obj, stored: Callable[[object], dict]) -> dict:
    """After ``locking.Conflict``: roll back, then who saved first and when, and every stored
    value that differs from the admin's input (kept in ``form``).

    ``stored(obj)`` gives ``{field name: (value comparable with the form's data, text shown)}``.
    The form now carries the stored version, so saving again overwrites knowingly.
    """
    db.session.rollback()
    form.version.data = obj.version
    differences = [(form[name].id, form[name].label.text, text) for name, (value, text) in stored(obj).items()
                   if _comparable(form[name].data) != _comparable(value)]
    return {"by": locking.last_change(entity, obj.id), "differences": differences}


from tracker.admin import catalogue, trail, users  # noqa: E402, F401  (registers the views on bp)
