"""Geometry of the small KPI trend charts on the pilot page (drawn by ``templates/pilots/_trend.html``).

Pure functions, as ``tracker/districts/charts.py``: a planned KPI's baseline, target, interim values
(from the progress reports, oldest first) and actual value (from the outcome) in, coordinates out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

WIDTH, HEIGHT = 360, 140
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 12, 24  # room for the value labels and the dates


@dataclass
class Point:
    x: float
    y: float
    value: float
    day: date | None  # None: the outcome's actual value


@dataclass
class Trend:
    kpi: object  # the PlannedKPI
    points: list[Point] = field(default_factory=list)  # interim values, oldest first
    actual: Point | None = None
    baseline_y: float | None = None
    target_y: float | None = None
    low: float = 0.0
    high: float = 0.0

    @property
    def line(self) -> str:
        """The SVG ``points`` of the polyline through the interim values (and the actual)."""
        return " ".join(f"{p.x},{p.y}" for p in [*self.points, *([self.actual] if self.actual else [])])

    @property
    def empty(self) -> bool:
        return not self.points and self.actual is None


def trend(kpi, values: list[tuple[date, float]], actual: float | None) -> Trend:
    """One KPI's chart: ``values`` are ``(report date, value)``; ``actual`` the outcome's value."""
    values = sorted(values, key=lambda v: v[0])
    numbers = [v for _d, v in values] + [n for n in (kpi.baseline, kpi.target, actual) if n is not None]
    low, high = (min(numbers), max(numbers)) if numbers else (0.0, 1.0)
    if low == high:
        low, high = low - 1, high + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return round(TOP + plot_h * (high - value) / (high - low), 1)

    slots = len(values) + (1 if actual is not None else 0)

    def x(i: int) -> float:
        return round(LEFT + (plot_w / 2 if slots == 1 else plot_w * i / (slots - 1)), 1)

    out = Trend(kpi=kpi, low=low, high=high,
                points=[Point(x(i), y(v), v, d) for i, (d, v) in enumerate(values)],
                baseline_y=y(kpi.baseline) if kpi.baseline is not None else None,
                target_y=y(kpi.target) if kpi.target is not None else None)
    if actual is not None:
        out.actual = Point(x(slots - 1), y(actual), actual, None)
    return out


def trends(kpi_plan, reports, outcome_kpis) -> list[Trend]:
    """A trend per planned KPI: ``reports`` have ``report_date`` and ``values`` (``kpi_id``,
    ``value``); the outcome's KPIs give the actual values, matched by name."""
    actuals = {k.name.casefold(): k.actual for k in outcome_kpis}
    series: dict[int, list] = {k.id: [] for k in kpi_plan}
    for report in reports:
        for v in report.values:
            series.setdefault(v.kpi_id, []).append((report.report_date, v.value))
    return [trend(k, series[k.id], actuals.get(k.name.casefold())) for k in kpi_plan]
