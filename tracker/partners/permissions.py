"""Who may see and change partners. The same functions drive templates and enforcement.

- The directory and partner pages are internal (contact details): any signed-in, active user.
- Any signed-in user may create a partner, and may edit any partner: the directory is shared
  and kept tidy by everyone who works with the organisations; every edit is audited. The
  innovation office (``viewer``) reads the directory and changes nothing.
- Merging and deleting remove a partner for everybody: administrators only.
"""

from __future__ import annotations

from tracker.auth.models import Role
from tracker.partners.models import Partner


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_view(user) -> bool:
    return _signed_in(user)


def _may_change(user) -> bool:
    return _signed_in(user) and user.role != Role.VIEWER


def can_create(user) -> bool:
    return _may_change(user)


def can_edit(user, partner: Partner) -> bool:
    return _may_change(user)


def can_merge(user, partner: Partner) -> bool:
    return _signed_in(user) and user.role == Role.ADMIN


def can_delete(user, partner: Partner) -> bool:
    return _signed_in(user) and user.role == Role.ADMIN
