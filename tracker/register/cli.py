"""``flask --app tracker network pull``: refresh the pilots of every followed district."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from tracker.db import db
from tracker.register import network, operations, queries

network_cli = AppGroup("network", help="The network of cities: other installations' public pilots.")


@network_cli.command("pull")
def pull_command():
    """Fetch the public pilots of every followed district; a source that fails keeps its last
    copies and shows why on the administrators' page (exit 1 if any failed)."""
    failures = 0
    for source in queries.network_sources():
        try:
            stored, skipped = network.pull(source)
        except network.PullError as exc:
            operations.failed(source, str(exc))
            failures += 1
            click.echo(f"{source.name}: failed: {exc}")
        else:
            note = f", {skipped} skipped (invalid)" if skipped else ""
            click.echo(f"{source.name}: {stored} pilot(s){note}")
        db.session.commit()
    if failures:
        raise SystemExit(1)
