"""Atom feeds of new and changed public pilots, for the city and per district (feedgen)."""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask_babel import gettext as _

from tracker.i18n import current_language
from tracker.labels import label
from tracker.links import absolute_url
from tracker.pilots.models import Pilot
from tracker.register import catalog, queries

ENTRIES = 50
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _summary(pilot) -> str:
    parts = (label("status", pilot.status), pilot.district.name, pilot.need)
    return " – ".join(text for text in parts if text)


def atom(district) -> bytes:
    """The feed of the latest changed public pilots (of ``district``, or of the whole city)."""
    where = [queries.public()] + ([Pilot.district_id == district.id] if district is not None else [])
    pilots = queries.recent(where, ENTRIES)
    feed = FeedGenerator()
    if district is None:
        self_url, page = absolute_url("register.feed"), absolute_url("register.index")
        feed.title(_("Testarena: new and changed public pilots"))
    else:
        self_url = absolute_url("register.district_feed", slug=district.slug)
        page = absolute_url("districts.show", slug=district.slug)
        feed.title(_("Testarena: new and changed public pilots in %(district)s", district=district.name))
    feed.id(self_url)
    feed.link(href=self_url, rel="self")
    feed.link(href=page, rel="alternate")
    feed.language(current_language())
    feed.rights(catalog.licence()["name"])
    feed.updated(max((p.updated_at for p in pilots), default=EPOCH))
    for pilot in reversed(pilots):  # feedgen lists the last added first
        url = absolute_url("register.show", pilot_id=pilot.id)
        entry = feed.add_entry()
        entry.id(url)
        entry.title(pilot.title)
        entry.link(href=url)
        entry.updated(pilot.updated_at)
        entry.published(pilot.created_at)
        entry.summary(_summary(pilot))
        for theme in pilot.themes:
            entry.category(term=theme.slug, label=theme.name(current_language()))
    return feed.atom_str(pretty=True)
