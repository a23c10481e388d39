"""``flask --app tracker search reindex``: rebuild the whole index, with a progress bar."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from tracker.db import db

search_cli = AppGroup("search", help="The full-text search index.")


@search_cli.command("reindex")
def reindex_command():
    """Rebuild every search document from the pilots and partners (one transaction)."""
    from tracker.search.index import reindex

    def progress(batches):
        with click.progressbar(batches, label="Indexing", show_pos=True, file=sys.stderr,
                               item_show_func=lambda b: b and b[0]) as bar:
            yield from bar

    count = reindex(progress)
    db.session.commit()
    click.echo(f"Indexed {count} documents.")
