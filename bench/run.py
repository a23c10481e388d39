"""Benchmark: a synthetic city served by gunicorn (2 workers) on loopback, loaded with wrk.

    .venv/bin/python bench/run.py                 # 50 districts, 20,000 pilots (SQLite)
    .venv/bin/python bench/run.py --big           # and the district page again at 200,000 pilots
    .venv/bin/python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Prints requests/s, p50 and p99 for a bare Flask "hello" (the ceiling), the district page, the
city overview and the pilot page, each as a ratio of the ceiling, and whether the targets are met.
A benchmark, not a test: it prints figures and never runs in CI. See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, synth  # noqa: E402

BIN = Path(sys.executable).parent
SECRET = "bench-secret-key-0123456789abcdef"  # noqa: S105 (a throw-away local benchmark)
PASSWORD = "bench password for loopback only"  # noqa: S105
TARGETS = {"district": 0.10, "overview": 0.05}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_database(url: str, districts: int, pilots: int, rebuild: bool) -> None:
    """Create the schema and the synthetic city (skipped when it is already there)."""
    from tracker import create_app
    from tracker.auth.operations import hash_password
    from tracker.db import db

    app = create_app({"TESTING": True, "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if not rebuild:
            try:
                have = db.session.execute(sa.text("SELECT count(*) FROM pilots")).scalar()
            except sa.exc.DatabaseError:
                have = None
            db.session.rollback()
            if have == pilots:
                print(f"reusing {url} ({pilots} pilots)")
                return
        started = time.perf_counter()
        db.drop_all()
        db.create_all()
        with db.engine.begin() as conn:
            synth.build(conn, districts, pilots, hash_password(PASSWORD))
        with db.engine.connect() as conn:
            conn.execute(sa.text("ANALYZE"))
            conn.commit()
        db.engine.dispose()
        print(f"built {districts} districts / {pilots} pilots in {time.perf_counter() - started:.1f} s")


class Server:
    """gunicorn with 2 workers on a free loopback port; stopped on exit."""

    def __init__(self, app: str, env: dict | None = None, workers: int = 2, chdir: Path = ROOT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.args = [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{self.port}",
                     "--chdir", str(chdir), "--log-level", "warning", app]
        self.env = {**os.environ, **(env or {})}

    def __enter__(self):
        self.proc = subprocess.Popen(self.args, env=self.env)
        for _ in range(200):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not start: {' '.join(self.args)}")

    def __exit__(self, *exc):
        self.proc.terminate()
        self.proc.wait(10)


def tracker_env(url: str, cache: bool = True) -> dict:
    env = {"TRACKER_DATABASE_URL": url, "TRACKER_SECRET_KEY": SECRET,
           "TRACKER_SESSION_COOKIE_SECURE": "false", "TRACKER_REMEMBER_COOKIE_SECURE": "false",
           "TRACKER_RATELIMIT_ENABLED": "false", "TRACKER_BASE_URL": "http://127.0.0.1"}
    return env if cache else {**env, "TRACKER_DISTRICTS_CACHE_SECONDS": "0"}


def pilot_in(url: str, slug: str) -> int:
    """A running pilot of the district with partner links (a representative pilot page)."""
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        pid = conn.execute(sa.text(
            "SELECT p.id FROM pilots p JOIN districts d ON d.id = p.district_id "
            "JOIN pilot_partners l ON l.pilot_id = p.id WHERE d.slug = :slug AND p.status = 'running' "
            "GROUP BY p.id ORDER BY count(*) DESC, p.id LIMIT 1"), {"slug": slug}).scalar()
    engine.dispose()
    return pid


def measure(server: Server, paths: dict[str, str], cookie: str | None, args) -> dict:
    results = {}
    for name, path in paths.items():
        url = server.url + path
        load.run(url, cookie, 2, args.connections)  # warm-up
        results[name] = load.run(url, cookie, args.duration, args.connections)
        r = results[name]
        print(f"  {name:<22} {r.rps:>9.1f} req/s  p50 {r.p50:>7.1f} ms  p99 {r.p99:>7.1f} ms  ({r.tool})")
    return results


def schema_tag() -> str:
    """A short hash of the schema and of the synthetic data's rules: a SQLite file built by another
    version (another branch, an older bench) is never reused."""
    from tracker.db import db

    synth.tables()  # imports the models
    shape = [(t.name, [c.name for c in t.c], sorted(i.name or "" for i in t.indexes))
             for t in db.metadata.sorted_tables]
    source = "".join((ROOT / "bench" / name).read_text() for name in ("synth.py", "history.py"))
    return hashlib.sha256((repr(shape) + source).encode()).hexdigest()[:8]


def sqlite_url(pilots: int) -> str:
    return f"sqlite:////tmp/testarena-bench-{schema_tag()}-{pilots}.sqlite"


def report(results: dict, pilots: int, big: dict | None, big_pilots: int) -> None:
    ceiling = results["hello (ceiling)"].rps
    print("\n| page | req/s | p50 ms | p99 ms | × ceiling |\n|---|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r.rps:.1f} | {r.p50:.1f} | {r.p99:.1f} | {r.rps / ceiling:.3f} |")
    if big:
        r = big["district page"]
        print(f"| district page @ {big_pilots:,} pilots | {r.rps:.1f} | {r.p50:.1f} | {r.p99:.1f} "
              f"| {r.rps / ceiling:.3f} |")
    print("\nTargets:")
    for key, name in (("district", "district page"), ("overview", "city overview")):
        ratio = results[name].rps / ceiling
        verdict = "met" if ratio >= TARGETS[key] else "NOT met"
        print(f"  {name} ≥ {TARGETS[key]:.2f} × ceiling: {ratio:.3f} → {verdict}")
    if big:
        change = big["district page"].rps / results["district page"].rps - 1
        verdict = "met" if change >= -0.20 else "NOT met"
        print(f"  district page at {big_pilots:,} within 20% of {pilots:,}: {change:+.1%} → {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=50)
    parser.add_argument("--pilots", type=int, default=20_000)
    parser.add_argument("--big", action="store_true", help="also the district page at --big-pilots")
    parser.add_argument("--big-pilots", type=int, default=200_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a SQLite file in /tmp)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the database even if present")
    parser.add_argument("--no-cache", action="store_true",
                        help="turn off the district page cache (every request computes its figures)")
    args = parser.parse_args()

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}, district cache {'off' if args.no_cache else 'on'}")
    with Server("hello:app", chdir=ROOT / "bench") as hello:
        print("ceiling:")
        results = measure(hello, {"hello (ceiling)": "/"}, None, args)

    url = args.database_url or sqlite_url(args.pilots)
    if args.database_url:
        load.create_pg_database(url)
    build_database(url, args.districts, args.pilots, args.rebuild)
    paths = {"district page": "/districts/distrikt-1", "city overview": "/districts/",
             "pilot page": f"/pilots/{pilot_in(url, 'distrikt-1')}"}
    with Server("tracker:create_app()", tracker_env(url, not args.no_cache)) as app:
        cookie = load.sign_in(app.url, "koordinator1@bench.example", PASSWORD)
        print(f"{args.pilots:,} pilots, signed in as the coordinator of distrikt-1:")
        results.update(measure(app, paths, cookie, args))

    big = None
    if args.big:
        big_url = (re.sub(r"/[^/]+$", "/testarena_bench_big", args.database_url) if args.database_url
                   else sqlite_url(args.big_pilots))
        if args.database_url:
            load.create_pg_database(big_url)
        build_database(big_url, args.districts, args.big_pilots, args.rebuild)
        with Server("tracker:create_app()", tracker_env(big_url, not args.no_cache)) as app:
            cookie = load.sign_in(app.url, "koordinator1@bench.example", PASSWORD)
            print(f"{args.big_pilots:,} pilots:")
            big = measure(app, {"district page": paths["district page"]}, cookie, args)
    report(results, args.pilots, big, args.big_pilots)


if __name__ == "__main__":
    main()
