"""Attachments through the routes: upload, list, download headers, versions, soft delete, links."""

from __future__ import annotations

import io
import json
import logging
import threading

import pytest
import sqlalchemy as sa

from tests import factories
from tests import files_samples as s
from tests.conftest import login_as
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.files import storage
from tracker.files.models import Attachment, FileVersion
from tracker.pilots.workflow import Status


@pytest.fixture
def app_config(tmp_path):
    return {"FILES_DIR": str(tmp_path / "files"), "MAX_UPLOAD_MB": 0.25}


@pytest.fixture
def client(app):
    """In English, so the messages below read as in the code (the nb catalogue is tested apart)."""
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def pilot(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=True)
    db.session.commit()
    return pilot


def _upload(client, pilot, data=s.PDF, name="consent.pdf", **fields):
    """Post one file to ``pilot`` (a pilot or its id) through the upload form."""
    form = {"title": "Consent form", "kind": "agreement", "note": "", **fields,
            "files": (io.BytesIO(data), name)}
    pilot_id = getattr(pilot, "id", pilot)
    return client.post(f"/files/pilots/{pilot_id}/new", data=form, content_type="multipart/form-data")


def _fetch(client, url):
    """GET ``url``: (status, body), the response closed (downloads hold the stored file open)."""
    with client.get(url) as response:
        return response.status_code, response.get_data()


def _attachments():
    return db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()


def test_owner_attaches_a_file_and_it_is_listed_and_audited(client, world, pilot):
    login_as(client, world.staff_a)
    response = _upload(client, pilot, note="Signed")
    assert response.status_code == 302
    (attachment,) = _attachments()
    version = attachment.current
    assert (attachment.title, attachment.kind, version.size, version.mimetype) == (
        "Consent form", "agreement", len(s.PDF), "application/pdf")
    assert storage.path_for(version.sha256).read_bytes() == s.PDF
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Consent form" in page and "Staff A" in page
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "attachment_add")).one()
    assert (entry.entity, entry.entity_id, entry.actor_id) == ("pilot", pilot.id, world.staff_a.id)


def test_several_files_in_one_upload(client, world, pilot):
    login_as(client, world.coordinator_a)
    form = {"title": "Photos", "kind": "photo",
            "files": [(io.BytesIO(s.PNG), "a.png"), (io.BytesIO(s.PDF), "b.pdf")]}
    assert client.post(f"/files/pilots/{pilot.id}/new", data=form).status_code == 302
    assert [a.title for a in _attachments()] == ["Photos (1)", "Photos (2)"]


@pytest.mark.parametrize("data,name,message", [
    (s.EXE, "consent.pdf", "is not an accepted type"),
    (s.HTML, "consent.pdf", "web page"),
    (s.SVG, "photo.svg", "web page"),
    (s.zip_bomb_docx(), "agreement.docx", "unpacks to far more"),
])
def test_refused_files_leave_nothing_behind(client, world, pilot, tmp_path, data, name, message):
    login_as(client, world.staff_a)
    response = _upload(client, pilot, data=data, name=name)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _attachments() == []
    assert not list((tmp_path / "files").rglob("*")) or storage.stored() == set()


def test_one_bad_file_refuses_the_whole_upload(client, world, pilot):
    login_as(client, world.staff_a)
    form = {"title": "Docs", "kind": "report",
            "files": [(io.BytesIO(s.PDF), "ok.pdf"), (io.BytesIO(s.EXE), "x.pdf")]}
    assert client.post(f"/files/pilots/{pilot.id}/new", data=form).status_code == 400
    assert _attachments() == []


class _Body(io.RawIOBase):
    """A request body that claims to be large and fails if more than its first bytes are read."""

    def __init__(self, allowed: int):
        self.allowed, self.read_bytes = allowed, 0

    def readable(self):
        return True

    def tell(self):  # the test client asks where the stream starts; the declared length stands
        return 0

    def seek(self, offset, whence=0):
        return 0

    def readinto(self, buffer):
        n = min(len(buffer), 1024)
        self.read_bytes += n
        if self.read_bytes > self.allowed:
            raise AssertionError("the body was read although it is over the limit")
        buffer[:n] = b"x" * n
        return n


def test_a_body_over_the_cap_is_413_before_it_is_read(client, world, pilot):
    login_as(client, world.staff_a)
    body = _Body(allowed=0)
    response = client.post(f"/files/pilots/{pilot.id}/new", input_stream=body,
                           content_type="multipart/form-data; boundary=x",
                           environ_overrides={"CONTENT_LENGTH": str(50 * 1024 * 1024)})
    assert response.status_code == 413
    assert body.read_bytes == 0


