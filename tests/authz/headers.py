"""The headers every response of the app must carry (used on every route by the matrix)."""

from __future__ import annotations

REQUIRED = {"default-src": "'self'", "frame-ancestors": "'none'", "form-action": "'self'",
            "object-src": "'none'", "base-uri": "'none'", "script-src": "'self'", "style-src": "'self'"}


def assert_strict_headers(response, static: bool = False) -> None:
    """The headers every response must carry, whatever its status or type; pages are never cached."""
    # A directive may have no value (``sandbox`` on downloads of attachments).
    csp = {name: value for name, _, value in
           (d.strip().partition(" ") for d in response.headers["Content-Security-Policy"].split(";"))}
    for directive, value in REQUIRED.items():
        assert csp.get(directive) == value, f"{directive} is {csp.get(directive)!r}"
    assert "unsafe" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if not static:
        assert "no-store" in response.headers.get("Cache-Control", ""), "a page may be cached"
