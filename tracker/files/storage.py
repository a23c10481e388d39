"""Content-addressed file storage: ``<FILES_DIR>/<sha[:2]>/<sha256>``, written once, never changed.

Bytes arrive in a temporary file in the same folder and are renamed into place only when complete
(an upload that fails half way leaves nothing). User file names never reach the file system; the
name of a stored file is the hash of its content. Several app processes share one folder (the
instance folder on shared storage); the database says which hashes are in use.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from flask import current_app

CHUNK = 1024 * 1024
SHA256 = re.compile("[0-9a-f]{64}")


def root() -> Path:
    path = Path(current_app.config.get("FILES_DIR") or os.path.join(current_app.instance_path, "files"))
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def path_for(sha256: str) -> Path:
    if not SHA256.fullmatch(sha256):
        raise ValueError("not a sha256 digest")
    return root() / sha256[:2] / sha256


def store(stream) -> tuple[str, int]:
    """Copy ``stream`` (read in chunks) into storage; return its sha256 and size."""
    base = root()
    digest, size = hashlib.sha256(), 0
    fd, temp = tempfile.mkstemp(dir=base, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        sha = digest.hexdigest()
        target = path_for(sha)
        target.parent.mkdir(exist_ok=True, mode=0o700)
        os.replace(temp, target)  # same content, same name: a second copy simply replaces the first
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise
    return sha, size


def stored() -> set[str]:
    """Every hash present in storage."""
    return {p.name for p in root().glob("??/*") if SHA256.fullmatch(p.name)}


def remove(sha256: str) -> None:
    path_for(sha256).unlink(missing_ok=True)