def test_a_file_over_the_cap_is_refused_with_a_message(client, world, pilot):
    login_as(client, world.staff_a)
    big = s.TEXT * (256 * 1024 // len(s.TEXT) + 10)  # just over MAX_UPLOAD_MB = 0.25
    response = _upload(client, pilot, data=big, name="big.txt")
    assert response.status_code == 400
    assert "larger than 0.25 MB" in response.get_data(as_text=True)
    assert _attachments() == []


def test_other_forms_still_refuse_files(client, world, pilot):
    login_as(client, world.staff_a)
    response = client.post(f"/pilots/{pilot.id}/edit", data={"title": (io.BytesIO(s.PDF), "x.pdf")})
    assert response.status_code == 400


def test_download_headers(client, world, pilot):
    login_as(client, world.staff_a)
    _upload(client, pilot, data=s.HTML.replace(b"<", b"&lt;"), name="Søknad «endelig».pdf",
            kind="application")
    (attachment,) = _attachments()
    response = client.get(f"/files/{attachment.id}/versions/1")
    response.close()
    assert response.status_code == 200
    assert response.mimetype == "text/plain"  # the sniffed type, not the name's
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert 'filename="Sknad endelig.txt"' in disposition or "filename=" in disposition
    assert "filename*=UTF-8''S%C3%B8knad%20%C2%ABendelig%C2%BB.txt" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in [d.strip() for d in response.headers["Content-Security-Policy"].split(";")]


def test_images_may_be_shown_inline_as_images(client, world, pilot):
    login_as(client, world.staff_a)
    _upload(client, pilot, data=s.PNG, name="photo.png", kind="photo")
    (attachment,) = _attachments()
    response = client.get(f"/files/{attachment.id}/versions/1?inline=1")
    response.close()
    assert response.mimetype == "image/png"
    assert response.headers["Content-Disposition"].startswith("inline;")
    assert "sandbox" in response.headers["Content-Security-Policy"]


def test_replace_keeps_every_version(client, world, pilot):
    login_as(client, world.staff_a)
    _upload(client, pilot, kind="report")
    (attachment,) = _attachments()
    response = client.post(f"/files/{attachment.id}/replace", data={"file": (io.BytesIO(s.TEXT), "v2.txt")})
    assert response.status_code == 302
    assert [v.number for v in attachment.versions] == [2, 1]
    assert _fetch(client, f"/files/{attachment.id}/versions/1")[1] == s.PDF
    assert _fetch(client, f"/files/{attachment.id}/versions/2")[1] == s.TEXT
    page = client.get(f"/files/{attachment.id}").get_data(as_text=True)
    assert "consent.pdf" in page and "v2.txt" in page
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "attachment_replace")) == 1


def test_soft_delete_hides_and_an_admin_restores(client, app, world, pilot):
    login_as(client, world.staff_a)
    _upload(client, pilot, kind="report")
    (attachment,) = _attachments()
    assert client.post(f"/files/{attachment.id}/delete").status_code == 302
    assert _fetch(client, f"/files/{attachment.id}/versions/1")[0] == 403
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert f"/files/{attachment.id}/versions/1" not in page
    assert client.post(f"/files/{attachment.id}/restore").status_code == 403  # not the owner
    admin = app.test_client()
    login_as(admin, world.admin)
    assert _fetch(admin, f"/files/{attachment.id}/versions/1")[1] == s.PDF  # kept while deleted
    assert admin.post(f"/files/{attachment.id}/restore").status_code == 302
    assert _fetch(client, f"/files/{attachment.id}/versions/1")[1] == s.PDF
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["attachment_delete", "attachment_restore"]


def test_purge_removes_only_what_was_deleted_over_30_days_ago(client, app, world, pilot):
    from datetime import timedelta

    from tracker.db import utcnow

    login_as(client, world.staff_a)
    _upload(client, pilot, data=s.PDF, name="old.pdf", title="Old", kind="report")
    _upload(client, pilot, data=s.TEXT, name="recent.txt", title="Recent", kind="report")
    _upload(client, pilot, data=s.PNG, name="kept.png", title="Kept", kind="photo")
    old, recent, _kept = _attachments()
    old.deleted_at = utcnow() - timedelta(days=31)
    recent.deleted_at = utcnow() - timedelta(days=29)
    old_sha = old.current.sha256
    db.session.commit()
    import os

    os.utime(storage.path_for(old_sha), (0, 0))  # stored long ago: not an upload in progress
    result = app.test_cli_runner().invoke(args=["files", "purge"])
    assert result.exit_code == 0, result.output
    assert [a.title for a in _attachments()] == ["Recent", "Kept"]
    assert not storage.path_for(old_sha).exists()
    assert storage.path_for(recent.current.sha256).exists()
    result = app.test_cli_runner().invoke(args=["files", "check"])
    assert result.exit_code == 0 and "0 missing, 0 orphaned" in result.output


