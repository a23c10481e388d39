"""The authorisation matrix itself: one line per route (see ``tests/test_authorisation_matrix.py``).

Statuses per persona, in the order of ``PERSONAS`` (anonymous, staff_own, staff_other,
coordinator_own, coordinator_other, admin, viewer): ``L`` means "sent to sign in" (302 to ``/login?next=``),
a number is the exact status. ``staff_own`` owns the scene's pilots, all in district A, which
``coordinator_own`` coordinates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tests.authz.scene import Scene


@dataclass
class Case:
    endpoint: str
    get: str | None = None  # expected statuses per persona, e.g. "L 200 403 200 403 200"
    post: str | None = None
    args: Callable[[Scene], dict] = field(default=lambda s: {})
    data: Callable[[Scene], dict] = field(default=lambda s: {})
    name: str = ""

    def expected(self, method: str) -> list:
        spec = self.get if method == "GET" else self.post
        return [int(x) if x.isdigit() else x for x in spec.split()] if spec else None

    @property
    def id(self) -> str:
        return self.endpoint + (f"[{self.name}]" if self.name else "")


def _pilot(attr: str) -> Callable[[Scene], dict]:
    return lambda s: {"pilot_id": getattr(s, attr).id}


def _act(attr: str, action: str, comment: str = "") -> dict:
    """A workflow action on one of the scene's pilots, posted with its current version."""
    return dict(args=lambda s: {"pilot_id": getattr(s, attr).id, "action": action},
                data=lambda s: {"version": getattr(s, attr).version, f"{action}-comment": comment},
                name=f"{action} {attr}")


def _decide(attr: str, choice: str, comment: str = "") -> dict:
    """The reviewer's decision on one of the scene's pilots, posted with its current version."""
    return dict(args=lambda s: {"pilot_id": getattr(s, attr).id},
                data=lambda s: {"version": getattr(s, attr).version, "decision-choice": choice,
                                "decision-comment": comment},
                name=f"{choice} {attr}")


def _progress(attr: str) -> Callable[[Scene], dict]:
    """A complete progress report on one of the scene's pilots, posted with its current version."""
    return lambda s: {"version": getattr(s, attr).version, "report_date": "2026-01-15", "state": "on_track",
                      "happened": "Kom godt i gang."}
def _change(choice: str, comment: str = "") -> dict:
    """A decision on the scene's change request, posted with the approved pilot's current version."""
    return dict(args=lambda s: {"change_id": s.change.id},
                data=lambda s: {"version": s.approved.version, "change-choice": choice,
                                "change-comment": comment},
                name=choice)


_user = lambda s: {"user_id": s.world.staff_a.id}  # noqa: E731
_district = lambda s: {"district_id": s.world.district_a.id}  # noqa: E731
_theme = lambda s: {"theme_id": s.theme.id}  # noqa: E731
_partner = lambda s: {"partner_id": s.partner.id}  # noqa: E731
_file = lambda attr: lambda s: {"attachment_id": getattr(s, attr).id}  # noqa: E731
_version = lambda attr: lambda s: {"attachment_id": getattr(s, attr).id, "number": 1}  # noqa: E731
ADMIN_ONLY_GET = "L 403 403 403 403 200 403"
EVERYONE, NO_ONE = "200 200 200 200 200 200 200", "404 404 404 404 404 404 404"
IMPORTERS_GET = "L 403 403 200 200 200 403"
_import = lambda s: {"token": s.import_token}  # noqa: E731
_no_import = lambda s: {"token": "A" * 22}  # noqa: E731

