"""The city overview's repeated markup, built once per request in Python.

Fifty districts × three small multiples with their tables, two wide tables and 51 cards are tens
of thousands of cells: a Jinja expression and a macro call per cell cost several times the SQL
behind the page. Here every text is escaped once (``markupsafe.escape``), the repeated wording and
each district's link and name once per page, and the rows are joined as strings. The markup is the
same the template wrote (``templates/districts/_charts.html``'s ``bar_chart`` for the charts).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from markupsafe import Markup, escape

from tracker.districts import charts
from tracker.formatting import fmt_nok
from tracker.labels import label
from tracker.pilots.models import Verdict
from tracker.pilots.workflow import Status

# The small multiples are narrower than the district page's charts: three side by side at 1280 px.
MULTIPLE_WIDTH = 340
MULTIPLE_LABEL_WIDTH = 130
# The chart rows' keys that need no escaping (statuses, verdicts: letters and underscores).
_KEYS = {str(k): str(k) for k in (*Status, *Verdict)}


def _nok(amount: int | None) -> str:
    """``fmt_nok``, escaped (the separator may be a no-break space, never markup: kept safe)."""
    return str(escape(fmt_nok(amount)))


@dataclass
class Overview:
    """The overview's repeated parts as markup: the small multiples, the rows of its two tables
    and the cards."""

    multiples: Markup
    status_rows: Markup
    result_rows: Markup
    cards: Markup


def bar_chart(chart_id: str, title: str, bars: list, height: int, width: int, fmt=None) -> str:
    """``_charts.html``'s ``bar_chart`` (``chart_id``, ``title`` and the bars' labels already
    escaped; the keys are statuses, verdicts and years)."""
    out = [f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-title" '
           f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
           f'xmlns="http://www.w3.org/2000/svg">\n<title id="{chart_id}-title">{title}</title>\n']
    for bar in bars:
        zero = "" if bar.value else " chart-bar--zero"
        shown = fmt(bar.value) if fmt else bar.value
        out.append(
            f'<g class="chart-row chart-row--{_KEYS.get(bar.key) or escape(bar.key)}">\n'
            f'<text x="0" y="{bar.y + 16}" class="chart-label">{bar.label}</text>\n'
            f'<rect x="{bar.x}" y="{bar.y}" width="{bar.width}" height="22" class="chart-bar{zero}"></rect>\n'
            f'<text x="{bar.x + 6 + bar.width}" y="{bar.y + 16}" class="chart-value">{shown}</text>\n</g>\n')
    out.append("</svg>\n")
    return "".join(out)


def _figure(chart_id: str, title: str, name: str, values: dict, labels: dict, as_table: str,
            fmt=None) -> str:
    """One small multiple: its heading, chart and table (``labels`` already escaped)."""
    if not values:
        return (f'<h4 class="multiple__figure">{title}</h4>\n<p class="muted">'
                f'{escape(_("No funding recorded for approved and later pilots."))}</p>\n')
    bars, height = charts.bars(values, labels, width=MULTIPLE_WIDTH, label_width=MULTIPLE_LABEL_WIDTH,
                               value_width=100 if fmt else 40)
    cells = "".join(f'<tr><th scope="row">{labels[k]}</th><td class="num">{fmt(v) if fmt else v}</td></tr>\n'
                    for k, v in values.items())
    return (f'<h4 class="multiple__figure">{title}</h4>\n'
            f'{bar_chart(chart_id, f"{title}: {name}", bars, height, MULTIPLE_WIDTH, fmt)}'
            f'<details class="table-details">\n<summary>{as_table}</summary>\n'
            f'<table class="pkt-table pkt-table--compact multiple__table" id="{chart_id}-table">\n'
            f'<caption>{title}: {name}</caption>\n<tbody>\n{cells}</tbody>\n</table>\n</details>\n')


def build(rows: list, total, statuses: list[str], verdicts: list[str], funding: dict | None,
          texts: dict, links: dict, internal: bool) -> Overview:
    """The overview's markup for ``rows`` (``queries.OverviewRow``) and the ``total`` row;
    ``funding`` per district and year (``glance.funding_by_year``) or None (not shown)."""
    esc = {key: str(escape(texts[key])) for key in ("retired", "total", "as_table", "funding", "attention")}
    status_labels = {s: str(escape(texts["status"][s])) for s in statuses}
    verdict_labels = {v: str(escape(label("verdict", v))) for v in verdicts}
    titles = {key: str(escape(text)) for key, text in (
        ("pipeline", _("Pipeline by status")), ("funding", _("Funding per year (NOK)")),
        ("verdicts", _("Verdicts of evaluated pilots")))}
    card_dts = {
        "status": [f"<div><dt>{status_labels[s]}</dt><dd>" for s in statuses],
        "verdict": [f"<div><dt>{escape(texts['evaluated'][v])}</dt><dd>" for v in verdicts],
    }
    multiples, status_rows, result_rows, cards = [], [], [], []
    for row in [*rows, total]:
        d = row.district
        if d is None:
            heading, retired = esc["total"], ""
        else:
            name = str(escape(d.name))
            tag = f'\n<span class="status-tag">{esc["retired"]}</span>' if d.retired else ""
            heading = f'<a href="{escape(links[d.id])}">{name}</a>{tag}'
            retired = " retired" if d.retired else ""
        counts = [row.statuses[s] for s in statuses]
        outcomes = [row.verdicts[v] for v in verdicts]
        extra = (f'<div><dt>{esc["funding"]}</dt><dd>{_nok(row.funding)}</dd></div>\n'
                 f'<div><dt>{esc["attention"]}</dt><dd>{row.attention}</dd></div>' if internal else "")
        cards.append(
            f'<li class="overview-card{retired}">\n<h3 class="overview-card__title">{heading}</h3>\n'
            f'<dl class="overview-card__figures">\n'
            + "".join(f"{dt}{n}</dd></div>" for dt, n in zip(card_dts["status"], counts, strict=True))
            + f'\n<div class="overview-card__total"><dt>{esc["total"]}</dt><dd>{row.total}</dd></div>\n'
            + "".join(f"{dt}{n}</dd></div>" for dt, n in zip(card_dts["verdict"], outcomes, strict=True))
            + f"\n{extra}\n</dl>\n</li>\n")
        if d is None:
            continue
        cell = f'<th scope="row" class="overview__district">{heading}</th>'
        tr = '<tr class="retired">' if d.retired else "<tr>"
        status_rows.append(f'{tr}\n{cell}\n' + "".join(f'<td class="num">{n}</td>' for n in counts)
                           + f'\n<td class="num">{row.total}</td>\n</tr>\n')
        money = (f'<td class="num">{_nok(row.funding)}</td><td class="num">{row.attention}</td>'
                 if internal else "")
        result_rows.append(f'{tr}\n{cell}\n' + "".join(f'<td class="num">{n}</td>' for n in outcomes)
                           + f'\n{money}\n</tr>\n')
        slug = escape(d.slug)
        figures = [_figure(f"glance-{slug}-pipeline", titles["pipeline"], name, row.statuses, status_labels,
                           esc["as_table"])]
        if funding is not None:
            years = dict(sorted(funding.get(d.id, {}).items()))
            figures.append(_figure(f"glance-{slug}-funding", titles["funding"], name, years,
                                   {y: str(y) for y in years}, esc["as_table"], _nok))
        figures.append(_figure(f"glance-{slug}-verdicts", titles["verdicts"], name, row.verdicts,
                               verdict_labels, esc["as_table"]))
        multiples.append(f'<li class="multiple">\n<h3 class="multiple__title">{heading}</h3>\n'
                         + "".join(figures) + "</li>\n")
    # Every text above was escaped where it was put in: the joined strings are markup.
    parts = (multiples, status_rows, result_rows, cards)
    return Overview(*(Markup("".join(part)) for part in parts))  # noqa: S704
