"""Innovation districts (and the whole city) that pilots run in."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.auth.models import district_coordinators
from tracker.db import UTCDateTime, db, utcnow

if TYPE_CHECKING:
    from tracker.auth.models import User


class District(db.Model):
    __tablename__ = "districts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable once used in URLs: never changed after creation.
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    focus: Mapped[str] = mapped_column(sa.Text, default="")
    # English versions for English pages; empty means "show the Norwegian text".
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    focus_en: Mapped[str] = mapped_column(sa.Text, default="")
    retired: Mapped[bool] = mapped_column(default=False)
    # The district publishes its pilots' funding lines in the public register (default: internal).
    publishes_funding: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    version: Mapped[int] = mapped_column(default=1, server_default="1")  # optimistic locking
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    coordinators: Mapped[list[User]] = relationship(
        secondary=district_coordinators, back_populates="districts", order_by="User.name"
    )

    def __repr__(self) -> str:
        return f"<District {self.slug}>"
