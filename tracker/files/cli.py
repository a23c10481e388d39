"""``flask --app tracker files check | purge | restore`` and the files part of ``backup``."""

from __future__ import annotations

import os
import sqlite3
import tarfile

import click
from flask.cli import AppGroup

from tracker.db import db
from tracker.files import operations, storage

files_cli = AppGroup("files", help="Attachment storage: check, purge, restore.")


def archive_name(target: str) -> str:
    """Where ``backup TARGET`` writes the attachments: beside the database copy."""
    return f"{target}.files.tar"


def backup_files(database_copy: str, target: str) -> int:
    """Write every file the database copy refers to into ``archive_name(target)`` (0600, via a
    partial file). The hashes come from the copy, so the archive matches that snapshot exactly
    (stored files never change, and purge only removes files no row uses). Returns the count."""
    with sqlite3.connect(database_copy) as copy:
        hashes = sorted({row[0] for row in copy.execute("SELECT DISTINCT sha256 FROM file_versions")})
    missing = [h for h in hashes if not storage.path_for(h).is_file()]
    if missing:
        raise click.ClickException(f"{len(missing)} stored file(s) are missing (flask --app tracker files "
                                   f"check): {', '.join(missing[:5])}")
    archive = archive_name(target)
    partial = f"{archive}.partial"
    os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600))
    os.chmod(partial, 0o600)
    try:
        with tarfile.open(partial, "w") as tar:
            for sha in hashes:
                tar.add(storage.path_for(sha), arcname=sha, recursive=False)
    except BaseException:
        os.remove(partial)
        raise
    os.replace(partial, archive)
    return len(hashes)


@files_cli.command("check")
def check_command():
    """Report files the database refers to but storage lacks (missing) and the reverse (orphaned)."""
    missing, orphaned = operations.check_storage()
    for sha in sorted(missing):
        click.echo(f"missing  {sha}")
    for sha in sorted(orphaned):
        click.echo(f"orphaned {sha}")
    click.echo(f"{len(missing)} missing, {len(orphaned)} orphaned.")
    if missing:
        raise SystemExit(1)


@files_cli.command("purge")
def purge_command():
    """Remove attachments deleted more than 30 days ago and stored files no row uses."""
    attachments, files = operations.purge()
    db.session.commit()
    click.echo(f"Purged {attachments} attachment(s) and {files} stored file(s).")


@files_cli.command("restore")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False))
def restore_command(archive):
    """Put the files of a backup archive (``FILE.files.tar``) back into storage, each checked
    against its sha256 name; members with any other name or content are refused."""
    restored = 0
    with tarfile.open(archive, "r") as tar:
        for member in tar:
            if not member.isfile() or not storage.SHA256.fullmatch(member.name):
                raise click.ClickException(f"unexpected member in the archive: {member.name!r}")
            with tar.extractfile(member) as stream:
                sha, _size = storage.store(stream)
            if sha != member.name:  # stored under its true hash: an orphan that purge removes
                raise click.ClickException(f"{member.name}: content does not match its name")
            restored += 1
    click.echo(f"Restored {restored} file(s) into {storage.root()}.")
