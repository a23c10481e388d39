"""The backup holds the attachments: backup → restore gives back every file byte for byte."""

from __future__ import annotations

import io
import os
import shutil
import stat
import tarfile

import sqlalchemy as sa

from tests import factories
from tests.conftest import make_app
from tracker.db import db
from tracker.files import operations, storage
from tracker.files.models import FileVersion
from tracker.files.operations import Upload
from tracker.pilots.workflow import Status

CONTENTS = [b"%PDF-1.4\nfirst\n%%EOF\n", b"Samtykke, versjon 2\n", b"%PDF-1.4\nother\n%%EOF\n"]


def test_backup_then_restore_returns_every_file_identical(tmp_path):
    live_files, backup = tmp_path / "files", tmp_path / "backup.sqlite"
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}", FILES_DIR=str(live_files))
    with app.app_context():
        db.create_all()
        world = factories.World.build()
        pilot = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING)
        first = factories.attach(pilot, world.staff_a, "Consent", data=CONTENTS[0])
        operations.replace(first, world.staff_a, Upload(io.BytesIO(CONTENTS[1]), "v2.txt"), "text/plain")
        factories.attach(pilot, world.coordinator_a, "Other", data=CONTENTS[2], deleted=True)
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["backup", str(backup)])
        assert result.exit_code == 0, result.output
        assert "3 attached file(s)" in result.output
        db.engine.dispose()

    archive = f"{backup}.files.tar"
    assert stat.S_IMODE(os.stat(archive).st_mode) == 0o600  # like the database copy
    with tarfile.open(archive) as tar:
        assert len(tar.getnames()) == 3

    # Disaster: the live database and every stored file are gone; restore both from the backup.
    shutil.rmtree(live_files)
    restored_files = tmp_path / "restored-files"
    restored = make_app(f"sqlite:///{backup}", FILES_DIR=str(restored_files))
    with restored.app_context():
        result = restored.test_cli_runner().invoke(args=["files", "restore", archive])
        assert result.exit_code == 0, result.output
        versions = db.session.scalars(sa.select(FileVersion).order_by(FileVersion.id)).all()
        assert sorted(storage.path_for(v.sha256).read_bytes() for v in versions) == sorted(CONTENTS)
        check = restored.test_cli_runner().invoke(args=["files", "check"])
        assert check.exit_code == 0 and "0 missing, 0 orphaned" in check.output
        db.engine.dispose()


def test_backup_refuses_when_a_stored_file_is_missing(tmp_path):
    app = make_app(f"sqlite:///{tmp_path / 'live.sqlite'}", FILES_DIR=str(tmp_path / "files"))
    with app.app_context():
        db.create_all()
        world = factories.World.build()
        pilot = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING)
        attachment = factories.attach(pilot, world.staff_a, "Consent")
        db.session.commit()
        storage.remove(attachment.current.sha256)
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b.sqlite")])
        db.engine.dispose()
    assert result.exit_code != 0 and "missing" in result.output
    assert not (tmp_path / "b.sqlite").exists() and not (tmp_path / "b.sqlite.partial").exists()


def test_restore_refuses_a_member_whose_content_does_not_match_its_name(tmp_path):
    archive = tmp_path / "bad.tar"
    fake = tmp_path / ("0" * 64)
    fake.write_bytes(b"not what the name says")
    with tarfile.open(archive, "w") as tar:
        tar.add(fake, arcname=fake.name)
    app = make_app(f"sqlite:///{tmp_path / 'x.sqlite'}", FILES_DIR=str(tmp_path / "files"))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["files", "restore", str(archive)])
        db.engine.dispose()
    assert result.exit_code != 0 and "does not match" in result.output
    assert not (tmp_path / "files" / "00" / ("0" * 64)).exists()
