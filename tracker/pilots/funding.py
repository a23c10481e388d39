"""The Oulu-style funding plan: sources as rows, years as columns, totals derived (never stored)."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.labels import label


@dataclass
class FundingPlan:
    years: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    cells: dict[tuple[str, int], int] = field(default_factory=dict)
    per_year: dict[int, int] = field(default_factory=dict)
    per_source: dict[str, int] = field(default_factory=dict)
    cash: int = 0
    in_kind: int = 0
    total: int = 0

    def cell(self, source: str, year: int) -> int | None:
        return self.cells.get((source, year))

    def __bool__(self) -> bool:
        return bool(self.sources)


def source_label(line) -> str:
    """A line's source as shown: the partner's name, the free text, or the source type's label.

    ``line``: a ``FundingLine`` (its ``partner``) or a row with the partner's name (``partner_name``)."""
    name = getattr(line, "partner_name", None)
    if name is not None:
        return name
    partner = getattr(line, "partner", None)
    if partner is not None:
        return partner.name
    return line.source or label("source_type", line.source_type)


def funding_plan(lines) -> FundingPlan:
    """Sum ``lines`` (``FundingLine`` or any object with the same attributes) into a plan.

    Sources keep the order they first appear in; years are sorted.
    """
    plan = FundingPlan()
    for line in lines:
        source, year, amount = source_label(line), line.year, line.amount
        if source not in plan.per_source:
            plan.sources.append(source)
        plan.cells[(source, year)] = plan.cells.get((source, year), 0) + amount
        plan.per_year[year] = plan.per_year.get(year, 0) + amount
        plan.per_source[source] = plan.per_source.get(source, 0) + amount
        if line.kind == "in_kind":
            plan.in_kind += amount
        else:
            plan.cash += amount
        plan.total += amount
    plan.years = sorted(plan.per_year)
    return plan