#        persona order:       anon staff_own staff_other coord_own coord_other admin viewer
MATRIX: list[Case] = [
    Case("auth.login", get="200 302 302 302 302 302 302", post="400 302 302 302 302 302 302"),
    Case("auth.logout", post="L 302 302 302 302 302 302"),
    Case("home.index", get="302 200 200 200 200 200 200"),  # the start page sends visitors to sign in
    Case("home.language", post="400 400 400 400 400 400 400", name="no language"),
    Case("home.language", post="302 302 302 302 302 302 302", data=lambda s: {"lang": "en"}, name="en"),
    Case("pilots.index", get="200 200 200 200 200 200 200"),
    Case("pilots.show", get="404 200 403 200 403 200 200", args=_pilot("draft"), name="draft"),
    Case("pilots.show", get="404 200 200 200 200 200 200", args=_pilot("submitted"), name="submitted"),
    Case("pilots.show", get="200 200 200 200 200 200 200", args=_pilot("running"), name="public running"),
    # Approved, with a change request waiting (its diff and decision form: tracker/changes).
    Case("pilots.show", get="200 200 200 200 200 200 200", args=_pilot("approved"), name="change request"),
    Case("pilots.new", get="L 200 200 200 200 200 403", post="L 400 400 400 400 400 403"),
    Case("pilots.edit", get="L 200 403 200 403 200 403", post="L 400 403 400 403 400 403",
         args=_pilot("draft")),
    Case("pilots.edit", get="L 200 403 200 403 200 403", post="L 400 403 400 403 400 403",
         args=_pilot("approved"), name="approved"),
    # Under review: admins only (reviewers return it with a comment instead of rewriting it).
    Case("pilots.edit", get="L 403 403 403 403 200 403", post="L 403 403 403 403 400 403",
         args=_pilot("submitted"), name="submitted"),
    Case("pilots.act", post="L 302 403 403 403 302 403", **_act("draft", "submit"),),
    Case("pilots.act", post="L 404 404 404 404 404 404", **_act("submitted", "approve")),  # a decision
    Case("pilots.decide", post="L 403 403 302 403 302 403", **_decide("submitted", "approve")),
    Case("pilots.decide", post="L 403 403 302 403 302 403",
         **_decide("submitted", "return", "Please add goals")),
    Case("pilots.decide", post="L 403 403 302 403 302 403", **_decide("submitted", "reject", "Out of scope")),
    Case("pilots.decide", post="L 403 403 403 403 403 403", **_decide("draft", "approve")),
    # A change request after approval: a coordinator of the district or an admin, never the owner.
    Case("changes.decide", post="L 403 403 302 403 302 403", **_change("accept")),
    Case("changes.decide", post="L 403 403 302 403 302 403", **_change("decline", "Not in this budget.")),
    Case("pilots.act", post="L 302 403 302 403 302 403", **_act("submitted", "withdraw", "No longer needed")),
    Case("pilots.act", post="L 302 403 302 403 302 403", **_act("approved", "start")),
    Case("pilots.act", post="L 302 403 302 403 302 403", **_act("running", "pause", "Winter")),
    Case("pilots.act", post="L 404 403 404 403 404 404", **_act("draft", "explode")),
    Case("pilots.outcome", get="L 200 403 200 403 200 403", post="L 400 403 400 403 400 403",
         args=_pilot("running")),
    Case("pilots.outcome", get="L 403 403 403 403 403 403", post="L 403 403 403 403 403 403",
         args=_pilot("draft"), name="draft"),
    # Progress reports: running or paused pilots, by the owner, the district's coordinator or an admin.
    Case("pilots.progress_report", get="L 200 403 200 403 200 403", post="L 302 403 302 403 302 403",
         args=_pilot("running"), data=_progress("running")),
    Case("pilots.progress_report", get="L 403 403 403 403 403 403", post="L 403 403 403 403 403 403",
         args=_pilot("approved"), data=_progress("approved"), name="approved"),
    Case("pilots.progress_edit", get="L 200 403 200 403 200 403", post="L 302 403 302 403 302 403",
         args=lambda s: {"pilot_id": s.running.id, "report_id": s.progress.id}, data=_progress("running")),
    Case("partners.index", get="L 200 200 200 200 200 200"),
    Case("partners.show", get="L 200 200 200 200 200 200", args=_partner),
    Case("partners.new", get="L 200 200 200 200 200 403", post="L 400 400 400 400 400 403"),
    Case("partners.edit", get="L 200 200 200 200 200 403", post="L 400 400 400 400 400 403", args=_partner),
    Case("partners.merge", get="L 403 403 403 403 200 403", post="L 403 403 403 403 400 403", args=_partner),
    Case("partners.delete", post="L 403 403 403 403 302 403",
         args=lambda s: {"partner_id": s.other_partner.id}),
    Case("districts.index", get="200 200 200 200 200 200 200"),
    Case("districts.show", get="200 200 200 200 200 200 200",
         args=lambda s: {"slug": s.world.district_a.slug}),
    Case("districts.export", get="200 200 200 200 200 200 200",
         args=lambda s: {"slug": s.world.district_a.slug, "fmt": "csv"}),
    Case("districts.partner_suggestions", get="200 200 200 200 200 200 200",
         args=lambda s: {"slug": s.world.district_a.slug}),
    Case("districts.overview_export", get="200 200 200 200 200 200 200", args=lambda s: {"fmt": "xlsx"}),
    Case("account.index", get="L 200 200 200 200 200 200"),
    Case("account.name", post="L 400 400 400 400 400 400"),
    Case("account.password", post="L 400 400 400 400 400 400"),
    Case("account.token_new", post="L 400 400 400 400 400 400"),
    Case("account.token_revoke", post="L 302 404 404 404 404 404",
         args=lambda s: {"token_id": s.api_token.id}),
    # The JSON API (tracker/api) ignores the session: every persona reads as the public and may not
    # write without a token (401); tokens are tested in tests/test_api_*.py.
    Case("api.openapi", get=EVERYONE),
    Case("api.docs", get=EVERYONE),
    Case("api.pilots", get=EVERYONE, post="401 401 401 401 401 401 401"),
    Case("api.pilot", get=EVERYONE, args=_pilot("running"), name="public"),
    Case("api.pilot", get="404 404 404 404 404 404 404", args=_pilot("draft"), name="draft"),
    Case("api.act", post="401 401 401 401 401 401 401",
         args=lambda s: {"pilot_id": s.draft.id, "action": "submit"}),
    Case("api.districts", get=EVERYONE),
    Case("api.partners", get=EVERYONE),
    Case("api.themes", get=EVERYONE),
    Case("account.set_password", get="302 302 302 302 302 302 302", post="400 400 400 400 400 400 400",
         args=lambda s: {"token": s.token}),
    Case("account.set_password_form", get="404 404 404 404 404 404 404", post="404 404 404 404 404 404 404"),
    Case("account.set_password", get="404 404 404 404 404 404 404", post="404 404 404 404 404 404 404",
         args=lambda s: {"token": "not-a-token"}, name="unknown token"),
    Case("admin.users", get=ADMIN_ONLY_GET),
    Case("admin.user_new", get=ADMIN_ONLY_GET, post="L 403 403 403 403 400 403"),
    Case("admin.user", get=ADMIN_ONLY_GET, post="L 403 403 403 403 400 403", args=_user),
    Case("admin.user_deactivate", post="L 403 403 403 403 302 403", args=_user),
    Case("admin.user_reactivate", post="L 403 403 403 403 302 403", args=_user),
    Case("admin.user_link", post="L 403 403 403 403 302 403", args=_user),
    Case("admin.user_handover", post="L 403 403 403 403 302 403", args=_user,
         data=lambda s: {"to_user": s.world.staff_b.id}),
    Case("admin.audit", get=ADMIN_ONLY_GET),
    Case("admin.districts", get=ADMIN_ONLY_GET),
    Case("admin.district_new", get=ADMIN_ONLY_GET, post="L 403 403 403 403 400 403"),
    Case("admin.district", get=ADMIN_ONLY_GET, post="L 403 403 403 403 400 403", args=_district),
    Case("admin.district_retire", post="L 403 403 403 403 302 403", args=_district),
    Case("admin.district_reinstate", post="L 403 403 403 403 302 403", args=_district),
    Case("admin.themes", get=ADMIN_ONLY_GET),
    Case("admin.theme_new", get=ADMIN_ONLY_GET, post="L 403 403 403 403 400 403"),
    Case("admin.theme", get=ADMIN_ONLY_GET, post="L 403 403 403 403 400 403", args=_theme),
    Case("admin.theme_retire", post="L 403 403 403 403 302 403", args=_theme),
    Case("admin.theme_reinstate", post="L 403 403 403 403 302 403", args=_theme),
    # Notifications (tracker/notifications): one's own list and settings; follow and comment on
    # what one may see; the delivery records for admins.
    Case("notifications.index", get="L 200 200 200 200 200 200"),
    Case("notifications.read", post="L 404 404 404 404 404 404",
         args=lambda s: {"notification_id": 2**31 - 1}),
    Case("notifications.read_all", post="L 302 302 302 302 302 302"),
    Case("notifications.settings", post="L 302 302 302 302 302 302"),
    Case("notifications.follow", post="L 302 302 302 302 302 302", args=_pilot("running")),
    Case("notifications.follow", post="L 302 403 302 403 302 302", args=_pilot("draft"), name="draft"),
    Case("notifications.comment", post="L 400 400 400 400 400 400", args=_pilot("running")),
    Case("notifications.comment", post="L 302 403 302 403 302 302", args=_pilot("draft"),
         data=lambda s: {"body": "Hvordan går det?"}, name="draft"),
    Case("notifications.deliveries", get=ADMIN_ONLY_GET),
    # Attachments (tracker/files): who sees the pilot sees its files; the public only public ones.
    Case("files.new", get="L 200 403 200 403 200 403", post="L 400 403 400 403 400 403",
         args=_pilot("running")),
    Case("files.new", get="L 200 403 200 403 200 403", post="L 400 403 400 403 400 403", args=_pilot("draft"),
         name="draft"),
    Case("files.new_link", get="L 200 403 200 403 200 403", post="L 302 403 302 403 302 403",
         args=_pilot("running"),
         data=lambda s: {"title": "Archive", "kind": "other", "url": "https://example.org/case/1"}),
    Case("files.show", get="200 200 200 200 200 200 200", args=_file("public_file"), name="public"),
    Case("files.show", get="404 200 200 200 200 200 200", args=_file("internal_file"), name="internal"),
    Case("files.show", get="404 403 403 403 403 200 403", args=_file("deleted_file"), name="deleted"),
    Case("files.show", get="404 200 403 200 403 200 200", args=_file("draft_file"), name="draft"),
    Case("files.download", get="200 200 200 200 200 200 200", args=_version("public_file"), name="public"),
    Case("files.download", get="404 200 200 200 200 200 200", args=_version("internal_file"),
         name="internal"),
    Case("files.download", get="404 403 403 403 403 200 403", args=_version("deleted_file"), name="deleted"),
    Case("files.download", get="404 200 403 200 403 200 200", args=_version("draft_file"), name="draft"),
    Case("files.replace", post="L 400 403 400 403 400 403", args=_file("internal_file")),
    Case("files.delete", post="L 302 403 302 403 302 403", args=_file("internal_file")),
    Case("files.delete", post="L 404 404 404 404 404 404", args=lambda s: {"attachment_id": 2**31 - 1},
         name="unknown"),
    Case("files.restore", post="L 403 403 403 403 302 403", args=_file("deleted_file")),
    # The public register (tracker/register): what the public sees, whoever asks.
    Case("register.index", get=EVERYONE),
    Case("register.show", get=EVERYONE, args=_pilot("running"), name="public running"),
    Case("register.show", get=EVERYONE, args=_pilot("approved"), name="approved, public"),
    Case("register.show", get=NO_ONE, args=_pilot("draft"), name="draft"),
    Case("register.show", get=NO_ONE, args=_pilot("submitted"), name="submitted"),
    Case("register.data", get=EVERYONE),
    Case("register.pilots_csv", get=EVERYONE),
    Case("register.pilots_json", get=EVERYONE),
    Case("register.catalog_jsonld", get=EVERYONE),
    Case("register.feed", get=EVERYONE),
    Case("register.district_feed", get=EVERYONE, args=lambda s: {"slug": s.world.district_a.slug}),
    Case("register.sitemap", get=EVERYONE),
    Case("register.robots", get=EVERYONE),
    Case("register.network", get=EVERYONE),
    Case("register.sources", get=ADMIN_ONLY_GET, post="L 403 403 403 403 400 403"),
    Case("register.sources", get=ADMIN_ONLY_GET, post="L 403 403 403 403 302 403", name="follow",
         data=lambda s: {"url": "https://testarena.example.fi/districts/oulu-hub", "name": "Oulu"}),
    Case("register.unfollow", post="L 403 403 403 403 302 403",
         args=lambda s: {"source_id": s.network_source.id}),
    # Search (tracker/search): open to all; each sees only what they may open.
    Case("search.index", get=EVERYONE),
    Case("search.similar", get=EVERYONE),
    Case("lessons.index", get=EVERYONE),
    Case("lessons.export", get=EVERYONE, args=lambda s: {"fmt": "xlsx"}),
    # Spreadsheet import (tracker/imports): admins, and coordinators for their own districts. An
    # upload is its uploader's only (the scene's is the admin's): anyone else gets a 404. Viewers do
    # not import.
    Case("imports.index", get=IMPORTERS_GET, post="L 403 403 400 400 400 403"),
    Case("imports.old_address", get="L 403 403 301 301 301 403"),
    Case("imports.review", get="L 403 403 404 404 200 403", post="L 403 403 404 404 400 403", args=_import,
         data=lambda s: {"owner": "not-an-id"}),
    Case("imports.review", get="L 403 403 404 404 404 403", post="L 403 403 404 404 404 403", args=_no_import,
         name="unknown"),
    Case("imports.done", get="L 403 403 404 404 302 403", args=_import),
    Case("imports.refused", get="L 403 403 404 404 404 403", args=_import, name="before importing"),
    Case("imports.template", get=IMPORTERS_GET),
    Case("imports.columns", get=IMPORTERS_GET),
]
