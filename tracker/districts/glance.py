"""What the district pages show around their figures: whose view they are and which filters are on."""

from __future__ import annotations

from flask_babel import gettext as _

from tracker.auth.models import Role
from tracker.labels import label
from tracker.pilots.permissions import sees_everything

SUMMARY_FIELDS = ("q", "status", "theme", "arena", "partner", "year")


def scope(user) -> str:
    """Whose view the figures are, as one of ``public`` (the public register), ``everything``
    (administrators and the innovation office), ``coordinator`` or ``staff``: the scope line's key."""
    if not getattr(user, "is_authenticated", False):
        return "public"
    if sees_everything(user):
        return "everything"
    return "coordinator" if user.role == Role.COORDINATOR and user.district_ids else "staff"


def scope_text(user) -> str:
    """One sentence saying whose view the figures are (the pages' scope line, the workbook's read me),
    so that different totals for different viewers are never a mystery."""
    kind = scope(user)
    if kind == "public":
        return _("Only the public register is counted: approved public pilots. Sign in to see more.")
    if kind == "everything":
        return _("All pilots you can see (%(role)s): every pilot in every district, drafts and funding "
                 "included.", role=label("role", user.role))
    if kind == "coordinator":
        return _("All pilots you can see: every pilot past draft, your own drafts and the drafts of the "
                 "districts you coordinate.")
    return _("All pilots you can see: every pilot past draft and your own drafts.")


def active_filters(form, pilot_filter) -> list[tuple[str, str]]:
    """``(label, value as shown)`` of every filter in use: the one-line summary above the figures."""
    used = pilot_filter.as_args()
    out = []
    for name in SUMMARY_FIELDS:
        if name not in used or not hasattr(form, name):
            continue
        field = getattr(form, name)
        shown = {str(v): str(t) for v, t in getattr(field, "choices", None) or []}
        out.append((str(field.label.text), shown.get(str(used[name]), str(used[name]))))
    return out

