"""Benchmark: a synthetic city served by gunicorn (2 workers) on loopback, loaded with wrk.

    .venv/bin/python bench/run.py                 # 50 districts, 20,000 pilots (SQLite)
    .venv/bin/python bench/run.py --big           # and every page again at 200,000 pilots
    .venv/bin/python bench/run.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    .venv/bin/python bench/run.py --profile /districts/distrikt-1 --profile-top 30   # in process

Prints, for the district page, the city overview, the pilot page and the pilot list, with the page
cache off and on: requests/s, p50, p99, server CPU per request, and the ratio to a bare Flask
"hello" (the ceiling) measured right before each page; then whether the issue's targets are met.
The server is drained (idle) before every run, so one page's backlog is never billed to the next.
A benchmark, not a test: it prints figures and never runs in CI. See bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import shutil
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
REDIS_URL = "redis://127.0.0.1:6379/14"
# The targets, with the page cache off: each page's req/s as a share of a bare Flask "hello".
TARGETS = {"district page": 0.05, "city overview": 0.03, "pilot page": 0.08, "pilot list": 0.08}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_database(url: str, districts: int, pilots: int, rebuild: bool) -> None:
    """Create the schema and the synthetic city (skipped when it is already there)."""
    from tracker import create_app
    from tracker.auth.operations import hash_password
    from tracker.db import db
    from tracker.districts import summaries

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
        summaries.rebuild()  # the overview's figures, as the migration fills them
        db.session.commit()
        # PostgreSQL: VACUUM too, as autovacuum would soon do, or index-only scans read the heap
        # (it cannot run in a transaction).
        vacuum = "VACUUM ANALYZE" if db.engine.dialect.name == "postgresql" else "ANALYZE"
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text(vacuum))
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
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:  # a loaded machine: the graceful stop took too long
            self.proc.kill()
            self.proc.wait(10)

    def cpu(self) -> float:
        """CPU seconds used so far by gunicorn's master and workers (Linux ``/proc``)."""
        pids = [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime (clock ticks)
        return total / os.sysconf("SC_CLK_TCK")

    def drain(self, idle_ms: float = 20, most: float = 20.0) -> None:
        """Wait until the server is idle (under ``idle_ms`` of CPU in a quarter second): requests
        left over from the previous run must not be billed to the next one."""
        deadline = time.monotonic() + most
        while time.monotonic() < deadline:
            before = self.cpu()
            time.sleep(0.25)
            if (self.cpu() - before) * 1000 < idle_ms:
                return


def tracker_env(url: str, cache: bool = True) -> dict:
    env = {"TRACKER_DATABASE_URL": url, "TRACKER_SECRET_KEY": SECRET,
           "TRACKER_SESSION_COOKIE_SECURE": "false", "TRACKER_REMEMBER_COOKIE_SECURE": "false",
           "TRACKER_RATELIMIT_ENABLED": "false", "TRACKER_BASE_URL": "http://127.0.0.1"}
    if not cache:
        return {**env, "TRACKER_DISTRICTS_CACHE_SECONDS": "0"}
    # The cache as production runs it: shared by the workers through Redis where it answers.
    return {**env, "TRACKER_PAGE_CACHE_URL": REDIS_URL} if load.redis_answers(REDIS_URL) else env


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


def pages(url: str) -> dict[str, str]:
    return {"district page": "/districts/distrikt-1", "city overview": "/districts/",
            "pilot page": f"/pilots/{pilot_in(url, 'distrikt-1')}", "pilot list": "/pilots/"}


def load_once(server: Server, path: str, cookie: str | None, args) -> load.Result:
    """Drain, warm up, drain, then load ``path`` for ``args.duration`` s; with server CPU per request."""
    url = server.url + path
    server.drain()
    load.run(url, cookie, 2, args.connections)  # warm-up
    server.drain()
    before = server.cpu()
    result = load.run(url, cookie, args.duration, args.connections)
    result.cpu_ms = (server.cpu() - before) * 1000 / max(result.requests, 1)
    return result


def measure(hello: Server, app: Server, paths: dict[str, str], cookie: str | None, args) -> dict:
    """Each page right after its own ceiling run: ``{page: (ceiling, page)}``."""
    results = {}
    for name, path in paths.items():
        ceiling = load_once(hello, "/", None, args)
        result = load_once(app, path, cookie, args)
        results[name] = (ceiling, result)
        print(f"  {name:<16} {result.rps:>8.1f} req/s  p50 {result.p50:>7.1f} ms  p99 {result.p99:>7.1f} ms  "
              f"CPU {result.cpu_ms:>6.2f} ms/req  | ceiling {ceiling.rps:>7.1f} req/s, CPU "
              f"{ceiling.cpu_ms:.2f} ms/req  → {result.rps / ceiling.rps:.3f} ×  ({result.tool})")
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


def report(runs: dict, args) -> None:
    """The table (every page, cache off and on) and the targets (cache off, as the issue sets them)."""
    print("\n| pilots | cache | page | req/s | p50 ms | p99 ms | server CPU ms/req | ceiling req/s "
          "| × ceiling |\n|---:|---|---|---:|---:|---:|---:|---:|---:|")
    for (pilots, cache), results in runs.items():
        for name, (ceiling, r) in results.items():
            print(f"| {pilots:,} | {cache} | {name} | {r.rps:.1f} | {r.p50:.1f} | {r.p99:.1f} "
                  f"| {r.cpu_ms:.2f} | {ceiling.rps:.1f} | {r.rps / ceiling.rps:.3f} |")
    off = runs.get((args.pilots, "off"))
    if not off:
        return
    print("\nTargets (cache off):")
    for name, target in TARGETS.items():
        if name in off:
            ratio = off[name][1].rps / off[name][0].rps
            verdict = "met" if ratio >= target else "NOT met"
            print(f"  {name} ≥ {target:.2f} × ceiling: {ratio:.3f} → {verdict}")
    big = runs.get((args.big_pilots, "off"))
    if big:
        small_ratio = off["district page"][1].rps / off["district page"][0].rps
        change = (big["district page"][1].rps / big["district page"][0].rps) / small_ratio - 1
        print(f"  district page at {args.big_pilots:,} within 20% of {args.pilots:,} (ratios to their "
              f"ceilings): {change:+.1%} → {'met' if change >= -0.20 else 'NOT met'}")


def serve(url: str, cache: str, hello: Server, paths: dict, args) -> dict:
    with Server("tracker:create_app()", tracker_env(url, cache == "on")) as app:
        cookie = load.sign_in(app.url, "koordinator1@bench.example", PASSWORD)
        return measure(hello, app, paths, cookie, args)


def profile(url: str, path: str, top: int) -> None:
    """``path`` in this process (no server, page cache off) as the coordinator of distrikt-1: CPU per
    request (best of 6 × 5) and cProfile's ``top`` most expensive functions, by their own time."""
    import cProfile
    import pstats

    from tracker import create_app
    from tracker.auth.models import User
    from tracker.db import db

    app = create_app({"SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": url, "DISTRICTS_CACHE_SECONDS": 0,
                      "RATELIMIT_ENABLED": False, "BASE_URL": "http://127.0.0.1"})
    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "koordinator1@bench.example"))
        user_id = f"{user.id}:{user.session_version}"
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = user_id, True
    for _ in range(3):
        assert client.get(path).status_code == 200
    rounds = []
    for _ in range(6):
        started = time.process_time()
        for _ in range(5):
            client.get(path)
        rounds.append((time.process_time() - started) / 5 * 1000)
    print(f"{path}: {min(rounds):.1f} ms CPU per request (best of 6 × 5; median {sorted(rounds)[3]:.1f}), "
          f"load average {os.getloadavg()[0]:.1f}")
    if top:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [client.get(path) for _ in range(10)])
        pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=50)
    parser.add_argument("--pilots", type=int, default=20_000)
    parser.add_argument("--big", action="store_true", help="also every page at --big-pilots")
    parser.add_argument("--big-pilots", type=int, default=200_000)
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a SQLite file in /tmp)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rebuild", action="store_true", help="rebuild the database even if present")
    parser.add_argument("--cache", choices=("off", "on", "both"), default="both",
                        help="the district page cache: off (every request computes), on, or both runs")
    parser.add_argument("--profile", metavar="PATH", help="only PATH, in process (/districts/distrikt-1)")
    parser.add_argument("--profile-top", type=int, default=0, help="with --profile: print cProfile's top N")
    args = parser.parse_args()
    if args.profile:
        url = args.database_url or sqlite_url(args.pilots)
        build_database(url, args.districts, args.pilots, args.rebuild)
        return profile(url, args.profile, args.profile_top)

    tool = "wrk" if shutil.which("wrk") else "Python threads"
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}, load generator: {tool}")
    url = args.database_url or sqlite_url(args.pilots)
    if args.database_url:
        load.create_pg_database(url)
    build_database(url, args.districts, args.pilots, args.rebuild)
    paths = pages(url)
    caches = ("off", "on") if args.cache == "both" else (args.cache,)
    runs = {}
    with Server("hello:app", chdir=ROOT / "bench") as hello:
        for cache in caches:
            print(f"{args.pilots:,} pilots, cache {cache}, signed in as the coordinator of distrikt-1:")
            runs[(args.pilots, cache)] = serve(url, cache, hello, paths, args)
        if args.big:
            big_url = (re.sub(r"/[^/]+$", "/testarena_bench_big", args.database_url) if args.database_url
                       else sqlite_url(args.big_pilots))
            if args.database_url:
                load.create_pg_database(big_url)
            build_database(big_url, args.districts, args.big_pilots, args.rebuild)
            for cache in caches:
                print(f"{args.big_pilots:,} pilots, cache {cache}:")
                runs[(args.big_pilots, cache)] = serve(big_url, cache, hello, pages(big_url), args)
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    report(runs, args)


if __name__ == "__main__":
    main()
