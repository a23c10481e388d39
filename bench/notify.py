"""Notifications: how fast the outbox worker delivers, and what enqueueing adds to an action.

    .venv/bin/python bench/notify.py [--count 10000] [--database-url URL]

1. Delivery: ``count`` queued notifications (rows inserted directly), one worker
   (``tracker.notifications.worker.run_once`` in batches of 200, one SMTP connection) sending to a
   local SMTP sink (aiosmtpd's ``Sink`` handler, in its own process, discarding every message).
   Prints messages per second, and the CPU time per message of the worker (this process) and of
   the sink (its process), comparable on a shared machine; the target is >= 200/s.
2. Enqueue overhead: a workflow action (pause, then resume, each committed) on a running pilot whose
   owner, two coordinators and five followers are told (7 notifications + 7 outbox rows per
   action), timed with the notification receiver connected and disconnected; the difference of the
   medians is what enqueueing adds (wall clock, and this process's CPU time, which leaves out the
   database server's). The target is <= 2 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_sink(port: int) -> subprocess.Popen:
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
                             "-c", "aiosmtpd.handlers.Sink"])
    import socket

    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 1).close()
            return sink
        except OSError:
            time.sleep(0.1)
    sink.kill()
    raise SystemExit("the SMTP sink did not start")


def build(count: int):
    import sqlalchemy as sa

    from tests import factories
    from tracker.db import db, utcnow
    from tracker.notifications.models import Notification, OutboxMessage
    from tracker.pilots.workflow import Status

    world = factories.World.build()
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.RUNNING, title="Bysykkel")
    db.session.commit()
    now = utcnow()
    users = [world.staff_a.id, world.staff_b.id, world.coordinator_a.id, world.coordinator_b.id]
    for start in range(0, count, 5000):  # ids from the sequence (PostgreSQL's must move on too)
        n = min(5000, count - start)
        db.session.execute(sa.insert(Notification), [
            {"user_id": users[i % len(users)], "kind": "comment", "action": "comment", "pilot_id": pilot.id,
             "actor_id": world.admin.id, "title": "Bysykkel", "actor_name": "Admin", "comment": "Hei",
             "mode": "now", "created_at": now} for i in range(n)])
    outbox = {"state": "pending", "attempts": 0, "next_attempt_at": now, "last_error": "", "created_at": now}
    values = [sa.literal(v, OutboxMessage.__table__.c[k].type) for k, v in outbox.items()]
    columns = ["user_id", "notification_id", *outbox]
    db.session.execute(sa.insert(OutboxMessage).from_select(
        columns, sa.select(Notification.user_id, Notification.id, *values).order_by(Notification.id)))
    db.session.commit()
    return world, pilot


def cpu_of(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def deliver(count: int, sink_pid: int) -> tuple[float, float, float]:
    """Messages per second (wall), worker and sink CPU milliseconds per message."""
    from flask import current_app

    from tracker.notifications import mail, worker

    transport = mail.Transport(current_app)
    sent = 0
    sink_cpu = cpu_of(sink_pid)
    cpu = time.process_time()
    start = time.perf_counter()
    try:
        while True:
            counts = worker.run_once(batch=200, transport=transport)
            if not sum(counts.values()):
                break
            sent += counts["sent"]
    finally:
        transport.close()
    elapsed = time.perf_counter() - start
    cpu, sink_cpu = time.process_time() - cpu, cpu_of(sink_pid) - sink_cpu
    if sent != count:
        raise SystemExit(f"sent {sent} of {count}")
    return sent / elapsed, cpu * 1000 / sent, sink_cpu * 1000 / sent


def action_times(world, pilot, rounds: int) -> list[tuple[float, float]]:
    from tracker.db import db
    from tracker.pilots import operations
    from tracker.pilots.models import Pilot
    from tracker.pilots.workflow import Action

    times = []
    for i in range(rounds):
        pilot = db.session.get(Pilot, pilot.id)
        action, comment = (Action.PAUSE, "Vinter") if i % 2 == 0 else (Action.RESUME, "")
        start, cpu = time.perf_counter(), time.process_time()
        operations.transition(pilot, action, world.coordinator_a, comment=comment,
                              expected_version=pilot.version)
        db.session.commit()
        times.append((time.perf_counter() - start, time.process_time() - cpu))
    return times


def overhead(world, pilot, rounds: int) -> list[tuple[float, float]]:
    """Median milliseconds per action, (wall, CPU), with and without the notification receiver."""
    from tests import factories
    from tracker import events
    from tracker.auth.models import Role
    from tracker.db import db
    from tracker.notifications import operations as notify_ops
    from tracker.notifications.rules import on_recorded

    factories.make_user(Role.COORDINATOR, [world.district_a])
    for _ in range(5):
        notify_ops.set_following(pilot, factories.make_user(Role.STAFF), True)
    db.session.commit()
    action_times(world, pilot, 20)  # warm up
    with_receiver, without = [], []
    for _ in range(3):  # interleaved, so drift on a shared machine hits both alike
        with_receiver += action_times(world, pilot, rounds)
        events.recorded.disconnect(on_recorded)
        try:
            without += action_times(world, pilot, rounds)
        finally:
            events.recorded.connect(on_recorded)
    return [tuple(statistics.median(t[i] for t in times) * 1000 for i in (0, 1))
            for times in (with_receiver, without)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    from tracker import create_app
    from tracker.db import db

    folder = tempfile.mkdtemp(prefix="testarena-bench-notify-")
    url = args.database_url or f"sqlite:///{folder}/notify.sqlite"
    port = free_port()
    sink = start_sink(port)
    try:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "MAIL_SERVER": "127.0.0.1",
                          "MAIL_PORT": port, "BASE_URL": "https://testarena.example.no"})
        with app.app_context():
            if args.database_url:
                db.drop_all()
            db.create_all()
            world, pilot = build(args.count)
            rate, cpu, sink_cpu = deliver(args.count, sink.pid)
            print(f"delivery: {args.count} e-mails in one worker to a local SMTP sink: {rate:.0f}/s "
                  f"(target >= 200/s) [{db.engine.dialect.name}]; CPU per e-mail: worker {cpu:.2f} ms, "
                  f"sink {sink_cpu:.2f} ms")
            (on, on_cpu), (off, off_cpu) = overhead(world, pilot, args.rounds)
            print(f"enqueue: a workflow action telling 7 people takes {on:.2f} ms with notifications, "
                  f"{off:.2f} ms without: +{on - off:.2f} ms (target <= 2 ms); CPU {on_cpu:.2f} ms vs "
                  f"{off_cpu:.2f} ms: +{on_cpu - off_cpu:.2f} ms")
            print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
            db.session.remove()
            db.engine.dispose()
    finally:
        sink.terminate()
        sink.wait()
        if not args.database_url:
            for name in os.listdir(folder):
                os.remove(os.path.join(folder, name))
            os.rmdir(folder)


if __name__ == "__main__":
    main()
