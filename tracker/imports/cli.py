"""``flask --app tracker import FILE --mapping NAME [--dry-run] [--district SLUG]``: the same
analysis and import as the pages, for large files and automation, with a progress bar."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask_babel import force_locale

from tracker.auth.models import Role, User
from tracker.db import db
from tracker.districts.models import District
from tracker.imports import mapping, plan, reading
from tracker.imports.models import ImportMapping


def _user(email: str | None) -> User:
    if email:
        user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
        if user is None or not user.is_active:
            raise click.ClickException(f"no active user {email}")
        return user
    admins = list(db.session.scalars(sa.select(User).where(User.role == Role.ADMIN, User.active.is_(True))))
    if len(admins) != 1:
        raise click.ClickException("name the importing user with --user EMAIL")
    return admins[0]


def report(result: plan.Plan, limit: int = 50) -> None:
    totals = result.totals
    click.echo(f"new {totals['create']}, updated {totals['update']}, unchanged {totals['unchanged']}, "
               f"refused {totals['refused']}")
    for row in result.refused[:limit]:
        for p in row.problems:
            click.echo(f"  row {row.number}, column {p.column!r}, value {p.value!r}: {p.message}")
    if len(result.refused) > limit:
        click.echo(f"  … and {len(result.refused) - limit} more refused rows")


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--mapping", "mapping_name", help="A saved column mapping (default: guess from the headers).")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--district", help="District slug for rows without a district.")
@click.option("--user", "email", help="The importing user, owner of new pilots (default: the only admin).")
@click.option("--valid-only", is_flag=True, help="Import the valid rows even if some are refused.")
def import_command(file, mapping_name, dry_run, district, email, valid_only):
    """Import pilots from an .xlsx, .ods or .csv FILE (all rows or none unless --valid-only)."""
    with force_locale("en"):  # messages and labels in English, outside any request
        _import(file, mapping_name, dry_run, district, email, valid_only)


def _import(file, mapping_name, dry_run, district, email, valid_only):
    user = _user(email)
    saved = None
    if mapping_name:
        saved = db.session.scalar(sa.select(ImportMapping).where(ImportMapping.name == mapping_name))
        if saved is None:
            raise click.ClickException(f"no saved mapping called {mapping_name!r}")
    default = None
    if district:
        default = db.session.scalar(sa.select(District).where(District.slug == district))
        if default is None:
            raise click.ClickException(f"no district {district!r}")
    path = Path(file)
    if path.stat().st_size > reading.MAX_FILE_BYTES:
        raise click.ClickException(f"the file is larger than {reading.MAX_FILE_BYTES // 2**20} MB")
    try:
        table = reading.read_table(path.read_bytes(), path.name, mapping.header_score())
    except reading.Unreadable as exc:
        raise click.ClickException(str(exc)) from exc
    targets = mapping.auto_mapping(table.headers, saved.columns if saved else None)
    click.echo(f"{path.name}: {table.describe()}; {len(table.rows)} rows")
    for header, target in zip(table.headers, targets, strict=True):
        click.echo(f"  {header!r} -> {mapping.target_label(target) if target else '(not imported)'}")
    options = plan.Options(user=user, owner=user, source=path.name, district=default)
    result = plan.analyse(table, targets, options)
    report(result)
    if dry_run:
        click.echo("Dry run: nothing was written.")
        return
    if result.refused and not valid_only:
        raise click.ClickException("nothing was imported: some rows are refused (fix them, or --valid-only)")
    try:
        with click.progressbar(length=len(result.rows), label="Importing") as bar:
            done = plan.apply(result, options, valid_only=valid_only, progress=bar.update)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    click.echo(f"Imported: new {done['create']}, updated {done['update']}, unchanged {done['unchanged']}, "
               f"refused {done['refused']}.")
