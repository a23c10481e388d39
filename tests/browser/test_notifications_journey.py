"""Notifications in a real browser: a submitted proposal reaches the coordinator (in the app and
by e-mail through a real SMTP server), the return reaches the owner; axe on the new pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests import factories as f
from tests.browser.conftest import check_accessibility, follow, sign_in
from tests.smtp import SMTPServer
from tracker.db import db
from tracker.notifications import worker
from tracker.pilots.workflow import Status


@pytest.fixture(scope="module")
def smtp():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def app_config(smtp):
    smtp.sink.clear()
    return {"WTF_CSRF_ENABLED": True, "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp.port}


def body(message) -> str:
    return next(p.get_payload(decode=True).decode() for p in message.walk() if not p.is_multipart())


def test_submit_reaches_the_coordinator_and_the_return_reaches_the_owner(page, world, smtp, live_server):
    theme = f.make_theme(name_nb="Mobilitet")
    pilot = f.make_pilot(world.staff_a, world.district_a, Status.DRAFT, title="Bildeling på Tøyen")
    pilot.themes = [theme]
    db.session.commit()

    sign_in(page, world.staff_a.email, f.PASSWORD)
    page.goto(f"/pilots/{pilot.id}")
    follow(page.get_by_role("button", name="Send til vurdering", exact=True))
    follow(page.get_by_role("button", name="Logg ut"))

    assert worker.run_once()["sent"] == 1
    (mail,) = smtp.sink.messages
    assert mail["To"] == world.coordinator_a.email
    assert mail["Subject"] == "Sendt til vurdering: Bildeling på Tøyen"
    assert f"/pilots/{pilot.id}" in body(mail)

    sign_in(page, world.coordinator_a.email, f.PASSWORD)
    expect(page.get_by_role("link", name="Varsler (1 ulest)")).to_be_visible()
    follow(page.get_by_role("link", name="Varsler (1 ulest)"))
    expect(page.get_by_text("Staff A: Sendt til vurdering: Bildeling på Tøyen")).to_be_visible()
    check_accessibility(page, "notifications page")
    follow(page.get_by_role("button", name=re.compile(r"^Åpne\W+Sendt til vurdering: Bildeling på Tøyen$")))
    assert page.url.endswith(f"/pilots/{pilot.id}")
    expect(page.get_by_role("link", name="Varsler (0 uleste)")).to_be_visible()
    form = page.locator("form.decision-form")
    form.get_by_role("radio", name="Send tilbake til eier", exact=True).check()
    form.locator("#decision-comment").fill("Beskriv målgruppen bedre.")
    follow(form.get_by_role("button", name="Lagre avgjørelsen"))
    check_accessibility(page, "pilot page with comments and follow")
    follow(page.get_by_role("button", name="Logg ut"))

    smtp.sink.clear()
    assert worker.run_once()["sent"] == 1
    (mail,) = smtp.sink.messages
    assert mail["To"] == world.staff_a.email
    assert "Beskriv målgruppen bedre." in body(mail)

    sign_in(page, world.staff_a.email, f.PASSWORD)
    follow(page.get_by_role("link", name="Varsler (1 ulest)"))
    expect(page.get_by_text("Coordinator A: Sendt tilbake til deg: Bildeling på Tøyen")).to_be_visible()
    expect(page.get_by_text("Beskriv målgruppen bedre.")).to_be_visible()
    follow(page.get_by_role("button", name="Marker alle som lest"))
    expect(page.get_by_role("link", name="Varsler (0 uleste)")).to_be_visible()
    page.goto("/account")
    check_accessibility(page, "account page with notification settings")
    comments = page.get_by_role("group", name="En kommentar på en pilot du følger")
    comments.get_by_label("I ukesammendraget").check()
    follow(page.get_by_role("button", name="Lagre varselinnstillinger"))
    expect(page.get_by_text("Varselinnstillingene dine er lagret.")).to_be_visible()
    expect(comments.get_by_label("I ukesammendraget")).to_be_checked()


def test_comment_and_follow_in_the_browser(page, world, live_server):
    pilot = f.make_pilot(world.staff_a, world.district_a, Status.RUNNING, title="Solceller på skoletak")
    db.session.commit()
    sign_in(page, world.staff_b.email, f.PASSWORD)
    page.goto(f"/pilots/{pilot.id}")
    follow(page.get_by_role("button", name="Følg", exact=True))
    expect(page.get_by_text("Du følger denne piloten.")).to_be_visible()
    follow(page.get_by_role("button", name="Publiser kommentar"))  # empty: refused, field named
    expect(page.get_by_role("link", name="Kommentar: Skriv en kommentar.")).to_be_visible()
    check_accessibility(page, "comment form with errors")
    page.get_by_label("Kommentar").fill("Hvor mange skoler er med?")
    follow(page.get_by_role("button", name="Publiser kommentar"))
    expect(page.locator("#comments blockquote")).to_have_text("Hvor mange skoler er med?")
