"""The overview's and the district page's figures per district, kept with the pilots instead of
counted each request.

``district_counts`` holds how many pilots each district has per status, public flag and verdict
(``""`` without an outcome); ``district_funding`` their funding lines' sum per status, public flag
and year, ``district_sources`` per source kind too. Keyed by status and public flag, the rows serve
every viewer whose visibility depends on nothing else (``exact_statuses``); what depends on the
pilot itself (a signed-in viewer's drafts: their own, their districts') is counted live.
``district_partners`` holds how many pilots of a district each partner is linked to, per ``SCOPES``
(every pilot, all but drafts, the public's): keyed by status it would hold a row per link at city
scale, and gain its reader nothing.

Kept in step like the search index: every change of a pilot, its outcome or its funding (an ORM
flush, or an operation's audit entry on ``tracker.events.recorded``, as an import's multi-row
INSERTs announce) notes the districts it touches on the session; just before that transaction
commits, their rows are counted again from the pilots (one grouped statement per table), so the
summaries commit or roll back with the change itself. ``rebuild()`` counts every district.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from types import SimpleNamespace

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column

from tracker import events
from tracker.db import db
from tracker.districts.models import District
from tracker.memo import per_request
from tracker.partners.models import Partner
from tracker.pilots.models import FundingLine, Outcome, Pilot, PilotPartner
from tracker.pilots.permissions import can_view
from tracker.pilots.workflow import PUBLIC_STATUSES, Status

PENDING = "district_summaries_pending"  # session.info key: {"pilot": set(ids), "district": set(ids)}


@dataclass
class Figures:
    """The overview's figures per district: ``statuses[district][status]``,
    ``verdicts[district][verdict]`` and ``funding[district][year]`` (None: not shown)."""

    statuses: dict = field(default_factory=lambda: defaultdict(dict))
    verdicts: dict = field(default_factory=lambda: defaultdict(dict))
    funding: dict | None = None

    @classmethod
    def empty(cls, with_funding: bool) -> Figures:
        return cls(funding=defaultdict(dict) if with_funding else None)

    def add_status(self, district_id: int, status: str, n: int) -> None:
        counts = self.statuses[district_id]
        counts[status] = counts.get(status, 0) + n

    def add_verdict(self, district_id: int, verdict: str, n: int) -> None:
        counts = self.verdicts[district_id]
        counts[verdict] = counts.get(verdict, 0) + n

    def add_funding(self, district_id: int, year: int, amount: int) -> None:
        years = self.funding[district_id]
        years[year] = years.get(year, 0) + amount

    def merge(self, other: Figures) -> None:
        """Add ``other``'s figures (of other statuses) to these."""
        for adding, figures in ((self.add_status, other.statuses), (self.add_verdict, other.verdicts),
                                (self.add_funding, other.funding or {})):
            for district_id, values in figures.items():
                for key, n in values.items():
                    adding(district_id, key, n)


class _PerStatus:
    """The key the figures share, first in each table: a district's pilots with this status and
    public flag."""

    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id", ondelete="CASCADE"),
                                             primary_key=True, sort_order=-1)
    status: Mapped[str] = mapped_column(sa.String(20), primary_key=True, sort_order=-1)
    is_public: Mapped[bool] = mapped_column(primary_key=True, sort_order=-1)


class DistrictCount(_PerStatus, db.Model):
    """How many pilots of a district have this status, public flag and verdict."""

    __tablename__ = "district_counts"

    verdict: Mapped[str] = mapped_column(sa.String(20), primary_key=True)  # "" without an outcome
    pilots: Mapped[int]


class DistrictFunding(_PerStatus, db.Model):
    """The funding lines' sum of a district's pilots with this status and public flag, per year."""

    __tablename__ = "district_funding"

    year: Mapped[int] = mapped_column(primary_key=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)


class DistrictSource(_PerStatus, db.Model):
    """The same sums per source kind too: the district page's table. (The overview reads the
    per-year rows: five times fewer.)"""

    __tablename__ = "district_sources"

    year: Mapped[int] = mapped_column(primary_key=True)
    source_type: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    amount: Mapped[int] = mapped_column(sa.BigInteger)


