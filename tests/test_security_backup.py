"""Online backup: a consistent SQLite copy taken while writes go on, refused for PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading

import pytest
import sqlalchemy as sa

from tests.conftest import make_app
from tracker.db import db
from tracker.districts.models import District


def _writer(engine, stop: threading.Event, written: list[int]) -> None:
    """Commit one district after another until told to stop."""
    n = 0
    while not stop.is_set():
        n += 1
        with engine.begin() as conn:
            conn.execute(sa.insert(District).values(slug=f"w-{n}", name=f"Written {n}"))
        written.append(n)


def test_backup_while_writing_gives_a_consistent_copy(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}")
    copy = tmp_path / "copy.sqlite"
    with app.app_context():
        db.create_all()
        rows = [{"slug": f"d-{n}", "name": f"Before {n}"} for n in range(500)]
        db.session.execute(sa.insert(District), rows)
        db.session.commit()
        stop, written = threading.Event(), []
        thread = threading.Thread(target=_writer, args=(db.engine, stop, written))
        thread.start()
        try:
            while len(written) < 20:  # the writer is really going
                stop.wait(0.01)
            result = app.test_cli_runner().invoke(args=["backup", str(copy)])
            during = len(written)
            while len(written) < during + 20:  # and goes on after the backup
                stop.wait(0.01)
        finally:
            stop.set()
            thread.join(10)
        total = db.session.scalar(sa.select(sa.func.count()).select_from(District))
        db.engine.dispose()
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    conn = sqlite3.connect(copy)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        names = {n for (n,) in conn.execute("SELECT name FROM districts")}
        slugs = {s for (s,) in conn.execute("SELECT slug FROM districts WHERE slug LIKE 'w-%'")}
    finally:
        conn.close()
    assert {f"Before {n}" for n in range(500)} <= names
    # A snapshot: the first k writes, no gaps, fewer than all of them.
    k = len(slugs)
    assert 20 <= k < total - 500 and slugs == {f"w-{n}" for n in range(1, k + 1)}
    assert not (tmp_path / "copy.sqlite.partial").exists()


def test_backup_refuses_to_overwrite(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}")
    (tmp_path / "exists.sqlite").write_text("precious")
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "exists.sqlite")])
        db.engine.dispose()
    assert result.exit_code != 0 and "exists already" in result.output
    assert (tmp_path / "exists.sqlite").read_text() == "precious"


def test_backup_of_postgresql_points_to_pg_dump(tmp_path):
    app = make_app("postgresql+psycopg://nobody@127.0.0.1:9/none")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "x.sqlite")])
    assert result.exit_code != 0 and "pg_dump" in result.output
    assert not (tmp_path / "x.sqlite").exists()


@pytest.mark.parametrize("umask", [0o022, 0o000], ids=["umask-022", "umask-000"])
def test_backup_is_readable_by_its_owner_only(tmp_path, umask):
    """The copy holds password hashes and sign-in history: 0600 whatever the umask, also over a
    stale partial file an interrupted run left behind world-readable."""
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}")
    stale = tmp_path / "copy.sqlite.partial"
    stale.write_text("left over")
    stale.chmod(0o644)
    old = os.umask(umask)
    try:
        with app.app_context():
            db.create_all()
            result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "copy.sqlite")])
            db.engine.dispose()
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((tmp_path / "copy.sqlite").stat().st_mode) == 0o600
