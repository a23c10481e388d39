"""Who may follow other installations' districts: administrators (the register itself is public)."""

from __future__ import annotations

from tracker.auth.models import Role


def can_follow(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active
                and user.role == Role.ADMIN)
