"""Saved column mappings, and the external reference that lets a second import update a pilot."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tracker.db import UTCDateTime, db, utcnow


class ImportMapping(db.Model):
    """A named column mapping, reused for the next sheet of the same shape (web and CLI).

    ``columns`` maps a header as written in the sheet (folded, see ``mapping.fold``) to a
    target (``mapping.TARGETS`` or ``funding:<year>``); headers not named are guessed as usual.
    """

    __tablename__ = "import_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    columns: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PilotReference(db.Model):
    """The pilot's id in the sheet it was imported from ("OSC-2024-07").

    Unique across the whole city, not per district: the sheets hold the portfolio of every
    district at once, and a pilot moved to another district must still be found by its reference.
    """

    __tablename__ = "pilot_references"

    pilot_id: Mapped[int] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"), primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(100), unique=True)
