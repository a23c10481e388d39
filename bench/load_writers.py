"""Load: concurrent writers submit pilot proposals through gunicorn on loopback; nothing is lost.

    .venv/bin/python bench/load_writers.py                       # SQLite (WAL), 16 writers, 30 s
    .venv/bin/python bench/load_writers.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/writers

Each writer is a staff member who signs in through the real login form (CSRF on, as in
production) and, until the time is up, opens ``/pilots/new``, fills in the proposal as a browser
would and posts it with "Save and submit for review" (create + submit in one transaction).
At the end the stored pilots are counted: they must equal the accepted submissions, each with
its submit event, and there must be no error at all. Exit status 1 otherwise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import create_pg_database  # noqa: E402
from bench.run import PASSWORD, SECRET, Server, tracker_env  # noqa: E402
from tests.authz.browser import Client, form_fields  # noqa: E402


@dataclass
class Tally:
    accepted: int = 0
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)  # ms per submission (GET form + POST)
    lock: threading.Lock = field(default_factory=threading.Lock)


def prepare(url: str, writers: int) -> tuple[list[str], str, str]:
    """A fresh schema with one district, one theme and a staff member per writer."""
    from tracker import create_app
    from tracker.auth.models import Role, User
    from tracker.auth.operations import hash_password
    from tracker.db import db
    from tracker.districts.models import District
    from tracker.pilots.models import Theme

    if url.startswith("postgresql"):
        create_pg_database(url)
    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        district = District(slug="hovinbyen", name="Hovinbyen")
        theme = Theme(slug="mobility", name_nb="Mobilitet", name_en="Mobility")
        digest = hash_password(PASSWORD)
        emails = [f"writer{n}@example.org" for n in range(writers)]
        db.session.add_all([district, theme, *(User(email=e, name=f"Writer {n}", role=Role.STAFF,
                                                     password_hash=digest) for n, e in enumerate(emails))])
        db.session.commit()
        ids = str(district.id), str(theme.id)
        db.engine.dispose()
    return emails, *ids


def proposal(fields: list[tuple[str, str]], title: str, district: str, theme: str) -> list[tuple[str, str]]:
    """The rendered new-pilot form, filled in, with "save and submit for review"."""
    filled = {"title": title, "district": district, "arena_kind": "physical", "need": "A real need.",
              "description": "What we test.", "goals": "Measurable goals.", "location": "Oslo",
              "planned_start": "2027-01-01", "planned_end": "2027-12-31", "agency": "Bymiljøetaten",
              "contact_name": "Writer", "contact_email": "writer@example.org"}
    body = [(k, filled.pop(k, v)) for k, v in fields if k != "themes"]
    return [*body, *filled.items(), ("themes", theme), ("submit_for_review", "1")]


def writer(client: Client, email: str, district: str, theme: str, deadline: float, tally: Tally) -> None:
    n = 0
    while time.monotonic() < deadline:
        n += 1
        started = time.perf_counter()
        try:
            status, html = client.request("GET", "/pilots/new")
            if status != 200:
                raise RuntimeError(f"GET /pilots/new answered {status}")
            body = proposal(form_fields(html, "/pilots/new"), f"{email} #{n}", district, theme)
            status, html = client.request("POST", "/pilots/new", body)
            if status != 302:
                raise RuntimeError(f"POST /pilots/new answered {status}: {html[:300]!r}")
        except Exception as exc:
            with tally.lock:
                tally.errors.append(f"{email} #{n}: {exc!r}")
            continue
        elapsed = (time.perf_counter() - started) * 1000
        with tally.lock:
            tally.accepted += 1
            tally.latencies.append(elapsed)


def stored(url: str) -> tuple[int, int, int]:
    """(pilots, pilots in status submitted, submit events) as the database has them."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        counts = tuple(conn.execute(sa.text(q)).scalar() for q in (
            "SELECT count(*) FROM pilots", "SELECT count(*) FROM pilots WHERE status = 'submitted'",
            "SELECT count(*) FROM status_events WHERE action = 'submit'"))
    engine.dispose()
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default="sqlite:////tmp/testarena-writers.sqlite")
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--duration", type=int, default=30, help="seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = parser.parse_args()

    emails, district, theme = prepare(args.database_url, args.writers)
    tally = Tally()
    env = {**tracker_env(args.database_url), "TRACKER_WTF_CSRF_ENABLED": "true"}
    with Server("tracker:create_app()", env=env, workers=args.workers) as server:
        clients = [Client(server.url) for _ in emails]
        for client, email in zip(clients, emails, strict=True):  # signed in before the clock starts
            client.sign_in(email, PASSWORD)
        deadline = time.monotonic() + args.duration
        threads = [threading.Thread(target=writer, args=(c, e, district, theme, deadline, tally))
                   for c, e in zip(clients, emails, strict=True)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    pilots, submitted, events = stored(args.database_url)
    backend = sa.make_url(args.database_url).get_backend_name()
    q = statistics.quantiles(tally.latencies, n=100) if len(tally.latencies) > 1 else [0.0] * 99
    print(f"{backend}: {args.writers} writers, {args.duration} s, gunicorn {args.workers} workers")
    print(f"  accepted submissions {tally.accepted} ({tally.accepted / args.duration:.1f}/s), "
          f"errors {len(tally.errors)}, p50 {q[49]:.0f} ms, p99 {q[98]:.0f} ms per submission")
    print(f"  stored pilots {pilots}, of them submitted {submitted}, submit events {events}")
    ok = not tally.errors and tally.accepted > 0 and pilots == submitted == events == tally.accepted
    print("  OK: nothing lost, no errors" if ok else "  FAILED")
    for line in tally.errors[:10]:
        print("   ", line)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