def test_check_reports_missing_and_orphaned_files(client, app, world, pilot):
    login_as(client, world.staff_a)
    _upload(client, pilot, kind="report")
    (attachment,) = _attachments()
    storage.remove(attachment.current.sha256)
    orphan, _size = storage.store(io.BytesIO(b"left over"))
    result = app.test_cli_runner().invoke(args=["files", "check"])
    assert result.exit_code == 1
    assert f"missing  {attachment.current.sha256}" in result.output and f"orphaned {orphan}" in result.output


@pytest.mark.parametrize("kind,public,message", [
    ("agreement", True, "never public"),
    ("dpia", True, "never public"),
])
def test_agreements_and_dpias_are_never_public(client, world, pilot, kind, public, message):
    login_as(client, world.staff_a)
    response = _upload(client, pilot, kind=kind, is_public="y")
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _attachments() == []


def test_public_only_on_pilots_in_the_public_register(client, world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING, is_public=False)
    db.session.commit()
    login_as(client, world.staff_a)
    response = _upload(client, pilot, kind="report", is_public="y")
    assert response.status_code == 400 and "public register" in response.get_data(as_text=True)


def test_anonymous_visitors_see_only_public_attachments_of_public_pilots(app, client, world, pilot):
    login_as(client, world.staff_a)
    _upload(client, pilot, title="Final report", kind="report", is_public="y")
    _upload(client, pilot, title="Internal notes", kind="other")
    public, internal = _attachments()
    visitor = app.test_client()
    page = visitor.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "Final report" in page and "Internal notes" not in page
    assert _fetch(visitor, f"/files/{public.id}/versions/1")[0] == 200
    assert _fetch(visitor, f"/files/{internal.id}/versions/1")[0] == 404


@pytest.mark.parametrize("url", ["javascript:alert(1)", "http://example.org/", "data:text/html,x", "https://",
                                 "ftp://example.org/", "https://exa mple.org/"])
def test_links_must_be_https(client, world, pilot, url):
    login_as(client, world.staff_a)
    response = client.post(f"/files/pilots/{pilot.id}/link",
                           data={"title": "Archive", "kind": "other", "url": url})
    assert response.status_code == 400
    assert "https://" in response.get_data(as_text=True)
    assert _attachments() == []


def test_a_link_with_an_archive_case_number(client, world, pilot):
    login_as(client, world.staff_a)
    response = client.post(f"/files/pilots/{pilot.id}/link", data={
        "title": "Case in the archive", "kind": "agreement", "url": "https://360.oslo.kommune.no/case/1",
        "case_number": "24/01234-5"})
    assert response.status_code == 302
    page = client.get(f"/pilots/{pilot.id}").get_data(as_text=True)
    assert "https://360.oslo.kommune.no/case/1" in page and "24/01234-5" in page


@pytest.fixture
def events():
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("tracker.events")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    yield lambda: [json.loads(r.getMessage()) for r in records]
    logger.removeHandler(handler)
    logger.setLevel(old)


def test_downloads_of_non_public_files_by_others_are_logged(app, client, world, pilot, events):
    login_as(client, world.staff_a)
    _upload(client, pilot, kind="report")
    (attachment,) = _attachments()
    _fetch(client, f"/files/{attachment.id}/versions/1")  # the uploader: not logged
    other = app.test_client()
    login_as(other, world.staff_b)
    assert _fetch(other, f"/files/{attachment.id}/versions/1")[0] == 200
    downloads = [e for e in events() if e["event"] == "file_download"]
    assert [(e["user_id"], e["attachment_id"]) for e in downloads] == [(world.staff_b.id, attachment.id)]


def test_two_concurrent_uploads_to_one_pilot_both_survive(app, world, pilot):
    barrier = threading.Barrier(2)
    results = []
    clients = [app.test_client(), app.test_client()]
    login_as(clients[0], world.staff_a)
    login_as(clients[1], world.coordinator_a)
    pilot_id = pilot.id

    def upload(client, data, title):
        barrier.wait(timeout=30)
        results.append(_upload(client, pilot_id, data=data, title=title, kind="report").status_code)

    threads = [threading.Thread(target=upload, args=(clients[0], s.PDF, "One")),
               threading.Thread(target=upload, args=(clients[1], s.TEXT, "Two"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == [302, 302]
    db.session.expire_all()
    assert sorted(a.title for a in _attachments()) == ["One", "Two"]
    assert {v.sha256 for v in db.session.scalars(sa.select(FileVersion))} <= storage.stored()


def test_a_file_in_a_text_field_of_the_upload_form_is_a_400(client, world, pilot):
    login_as(client, world.staff_a)
    response = client.post(f"/files/pilots/{pilot.id}/new", data={
        "title": (io.BytesIO(s.PDF), "x.pdf"), "kind": "report", "files": (io.BytesIO(s.PDF), "a.pdf")})
    assert response.status_code == 400
    assert _attachments() == []
