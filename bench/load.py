"""Load generation on loopback: wrk when installed, else a bounded Python thread pool; sign-in."""

from __future__ import annotations

import http.client
import http.cookiejar
import re
import shutil
import statistics
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass

import sqlalchemy as sa

# One browser: the load sends the User-Agent the sign-in sent. Flask-Login's session protection
# ties a session to its address and browser, and marks a mismatched request's session not fresh
# (a cookie written again on every response, which no real browser would cost the server).
USER_AGENT = "testarena-bench"


@dataclass
class Result:
    rps: float
    p50: float  # milliseconds
    p99: float
    tool: str
    requests: int = 0
    cpu_ms: float = 0.0  # server CPU per request (bench/run.py fills it in)


def run(url: str, cookie: str | None, seconds: int, connections: int, header: str | None = None) -> Result:
    """Load ``url``; ``header``: one more request header ("Authorization: Bearer …")."""
    if shutil.which("wrk"):
        return _wrk(url, cookie, seconds, connections, header)
    return _threads(url, cookie, seconds, connections, header)


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def _wrk(url: str, cookie: str | None, seconds: int, connections: int, header: str | None = None) -> Result:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency",
           "-H", f"User-Agent: {USER_AGENT}", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    if header:
        cmd[1:1] = ["-H", header]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{url} answered errors under load:\n{out}")
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))

    def parse(v: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", v).groups()
        return _ms(number, unit)

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    return Result(rps, parse(latency["50"]), parse(latency["99"]), "wrk", requests)


def _threads(url: str, cookie: str | None, seconds: int, connections: int,
             header: str | None = None) -> Result:
    """Fallback: ``connections`` threads with keep-alive, for ``seconds``; bounded by design."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"User-Agent": USER_AGENT, **({"Cookie": cookie} if cookie else {})}
    if header:
        name, _, value = header.partition(":")
        headers[name.strip()] = value.strip()
    timings: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}")
            mine.append((time.perf_counter() - started) * 1000)
        conn.close()
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    timings.sort()
    q = statistics.quantiles(timings, n=100)
    return Result(len(timings) / seconds, q[49], q[98], "python threads", len(timings))


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the real form (CSRF token and all); returns the Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    form = {"csrf_token": token.group(1), "email": email, "password": password}
    data = urllib.parse.urlencode(form).encode()
    # Loopback http:// only (the server this script started).
    request = urllib.request.Request(base + "/login", data=data, headers={"Referer": base + "/login"})  # noqa: S310
    opener.open(request).read()
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    if "session=" not in cookie:
        raise RuntimeError("sign-in failed")
    return cookie


def create_pg_database(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist."""
    target = sa.make_url(url)
    admin = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": target.database}).scalar()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{target.database}"')
    admin.dispose()


def redis_answers(url: str) -> bool:
    """Whether a Redis server answers at ``url`` (the shared page cache is measured only then)."""
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False
