"""Keeping the index in step: what a pilot's and a partner's documents say, and when they change.

The receiver on ``tracker.events.recorded`` notes which documents a change touches (a pilot; a
partner and the pilots naming it; every pilot of a renamed district or theme) on the session;
they are rewritten just before that transaction commits (and before any search in it reads the
index), so the index commits or rolls back with the change itself. ``reindex`` rebuilds all.
"""

from __future__ import annotations

import contextlib
import functools
from collections import defaultdict
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask_babel import force_locale
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tracker import events
from tracker.db import db
from tracker.districts.models import District
from tracker.labels import LABELS
from tracker.partners.models import Partner
from tracker.pilots.models import Outcome, OutcomeKPI, Pilot, PilotPartner, StatusEvent, Theme, pilot_themes
from tracker.search.backends import doc_id
from tracker.search.models import SearchDocument
from tracker.search.text import fold, folded_stems, stemmed

PENDING = "search_pending"  # session.info key: {"pilot": set(ids), "partner": set(ids)}
BATCH = 500
LARGE_CACHE_KIB = 256 * 1024  # an upper bound: SQLite takes pages as it needs them


@functools.lru_cache(maxsize=1024)
def _labels(kind: str, value) -> str:
    """The value's label in both languages (a search in either finds it); the catalogues do not
    change while the process runs, so each pair is worked out once."""
    texts = []
    for locale in ("nb", "en"):
        with force_locale(locale):
            texts.append(str(LABELS[kind].get(value, value)))
    return " ".join(dict.fromkeys(texts))


def _grouped(statement) -> dict[int, list]:
    """Rows ``(pilot_id, *values)`` grouped by pilot, in the statement's order."""
    grouped: dict[int, list] = defaultdict(list)
    for pilot_id, *values in db.session.execute(statement):
        grouped[pilot_id].append(values)
    return grouped


def pilot_texts(ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """``{id: (title, body, internal)}`` of these pilots; body is what the public register shows
    of a pilot. Read as plain rows, six statements per batch (no ORM objects: the reindex of
    20,000 pilots spent a quarter of its time building them)."""
    themes = _grouped(sa.select(pilot_themes.c.pilot_id, Theme.name_nb, Theme.name_en)
                      .join(Theme, Theme.id == pilot_themes.c.theme_id)
                      .where(pilot_themes.c.pilot_id.in_(ids)).order_by(Theme.name_nb))
    partners = _grouped(sa.select(PilotPartner.pilot_id, Partner.name, Partner.org_number, PilotPartner.role)
                        .join(Partner, Partner.id == PilotPartner.partner_id)
                        .where(PilotPartner.pilot_id.in_(ids)).order_by(PilotPartner.id))
    outcomes = {row[0]: row[1:] for row in db.session.execute(
        sa.select(Outcome.pilot_id, Outcome.verdict, Outcome.summary, Outcome.lessons, Outcome.next_steps,
                  Outcome.id).where(Outcome.pilot_id.in_(ids)))}
    kpis = _grouped(sa.select(OutcomeKPI.outcome_id, OutcomeKPI.name)
                    .where(OutcomeKPI.outcome_id.in_([o[-1] for o in outcomes.values()]))
                    .order_by(OutcomeKPI.position, OutcomeKPI.id))
    comments = _grouped(sa.select(StatusEvent.pilot_id, StatusEvent.comment)
                        .where(StatusEvent.pilot_id.in_(ids), StatusEvent.comment != "")
                        .order_by(StatusEvent.at, StatusEvent.id))
    texts = {}
    for (pilot_id, title, need, description, goals, location, agency, district, status,
         arena) in db.session.execute(
            sa.select(Pilot.id, Pilot.title, Pilot.need, Pilot.description, Pilot.goals, Pilot.location,
                      Pilot.agency, District.name, Pilot.status, Pilot.arena_kind)
            .join(District, District.id == Pilot.district_id).where(Pilot.id.in_(ids))):
        parts = [need, description, goals, location, agency, district, _labels("status", status),
                 _labels("arena_kind", arena)]
        parts += [f"{nb} {en}" for nb, en in themes[pilot_id]]
        parts += [f"{name} {org or ''} {_labels('partner_role', role)}"
                  for name, org, role in partners[pilot_id]]
        if (outcome := outcomes.get(pilot_id)) is not None:
            verdict, summary, lessons, next_steps, outcome_id = outcome
            parts += [_labels("verdict", verdict), summary, lessons, next_steps]
            parts += [name for (name,) in kpis[outcome_id]]
        internal = [comment for (comment,) in comments[pilot_id] if comment]
        texts[pilot_id] = (title, "\n".join(p for p in parts if p), "\n".join(internal))
    return texts


def partner_texts(partner: Partner) -> tuple[str, str, str]:
    body = [partner.org_number or "", _labels("partner_kind", partner.kind), partner.description]
    return partner.name, "\n".join(p for p in body if p), ""


def _values(title: str, body: str, internal: str) -> dict:
    return dict(title=title, body=body, internal=internal, title_stems=stemmed(title),
                body_stems=stemmed(body), internal_stems=stemmed(internal),
                folded=folded_stems(f"{title}\n{body}"), folded_internal=folded_stems(internal),
                raw=fold(f"{title}\n{body}"), raw_internal=fold(internal))


def _insert(kind: str, rows: list[dict]) -> None:
    """New documents in one statement; a document a concurrent transaction has just written for
    the same pilot or partner (two uploads to one pilot at once) is overwritten: an upsert, never
    a unique-key error."""
    if not rows:
        return
    table = SearchDocument.__table__
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]
    statement = insert(table)
    columns = [name for name in rows[0] if name != "ref_id"]
    statement = statement.on_conflict_do_update(index_elements=[table.c.kind, table.c.ref_id],
                                                set_={name: statement.excluded[name] for name in columns})
    db.session.execute(statement, [dict(row, kind=kind, id=doc_id(kind, row["ref_id"])) for row in rows])


