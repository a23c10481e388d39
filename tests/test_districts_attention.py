"""Needs-attention rules, each at its boundary, with a frozen clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tests import factories as f
from tracker.db import db
from tracker.districts import attention
from tracker.pilots.models import Outcome
from tracker.pilots.permissions import visible_filter
from tracker.pilots.workflow import Status

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    monkeypatch.setattr("tracker.districts.attention.utcnow", lambda: NOW)


def days_ago(n: int) -> datetime:
    return NOW - timedelta(days=n)


def pilot(world, status, title, district=None, **values):
    values.setdefault("updated_at", days_ago(1))
    values.setdefault("status_changed_at", days_ago(1))
    return f.make_pilot(world.staff_a, district or world.district_a, status, title=title, **values)


def flagged(world, user=None) -> dict[str, list[str]]:
    found = attention.items(visible_filter(user or world.admin), [world.district_a.id])
    return {g.rule.key: [p.title for p in g.pilots] for g in found.groups}


def test_review_waiting_longer_than_14_days(world):
    pilot(world, Status.SUBMITTED, "13 days", status_changed_at=days_ago(13))
    pilot(world, Status.SUBMITTED, "exactly 14 days", status_changed_at=days_ago(14))
    pilot(world, Status.SUBMITTED, "15 days", status_changed_at=days_ago(15))
    pilot(world, Status.APPROVED, "approved long ago", status_changed_at=days_ago(40))
    assert flagged(world)["review"] == ["15 days"]


def test_running_past_planned_end(world):
    pilot(world, Status.RUNNING, "ends today", planned_end=TODAY)
    pilot(world, Status.RUNNING, "ended yesterday", planned_end=TODAY - timedelta(days=1))
    pilot(world, Status.RUNNING, "no planned end", planned_start=None, planned_end=None)
    pilot(world, Status.PAUSED, "paused past end", planned_end=TODAY - timedelta(days=10))
    assert flagged(world)["overdue"] == ["ended yesterday"]


def test_no_update_for_90_days_unless_final(world):
    pilot(world, Status.RUNNING, "89 days", updated_at=days_ago(89))
    pilot(world, Status.DRAFT, "91 days", updated_at=days_ago(91))
    for status in (Status.EVALUATED, Status.WITHDRAWN, Status.REJECTED):
        pilot(world, status, f"final {status}", updated_at=days_ago(400))
    assert flagged(world)["stale"] == ["91 days"]


def test_completed_without_outcome_after_30_days(world):
    pilot(world, Status.COMPLETED, "29 days", status_changed_at=days_ago(29))
    pilot(world, Status.COMPLETED, "31 days", status_changed_at=days_ago(31))
    done = pilot(world, Status.COMPLETED, "has outcome", status_changed_at=days_ago(60))
    db.session.add(Outcome(pilot=done, verdict="continue", lessons="Keep going."))
    db.session.flush()
    assert flagged(world)["no_outcome"] == ["31 days"]


def test_thresholds_come_from_config(world, app):
    app.config.update(ATTENTION_REVIEW_DAYS=3, ATTENTION_STALE_DAYS=10, ATTENTION_OUTCOME_DAYS=5)
    pilot(world, Status.SUBMITTED, "review", status_changed_at=days_ago(4))
    pilot(world, Status.PAUSED, "stale", updated_at=days_ago(11))
    pilot(world, Status.COMPLETED, "no outcome", status_changed_at=days_ago(6))
    result = flagged(world)
    assert result["review"] == ["review"] and result["stale"] == ["stale"]
    assert result["no_outcome"] == ["no outcome"]


def test_counts_per_district_count_each_pilot_once(world):
    pilot(world, Status.RUNNING, "overdue and stale", planned_end=date(2026, 1, 1), updated_at=days_ago(200))
    pilot(world, Status.SUBMITTED, "b", district=world.district_b, status_changed_at=days_ago(20))
    pilot(world, Status.RUNNING, "fine")
    assert attention.counts(visible_filter(world.admin)) == {world.district_a.id: 1, world.district_b.id: 1}
    assert attention.counts(visible_filter(world.admin), [world.district_b.id]) == {world.district_b.id: 1}


def test_staff_do_not_see_other_peoples_drafts_in_the_queue(world):
    pilot(world, Status.DRAFT, "old draft", updated_at=days_ago(120))
    assert flagged(world, world.staff_b)["stale"] == []
    assert flagged(world, world.staff_a)["stale"] == ["old draft"]


def test_for_user_scopes_coordinators_to_their_districts(world):
    pilot(world, Status.SUBMITTED, "in A", status_changed_at=days_ago(20))
    pilot(world, Status.SUBMITTED, "in B", district=world.district_b, status_changed_at=days_ago(20))
    review = {u: next(g for g in attention.for_user(u).groups if g.rule.key == "review")
              for u in (world.coordinator_a, world.admin)}
    assert [p.title for p in review[world.coordinator_a].pilots] == ["in A"]
    assert {p.title for p in review[world.admin].pilots} == {"in A", "in B"}
    assert attention.for_user(world.staff_a) is None


def test_district_page_shows_the_queue_to_signed_in_users(world, login):
    pilot(world, Status.SUBMITTED, "Waiting long", status_changed_at=days_ago(30))
    db.session.commit()
    html = login(world.coordinator_a).get("/districts/district-a").get_data(as_text=True)
    section = html.split('id="attention-title"')[1].split("</section>")[0]
    assert "Har ventet på vurdering i mer enn 14 dager (1)" in section and "Waiting long" in section


def test_my_work_shows_needs_attention_to_coordinators_and_admins(world, login):
    pilot(world, Status.SUBMITTED, "Waiting in A", status_changed_at=days_ago(30))
    pilot(world, Status.RUNNING, "Overdue in B", district=world.district_b, planned_end=date(2026, 1, 31))
    db.session.commit()

    def section(user) -> str | None:
        html = login(user).get("/").get_data(as_text=True)
        if 'id="home-attention-title"' not in html:
            return None
        return html.split('id="home-attention-title"')[1].split("</section>")[0]

    mine = section(world.coordinator_a)
    assert "Waiting in A" in mine and "District A" in mine and "Overdue in B" not in mine
    everything = section(world.admin)
    assert "Waiting in A" in everything and "Overdue in B" in everything
    assert "Pågår etter planlagt slutt (1)" in everything
    assert section(world.staff_a) is None


def test_the_heading_counts_each_pilot_once_though_it_is_listed_under_each_rule(world, login):
    pilot(world, Status.RUNNING, "Overdue and stale", planned_end=date(2026, 1, 31), updated_at=days_ago(200))
    pilot(world, Status.SUBMITTED, "Waiting long", status_changed_at=days_ago(30))
    db.session.commit()
    for url, heading_id in (("/", "home-attention-title"), ("/districts/district-a", "attention-title")):
        html = login(world.coordinator_a).get(url).get_data(as_text=True)
        section = html.split(f'id="{heading_id}"')[1].split("</section>")[0]
        assert section.split("</h2>")[0].endswith('<span class="count">(2)</span>'), url
        assert "Pågår etter planlagt slutt (1)" in section and "Ikke oppdatert på 90 dager (1)" in section
        assert section.count("Overdue and stale") == 2
