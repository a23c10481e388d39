"""The district page's long lists: links, labels and dates worked out here, once per distinct value,
and its longest lists written as HTML here, so the template prints them whole.

A Jinja call per cell (``url_for``, ``label``, ``fmt_date``, ``_``), and even a printed value (an
attribute lookup and an escape each), costs more than the SQL behind the page: the pilot list (50
rows), the timeline (40 bars and 40 rows) and needs attention (up to 150 items) made some two
thousand of them per request. Here each row is one format of values escaped once per distinct
value (a title once). The markup is the templates' (``_show_body.html``, ``_attention.html``),
kept in step by the district page tests.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, get_template_attribute, url_for
from flask_babel import gettext
from jinja2.filters import do_truncate
from markupsafe import Markup, escape

from tracker.formatting import date_writer
from tracker.labels import label

_PROBE = 987654321


def pilot_link() -> Callable[[int], str]:
    """``pilot_id -> url of the pilot page``: one ``url_for``, then string concatenation."""
    return id_link("pilots.show", "pilot_id")


def id_link(endpoint: str, arg: str) -> Callable[[int], str]:
    """``id -> url of endpoint`` for a route taking one id ``arg``: one ``url_for``, then concatenation."""
    before, _sep, after = url_for(endpoint, **{arg: _PROBE}).partition(str(_PROBE))
    return lambda ident: f"{before}{ident}{after}"


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
    return Memo(date_writer())


def escaped(fn: Callable[[object], str]) -> Memo:
    """``fn(value)`` escaped for HTML, remembered per value."""
    return Memo(lambda value: escape(fn(value)))


# The rows as ``_show_body.html`` wrote them (whitespace between the tags kept where it was).
LIST_ROW = ('<tr> <td><a href="{url}">{title}</a></td>'
            ' <td><span class="status-tag status-tag--{status}">{status_label}</span></td>'
            ' <td>{arena}</td> <td>{themes}</td> <td>{planned_end}</td> <td>{updated}</td>'
            ' {progress} </tr>\n')


def list_html(rows, themes: dict[int, str], progress: dict | None) -> Markup:
    """The pilot list's table rows: ``rows`` of ``queries.LIST_COLUMNS``, theme names per pilot, and
    the latest progress (``None``: not shown to this viewer, no column)."""
    link, dates, escape_memo = pilot_link(), escaped(date_writer()), Memo(escape)
    statuses, arenas = escaped(lambda s: label("status", s)), escaped(lambda k: label("arena_kind", k))
    state_tag = Memo(get_template_attribute("pilots/_progress.html", "state_tag"))
    no_report = Markup(gettext("No report yet"))  # noqa: S704 (our catalogue, as the template's _())
    out = []
    for pid, title, status, arena_kind, planned_end, updated_at in rows:
        cell = ""
        if progress is not None:
            report = progress.get(pid)
            if report:
                cell = f'<td>{state_tag(report[0])} <span class="muted">{dates(report[1])}</span></td>'
            else:
                cell = f"<td>{no_report if status in ('running', 'paused') else ''}</td>"
        out.append(LIST_ROW.format(url=link(pid), title=escape(title), status=escape_memo(status),
                                   status_label=statuses(status), arena=arenas(arena_kind),
                                   themes=escape_memo(themes.get(pid, "")), planned_end=dates(planned_end),
                                   updated=dates(updated_at), progress=cell))
    return Markup("".join(out))  # noqa: S704 (every value above is escaped)


TIMELINE_BAR = ('<g class="chart-row"> <text x="0" y="{label_y}" class="chart-label">{label}</text>'
                ' {planned} {actual} </g>\n')
PLANNED = '<rect x="{x}" y="{y}" width="{width}" height="20" class="chart-planned"></rect>'
ACTUAL = ('<rect x="{x}" y="{y}" width="{width}" height="8" class="chart-actual chart-actual--{status}">'
          '</rect>')
TIMELINE_ROW = ('<tr><th scope="row"><a href="{url}">{title}</a></th><td>{status_label}</td>'
                ' <td>{shown[0]}</td><td>{shown[1]}</td> <td>{shown[2]}</td><td>{shown[3]}</td></tr>\n')


def timeline_html(rows) -> tuple[Markup, Markup]:
    """The timeline chart's bars and its table's rows, for ``charts.timeline``'s rows of
    ``queries.TIMELINE_COLUMNS``."""
    link, dates, statuses = pilot_link(), escaped(date_writer()), escaped(lambda s: label("status", s))
    env = current_app.jinja_env
    bars, table = [], []
    for row in rows:
        pid, title, status, *days = row.pilot
        planned = (PLANNED.format(x=row.planned.x, y=row.y, width=row.planned.width)
                   if row.planned else "")
        actual = (ACTUAL.format(x=row.actual.x, y=row.y + 6, width=row.actual.width, status=escape(status))
                  if row.actual else "")
        short = escape(do_truncate(env, title, 26, True, "…"))
        bars.append(TIMELINE_BAR.format(label_y=row.y + 15, label=short, planned=planned, actual=actual))
        table.append(TIMELINE_ROW.format(url=link(pid), title=escape(title), status_label=statuses(status),
                                         shown=[dates(d) for d in days]))
    return Markup("".join(bars)), Markup("".join(table))  # noqa: S704 (every value above is escaped)


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
