"""Geometry for the server-side SVG charts (drawn by ``templates/districts/_charts.html``).

Pure functions: numbers in, coordinates out, so the templates stay simple and the maths testable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

MAX_TICKS = 12  # year labels on the timeline axis; longer spans label every n-th year
BAR_HEIGHT = 22
BAR_GAP = 8
LABEL_WIDTH = 170
CHART_WIDTH = 620


@dataclass
class Bar:
    key: str
    label: str
    value: int
    y: int
    width: float
    x: int = LABEL_WIDTH  # where the bar starts (the label is left of it)


def bars(values: dict, labels: dict, width: int = CHART_WIDTH, label_width: int = LABEL_WIDTH,
         value_width: int = 60) -> tuple[list[Bar], int]:
    """One horizontal bar per key, scaled to the largest value; returns the bars and the height.
    ``width``, ``label_width`` and ``value_width`` (the number behind the longest bar) size a
    smaller chart (the overview's small multiples)."""
    room = width - label_width - value_width
    top = max(values.values(), default=0) or 1
    out = [
        Bar(key=str(k), label=labels[k], value=v, y=i * (BAR_HEIGHT + BAR_GAP),
            width=round(room * v / top, 1), x=label_width)
        for i, (k, v) in enumerate(values.items())
    ]
    return out, len(out) * (BAR_HEIGHT + BAR_GAP)


@dataclass
class Span:
    x: float
    width: float


@dataclass
class Row:
    pilot: object
    y: int
    planned: Span | None
    actual: Span | None


@dataclass
class Timeline:
    rows: list[Row]
    ticks: list[tuple[float, int]]  # (x, year)
    today_x: float | None
    height: int


def _clamp(d: date, lo: date, hi: date) -> date:
    return min(max(d, lo), hi)


def timeline(pilots, today: date) -> Timeline:
    """Bars for planned (outline) and actual (filled) periods on a shared axis of whole years."""
    dates = [d for p in pilots for d in (p.planned_start, p.planned_end, p.actual_start, p.actual_end) if d]
    dates.append(today)
    start = date(min(dates).year, 1, 1)
    end = date(max(dates).year + 1, 1, 1) if max(dates).year < date.max.year else date.max
    span_days = (end - start).days
    room = CHART_WIDTH - LABEL_WIDTH

    def x(d: date) -> float:
        return round(LABEL_WIDTH + room * (_clamp(d, start, end) - start).days / span_days, 1)

    def span(a: date | None, b: date | None) -> Span | None:
        if a is None:
            return None
        b = b or today
        if b < a:
            b = a
        return Span(x=x(a), width=max(2.0, round(x(b) - x(a), 1)))

    rows = [Row(pilot=p, y=24 + i * (BAR_HEIGHT + BAR_GAP), planned=span(p.planned_start, p.planned_end),
                actual=span(p.actual_start, p.actual_end))
            for i, p in enumerate(pilots)]
    step = -(-(end.year - start.year) // MAX_TICKS)
    ticks = [(x(date(y, 1, 1)), y) for y in range(start.year, end.year, step)]
    return Timeline(rows=rows, ticks=ticks, today_x=x(today), height=24 + len(rows) * (BAR_HEIGHT + BAR_GAP))
