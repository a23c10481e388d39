"""The outbox worker against a real SMTP server (aiosmtpd, in-process): retries with back-off,
giving up, a worker killed mid-batch, two workers at once, .eml files without a server."""

from __future__ import annotations

import email
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests import factories
from tests.smtp import SMTPServer, free_port
from tracker.db import db, utcnow
from tracker.notifications import mail, worker
from tracker.notifications.models import Delivery, Notification, OutboxMessage, OutboxState
from tracker.notifications.rules import notify
from tracker.pilots.workflow import Status


@pytest.fixture(scope="module")
def smtp():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def app_config(smtp):
    smtp.sink.clear()
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port, "MAIL_SENDER": "testarena@oslo.kommune.no",
            "MAIL_MAX_ATTEMPTS": 3, "MAIL_RETRY_SECONDS": 60, "BASE_URL": "https://testarena.example.no"}


def queue(world, count: int = 1, recipient=None):
    """``count`` notifications about a running pilot for ``recipient`` (default: its owner),
    each with an outbox row, committed."""
    pilot = factories.make_pilot(world.staff_a, world.district_a, status=Status.RUNNING, title="Bysykkel")
    for _ in range(count):
        notify({(recipient or world.staff_a).id}, "comment", "comment", world.coordinator_a, pilot, "Bra!")
    db.session.commit()
    return pilot


def states() -> list[str]:
    return list(db.session.scalars(sa.select(OutboxMessage.state).order_by(OutboxMessage.id)))


def test_a_notification_is_mailed_once_in_the_recipients_language_with_links(world, smtp):
    world.staff_a.language = "en"
    pilot = queue(world)
    assert worker.run_once() == {"sent": 1, "failed": 0, "gave_up": 0}
    assert worker.run_once() == {"sent": 0, "failed": 0, "gave_up": 0}  # nothing sent twice
    (message,) = smtp.sink.messages
    assert message["To"] == world.staff_a.email
    assert message["Subject"] == "New comment: Bysykkel"
    assert message["List-Unsubscribe"] == "<https://testarena.example.no/account#notification-settings>"
    plain, html = (p.get_payload(decode=True).decode() for p in message.walk() if not p.is_multipart())
    assert f"https://testarena.example.no/pilots/{pilot.id}" in plain and "Bra!" in plain
    assert f'href="https://testarena.example.no/pilots/{pilot.id}"' in html
    assert states() == ["sent"]
    assert [d.outcome for d in db.session.scalars(sa.select(Delivery))] == ["sent"]


def test_norwegian_by_default(world, smtp):
    queue(world)
    worker.run_once()
    assert smtp.sink.messages[0]["Subject"].startswith("Ny kommentar")


def test_a_refusing_server_is_retried_with_growing_back_off_then_accepts(world, smtp):
    queue(world)
    smtp.sink.refuse = 2
    start = utcnow()
    assert worker.run_once(now=start)["failed"] == 1
    row = db.session.scalar(sa.select(OutboxMessage))
    assert row.next_attempt_at == start + timedelta(seconds=60) and "451" in row.last_error
    assert worker.run_once(now=start + timedelta(seconds=59)) == {"sent": 0, "failed": 0, "gave_up": 0}
    later = start + timedelta(seconds=61)
    assert worker.run_once(now=later)["failed"] == 1
    db.session.expire_all()
    assert db.session.scalar(sa.select(OutboxMessage)).next_attempt_at == later + timedelta(seconds=120)
    assert worker.run_once(now=later + timedelta(seconds=121))["sent"] == 1
    assert len(smtp.sink.messages) == 1
    outcomes = [(d.attempt, d.outcome) for d in db.session.scalars(sa.select(Delivery).order_by(Delivery.id))]
    assert outcomes == [(1, "failed"), (2, "failed"), (3, "sent")]


def test_gives_up_after_the_configured_attempts_and_records_why(world, smtp):
    queue(world)
    smtp.sink.refuse = 10
    now = utcnow()
    for _ in range(3):
        worker.run_once(now=now)
        now += timedelta(days=2)
    assert worker.run_once(now=now) == {"sent": 0, "failed": 0, "gave_up": 0}
    assert states() == [OutboxState.GAVE_UP]
    deliveries = db.session.scalars(sa.select(Delivery).order_by(Delivery.id)).all()
    assert [d.outcome for d in deliveries] == ["failed", "failed", "gave_up"]
    assert all("451" in d.error for d in deliveries)
    assert smtp.sink.messages == []


