"""Merging duplicate partners and deleting unused ones (admin only, audited)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests import factories
from tracker.audit import AuditEntry
from tracker.db import db
from tracker.partners import operations
from tracker.partners.models import Partner
from tracker.pilots.models import FundingLine, PilotPartner
from tracker.pilots.workflow import Status


def pairs() -> set[tuple[int, str]]:
    """Every distinct (pilot, role) pair in the links table."""
    rows = db.session.execute(sa.select(PilotPartner.pilot_id, PilotPartner.role))
    return {(pid, role) for pid, role in rows}


def links_of(partner_id: int) -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(PilotPartner.pilot_id, PilotPartner.role).where(PilotPartner.partner_id == partner_id))
    return sorted((pid, role) for pid, role in rows)


def audit(action: str) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


@pytest.fixture
def overlap(world):
    """Two records of one organisation whose links overlap on pilots and roles."""
    keep = factories.make_partner("SINTEF", kind="research_institute")
    dup = factories.make_partner("Sintef AS", kind="research_institute", org_number="948007029",
                                 website="https://www.sintef.no", contact_email="post@sintef.no")
    p1, p2, p3, p4, p5 = (factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING)
                          for _ in range(5))
    factories.link_partner(p1, keep, "lead")
    factories.link_partner(p1, dup, "participant")   # other role: moves
    factories.link_partner(p2, keep, "implementer")
    factories.link_partner(p2, dup, "implementer")   # same (pilot, role): dropped, the survivor's stays
    factories.link_partner(p2, dup, "evaluator")     # same pilot, other role: moves
    factories.link_partner(p3, dup, "lead")          # the loser leads p3: the survivor becomes lead
    factories.link_partner(p3, keep, "participant")
    factories.link_partner(p4, dup, "funder")
    factories.link_partner(p5, keep, "funder")
    factories.link_partner(p5, dup, "funder")        # dropped
    factories.add_funding(p4, 2026, 500_000, source_type="partner", source="Sintef AS", partner=dup)
    db.session.commit()
    return keep, dup, (p1, p2, p3, p4, p5)


def test_merge_moves_every_link_without_duplicates_or_losses(login, world, overlap):
    keep, dup, (p1, p2, p3, p4, p5) = overlap
    dup_id, before = dup.id, pairs()
    response = login(world.admin).post(f"/partners/{dup_id}/merge", data={"survivor": keep.id})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/partners/{keep.id}"

    assert pairs() == before and len(pairs()) == len(before)  # counts before = after
    assert links_of(keep.id) == sorted([
        (p1.id, "lead"), (p1.id, "participant"), (p2.id, "implementer"), (p2.id, "evaluator"),
        (p3.id, "lead"), (p3.id, "participant"), (p4.id, "funder"), (p5.id, "funder")])
    total = db.session.scalar(sa.select(sa.func.count()).select_from(PilotPartner))
    assert total == len(before)  # no (pilot, partner, role) duplicate
    assert db.session.get(Partner, dup_id) is None
    line = db.session.scalar(sa.select(FundingLine))
    assert (line.partner_id, line.source) == (keep.id, "SINTEF")
    db.session.refresh(keep)
    # Empty details of the survivor were filled from the merged record, its number included.
    assert (keep.org_number, keep.website, keep.contact_email) == (
        "948007029", "https://www.sintef.no", "post@sintef.no")

    [merged] = audit("merge")
    assert (merged.entity_id, merged.actor_id) == (keep.id, world.admin.id)
    assert merged.changes["links_moved"] == [None, "4"]
    assert merged.changes["links_dropped"] == [None, "2"]
    assert merged.changes["funding_lines_moved"] == [None, "1"]
    [gone] = audit("merged_into")
    assert gone.entity_id == dup_id
    assert gone.changes["merged_into"] == [None, {"id": keep.id, "name": "SINTEF"}]
    assert gone.changes["name"] == ["Sintef AS", None]
    page = login(world.admin).get(response.headers["Location"]).text
    assert "Slo sammen Sintef AS med denne partneren" in page


def test_merge_changes_each_pilot_through_its_operations(login, world, overlap):
    """Every pilot that named the merged partner moves on a version and logs the merge; others not."""
    keep, dup, pilots = overlap
    untouched = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING)
    factories.link_partner(untouched, keep, "lead")
    db.session.commit()
    versions, dup_id = {p.id: p.version for p in (*pilots, untouched)}, dup.id
    assert login(world.admin).post(f"/partners/{dup_id}/merge", data={"survivor": keep.id}).status_code == 302
    db.session.expire_all()
    assert {p.id: p.version - versions[p.id] for p in (*pilots, untouched)} == {
        **{p.id: 1 for p in pilots}, untouched.id: 0}
    entries = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.entity == "pilot",
                                                             AuditEntry.action == "partner_merge")).all()
    assert sorted(e.entity_id for e in entries) == sorted(p.id for p in pilots)
    p4 = next(e.changes for e in entries if e.entity_id == pilots[3].id)
    assert p4["merged_partner"] == [{"id": dup_id, "name": "Sintef AS"}, {"id": keep.id, "name": "SINTEF"}]
    assert p4["partners"] == [[{"partner_id": dup_id, "name": "Sintef AS", "role": "funder"}],
                              [{"partner_id": keep.id, "name": "SINTEF", "role": "funder"}]]
    assert [line["partner_id"] for line in p4["funding"][1]] == [keep.id]


def test_merge_operation_is_symmetric_in_what_it_keeps(world, overlap):
    keep, dup, _ = overlap
    before = pairs()
    operations.merge_partners(world.admin, keep, dup)  # the other way round
    db.session.commit()
    assert pairs() == before
    assert len(links_of(dup.id)) == len(before)
    with pytest.raises(ValueError, match="itself"):
        operations.merge_partners(world.admin, dup, dup)


@pytest.mark.parametrize("who", ["staff_a", "coordinator_a"])
def test_only_admins_merge(login, world, overlap, who):
    keep, dup, _ = overlap
    client = login(getattr(world, who))
    assert client.get(f"/partners/{dup.id}/merge").status_code == 403
    assert client.post(f"/partners/{dup.id}/merge", data={"survivor": keep.id}).status_code == 403
    assert db.session.get(Partner, dup.id) is not None


@pytest.mark.parametrize("survivor", ["", "0", "abc", "99999999999999999999", "self"])
def test_merge_with_a_bad_choice_is_a_form_error(login, world, overlap, survivor):
    keep, dup, _ = overlap
    before = links_of(dup.id)
    client = login(world.admin)
    page = client.get(f"/partners/{dup.id}/merge").text
    assert f'<option value="{keep.id}">SINTEF</option>' in page
    assert f'<option value="{dup.id}"' not in page  # never into itself
    response = client.post(f"/partners/{dup.id}/merge",
                           data={"survivor": dup.id if survivor == "self" else survivor})
    assert response.status_code == 400
    assert 'href="#survivor"' in response.text
    assert links_of(dup.id) == before


def test_delete_is_refused_while_linked_and_audited_when_done(login, world):
    linked = factories.make_partner("Linked AS")
    funder = factories.make_partner("Funder AS")
    unused = factories.make_partner("Unused AS", org_number="974760673")
    pilot = factories.make_pilot(world.staff_a, world.district_a)
    factories.link_partner(pilot, linked)
    factories.add_funding(pilot, 2026, 1000, source_type="partner", source="Funder AS", partner=funder)
    client = login(world.admin)

    for partner in (linked, funder):
        response = client.post(f"/partners/{partner.id}/delete")
        assert response.headers["Location"] == f"/partners/{partner.id}"
        assert "kan ikke slettes" in client.get(response.headers["Location"]).text
        assert db.session.get(Partner, partner.id) is not None
    assert audit("delete") == []

    unused_id = unused.id
    response = client.post(f"/partners/{unused_id}/delete")
    assert response.headers["Location"] == "/partners/"
    assert db.session.get(Partner, unused_id) is None
    [entry] = audit("delete")
    assert (entry.entity_id, entry.actor_id) == (unused_id, world.admin.id)
    assert entry.changes["org_number"] == ["974760673", None]


@pytest.mark.parametrize("who", ["staff_a", "coordinator_a"])
def test_only_admins_delete(login, world, who):
    partner = factories.make_partner()
    assert login(getattr(world, who)).post(f"/partners/{partner.id}/delete").status_code == 403
    assert db.session.get(Partner, partner.id) is not None


def test_a_new_partner_never_takes_a_deleted_partners_id_or_history(login, world):
    """SQLite reused the highest deleted id: the new partner then showed the old one's history."""
    newest = factories.make_partner("Slettes AS")
    db.session.commit()
    old_id = newest.id
    client = login(world.admin)
    assert client.post(f"/partners/{old_id}/delete", follow_redirects=True).status_code == 200
    response = client.post("/partners/new", data={"name": "Helt ny AS", "kind": "startup"})
    assert response.status_code == 302
    new = db.session.scalars(sa.select(Partner).where(Partner.name == "Helt ny AS")).one()
    assert new.id > old_id
    assert "Slettes AS" not in client.get(f"/partners/{new.id}").text
