"""Uploaded sheets kept between the dry run and the confirmation (``instance/imports/``).

Each upload gets a random token; its bytes and a small JSON note (who uploaded it, its name, the
mapping and options of the import) sit beside each other. Only the uploader can open it, and
uploads older than ``KEEP_HOURS`` are removed at the next upload.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time
from pathlib import Path

from flask import current_app

KEEP_HOURS = 24
TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")


def folder() -> Path:
    path = Path(current_app.config.get("IMPORTS_DIR") or os.path.join(current_app.instance_path, "imports"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _sweep(path: Path) -> None:
    limit = time.time() - KEEP_HOURS * 3600
    for item in path.iterdir():
        try:
            if item.stat().st_mtime < limit:
                item.unlink()
        except OSError:
            pass


def save(data: bytes, filename: str, user_id: int, mapping_id: int | None) -> str:
    path = folder()
    _sweep(path)
    token = secrets.token_urlsafe(16)
    (path / f"{token}.data").write_bytes(data)
    write_note(token, {"user_id": user_id, "filename": filename, "mapping_id": mapping_id})
    return token


def write_note(token: str, note: dict) -> None:
    (folder() / f"{token}.json").write_text(json.dumps(note))


def load(token: str, user_id: int) -> tuple[bytes, dict] | None:
    """The upload's bytes and note, or None if unknown, expired or someone else's."""
    if not TOKEN.fullmatch(token):
        return None
    path = folder()
    try:
        note = json.loads((path / f"{token}.json").read_text())
        data = (path / f"{token}.data").read_bytes()
    except (OSError, ValueError):
        return None
    return (data, note) if note.get("user_id") == user_id else None
