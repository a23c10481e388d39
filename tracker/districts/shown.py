"""The district page's long lists as display rows: links, labels and dates worked out here, once per
distinct value, so the template only prints them.

A Jinja call per cell (``url_for``, ``label``, ``fmt_date``, ``_``) costs more than the SQL behind
the page: the pilot list (50 rows), the timeline (40) and needs attention (up to 150 items) made
over a thousand such calls per request; the overview's cards and small multiples as many again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from flask import url_for
from flask_babel import gettext

from tracker.formatting import fmt_date
from tracker.labels import label

_PROBE = 987654321


def pilot_link() -> Callable[[int], str]:
    """``pilot_id -> url of the pilot page``: one ``url_for``, then string concatenation."""
    before, _sep, after = url_for("pilots.show", pilot_id=_PROBE).partition(str(_PROBE))
    return lambda pilot_id: f"{before}{pilot_id}{after}"


class Memo:
    """``fn(value)`` remembered per value for one page: ``memo(value)``."""

    def __init__(self, fn: Callable[[object], str]):
        self.fn, self.texts = fn, {}

    def __call__(self, value) -> str:
        text = self.texts.get(value)
        if text is None:
            text = self.texts[value] = self.fn(value)
        return text


def date_memo() -> Memo:
    """``fmt_date`` remembered per value."""
    return Memo(fmt_date)


class ListRow(NamedTuple):
    id: int
    title: str
    status: str
    url: str
    status_label: str
    arena_label: str
    themes: str
    planned_end: str
    updated: str
    progress: tuple[str, str] | None  # (state, report date as shown)


def list_rows(rows, themes: dict[int, str], progress: dict | None) -> list[ListRow]:
    """The pilot list: ``rows`` of ``queries.LIST_COLUMNS``, theme names per pilot, latest progress."""
    link, dates, progress = pilot_link(), date_memo(), progress or {}
    out = []
    for pid, title, status, arena_kind, planned_end, updated_at in rows:
        report = progress.get(pid)
        out.append(ListRow(pid, title, status, link(pid), label("status", status),
                           label("arena_kind", arena_kind), themes.get(pid, ""), dates(planned_end),
                           dates(updated_at), (report[0], dates(report[1])) if report else None))
    return out


class TimelinePilot(NamedTuple):
    id: int
    title: str
    status: str
    planned_start: object
    planned_end: object
    actual_start: object
    actual_end: object
    url: str
    status_label: str
    shown: tuple[str, str, str, str]  # the four dates as shown


def timeline_pilots(rows) -> list[TimelinePilot]:
    """The timeline's pilots: ``rows`` of ``queries.TIMELINE_COLUMNS`` with their link, label and dates."""
    link, dates = pilot_link(), date_memo()
    return [TimelinePilot(*row, link(row[0]), label("status", row[2]), tuple(dates(d) for d in row[3:7]))
            for row in rows]


def overview_texts(statuses: list[str], verdicts: list[str]) -> dict:
    """The overview's repeated wording (every card and table says it): translated once."""
    return {
        "status": {s: label("status", s) for s in statuses},
        "evaluated": {v: gettext("Evaluated: %(verdict)s", verdict=label("verdict", v)) for v in verdicts},
        "retired": gettext("Retired"), "total": gettext("Total"), "as_table": gettext("As a table"),
        "funding": gettext("Funding (NOK)"), "attention": gettext("Needs attention"),
    }


def district_links(rows) -> dict[int, str]:
    """``{district id: url of its page}`` for the overview's rows: one ``url_for`` per district."""
    return {row.district.id: url_for("districts.show", slug=row.district.slug) for row in rows}
