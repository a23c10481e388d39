"""The only code that changes attachments: add files or a link, replace, delete, restore, purge.

Each checks its rules, stores bytes (content-addressed, ``storage``), writes a pilot audit entry,
flushes and never commits (the route commits once).
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import PurePosixPath

import sqlalchemy as sa

from tracker.db import db, utcnow
from tracker.files import permissions, sniff, storage
from tracker.files.models import Attachment, FileVersion, Kind
from tracker.guards import HIDDEN_CHARACTERS
from tracker.pilots.audit_fields import PILOT

ORPHAN_GRACE_SECONDS = 24 * 3600  # a blob younger than this may belong to an upload in progress


@dataclass
class Upload:
    """A received file: a seekable binary stream and the name the browser gave it (display only)."""

    stream: object
    filename: str


class TooLarge(ValueError):
    """A file over the size cap."""


def display_name(filename: str) -> str:
    """The last path part of ``filename`` without control characters, at most 200 characters."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    return HIDDEN_CHARACTERS.sub("", name).strip()[:200] or "file"


def download_name(version: FileVersion) -> str:
    """The stored display name with the extension of the sniffed type (never the claimed one)."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,8}$", "", version.filename) or "file"
    return f"{stem}.{sniff.EXTENSIONS.get(version.mimetype, 'bin')}"


def check(upload: Upload, max_bytes: int) -> str:
    """The sniffed type of ``upload``; ``TooLarge`` or ``sniff.Refused`` otherwise."""
    upload.stream.seek(0, 2)
    size = upload.stream.tell()
    upload.stream.seek(0)
    if size > max_bytes:
        raise TooLarge(upload.filename)
    return sniff.sniff(upload.stream, upload.filename)


def _version(attachment: Attachment, user, upload: Upload, mimetype: str, number: int) -> FileVersion:
    sha, size = storage.store(upload.stream)
    version = FileVersion(attachment=attachment, number=number, sha256=sha, size=size, mimetype=mimetype,
                          filename=display_name(upload.filename), uploaded_by_id=user.id)
    db.session.add(version)
    return version


def _public(pilot, kind, wanted: bool) -> bool:
    if wanted and not permissions.may_be_public(pilot, kind):
        raise ValueError("this attachment cannot be public")
    return bool(wanted)


def add_files(pilot, user, kind: str, title: str, note: str, is_public: bool,
              uploads: list[tuple[Upload, str]]) -> list[Attachment]:
    """One attachment per ``(upload, sniffed type)``; the title gets a number when there are several."""
    if not permissions.can_add(user, pilot):
        raise PermissionError("not allowed to add attachments to this pilot")
    kind = Kind(kind)
    public = _public(pilot, kind, is_public)
    added = []
    for i, (upload, mimetype) in enumerate(uploads, start=1):
        name = title if len(uploads) == 1 else f"{title} ({i})"
        attachment = Attachment(pilot=pilot, kind=kind, title=name, note=note, is_public=public,
                                created_by_id=user.id)
        db.session.add(attachment)
        version = _version(attachment, user, upload, mimetype, 1)
        db.session.flush()
        PILOT.record(user, pilot.id, "attachment_add",
                     {"attachment": (None, name), "attachment_kind": (None, kind),
                      "file": (None, version.filename), "file_size": (None, version.size),
                      "attachment_public": (None, public)})
        added.append(attachment)
    db.session.flush()
    return added


def add_link(pilot, user, kind: str, title: str, url: str, case_number: str, note: str,
             is_public: bool) -> Attachment:
    if not permissions.can_add(user, pilot):
        raise PermissionError("not allowed to add links to this pilot")
    if not url.lower().startswith("https://"):
        raise ValueError("only https links")
    kind = Kind(kind)
    attachment = Attachment(pilot=pilot, kind=kind, title=title, url=url, case_number=case_number,
                            note=note, is_public=_public(pilot, kind, is_public), created_by_id=user.id)
    db.session.add(attachment)
    db.session.flush()
    PILOT.record(user, pilot.id, "link_add", {"attachment": (None, title), "url": (None, url)})
    db.session.flush()
    return attachment


def replace(attachment: Attachment, user, upload: Upload, mimetype: str) -> FileVersion:
    """A new version; the older ones stay and stay downloadable."""
    if not permissions.can_change(user, attachment) or attachment.url:
        raise PermissionError("not allowed to replace this attachment")
    # The next number from the database, not the loaded list: two replacements never share one.
    latest = db.session.scalar(sa.select(sa.func.max(FileVersion.number))
                               .where(FileVersion.attachment_id == attachment.id)) or 0
    previous = attachment.current.filename if attachment.versions else None
    version = _version(attachment, user, upload, mimetype, latest + 1)
    db.session.flush()
    PILOT.record(user, attachment.pilot_id, "attachment_replace",
                 {"attachment": (None, attachment.title), "file_version": (latest, version.number),
                  "file": (previous, version.filename)})
    db.session.flush()
    return version


def delete(attachment: Attachment, user) -> None:
    """Soft delete: hidden at once, restorable by an administrator for 30 days, then purged."""
    if not permissions.can_change(user, attachment):
        raise PermissionError("not allowed to delete this attachment")
    attachment.deleted_at, attachment.deleted_by_id = utcnow(), user.id
    PILOT.record(user, attachment.pilot_id, "attachment_delete",
                 {"attachment": (attachment.title, None)})
    db.session.flush()


def restore(attachment: Attachment, user) -> None:
    if not permissions.can_restore(user, attachment):
        raise PermissionError("not allowed to restore this attachment")
    attachment.deleted_at = attachment.deleted_by_id = None
    PILOT.record(user, attachment.pilot_id, "attachment_restore",
                 {"attachment": (None, attachment.title)})
    db.session.flush()


def purge() -> tuple[int, int]:
    """Remove attachments deleted more than 30 days ago, then every stored file no row uses
    (older than a day: a younger one may belong to an upload not yet committed). Returns the counts."""
    cutoff = utcnow() - permissions.RESTORABLE
    expired = db.session.scalars(sa.select(Attachment).where(Attachment.deleted_at < cutoff)).all()
    for attachment in expired:
        PILOT.record(None, attachment.pilot_id, "attachment_purge",
                     {"attachment": (attachment.title, None)})
        db.session.delete(attachment)
    db.session.flush()
    removed = 0
    now = time.time()
    for sha in storage.stored() - referenced():
        if now - storage.path_for(sha).stat().st_mtime > ORPHAN_GRACE_SECONDS:
            storage.remove(sha)
            removed += 1
    return len(expired), removed


def referenced() -> set[str]:
    return set(db.session.scalars(sa.select(FileVersion.sha256).distinct()))


def check_storage() -> tuple[set[str], set[str]]:
    """``(missing, orphaned)``: hashes the database uses but storage lacks, and the reverse."""
    used, present = referenced(), storage.stored()
    return used - present, present - used
