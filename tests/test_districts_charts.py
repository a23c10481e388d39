"""Chart geometry: bars scale to the largest value; timeline bars sit on a shared axis of years."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from tracker.districts import charts


@dataclass
class P:
    planned_start: date | None
    planned_end: date | None
    actual_start: date | None = None
    actual_end: date | None = None
    status: str = "running"
    title: str = "p"


def test_bars_scale_to_the_largest_value_and_keep_zeros():
    bars, height = charts.bars({"a": 4, "b": 2, "c": 0}, {"a": "A", "b": "B", "c": "C"})
    widths = [b.width for b in bars]
    assert widths[0] == 2 * widths[1] and widths[2] == 0 and [b.label for b in bars] == ["A", "B", "C"]
    assert height == 3 * (charts.BAR_HEIGHT + charts.BAR_GAP)


def test_bars_with_no_pilots_do_not_divide_by_zero():
    bars, _height = charts.bars({"a": 0}, {"a": "A"})
    assert bars[0].width == 0


def test_timeline_axis_covers_every_date_and_today():
    today = date(2026, 6, 1)
    line = charts.timeline([P(date(2024, 3, 1), date(2025, 6, 30), actual_start=date(2024, 4, 1)),
                            P(None, None)], today)
    assert [year for _x, year in line.ticks] == [2024, 2025, 2026]
    running, undated = line.rows
    assert running.planned.x < running.actual.x  # started a month late
    # Still running: the actual bar reaches today's line.
    assert abs(running.actual.x + running.actual.width - line.today_x) < 0.2
    assert undated.planned is None and undated.actual is None


def test_timeline_bars_are_never_invisible_or_negative():
    line = charts.timeline([P(date(2026, 1, 1), date(2026, 1, 1)), P(date(2026, 5, 1), date(2026, 2, 1))],
                           date(2026, 1, 1))
    assert all(row.planned.width >= 2 for row in line.rows)


def test_timeline_survives_extreme_dates_and_keeps_the_axis_readable():
    # Dates outside the pilot years cannot be entered, but a chart must never break a public page.
    line = charts.timeline([P(date(1, 1, 1), date(9999, 12, 31))], date(2026, 6, 1))
    assert len(line.ticks) <= charts.MAX_TICKS
    assert line.ticks[0][1] == 1 and all(a[0] < b[0] for a, b in itertools.pairwise(line.ticks))
    assert line.rows[0].planned.width > 0