def test_no_server_answering_counts_as_a_failed_attempt(world, app):
    app.config["MAIL_PORT"] = free_port()
    queue(world)
    assert worker.run_once()["failed"] == 1
    assert db.session.scalar(sa.select(Delivery.error)).startswith("ConnectionRefusedError")


class Killed(BaseException):
    """The worker process dying (SIGKILL, power cut) in the middle of a batch."""


class DiesOnThird(mail.Transport):
    def __init__(self, app):
        super().__init__(app)
        self.calls = 0

    def send(self, email_message, name):
        self.calls += 1
        if self.calls == 3:
            raise Killed()
        super().send(email_message, name)


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(world, smtp, app):
    queue(world, count=5)
    now = utcnow()
    transport = DiesOnThird(app)
    with pytest.raises(Killed):
        worker.run_once(transport=transport, now=now)
    transport.close()
    db.session.rollback()
    assert len(smtp.sink.messages) == 2
    # The leased rows wait for their lease to end, then the next worker takes them.
    assert worker.run_once(now=now + timedelta(seconds=1))["sent"] == 0
    lease = timedelta(seconds=app.config["MAIL_LEASE_SECONDS"] + 1)
    assert worker.run_once(now=now + lease)["sent"] == 3
    ids = smtp.sink.ids()
    assert len(ids) == 5 and len(set(ids)) == 5
    assert states() == ["sent"] * 5


def test_two_workers_at_once_never_send_one_notification_twice(world, smtp, app):
    queue(world, count=60)
    results = []

    def run():
        with app.app_context():
            total = 0
            while True:
                counts = worker.run_once(batch=7)
                if not sum(counts.values()):
                    break
                total += counts["sent"]
            results.append(total)
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = smtp.sink.ids()
    assert len(ids) == 60 and len(set(ids)) == 60
    assert sum(results) == 60
    db.session.expire_all()
    assert states() == ["sent"] * 60


def test_without_a_server_emails_become_eml_files(world, app, tmp_path):
    app.config.update(MAIL_SERVER=None, MAIL_DIR=str(tmp_path))
    queue(world)
    worker.run_once()
    (path,) = tmp_path.glob("*.eml")
    message = email.message_from_bytes(path.read_bytes())
    assert message["To"] == world.staff_a.email


def test_old_notifications_are_purged_after_twelve_months(world):
    queue(world)
    worker.run_once()
    assert worker.purge(now=utcnow() + timedelta(days=364)) == 0
    assert worker.purge(now=utcnow() + timedelta(days=366)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_grouped_commits_mark_each_message_sent_exactly_once_beside_a_failure(world, smtp, app):
    app.config["MAIL_COMMIT_EVERY"] = 4
    queue(world, count=10)
    smtp.sink.refuse = 1  # the first is refused, the nine others make groups of 4, 4 and 1
    assert worker.run_once() == {"sent": 9, "failed": 1, "gave_up": 0}
    assert worker.run_once() == {"sent": 0, "failed": 0, "gave_up": 0}  # the failure waits its back-off
    rows = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    expected = [("pending", 1, None)] + [("sent", 1, None)] * 9
    assert [(r.state, r.attempts, r.lease_token) for r in rows] == expected
    assert all(r.sent_at is not None for r in rows[1:])
    deliveries = db.session.execute(sa.select(Delivery.outbox_id, Delivery.outcome, Delivery.attempt)
                                    .order_by(Delivery.outbox_id)).all()
    assert deliveries == [(rows[0].id, "failed", 1)] + [(r.id, "sent", 1) for r in rows[1:]]
    assert sorted(smtp.sink.ids()) == sorted(f"<testarena-outbox-{r.id}@oslo.kommune.no>" for r in rows[1:])


def test_a_title_with_a_line_break_cannot_add_a_header_and_non_ascii_text_arrives_intact(world, smtp):
    world.staff_a.language = "nb"
    queue(world)
    db.session.execute(sa.update(Notification).values(title="Sykkel på Grünerløkka\r\nBcc: noen@example.com"))
    db.session.commit()
    assert worker.run_once()["sent"] == 1
    (message,) = smtp.sink.messages
    assert message["Subject"] == "Ny kommentar: Sykkel på Grünerløkka Bcc: noen@example.com"
    assert message["Bcc"] is None
    plain = next(p for p in message.walk() if p.get_content_type() == "text/plain")
    assert "Grünerløkka" in plain.get_payload(decode=True).decode()
