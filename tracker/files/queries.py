"""Reading attachments: one pilot's list (one query for attachments, one for versions), one by id."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from tracker.db import db
from tracker.files.models import Attachment, FileVersion
from tracker.files.permissions import can_see


def load(attachment_id: int) -> Attachment | None:
    return db.session.scalar(sa.select(Attachment).where(Attachment.id == attachment_id)
                             .options(selectinload(Attachment.versions).selectinload(FileVersion.uploaded_by)))


# Built once per process: the pilot page asks on every view.
_FOR_PILOT = (sa.select(Attachment).where(Attachment.pilot_id == sa.bindparam("pilot_id"))
              .order_by(Attachment.created_at.desc())
              .options(selectinload(Attachment.versions).selectinload(FileVersion.uploaded_by),
                       selectinload(Attachment.created_by)))


def for_pilot(user, pilot) -> list[Attachment]:
    """The pilot's attachments ``user`` may see, newest first (deleted ones: administrators only).

    ``pilot`` is already in the session, so each row's ``pilot`` is found there without a query."""
    rows = db.session.scalars(_FOR_PILOT, {"pilot_id": pilot.id}).all()
    return [a for a in rows if can_see(user, a)]
