"""Change requests: an owner's change to an approved pilot's scope, waiting for a coordinator."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.db import UTCDateTime, db, enum_check, utcnow


class State(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the owner's next edit took every scope change back


class ChangeRequest(db.Model):
    """The proposed scope values (``proposed``: ``{field: stored value}``, the pilot field
    registry's stored forms); at most one open request per pilot."""

    __tablename__ = "change_requests"
    __table_args__ = (
        enum_check("state", State),
        sa.Index("uq_change_requests_open", "pilot_id", unique=True,
                 sqlite_where=sa.text("state = 'open'"), postgresql_where=sa.text("state = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(sa.ForeignKey("pilots.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(sa.String(20), default=State.OPEN)
    proposed: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(sa.Text, default="")

    pilot = relationship("Pilot")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])
