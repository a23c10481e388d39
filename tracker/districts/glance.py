"""What the district pages show around their figures: whose view they are, which filters are on,
and the small-multiple charts of the city overview (one set per district).

View composition only: the counts come from ``queries.overview`` (already loaded for the table);
the one new figure, funding per district and year, is a single aggregate query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from tracker.auth.models import Role
from tracker.db import db
from tracker.districts import charts
from tracker.districts.queries import committed
from tracker.labels import label
from tracker.pilots.models import FundingLine, Pilot
from tracker.pilots.permissions import sees_everything

# The small multiples are narrower than the district page's charts: three side by side at 1280 px.
MULTIPLE_WIDTH = 340
MULTIPLE_LABEL_WIDTH = 130
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


def funding_by_year(where: list) -> dict[int, dict[int, int]]:
    """Committed funding per district and year (one aggregate query): ``{district_id: {year: NOK}}``."""
    rows = db.session.execute(
        sa.select(Pilot.district_id, FundingLine.year, sa.func.sum(FundingLine.amount))
        .join(FundingLine.pilot).where(*where, *committed())
        .group_by(Pilot.district_id, FundingLine.year)
    ).all()
    out: dict = defaultdict(dict)
    for district_id, year, total in rows:
        out[district_id][year] = int(total or 0)
    return out


@dataclass
class Figure:
    """One small chart and the numbers of its table."""

    key: str
    title: str
    values: dict  # key -> number, in display order
    labels: dict  # key -> label
    money: bool = False

    def __post_init__(self):
        self.bars, self.height = charts.bars(self.values, self.labels, width=MULTIPLE_WIDTH,
                                             label_width=MULTIPLE_LABEL_WIDTH,
                                             value_width=100 if self.money else 40)


@dataclass
class Multiple:
    district: object
    figures: list[Figure]


def multiples(rows, funding: dict | None) -> list[Multiple]:
    """Per district: pipeline by status, funding per year (signed-in viewers), verdicts."""
    out = []
    for row in rows:
        figures = [Figure("pipeline", _("Pipeline by status"), row.statuses,
                          {s: label("status", s) for s in row.statuses})]
        if funding is not None:
            years = funding.get(row.district.id, {})
            figures.append(Figure("funding", _("Funding per year (NOK)"), dict(sorted(years.items())),
                                  {y: str(y) for y in years}, money=True))
        figures.append(Figure("verdicts", _("Verdicts of evaluated pilots"), row.verdicts,
                              {v: label("verdict", v) for v in row.verdicts}))
        out.append(Multiple(district=row.district, figures=figures))
    return out
