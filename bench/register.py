"""The register's open data at city scale (issue 18): the CSV of 20,000 public pilots, streamed.

    .venv/bin/python bench/register.py [--pilots 20000] [--rebuild] [--database-url URL]

Builds (or reuses) the synthetic city of ``bench/run.py`` (``bench/synth.py``), copies it and makes
every pilot public and in a public status (the register then holds all of them, with their themes,
partners, status history and outcomes), serves the app in this process behind werkzeug's HTTP
server (one thread) and downloads ``/register/pilots.csv`` and ``/register/pilots.json``, reading
1 MB at a time. Prints the time to the last byte, the CPU time it took (this process: server and
client; the wall time follows the machine's load, the CPU time much less), the rows, the size,
and the process's peak
resident memory growth (VmRSS sampled every 5 ms) against the resident memory before, for the
whole register and for one district's part of it: flat memory means the growth does not follow the
number of rows. Target: CSV of 20,000 pilots in ≤ 2 s. With ``--database-url`` (PostgreSQL) the
city is built in that database and made public in place (give it a database of its own).
"""

from __future__ import annotations

import argparse
import http.client
import os
import resource
import shutil
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.files_memory import CHUNK, Peak, rss_mb  # noqa: E402
from bench.run import build_database, sqlite_url  # noqa: E402

TARGET_SECONDS = 2.0


def public_copy(source: str) -> str:
    """The synthetic city with every pilot in the public register: a copy of a SQLite file (its
    name this process's), a PostgreSQL database changed in place."""
    url = source
    if source.startswith("sqlite:///"):
        path = source.removeprefix("sqlite:///")
        copy = path.replace(".sqlite", f"-register-{os.getpid()}.sqlite")
        shutil.copyfile(path, copy)
        url = f"sqlite:///{copy}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE pilots SET is_public = true, status = CASE WHEN status IN ('draft', "
                             "'submitted', 'rejected', 'withdrawn') THEN 'running' ELSE status END"))
        conn.execute(sa.text("ANALYZE"))
    engine.dispose()
    return url


def cpu_seconds() -> float:
    """User + system CPU time of this process (server and client both run in it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def download(port: int, path: str) -> tuple[float, float, int, int, float]:
    """(seconds to the last byte, CPU seconds, lines, bytes, peak memory growth in MB) of one GET."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    before = rss_mb()
    with Peak() as peak:
        started, cpu = time.perf_counter(), cpu_seconds()
        conn.request("GET", path)
        response = conn.getresponse()
        size = lines = 0
        while data := response.read(CHUNK):
            size += len(data)
            lines += data.count(b"\n")
        seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    assert response.status == 200, response.status
    conn.close()
    return seconds, cpu, lines, size, peak.peak - before


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pilots", type=int, default=20_000)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--database-url", help="PostgreSQL URL (default: a SQLite file in /tmp)")
    args = parser.parse_args()
    source = args.database_url or sqlite_url(args.pilots)
    build_database(source, 50, args.pilots, args.rebuild)
    url = public_copy(source)
    from tracker import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret-key-long-enough",
                      "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                      "BASE_URL": "https://testarena.example.no"})
    server = make_server("127.0.0.1", 0, app, threaded=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    download(port, "/register/pilots.csv?district=distrikt-2")  # warm-up: imports, first queries
    print("| file | rows | MB | seconds to the last byte | CPU seconds | peak memory growth MB |")
    print("|---|---:|---:|---:|---:|---:|")
    results = {}
    for path in ("/register/pilots.csv?district=distrikt-1", "/register/pilots.csv",
                 "/register/pilots.json?district=distrikt-1", "/register/pilots.json"):
        seconds, cpu, lines, size, growth = download(port, path)
        rows = lines - 1  # CSV: a header line; JSON: a head line, then a line per pilot
        results[path] = seconds, cpu
        print(f"| `{path}` | {rows:,} | {size / 1e6:.1f} | {seconds:.2f} | {cpu:.2f} | +{growth:.1f} |")
    server.shutdown()
    if url != source:
        for suffix in ("", "-wal", "-shm"):
            Path(url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    whole, cpu = results["/register/pilots.csv"]
    verdict = "met" if whole <= TARGET_SECONDS else "NOT met"
    print(f"\nTarget: CSV of {args.pilots:,} pilots in ≤ {TARGET_SECONDS:.0f} s: {whole:.2f} s "
          f"({cpu:.2f} s of CPU), {verdict}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