# The partner rows' scopes: the (status, public flag) pairs of the pilots each counts, widest first:
# every pilot (the innovation office, a district's coordinators), all but drafts (other staff, before
# their own drafts) and the public register.
SCOPES = {
    "all": frozenset((str(s), public) for s in Status for public in (False, True)),
    "staff": frozenset((str(s), public) for s in Status if s != Status.DRAFT for public in (False, True)),
    "public": frozenset((str(s), True) for s in PUBLIC_STATUSES),
}


def in_scope(scope: str):
    """The SQL condition: a pilot counted in ``scope``."""
    return sa.tuple_(Pilot.status, Pilot.is_public).in_(sorted(SCOPES[scope]))


class DistrictPartner(db.Model):
    """How many pilots of a district in ``scope`` (``SCOPES``) are linked to this partner."""

    __tablename__ = "district_partners"

    district_id: Mapped[int] = mapped_column(sa.ForeignKey("districts.id", ondelete="CASCADE"),
                                             primary_key=True)
    scope: Mapped[str] = mapped_column(sa.String(10), primary_key=True)
    partner_id: Mapped[int] = mapped_column(sa.ForeignKey("partners.id", ondelete="CASCADE"),
                                            primary_key=True)
    pilots: Mapped[int]


def counted(where: list | None = None):
    """The ``district_counts`` rows as counted from the pilots matching ``where``."""
    verdict = sa.func.coalesce(Outcome.verdict, "")
    return (sa.select(Pilot.district_id, Pilot.status, Pilot.is_public, verdict, sa.func.count())
            .outerjoin(Outcome, Outcome.pilot_id == Pilot.id).where(*(where or []))
            .group_by(Pilot.district_id, Pilot.status, Pilot.is_public, verdict))


def summed(where: list | None = None, by_source: bool = False):
    """The ``district_funding`` rows (``by_source``: ``district_sources``) as summed from the pilots
    matching ``where``."""
    keys = (Pilot.district_id, Pilot.status, Pilot.is_public, FundingLine.year,
            *([FundingLine.source_type] if by_source else []))
    return (sa.select(*keys, sa.func.sum(FundingLine.amount))
            .join(FundingLine, FundingLine.pilot_id == Pilot.id).where(*(where or [])).group_by(*keys))


def sourced(where: list | None = None):
    return summed(where, by_source=True)


def linked(where: list | None = None):
    """The ``district_partners`` rows as counted from the pilots matching ``where``."""
    return sa.union_all(*(
        sa.select(Pilot.district_id, sa.literal(scope, sa.String), PilotPartner.partner_id,
                  sa.func.count(sa.distinct(Pilot.id)))
        .join(PilotPartner, PilotPartner.pilot_id == Pilot.id).where(*(where or []), in_scope(scope))
        .group_by(Pilot.district_id, PilotPartner.partner_id)
        for scope in SCOPES
    ))


def rebuild(district_ids=None, session=None) -> None:
    """Count the rows of these districts (all: None) again, in the caller's transaction (``session``,
    the app's by default)."""
    session = session or db.session()
    where = [] if district_ids is None else [Pilot.district_id.in_(sorted(district_ids))]
    for model, select in ((DistrictCount, counted), (DistrictFunding, summed), (DistrictSource, sourced),
                          (DistrictPartner, linked)):
        stale = sa.delete(model)
        if district_ids is not None:
            stale = stale.where(model.district_id.in_(sorted(district_ids)))
        session.execute(stale)
        columns = [c for c in model.__table__.c]
        session.execute(sa.insert(model).from_select(columns, select(where)))


def _pending(session) -> dict[str, set[int]]:
    return session.info.setdefault(PENDING, {"pilot": set(), "district": set()})


