"""People administration: invite, role and districts, last-admin rules, deactivation, hand-over."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests import factories
from tracker.audit import AuditEntry
from tracker.auth.models import PasswordToken, Role, User
from tracker.db import db
from tracker.pilots.models import Pilot


def _audit(entity: str, action: str) -> list[AuditEntry]:
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity == entity,
                                                          AuditEntry.action == action)
                              .order_by(AuditEntry.id)).all()


def _new_user(client, **values):
    data = {"name": "Kari Nordmann", "email": "Kari@Oslo.kommune.no", "role": "staff",
            "agency": "Bymiljøetaten"}
    data.update(values)
    return client.post("/admin/users/new", data=data)


def test_people_list_filters_by_search_role_district_and_status(world, login):
    client = login(world.admin)
    world.staff_b.active = False
    db.session.commit()
    page = client.get("/admin/users")
    assert page.status_code == 200
    for name in ("Admin", "Coordinator A", "Coordinator B", "Staff A", "Staff B"):
        assert name in page.text
    by_role = client.get("/admin/users?role=coordinator").text
    assert "Coordinator A" in by_role and "Coordinator B" in by_role and "Staff A" not in by_role
    by_district = client.get("/admin/users?district=district-a").text
    assert "Coordinator A" in by_district and "Coordinator B" not in by_district
    inactive = client.get("/admin/users?active=no").text
    assert "Staff B" in inactive and "Staff A" not in inactive
    searched = client.get("/admin/users?q=STAFF a").text
    assert "Staff A" in searched and "Staff B" not in searched
    assert client.get("/admin/users?q=100%25_").status_code == 200


def test_unknown_filter_values_are_a_form_error_not_a_crash(world, login):
    response = login(world.admin).get("/admin/users?role=emperor&district=nowhere")
    assert response.status_code == 200  # shown unfiltered, with the error beside the field
    assert "Staff A" in response.text and 'aria-invalid="true"' in response.text


def test_admin_creates_a_coordinator_and_sees_a_one_time_link(world, login):
    client = login(world.admin)
    response = _new_user(client, role="coordinator", districts=[str(world.district_a.id)])
    user = db.session.scalar(sa.select(User).where(User.email == "kari@oslo.kommune.no"))
    assert response.status_code == 302 and response.headers["Location"] == f"/admin/users/{user.id}"
    assert user.role == Role.COORDINATOR and [d.slug for d in user.districts] == ["district-a"]
    assert user.agency == "Bymiljøetaten" and user.password_hash is None
    page = client.get(response.headers["Location"]).text
    link = re.search(r'id="new-link" type="text" readonly value="([^"]+)"', page).group(1)
    assert "/account/set-password/" in link
    # Only the hash is stored, and the link is not shown a second time.
    token = link.rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(PasswordToken).where(PasswordToken.user_id == user.id))
    assert stored.token_hash != token and len(stored.token_hash) == 64
    assert token not in client.get(f"/admin/users/{user.id}").text
    assert [e.changes["role"] for e in _audit("user", "create")] == [[None, "coordinator"]]


@pytest.mark.parametrize("values,field,message", [
    ({"email": "not-an-address"}, "email", "Skriv en e-postadresse"),
    ({"email": ""}, "email", "Skriv e-postadressen."),
    ({"name": ""}, "name", "Skriv navnet."),
    ({"role": "emperor"}, "role", ""),
    ({"role": "coordinator"}, "districts", "Velg minst ett distrikt"),
    ({"role": "coordinator", "districts": ["999999999999"]}, "districts", ""),
    ({"role": "coordinator", "districts": ["abc"]}, "districts", ""),
])
def test_bad_input_when_creating_a_user_is_a_field_error_and_nothing_changes(world, login, values, field,
                                                                              message):
    before = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    response = _new_user(login(world.admin), **values)
    assert response.status_code == 400
    assert f'href="#{field}"' in response.text and message in response.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == before


def test_duplicate_email_is_refused_case_insensitively(world, login):
    response = _new_user(login(world.admin), email=world.staff_a.email.upper())
    assert response.status_code == 400 and "finnes allerede" in response.text


def test_districts_are_dropped_for_roles_other_than_coordinator(world, login):
    _new_user(login(world.admin), role="staff", districts=[str(world.district_a.id)])
    assert db.session.scalar(sa.select(User).where(User.email == "kari@oslo.kommune.no")).districts == []


def test_change_role_and_districts_is_audited(world, login):
    client = login(world.admin)
    response = client.post(f"/admin/users/{world.staff_a.id}",
                           data={"name": "Staff A", "agency": "", "role": "coordinator",
                                 "districts": [str(world.district_b.id)], "version": "1"})
    assert response.status_code == 302
    assert world.staff_a.role == Role.COORDINATOR
    assert [d.slug for d in world.staff_a.districts] == ["district-b"]
    (entry,) = _audit("user", "update")
    assert entry.actor_id == world.admin.id and entry.entity_id == world.staff_a.id
    assert entry.changes == {"role": ["staff", "coordinator"],
                             "districts": [None, [{"id": world.district_b.id,
                                                   "name": world.district_b.name}]]}


def test_the_last_active_admin_cannot_demote_themselves(world, login):
    client = login(world.admin)
    response = client.post(f"/admin/users/{world.admin.id}",
                           data={"name": "Admin", "role": "staff", "version": "1"})
    assert response.status_code == 400 and "siste aktive administrator" in response.text
    assert world.admin.role == Role.ADMIN and _audit("user", "update") == []


def test_an_admin_may_demote_themselves_when_another_active_admin_exists(world, login):
    factories.make_user(Role.ADMIN, name="Second admin")
    client = login(world.admin)
    response = client.post(f"/admin/users/{world.admin.id}",
                           data={"name": "Admin", "role": "staff", "version": "1"})
    assert response.status_code == 302 and world.admin.role == Role.STAFF
    # ...and is an admin no longer.
    assert client.get("/admin/users").status_code == 403


def test_a_deactivated_second_admin_does_not_count(world, login):
    factories.make_user(Role.ADMIN, name="Gone admin", active=False)
    client = login(world.admin)
    response = client.post(f"/admin/users/{world.admin.id}",
                           data={"name": "Admin", "role": "staff", "version": "1"})
    assert response.status_code == 400
    assert world.admin.role == Role.ADMIN


def test_an_admin_can_never_deactivate_themselves(world, login):
    factories.make_user(Role.ADMIN, name="Second admin")
    client = login(world.admin)
    response = client.post(f"/admin/users/{world.admin.id}/deactivate", follow_redirects=True)
    assert "Du kan ikke deaktivere deg selv." in response.text
    assert world.admin.active is True and _audit("user", "deactivate") == []


def test_deactivation_ends_an_existing_session_and_blocks_sign_in(app, world, login):
    victim = app.test_client()
    victim.post("/login", data={"email": world.staff_a.email, "password": factories.PASSWORD})
    assert victim.get("/").status_code == 200
    stolen = {c.key: c.value for c in victim._cookies.values()}
    response = login(world.admin).post(f"/admin/users/{world.staff_a.id}/deactivate")
    assert response.status_code == 302
    assert world.staff_a.active is False
    assert victim.get("/").status_code == 302  # the cookie from before no longer works
    replay = app.test_client()
    for key, value in stolen.items():
        replay.set_cookie(key, value)
    assert replay.get("/").status_code == 302
    again = app.test_client().post("/login", data={"email": world.staff_a.email,
                                                   "password": factories.PASSWORD})
    assert again.status_code == 401
    (entry,) = _audit("user", "deactivate")
    assert entry.changes == {"active": [True, False]} and entry.actor_id == world.admin.id


def test_reactivation_lets_the_user_sign_in_again(app, world, login):
    world.staff_a.active = False
    db.session.commit()
    assert login(world.admin).post(f"/admin/users/{world.staff_a.id}/reactivate").status_code == 302
    assert world.staff_a.active is True and len(_audit("user", "reactivate")) == 1
    signed_in = app.test_client().post("/login", data={"email": world.staff_a.email,
                                                       "password": factories.PASSWORD})
    assert signed_in.status_code == 302


def test_handing_over_pilots_moves_ownership_and_is_audited(world, login):
    leaver = world.staff_a
    pilots = [factories.make_pilot(leaver, world.district_a, status=s) for s in ("draft", "running")]
    other = factories.make_pilot(world.staff_b, world.district_a)
    versions = [p.version for p in pilots]
    leaver.active = False
    db.session.commit()
    response = login(world.admin).post(f"/admin/users/{leaver.id}/handover",
                                       data={"to_user": str(world.coordinator_a.id)})
    assert response.status_code == 302
    assert [p.owner_id for p in pilots] == [world.coordinator_a.id] * 2
    assert [p.version for p in pilots] == [v + 1 for v in versions]
    assert other.owner_id == world.staff_b.id
    entries = _audit("pilot", "handover")
    assert sorted(e.entity_id for e in entries) == sorted(p.id for p in pilots)
    assert all(e.changes == {"owner": [{"id": leaver.id, "name": leaver.name},
                                       {"id": world.coordinator_a.id, "name": world.coordinator_a.name}]}
               for e in entries)


@pytest.mark.parametrize("target", ["self", "inactive", "0", "999999999999", "x"])
def test_hand_over_only_to_another_active_user(world, login, target):
    pilot = factories.make_pilot(world.staff_a, world.district_a)
    inactive = factories.make_user(name="Inactive", active=False)
    value = {"self": world.staff_a.id, "inactive": inactive.id}.get(target, target)
    response = login(world.admin).post(f"/admin/users/{world.staff_a.id}/handover",
                                       data={"to_user": str(value)})
    assert response.status_code == 400 and 'href="#to_user"' in response.text
    assert db.session.get(Pilot, pilot.id).owner_id == world.staff_a.id and _audit("pilot", "handover") == []


def test_new_link_invalidates_the_older_one(app, world, login):
    client = login(world.admin)
    links = []
    for _ in range(2):
        client.post(f"/admin/users/{world.staff_a.id}/link")
        page = client.get(f"/admin/users/{world.staff_a.id}").text
        links.append(re.search(r'value="(http[^"]+/account/set-password/[^"]+)"', page).group(1))
    anonymous = app.test_client()
    assert anonymous.get(links[0]).status_code == 410
    assert anonymous.get(links[1], follow_redirects=True).status_code == 200


def test_no_link_for_a_deactivated_user(world, login):
    world.staff_a.active = False
    db.session.commit()
    login(world.admin).post(f"/admin/users/{world.staff_a.id}/link")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordToken)) == 0


@pytest.mark.parametrize("url", ["/admin/users/0", "/admin/users/99999999999999999999",
                                 "/admin/users/12345", "/admin/users/abc"])
def test_unknown_users_are_404(world, login, url):
    assert login(world.admin).get(url).status_code == 404


def test_link_is_mailed_when_a_mail_server_is_configured(app, world, login, monkeypatch):
    sent = []

    class FakeSMTP:
        def __init__(self, host, port, timeout):
            sent.append((host, port))

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def send_message(self, message):
            sent.append(message)

    monkeypatch.setattr("smtplib.SMTP", FakeSMTP)
    app.config["MAIL_SERVER"] = "mail.example.org"
    response = _new_user(login(world.admin))
    assert response.status_code == 302
    assert sent[0] == ("mail.example.org", 25)
    assert sent[1]["To"] == "kari@oslo.kommune.no" and "/account/set-password/" in sent[1].get_content()


def test_the_person_page_shows_current_districts_checked(world, login):
    page = login(world.admin).get(f"/admin/users/{world.coordinator_a.id}").text
    ticked = re.findall(r'<input[^>]*checked[^>]*>', page)
    assert len(ticked) == 1 and f'value="{world.district_a.id}"' in ticked[0]


def test_add_person_errors_are_summarised_in_page_order(world, login):
    page = login(world.admin).post("/admin/users/new", data={"role": "coordinator"}).text
    summary = page.split('id="error-summary"', 1)[1].split("</ul>", 1)[0]
    assert summary.index("#name") < summary.index("#email") < summary.index("#districts")


def test_pages_are_in_english_when_asked(world, login):
    client = login(world.admin)
    client.post("/language", data={"lang": "en"})
    assert "<h1>People</h1>" in client.get("/admin/users").text
    assert "<h1>Audit trail</h1>" in client.get("/admin/audit").text
    assert "<h1>My account</h1>" in client.get("/account").text


def test_a_failing_mail_server_still_shows_the_link(app, world, login, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError

    monkeypatch.setattr("smtplib.SMTP", refuse)
    app.config["MAIL_SERVER"] = "mail.example.org"
    client = login(world.admin)
    page = client.get(_new_user(client).headers["Location"]).text
    assert "E-posten kunne ikke sendes" in page and "/account/set-password/" in page
