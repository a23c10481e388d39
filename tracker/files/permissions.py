"""Who may see and change a pilot's attachments: the pilot's own rules, plus the public flag."""

from __future__ import annotations

from datetime import timedelta

from tracker.auth.models import Role
from tracker.db import utcnow
from tracker.files.models import NEVER_PUBLIC
from tracker.pilots import permissions as pilots

RESTORABLE = timedelta(days=30)


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False) and user.is_active)


def can_see(user, attachment) -> bool:
    """Who sees the pilot sees its attachments; the public sees only public ones of public pilots.
    Deleted attachments: administrators only (to restore them)."""
    if attachment.deleted_at is not None:
        return _signed_in(user) and user.role == Role.ADMIN and pilots.can_view(user, attachment.pilot)
    if not pilots.can_view(user, attachment.pilot):
        return False
    return attachment.is_public or _signed_in(user)


def can_add(user, pilot) -> bool:
    """The owner, the district's coordinators and administrators."""
    return pilots.can_manage(user, pilot)


def can_change(user, attachment) -> bool:
    """Replace or delete: as adding, while the attachment is not deleted."""
    return attachment.deleted_at is None and can_add(user, attachment.pilot)


def can_restore(user, attachment) -> bool:
    """Administrators, within ``RESTORABLE`` of the deletion."""
    return (attachment.deleted_at is not None and _signed_in(user) and user.role == Role.ADMIN
            and utcnow() - attachment.deleted_at < RESTORABLE)


def may_be_public(pilot, kind) -> bool:
    """Public only on pilots in the public register, and never an agreement or a DPIA."""
    return bool(pilot.is_public) and kind not in NEVER_PUBLIC


def logs_download(user, version) -> bool:
    """A download of a non-public file by someone other than its uploader goes to the security log."""
    return not version.attachment.is_public and getattr(user, "id", None) != version.uploaded_by_id
