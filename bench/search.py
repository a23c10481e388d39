"""Benchmark of the search (issue 13): the synthetic city with realistic Norwegian text, indexed.

    .venv/bin/python bench/search.py                  # 20,000 pilots, SQLite
    .venv/bin/python bench/search.py --big            # and the search page at 200,000 pilots
    .venv/bin/python bench/search.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench_search
    .venv/bin/python bench/search.py --no-load        # in-process figures only (no gunicorn, no wrk)

Prints: the reindex time, the search request's and the similar-pilots lookup's p50/p95 (in
process, over a fixed list of queries), and the search page under the same wrk load as the
district page (bench/run.py: drained, warmed up, right after a bare-Flask ceiling run) with its
ratio to that ceiling. A benchmark, not a test: never in CI. Figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, run  # noqa: E402

# Realistic needs, descriptions and lessons, combined per pilot (the synthetic city's own text is
# a placeholder: "Et behov.").
NEEDS = [
    "Skolene i bydelen mangler data om trafikken rundt skoleveien om morgenen.",
    "Parkeringsplassen ved torget er full hele dagen, og varebilene blokkerer sykkelfeltet.",
    "Innbyggere venter lenge på svar om byggesaker fordi søknadene kommer inn ufullstendige.",
    "Matavfall fra storkjøkkenene blir ikke sortert, og kostnadene for avfallshåndtering øker.",
    "Gatebelysningen står på hele natten selv der ingen ferdes.",
    "Eldre som bor hjemme faller, og hjemmetjenesten får vite det for sent.",
    "Byggeplassene kaster store mengder brukbart materiale som kunne vært ombrukt.",
    "Bussene står fast i krysset fordi signalanlegget ikke vet når de kommer.",
    "Leverandørene sender fakturaer på papir, og saksbehandlerne taster dem inn manuelt.",
    "Overvann flommer over i kjellere når det regner kraftig.",
]
DESCRIPTIONS = [
    "Vi tester sensorer som måler luftkvalitet og trafikk sammen med Statens vegvesen.",
    "En digital veileder hjelper søkere å levere komplette søknader første gang.",
    "Induktive sløyfer i krysset gir bussene grønt lys når de nærmer seg.",
    "Et mellomlager for brukte byggematerialer på Økern, med digital oversikt over hva som finnes.",
    "Trygghetsalarmer med fallsensor varsler hjemmetjenesten direkte.",
    "Smarte lysarmaturer dimmes når gaten er tom og skrus opp når noen kommer.",
    "Grønne tak og regnbed tar unna overvannet før det når avløpsnettet.",
    "Varelevering med el-sykkel fra en mikroterminal i sentrum.",
]
LESSONS = [
    "Tidlig involvering av driftsorganisasjonen var avgjørende for at løsningen ble tatt i bruk.",
    "Sensorene måtte kalibreres på nytt etter vinteren; saltet på veiene ga feil målinger.",
    "Juridiske avklaringer om personvern tok lengre tid enn planlagt.",
    "Brukerne trengte opplæring, og superbrukere i hver enhet gjorde stor forskjell.",
    "Leverandøren klarte ikke å levere integrasjonen mot fagsystemet i tide.",
    "Måten vi målte tidsbruk på før piloten var ikke sammenlignbar med målingene etterpå.",
    "Samarbeidet med bydelen og skolene ga bedre data enn forventet.",
    "The lessons learned were shared with Tromsø and Trondheim, who are planning similar pilots.",
]
QUERIES = ["skole", "skolene", "sensorene", "parkering", "vegvesen", "driftsorganisasjonen",
           "sloyfe", "sløyfe", "tromso", "lessons", "byggematerialer ombruk", "hjemmetjenesten fall",
           "overvann", "el-sykkel", "personvern", "leverandøren integrasjon", "Partner 17", "trafikk"]
SIMILAR = [("Sensorer ved skoleveien", "Foreldre vil vite hvor trygg skoleveien er."),
           ("Ombruk av byggematerialer", "Byggeplassene kaster brukbart materiale."),
           ("Smart gatebelysning", "Lyset står på hele natten.")]


def add_text(url: str, seed: int = 13) -> None:
    """Give every synthetic pilot a realistic need, description and (when evaluated) lessons."""
    rng = random.Random(seed)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        ids = [r[0] for r in conn.execute(sa.text("SELECT id FROM pilots ORDER BY id"))]
        rows = [{"id": i, "need": " ".join(rng.sample(NEEDS, 2)),
                 "description": " ".join(rng.sample(DESCRIPTIONS, 2))} for i in ids]
        for start in range(0, len(rows), 5000):
            conn.execute(sa.text("UPDATE pilots SET need = :need, description = :description WHERE id = :id"),
                         rows[start:start + 5000])
        outcomes = [{"id": r[0], "lessons": " ".join(rng.sample(LESSONS, 2))}
                    for r in conn.execute(sa.text("SELECT id FROM outcomes"))]
        for start in range(0, len(outcomes), 5000):
            conn.execute(sa.text("UPDATE outcomes SET lessons = :lessons WHERE id = :id"),
                         outcomes[start:start + 5000])
    engine.dispose()


def _app(url: str):
    from tracker import create_app

    return create_app({"TESTING": True, "SECRET_KEY": run.SECRET, "SQLALCHEMY_DATABASE_URI": url})


def prepare(url: str, districts: int, pilots: int, rebuild: bool) -> float | None:
    """Build the city (bench/run.py's), add the text and index it; return the reindex seconds
    (None when an indexed city was reused)."""
    from tracker.db import db
    from tracker.search.index import reindex
    from tracker.search.models import SearchDocument

    run.build_database(url, districts, pilots, rebuild)
    app = _app(url)
    with app.app_context():
        indexed = db.session.scalar(sa.select(sa.func.count()).select_from(SearchDocument))
        if indexed and not rebuild:
            print(f"reusing the index ({indexed} documents)")
            return None
        add_text(url)
        started = time.perf_counter()
        count = reindex()
        db.session.commit()
        seconds = time.perf_counter() - started
        print(f"reindex: {count} documents in {seconds:.1f} s")
        with db.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
        db.engine.dispose()
        return seconds


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.95) - 1]


def in_process(url: str, rounds: int) -> dict:
    """p50/p95 (ms) of the search (page 1 with facets and partners) and of the similar-pilots
    lookup, as the coordinator of distrikt-1 and as an anonymous visitor."""
    from flask_login import AnonymousUserMixin

    from tracker.auth.models import User
    from tracker.db import db
    from tracker.search import queries

    app = _app(url)
    figures = {}
    with app.test_request_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == "koordinator1@bench.example"))
        for who, user in (("coordinator", coordinator), ("anonymous", AnonymousUserMixin())):
            samples = []
            for _ in range(rounds):
                for query in QUERIES:
                    started = time.perf_counter()
                    queries.search(user, query, {}, 1)
                    samples.append((time.perf_counter() - started) * 1000)
            figures[f"search ({who})"] = _percentiles(samples)
        samples = []
        for _ in range(rounds * 3):
            for title, need in SIMILAR:
                started = time.perf_counter()
                queries.similar_pilots(coordinator, f"{title} {need}")
                samples.append((time.perf_counter() - started) * 1000)
        figures["similar pilots"] = _percentiles(samples)
        db.session.remove()
        db.engine.dispose()
    for name, (p50, p95) in figures.items():
        print(f"  {name:<22} p50 {p50:6.1f} ms  p95 {p95:6.1f} ms")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=50)
    parser.add_argument("--pilots", type=int, default=20_000)
    parser.add_argument("--big", action="store_true", help="also the search page at --big-pilots")
    parser.add_argument("--big-pilots", type=int, default=200_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a SQLite file in /tmp)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5, help="in-process rounds over the query list")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--no-load", action="store_true", help="in-process figures only")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} at the start")
    url = args.database_url or run.sqlite_url(args.pilots).replace(".sqlite", "-search.sqlite")
    if args.database_url:
        load.create_pg_database(url)
    prepare(url, args.districts, args.pilots, args.rebuild)
    print(f"{args.pilots:,} pilots, in process:")
    in_process(url, args.rounds)
    if args.no_load:
        return
    paths = {"district page": "/districts/distrikt-1", "search page": "/search/?q=sensorene"}
    with run.Server("hello:app", chdir=ROOT / "bench") as hello:
        print(f"{args.pilots:,} pilots under load (district page cache off):")
        small = run.serve(url, "off", hello, paths, args)
        big = None
        if args.big:
            big_url = (re.sub(r"/[^/]+$", "/testarena_bench_search_big", args.database_url)
                       if args.database_url
                       else run.sqlite_url(args.big_pilots).replace(".sqlite", "-search.sqlite"))
            if args.database_url:
                load.create_pg_database(big_url)
            prepare(big_url, args.districts, args.big_pilots, args.rebuild)
            print(f"{args.big_pilots:,} pilots under load:")
            big = run.serve(big_url, "off", hello, {"search page": paths["search page"]}, args)
    ratio = small["search page"][1].rps / small["search page"][0].rps
    print(f"\nsearch page ≥ 0.05 × ceiling: {ratio:.3f} → {'met' if ratio >= 0.05 else 'NOT met'}")
    if big:
        change = (big["search page"][1].rps / big["search page"][0].rps) / ratio - 1
        print(f"search page at {args.big_pilots:,} costs ≤ 25 % more than at {args.pilots:,}: {change:+.1%} "
              f"→ {'met' if change >= -0.25 else 'NOT met'}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