def flush_pending(session=None) -> None:
    """Count the districts this transaction's changes touched again (before the overview reads)."""
    session = session or db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()  # what it writes notes its districts too
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    districts = pending["district"]
    if pending["pilot"]:
        districts |= set(session.scalars(sa.select(Pilot.district_id).where(Pilot.id.in_(pending["pilot"]))))
    if districts:
        # One recount per district at a time (PostgreSQL): two transactions replacing the same rows
        # would otherwise both insert them. FOR NO KEY UPDATE, not FOR UPDATE: a transaction that
        # inserted or moved a pilot holds its district's FOR KEY SHARE (the foreign key), which
        # FOR UPDATE waits on, so two such transactions committing together deadlocked.
        session.execute(sa.select(District.id).where(District.id.in_(sorted(districts)))
                        .order_by(District.id).with_for_update(key_share=True))
        rebuild(districts, session)


def _note(session, pilot_id=None, district_id=None) -> None:
    pending = _pending(session)
    if pilot_id is not None:
        pending["pilot"].add(pilot_id)
    if district_id is not None:
        pending["district"].add(district_id)


@events.recorded.connect_via("pilot")
def _on_recorded(sender, entry, actor=None, **kw):
    """A pilot's operation: its district now, and the one it left if it moved."""
    if entry.entity_id is None:
        return
    moved = (entry.changes or {}).get("district")
    before = moved[0] if moved else None
    _note(db.session(), entry.entity_id, before.get("id") if isinstance(before, dict) else None)


