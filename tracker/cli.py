"""Command-line tools: ``flask --app tracker user create`` and ``flask --app tracker demo``."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup

from tracker.db import db

user_cli = AppGroup("user", help="Manage users.")


@user_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name shown in the app.")
@click.option("--role", required=True, help="staff, coordinator, viewer (innovation office) or admin.")
@click.option("--district", "districts", multiple=True, help="District slug (coordinators; repeatable).")
@click.option("--agency", default="", help="Responsible agency (virksomhet).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_user_command(email, name, role, districts, agency, password_stdin):
    """Create a user. Without --password-stdin a one-time password is generated and printed."""
    import secrets

    from tracker.auth.operations import UserError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        generated = False
    else:
        password, generated = secrets.token_urlsafe(12), True
    try:
        user = create_user(email, name, role, districts, password=password, agency=agency)
    except UserError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}.")
    if generated:
        click.echo(f"Password: {password}")


@click.command("demo")
@click.option("--reset-passwords", is_flag=True, help="Give the demo users new passwords and print them.")
def demo_command(reset_passwords):
    """Load demo districts, themes, partners, users and pilots (safe to run again)."""
    from tracker.demo import load_demo, reset_demo_passwords

    created = load_demo()
    if reset_passwords:
        created = reset_demo_passwords()
    db.session.commit()
    if created:
        click.echo("Demo users (save these passwords; they are shown once):")
        for email, role, password in created:
            click.echo(f"  {role:<12} {email:<40} {password}")
    else:
        click.echo("Demo data already present; nothing changed. "
                   "Lost the passwords? flask --app tracker demo --reset-passwords")


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
def backup_command(target):
    """Copy the SQLite database to TARGET while the app keeps serving (SQLite's online backup API).

    The copy is a consistent snapshot, checked with ``PRAGMA integrity_check``; it is written next
    to TARGET first and moved into place only when the check passes; it is readable by its owner
    only (0600). For PostgreSQL use pg_dump.

    Attachments go into ``TARGET.files.tar`` beside it (tracker/files/cli.py; restore them with
    ``flask --app tracker files restore TARGET.files.tar``).
    """
    import os
    import sqlite3

    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            f"backup copies SQLite databases only; this one is {url.get_backend_name()}: "
            "use pg_dump (e.g. pg_dump --format=custom --file=FILE DBNAME) for PostgreSQL")
    if not url.database or url.database == ":memory:":
        raise click.ClickException("the database is in memory: there is no file to back up")
    if os.path.exists(target):
        raise click.ClickException(f"{target} exists already: choose a new file name")
    partial = f"{target}.partial"
    # Owner-only (0600) from the first byte: the copy holds password hashes and sign-in history.
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600))
    os.chmod(partial, 0o600)  # a stale partial file from an interrupted run keeps its old mode
    source = sqlite3.connect(url.database, timeout=30)
    copy = sqlite3.connect(partial)
    try:
        source.backup(copy)  # all pages in one step: one read transaction, one snapshot
        copy.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        (verdict,) = copy.execute("PRAGMA integrity_check").fetchone()
        (pages,) = copy.execute("PRAGMA page_count").fetchone()
    finally:
        copy.close()
        source.close()
    if verdict != "ok":
        os.remove(partial)
        raise click.ClickException(f"the copy failed its integrity check: {verdict}")
    from tracker.files.cli import archive_name, backup_files

    try:
        files = backup_files(partial, target)
    except BaseException:
        os.remove(partial)
        raise
    os.replace(partial, target)
    click.echo(f"Backed up {url.database} to {target} ({pages} pages, integrity ok) "
               f"and {files} attached file(s) to {archive_name(target)}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(user_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    from tracker.files.cli import files_cli

    app.cli.add_command(files_cli)
    from tracker.notifications.cli import notify_cli

    app.cli.add_command(notify_cli)
    from tracker.register.cli import network_cli

    app.cli.add_command(network_cli)
    from tracker.search.cli import search_cli

    app.cli.add_command(search_cli)
    from tracker.imports.cli import import_command

    app.cli.add_command(import_command)
