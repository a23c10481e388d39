"""Absolute links (set-password links, also e-mailed; the exports' Link column).

They are built from ``TRACKER_BASE_URL``, never from the Host header a client sends. Without it
(debug, tests, or a deployment that sets ``TRACKER_TRUSTED_HOSTS`` only) Flask builds them from the
request, whose Host ``TRUSTED_HOSTS`` has then checked; ``config.check_link_origin`` refuses to
start a production app that has neither.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, url_for


def absolute_url(endpoint: str, **values) -> str:
    """The full URL of ``endpoint`` (e.g. ``https://testarena.example.no/pilots/7``)."""
    base = current_app.config.get("BASE_URL")
    if not base:
        return url_for(endpoint, _external=True, **values)
    parts = urlsplit(base)
    adapter = current_app.url_map.bind(parts.netloc, script_name=parts.path.rstrip("/") or "/",
                                       url_scheme=parts.scheme)
    current_app.inject_url_defaults(endpoint, values)
    return adapter.build(endpoint, values, force_external=True)