def _write(kind: str, texts: dict[int, tuple[str, str, str]], gone: Iterable[int] = ()) -> None:
    """Write the documents of ``kind`` for ``texts`` (ref id → texts); delete those of ``gone``."""
    gone = set(gone)
    ids = set(texts) | gone
    if not ids:
        return
    existing = {d.ref_id: d for d in db.session.scalars(
        sa.select(SearchDocument).where(SearchDocument.kind == kind, SearchDocument.ref_id.in_(ids)))}
    for ref_id in gone:
        if ref_id in existing:
            db.session.delete(existing[ref_id])
    new = []
    for ref_id, parts in texts.items():
        values = _values(*parts)
        doc = existing.get(ref_id)
        if doc is None:
            new.append(dict(values, ref_id=ref_id))
        elif any(getattr(doc, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(doc, k, v)
    _insert(kind, new)


@contextlib.contextmanager
def _large_page_cache(documents: int):
    """On SQLite, a page cache big enough for the full-text index while many documents are
    written in one transaction: with the default 2 MB the FTS5 segments spill to the WAL and are
    read back on every merge, and indexing gets slower with every batch (quadratic: 20,000
    pilots took minutes of CPU instead of seconds). Restored afterwards (it is per connection)."""
    if documents <= BATCH or db.session.get_bind().dialect.name != "sqlite":
        yield
        return
    previous = db.session.scalar(sa.text("PRAGMA cache_size"))
    db.session.execute(sa.text(f"PRAGMA cache_size = -{LARGE_CACHE_KIB}"))
    try:
        yield
    finally:
        db.session.execute(sa.text(f"PRAGMA cache_size = {int(previous)}"))


def refresh_pilots(ids: Iterable[int]) -> None:
    """Rewrite the documents of these pilots (a pilot that no longer exists loses its own)."""
    ids = sorted(set(ids))
    with _large_page_cache(len(ids)):
        for start in range(0, len(ids), BATCH):
            chunk = ids[start:start + BATCH]
            texts = pilot_texts(chunk)
            _write("pilot", texts, gone=set(chunk) - set(texts))


def refresh_partners(ids: Iterable[int]) -> None:
    ids = set(ids)
    partners = db.session.scalars(sa.select(Partner).where(Partner.id.in_(ids))).all() if ids else []
    texts = {p.id: partner_texts(p) for p in partners}
    _write("partner", texts, gone=ids - set(texts))


def _pending(session) -> dict[str, set[int]]:
    return session.info.setdefault(PENDING, {"pilot": set(), "partner": set()})


def flush_pending(session=None) -> None:
    """Write the documents this transaction's changes touched (before a search reads the index)."""
    session = session or db.session()
    pending = session.info.pop(PENDING, None)
    if not pending or not any(pending.values()):
        return
    session.flush()
    refresh_pilots(pending["pilot"])
    refresh_partners(pending["partner"])
    session.flush()


def _pilots_where(condition) -> set[int]:
    return set(db.session.scalars(sa.select(Pilot.id).where(condition)))


@events.recorded.connect
def _on_recorded(sender, entry, actor=None, **kw):
    """Note which documents the recorded change touches (see the module docstring)."""
    if entry.entity_id is None:
        return
    pending = _pending(db.session())
    if sender == "pilot":
        pending["pilot"].add(entry.entity_id)
    elif sender == "partner":
        pending["partner"].add(entry.entity_id)
        if entry.action not in ("create", "delete"):
            pending["pilot"] |= _pilots_where(Pilot.id.in_(
                sa.select(PilotPartner.pilot_id).where(PilotPartner.partner_id == entry.entity_id)))
    elif sender == "district":
        pending["pilot"] |= _pilots_where(Pilot.district_id == entry.entity_id)
    elif sender == "theme":
        pending["pilot"] |= _pilots_where(Pilot.id.in_(
            sa.select(pilot_themes.c.pilot_id).where(pilot_themes.c.theme_id == entry.entity_id)))


@sa.event.listens_for(Session, "before_commit")
def _before_commit(session):
    if session.info.get(PENDING):
        flush_pending(session)


@sa.event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop(PENDING, None)


def reindex(progress: Callable[[list], Iterable] | None = None) -> int:
    """Rebuild every document (in the caller's transaction); ``progress`` wraps the batches.
    Returns how many documents the index holds. (The session holds loaded rows weakly: memory
    stays flat batch after batch.)"""
    pilot_ids = list(db.session.scalars(sa.select(Pilot.id).order_by(Pilot.id)))
    partner_ids = list(db.session.scalars(sa.select(Partner.id).order_by(Partner.id)))
    batches = [("pilot", pilot_ids[i:i + BATCH]) for i in range(0, len(pilot_ids), BATCH)]
    batches += [("partner", partner_ids[i:i + BATCH]) for i in range(0, len(partner_ids), BATCH)]
    with _large_page_cache(len(pilot_ids) + len(partner_ids)):
        db.session.execute(sa.delete(SearchDocument))
        for kind, chunk in (progress(batches) if progress else batches):
            (refresh_pilots if kind == "pilot" else refresh_partners)(chunk)
            db.session.flush()
    return len(pilot_ids) + len(partner_ids)
