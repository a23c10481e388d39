"""Spreadsheet import at portfolio scale (issue 17): a 5,000-row sheet, dry run and import.

    .venv/bin/python bench/imports.py [--rows 5000] [--database-url postgresql+psycopg://…/bench]

Builds an .xlsx in memory (reference, title, district, status, dates, contact, partners by
organisation number and by name, themes, funding for two years), a city of 10 districts, 8
themes and 300 partners, then times in this process, as the CLI does it: reading + dry run,
the import (apply + one commit), and a second dry run and import of the same sheet with every
tenth row changed (updates; the rest unchanged). Peak resident memory (VmRSS, sampled every
5 ms) is reported against the memory before reading. Wall and CPU time are both printed: on a
shared machine the wall time measures the neighbours as much as the import. Targets: dry run
≤ 10 s, import ≤ 20 s, growth ≤ 200 MB.
"""

from __future__ import annotations

import argparse
import cProfile
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.files_memory import Peak, rss_mb

STATUSES = ["Utkast", "Til vurdering", "Godkjent", "Pågår", "På pause", "Fullført", "Avslått", "Trukket"]


def org_number(n: int) -> str:
    from tracker.partners.orgnr import is_valid

    while True:
        first8 = f"{91000000 + n:08d}"
        for digit in "0123456789":
            if is_valid(first8 + digit):
                return first8 + digit
        n += 100_000


def build_sheet(rows: int, districts, themes, partners, changed_every: int = 0) -> bytes:
    from tests.imports_samples import xlsx

    header = ["ID", "Tittel", "Bydel", "Status", "Oppstart", "Slutt", "Ansvarlig", "E-post", "Partnere",
              "Tema", "Beskrivelse", "Budsjett 2026", "Budsjett 2027"]
    data = [header]
    for i in range(rows):
        start = date(2024, 1, 1) + timedelta(days=i % 700)
        partner = partners[i % len(partners)]
        named = partners[(i * 7) % len(partners)]
        title = f"Pilot {i}: smart løsning for bydelen"
        if changed_every and i % changed_every == 0:
            title += " (revidert)"
        data.append([f"B-{i:05d}", title, districts[i % len(districts)], STATUSES[i % len(STATUSES)],
                     start.strftime("%d.%m.%Y"), (start + timedelta(days=365)).isoformat(), "Kari Nordmann",
                     "kari.nordmann@example.org", f"{partner[0]} ({partner[1]}); {named[0]}",
                     themes[i % len(themes)], "Hva testes: " + "tekst " * 20, f"kr {(i % 50) * 10_000}",
                     (i % 30) * 5000])
    return xlsx(data)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--database-url")
    parser.add_argument("--profile", metavar="FILE",
                        help="write a cProfile of the first import's apply + commit")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="testarena-imports-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'bench.sqlite'}"
    from flask_babel import force_locale

    from tests import factories
    from tracker import create_app
    from tracker.db import db
    from tracker.imports import mapping, plan, reading

    app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret-key-long-enough",
                      "SQLALCHEMY_DATABASE_URI": url, "FILES_DIR": str(tmp / "files")})
    with app.app_context(), force_locale("en"):
        db.drop_all()
        db.create_all()
        world = factories.World.build()
        districts = [factories.make_district(f"bydel-{i}", f"Bydel {i}").name for i in range(10)]
        themes = [factories.make_theme(slug=f"tema-{i}", name_nb=f"Tema {i}", name_en=f"Theme {i}").name_nb
                  for i in range(8)]
        partners = []
        for i in range(300):
            number = org_number(i)
            partners.append((f"Partner {i} AS", number))
            factories.make_partner(f"Partner {i} AS", org_number=number)
        db.session.commit()
        admin = world.admin

        def run(sheet: bytes, label: str) -> None:
            db.session.expire_all()
            before = rss_mb()
            with Peak() as peak:
                t0, c0 = time.perf_counter(), time.process_time()
                table = reading.read_table(sheet, "bench.xlsx", mapping.header_score())
                targets = mapping.auto_mapping(table.headers)
                options = plan.Options(user=admin, owner=admin, source="bench.xlsx")
                result = plan.analyse(table, targets, options)
                t1, c1 = time.perf_counter(), time.process_time()
                profiler = cProfile.Profile() if args.profile and label == "first import" else None
                if profiler:
                    profiler.enable()
                plan.apply(result, options)
                db.session.commit()
                if profiler:
                    profiler.disable()
                    profiler.dump_stats(args.profile)
                t2, c2 = time.perf_counter(), time.process_time()
            print(f"{label}: {result.totals}; dry run (read + analyse) {t1 - t0:.1f} s "
                  f"(CPU {c1 - c0:.1f} s), import (apply + commit) {t2 - t1:.1f} s (CPU {c2 - c1:.1f} s); "
                  f"memory {before:.0f} MB -> peak {peak.peak:.0f} MB "
                  f"(+{peak.peak - before:.0f} MB)")

        print(f"{args.rows} rows on {db.engine.dialect.name}")
        run(build_sheet(args.rows, districts, themes, partners), "first import")
        run(build_sheet(args.rows, districts, themes, partners, changed_every=10), "second import")
        db.session.remove()
        if args.database_url:
            db.drop_all()


if __name__ == "__main__":
    main()
