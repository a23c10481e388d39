"""Notification pages: the header count, the list and read marks, comments, follow, settings,
the admins' delivery records; and the weekly digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.notifications import digest, worker
from tracker.notifications.models import (
    Comment,
    Digest,
    Mode,
    Notification,
    NotificationSettings,
    OutboxMessage,
)
from tracker.notifications.rules import is_following, notify
from tracker.pilots.workflow import Status


@pytest.fixture
def running(world):
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.RUNNING,
                                 title="Smart parkering")
    db.session.commit()
    return pilot


def test_the_header_counts_unread_notifications_in_words(world, running, login):
    notify({world.staff_a.id}, "comment", "comment", world.coordinator_a, running, "Hei")
    db.session.commit()
    page = login(world.staff_a).get("/pilots/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Notifications (1 unread)" in page


def test_the_list_links_each_notification_and_marks_it_read_when_opened(world, running, login):
    (note_id,) = notify({world.staff_a.id}, "comment", "comment", world.coordinator_a, running, "Hei")
    db.session.commit()
    client = login(world.staff_a)
    page = client.get("/notifications", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Coordinator A: New comment: Smart parkering" in page and "Unread" in page
    response = client.post(f"/notifications/{note_id}/read")
    assert response.status_code == 302 and response.location.endswith(f"/pilots/{running.id}")
    assert db.session.get(Notification, note_id).read_at is not None


def test_someone_elses_notification_is_not_found(world, running, login):
    (note_id,) = notify({world.staff_a.id}, "comment", "comment", world.coordinator_a, running, "Hei")
    db.session.commit()
    assert login(world.staff_b).post(f"/notifications/{note_id}/read").status_code == 404
    assert db.session.get(Notification, note_id).read_at is None


def test_mark_all_read_touches_only_ones_own(world, running, login):
    notify({world.staff_a.id, world.staff_b.id}, "comment", "comment", world.coordinator_a, running, "")
    notify({world.staff_a.id}, "comment", "comment", world.coordinator_a, running, "")
    db.session.commit()
    assert login(world.staff_a).post("/notifications/read-all").status_code == 302
    unread = db.session.scalars(sa.select(Notification.user_id).where(Notification.read_at.is_(None))).all()
    assert unread == [world.staff_b.id]


def test_a_comment_is_shown_audited_and_notifies_the_owner(world, running, login):
    client = login(world.staff_b)
    response = client.post(f"/notifications/pilots/{running.id}/comments", data={"body": "  Flott tiltak!  "})
    assert response.status_code == 302
    page = client.get(f"/pilots/{running.id}").get_data(as_text=True)
    assert "Flott tiltak!" in page
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "comment"))
    assert (entry.entity, entry.entity_id) == ("pilot", running.id)
    assert entry.changes["comment"] == [None, "Flott tiltak!"]
    told = set(db.session.scalars(sa.select(Notification.user_id)))
    assert told == {world.staff_a.id, world.coordinator_a.id}


@pytest.mark.parametrize("body", ["", "   ", "x" * 5001])
def test_a_bad_comment_is_refused_with_the_field_named_and_the_input_kept(world, running, login, body):
    response = login(world.staff_b).post(f"/notifications/pilots/{running.id}/comments", data={"body": body},
                                         headers={"Accept-Language": "en"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'href="#body"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_control_characters_and_unicode_in_a_comment_do_not_break_anything(world, running, login):
    response = login(world.staff_b).post(f"/notifications/pilots/{running.id}/comments",
                                         data={"body": "Blåbær 🫐\x00\x1b<script>"})
    assert response.status_code in (302, 400)


def test_follow_and_unfollow(world, running, login):
    client = login(world.staff_b)
    page = client.get(f"/pilots/{running.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "You do not follow this pilot." in page
    client.post(f"/notifications/pilots/{running.id}/follow", data={"follow": "1"})
    assert is_following(world.staff_b, running)
    client.post(f"/notifications/pilots/{running.id}/follow", data={"follow": "0"})
    assert not is_following(world.staff_b, running)
    # The owner follows without asking, and may stop.
    assert is_following(world.staff_a, running)
    login(world.staff_a).post(f"/notifications/pilots/{running.id}/follow", data={"follow": "0"})
    assert not is_following(world.staff_a, running)


def test_settings_are_saved_from_the_account_page(world, login):
    client = login(world.staff_a)
    page = client.get("/account", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Language of e-mails" in page and 'id="notification-settings"' in page
    response = client.post("/notifications/settings", data={"mode_comment": "digest", "mode_status": "app",
                                                            "email_language": "en"})
    assert response.status_code == 302
    settings = db.session.get(NotificationSettings, world.staff_a.id)
    assert settings.modes["comment"] == "digest" and settings.modes["status"] == "app"
    assert settings.email_language == "en"


@pytest.mark.parametrize("data", [{"mode_comment": "loud"}, {"email_language": "xx"},
                                  {"mode_comment": "\x00" * 3000}])
def test_hostile_settings_are_refused(world, login, data):
    response = login(world.staff_a).post("/notifications/settings", data=data)
    assert response.status_code == 400
    assert db.session.get(NotificationSettings, world.staff_a.id) is None


def test_admins_see_every_delivery(world, running, login, app, tmp_path):
    app.config.update(MAIL_DIR=str(tmp_path))
    notify({world.staff_a.id}, "comment", "comment", world.coordinator_a, running, "")
    db.session.commit()
    worker.run_once()
    page = login(world.admin).get("/notifications/deliveries", headers={"Accept-Language": "en"})
    assert world.staff_a.email in page.get_data(as_text=True) and "Sent" in page.get_data(as_text=True)
    assert login(world.staff_a).get("/notifications/deliveries").status_code == 403


# --- The weekly digest -------------------------------------------------------------------------

MONDAY = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def digests() -> list[tuple[int, str]]:
    return list(db.session.execute(sa.select(Digest.user_id, Digest.week).order_by(Digest.user_id)))


def test_the_digest_gathers_reviews_and_digest_notifications_once_per_week(world, running, app, tmp_path):
    app.config.update(MAIL_DIR=str(tmp_path))
    waiting = factories.make_pilot(world.staff_b, world.district_a, status=Status.SUBMITTED, title="Venter")
    db.session.add(NotificationSettings(user_id=world.staff_a.id, modes={"comment": Mode.DIGEST}))
    db.session.commit()
    notify({world.staff_a.id}, "comment", "comment", world.coordinator_a, running, "Hei")
    db.session.commit()
    assert digest.run_digest(MONDAY) == 3  # coordinator A and the admin: a review; staff A: a comment
    assert digests() == [(world.admin.id, "2026-W48"), (world.coordinator_a.id, "2026-W48"),
                         (world.staff_a.id, "2026-W48")]
    assert digest.run_digest(MONDAY + timedelta(days=3)) == 0  # the same week: nothing again
    worker.run_once()
    mails = {p.name: p.read_text() for p in tmp_path.glob("*.eml")}
    assert len(mails) == 3
    coordinator = next(m for m in mails.values() if world.coordinator_a.email in m)
    assert "Venter" in coordinator and f"/pilots/{waiting.id}" in coordinator
    # Next week: the comment was in last week's digest; only the review is still waiting.
    assert digest.run_digest(MONDAY + timedelta(days=7)) == 2


def test_nothing_to_read_means_no_digest(world):
    assert digest.run_digest(MONDAY) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_the_commands_send_queue_the_digest_once_and_purge(world, running, runner, app, tmp_path):
    app.config.update(MAIL_DIR=str(tmp_path))
    factories.make_pilot(world.staff_b, world.district_a, status=Status.SUBMITTED)
    notify({world.staff_a.id}, "comment", "comment", world.coordinator_a, running, "")
    db.session.commit()
    assert "Queued 2 digest(s)" in runner.invoke(args=["notify", "digest"]).output  # coordinator + admin
    assert "Queued 0 digest(s)" in runner.invoke(args=["notify", "digest"]).output
    result = runner.invoke(args=["notify", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.eml"))) == 3
    assert "Deleted 0 old notification(s)." in runner.invoke(args=["notify", "purge"]).output
