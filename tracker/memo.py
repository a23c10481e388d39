"""Memos that last for one request: values a page asks for many times (a formatter, a translated
label, a user's roles towards a pilot) are computed once per request instead of once per call."""

from __future__ import annotations

from flask import has_request_context, request


def per_request(name: str) -> dict:
    """The request's memo called ``name`` (a fresh, forgotten dict outside a request).

    Kept on the request object, not on ``g``: an application context may outlive many requests
    (a test's, or a CLI command's), and a memo must not.
    """
    if not has_request_context():
        return {}
    memos = request.__dict__.setdefault("_tracker_memos", {})
    memo = memos.get(name)
    if memo is None:
        memo = memos[name] = {}
    return memo
