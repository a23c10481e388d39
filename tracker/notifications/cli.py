"""``flask --app tracker notify work | digest | purge``: the e-mail worker and its chores."""

from __future__ import annotations

import signal

import click
from flask import current_app
from flask.cli import AppGroup

notify_cli = AppGroup("notify", help="Notification e-mails: the outbox worker, weekly digest, purge.")


@notify_cli.command("work")
@click.option("--once", is_flag=True, help="One batch, then stop (for cron or a test).")
@click.option("--batch", default=100, show_default=True, help="Messages claimed per pass.")
@click.option("--poll", type=float, default=None, help="Seconds between polls of an empty outbox.")
def work_command(once, batch, poll):
    """Send queued e-mails until stopped (SIGTERM or Ctrl+C finish the message in hand first).

    Several workers may run at once on PostgreSQL (rows are claimed with FOR UPDATE SKIP LOCKED);
    on SQLite run one. Without TRACKER_MAIL_SERVER the e-mails are written to instance/mail/.
    """
    from tracker.notifications.worker import work

    stopping = []

    def stop(*_):
        stopping.append(True)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    where = current_app.config.get("MAIL_SERVER") or "instance/mail/ (.eml files)"
    click.echo(f"Notification worker: sending to {where}.", err=True)
    try:
        work(poll if poll is not None else float(current_app.config["NOTIFY_POLL_SECONDS"]), batch,
             stop=lambda: bool(stopping), once=once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@notify_cli.command("digest")
def digest_command():
    """Queue this ISO week's digest for everyone with something to read (safe to run again)."""
    from tracker.db import utcnow
    from tracker.notifications.digest import iso_week, run_digest

    count = run_digest()
    click.echo(f"Queued {count} digest(s) for {iso_week(utcnow())}.")


@notify_cli.command("purge")
def purge_command():
    """Delete notifications older than NOTIFY_RETENTION_DAYS (the worker also does it hourly)."""
    from tracker.notifications.worker import purge

    click.echo(f"Deleted {purge()} old notification(s).")