@sa.event.listens_for(Session, "after_flush")
def _after_flush(session, flush_context):
    """Pilots, outcomes, funding lines and partner links added, changed or deleted through the ORM
    (the lists still hold what was flushed; ids and foreign keys are set)."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Pilot):
            for district_id in (*sa.inspect(obj).attrs.district_id.history.deleted, obj.district_id):
                _note(session, district_id=district_id)
        elif isinstance(obj, Outcome | FundingLine | PilotPartner):
            _note(session, pilot_id=obj.pilot_id)


@sa.event.listens_for(Session, "before_commit")
def _before_commit(session):
    flush_pending(session)


@sa.event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(PENDING, None)


def _readable(exact: dict[str, list[bool]]) -> list[tuple[str, bool]]:
    return [(s, public) for s, flags in exact.items() for public in flags]


def _kept(model, one_district: bool) -> list:
    """The conditions reading ``model``'s rows of the ``:pairs`` of (status, public flag), and of
    ``:district_id`` if ``one_district``."""
    where = [sa.tuple_(model.status, model.is_public).in_(sa.bindparam("pairs", expanding=True))]
    return [*where, model.district_id == sa.bindparam("district_id")] if one_district else where


# The readers' statements, built once per process (building one costs more than SQLite's reading).
@cache
def _counts(one_district: bool):
    return (sa.select(DistrictCount.district_id, DistrictCount.status, DistrictCount.verdict,
                      DistrictCount.pilots).where(*_kept(DistrictCount, one_district)))


@cache
def _years(one_district: bool):
    return (sa.select(DistrictFunding.district_id, DistrictFunding.year, sa.func.sum(DistrictFunding.amount))
            .where(*_kept(DistrictFunding, one_district))
            .group_by(DistrictFunding.district_id, DistrictFunding.year))


@cache
def _sources():
    return (sa.select(DistrictSource.year, DistrictSource.source_type, sa.func.sum(DistrictSource.amount))
            .where(*_kept(DistrictSource, True)).group_by(DistrictSource.year, DistrictSource.source_type))


def _read(statement, pairs: list, district_id: int | None):
    return db.session.connection().execute(statement, {"pairs": pairs, "district_id": district_id})


def figures(exact: dict[str, list[bool]], committed: list[str] | None, only: int | None = None) -> Figures:
    """The summary rows of the ``exact`` statuses and public flags: pilots per district and status,
    verdicts of evaluated pilots, and (``committed``: the statuses funding counts) funding per
    district and year; of every district, or ``only`` one. Two statements (one without funding), of
    rows per district, not per pilot."""
    readable = _readable(exact)
    out = Figures.empty(committed is not None)
    if not readable:
        return out
    for district_id, status, verdict, n in _read(_counts(only is not None), readable, only):
        out.add_status(district_id, status, n)
        if verdict and status == Status.EVALUATED:
            out.add_verdict(district_id, verdict, n)
    money = [(s, public) for s, public in readable if s in (committed or ())]
    if money:
        for district_id, year, amount in _read(_years(only is not None), money, only):
            out.add_funding(district_id, year, int(amount or 0))
    return out


@cache
def _total():
    return sa.select(sa.func.coalesce(sa.func.sum(DistrictCount.pilots), 0)).where(
        *_kept(DistrictCount, False))


def total(user, visible) -> int:
    """How many pilots ``user`` may see (``visible``: their ``visible_filter``), in every district:
    the kept counts of the statuses they see whole, the rest (their drafts) counted live. Two
    statements of a few rows each, where counting the pilots reads the city."""
    exact = exact_statuses(user, [str(s) for s in Status])
    flush_pending()
    readable = _readable(exact)
    found = db.session.connection().execute(_total(), {"pairs": readable}).scalar() if readable else 0
    rest = [str(s) for s in Status if str(s) not in exact]
    if rest:
        found += db.session.scalar(
            sa.select(sa.func.count()).select_from(Pilot).where(visible, Pilot.status.in_(rest)))
    return int(found)


def funding_cells(exact: dict[str, list[bool]], statuses: list[str], district_id: int) -> dict | None:
    """``{(year, source kind): amount}`` of a district's pilots with these ``statuses``, or None when
    the viewer sees some of them only in part (``exact``: they are counted live)."""
    if any(s not in exact for s in statuses):
        return None
    money = [(s, public) for s, public in _readable(exact) if s in statuses]
    rows = _read(_sources(), money, district_id) if money else ()
    return {(year, source): int(amount or 0) for year, source, amount in rows}


def scope_for(exact: dict[str, list[bool]]) -> str | None:
    """The widest partner scope whose pilots this viewer sees all of (``exact``), or None."""
    readable = set(_readable(exact))
    return next((scope for scope, pairs in SCOPES.items() if pairs <= readable), None)


def partner_rows(district_id: int, scope: str) -> list:
    """The district's partners counted in ``scope``: rows of ``id``, ``name``, ``kind`` and
    ``pilots`` (one statement, a row per partner, however many pilots)."""
    return db.session.execute(
        sa.select(Partner.id, Partner.name, Partner.kind, DistrictPartner.pilots)
        .join(DistrictPartner, DistrictPartner.partner_id == Partner.id)
        .where(DistrictPartner.district_id == district_id, DistrictPartner.scope == scope)
    ).all()


def exact_statuses(user, statuses, district_id: int | None = None) -> dict[str, list[bool]]:
    """``{status: [public flags]}`` whose pilots ``user`` sees all of, or none of, whoever owns them
    and wherever they run, or (``district_id``) in that district (``can_view`` asked of two
    stand-ins, which is all it looks at: a pilot of the user's own, in a district they coordinate
    or the one given, and one of nobody's, nowhere or there): the summary rows this viewer may read
    whole. A status missing here (a signed-in viewer's drafts) is counted live. Worked out once
    per request and question (the district page asks for its figures, funding and partners)."""
    memo = per_request("exact_statuses")
    key = (getattr(user, "id", None), getattr(user, "role", None), tuple(statuses), district_id)
    found = memo.get(key)
    if found is None:
        found = memo[key] = _exact(user, statuses, district_id)
    return found


def _exact(user, statuses, district_id: int | None) -> dict[str, list[bool]]:
    theirs = next(iter(getattr(user, "district_ids", None) or []), None)
    mine = SimpleNamespace(id=-1, owner_id=getattr(user, "id", None),
                           district_id=theirs if district_id is None else district_id)
    nobodys = SimpleNamespace(id=-2, owner_id=None, district_id=district_id)
    out = {}
    for status in statuses:
        flags, exact = [], True
        for public in (False, True):
            seen = {can_view(user, SimpleNamespace(**vars(p), status=status, is_public=public))
                    for p in (mine, nobodys)}
            exact = exact and len(seen) == 1
            if seen == {True}:
                flags.append(public)
        if exact:
            out[status] = flags
    return out

