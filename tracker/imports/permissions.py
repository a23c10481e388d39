"""Who may import: administrators anywhere, coordinators into their own districts."""

from __future__ import annotations

from tracker.auth.models import Role


def can_import(user) -> bool:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role == Role.ADMIN or (user.role == Role.COORDINATOR and bool(user.district_ids))


def can_import_into(user, district) -> bool:
    """Create or update pilots of ``district``."""
    if not can_import(user):
        return False
    return user.role == Role.ADMIN or district.id in user.district_ids
