"""Who may administer, and which administrative actions make sense for whom.

The same functions guard the routes (via the blueprint's ``before_request`` and the operations)
and decide what the templates offer.
"""

from __future__ import annotations

from tracker.auth.models import Role


def can_administer(user) -> bool:
    """An active, signed-in administrator."""
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and user.role == Role.ADMIN)


def can_deactivate(actor, user) -> bool:
    """Admins may deactivate anyone active but themselves (the last-admin rule is checked on change)."""
    return can_administer(actor) and user.active and user.id != actor.id


def can_reactivate(actor, user) -> bool:
    return can_administer(actor) and not user.active


def can_issue_link(actor, user) -> bool:
    return can_administer(actor) and user.active
