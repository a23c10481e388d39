"""The JSON API under load: ``GET /api/v1/pilots?district=…`` (a page of 50) against the bare-Flask
ceiling (``bench/hello.py``) and against Datasette serving the same SQLite file (the same filtered
rows as JSON), in one run; the API anonymously (from the page cache, shared through Redis where it
answers, as production runs), with a read token, and once more with the cache off (the query and
serialisation path). Prints the figures; never runs in CI.

    .venv/bin/python bench/api.py               # 20,000 pilots (the database bench/run.py builds)
    .venv/bin/python bench/api.py --datasette /path/to/datasette

Datasette is a bench-only tool, not a dependency: without ``--datasette`` the script looks for
``/tmp/testarena-datasette/bin/datasette`` (``python3 -m venv /tmp/testarena-datasette &&
/tmp/testarena-datasette/bin/pip install 'datasette>=0.65,<0.66'``) and skips it when absent.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import time
import urllib.request
from datetime import date
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import load
import run

from tracker.pilots.workflow import PUBLIC_STATUSES

TARGETS = {"ceiling": 0.10, "datasette": 8.0}


class Datasette(run.Server):
    """``datasette serve FILE`` (one process, as Datasette runs) on a free loopback port."""

    def __init__(self, binary: str, database: str):
        super().__init__("unused")
        command = [binary, "serve", database, "-h", "127.0.0.1", "-p", str(self.port),
                   "--setting", "default_page_size", "50", "--setting", "sql_time_limit_ms", "10000"]
        # exec: the measured process is Datasette itself; its access log would drown the figures.
        self.args = ["sh", "-c", 'exec "$@" >/dev/null 2>&1', "datasette", *command]


def load_once(server: run.Server, path: str, args, header: str | None = None) -> load.Result:
    """``run.load_once`` with an optional request header (the token)."""
    url = server.url + path
    answered(url, header)
    server.drain()
    load.run(url, None, 3, args.connections, header)  # warm-up
    server.drain()
    before = server.cpu()
    result = load.run(url, None, args.duration, args.connections, header)
    result.cpu_ms = (server.cpu() - before) * 1000 / max(result.requests, 1)
    return result


def answered(url: str, header: str | None, most: float = 180.0) -> None:
    """Wait until ``url`` answers 200: on a loaded machine gunicorn's workers may take tens of
    seconds to build the app after the port opens, and a run must not measure their boot."""
    headers = dict([header.split(": ", 1)]) if header else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (loopback http only)
    deadline = time.monotonic() + most
    while True:
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def district_id(url: str, slug: str) -> int:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT id FROM districts WHERE slug = :s"), {"s": slug}).scalar()
    engine.dispose()
    return found


def token(url: str) -> str:
    """A read token of the coordinator of distrikt-1 (for the signed-in run)."""
    from tracker import create_app
    from tracker.api import tokens
    from tracker.auth.models import User
    from tracker.db import db

    app = create_app({"TESTING": True, "SECRET_KEY": run.SECRET, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "koordinator1@bench.example"))
        _token, secret = tokens.create(user, "bench", "read", date(2100, 1, 1))
        db.session.commit()
        db.engine.dispose()
    return secret


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=50)
    parser.add_argument("--pilots", type=int, default=20_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--datasette", default="/tmp/testarena-datasette/bin/datasette")
    args = parser.parse_args()
    tool = "wrk" if shutil.which("wrk") else "Python threads"
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}, load generator: {tool}")
    url = run.sqlite_url(args.pilots)
    run.build_database(url, args.districts, args.pilots, args.rebuild)
    district = district_id(url, "distrikt-1")
    path = f"/api/v1/pilots?district={district}&limit=50"
    statuses = ",".join(sorted(str(s) for s in PUBLIC_STATUSES))
    database = url.removeprefix("sqlite:///")
    ds_path = (f"/{Path(database).stem}/pilots.json?district_id={district}&is_public=1"
               f"&status__in={statuses}&_size=50&_shape=objects&_sort=id")
    secret = token(url)
    results = {}
    with run.Server("hello:app", chdir=run.ROOT / "bench") as hello, \
            run.Server("tracker:create_app()", run.tracker_env(url)) as app:
        results["ceiling"] = load_once(hello, "/", args)
        results["api anonymous"] = load_once(app, path, args)
        results["api with token"] = load_once(app, path, args, f"Authorization: Bearer {secret}")
    with run.Server("tracker:create_app()", run.tracker_env(url, cache=False)) as uncached:
        results["api anonymous, cache off"] = load_once(uncached, path, args)
    if Path(args.datasette).exists():
        with Datasette(args.datasette, database) as datasette:
            results["datasette"] = load_once(datasette, ds_path, args)
    else:
        print(f"Datasette not found at {args.datasette}: skipped")
    print(f"\n{args.pilots:,} pilots, district distrikt-1, page of 50, as JSON:\n")
    print("| server | req/s | p50 ms | p99 ms | server CPU ms/req |\n|---|---:|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r.rps:.1f} | {r.p50:.1f} | {r.p99:.1f} | {r.cpu_ms:.2f} |")
    api = results["api anonymous"].rps
    print(f"\nAPI (anonymous) / ceiling: {api / results['ceiling'].rps:.3f} (target ≥ {TARGETS['ceiling']})")
    if "datasette" in results:
        ratio = api / results["datasette"].rps
        print(f"API (anonymous) / Datasette: {ratio:.2f} (target ≥ {TARGETS['datasette']})")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
