"""Memos that last for one request: values a page asks for many times (a formatter, a translated
label, a user's roles towards a pilot) are computed once per request instead of once per call;
and fragments of the layout that are the same on every request with the same key, rendered once
per process."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from markupsafe import Markup

_FRAGMENTS: dict[tuple, Markup] = {}
MAX_FRAGMENTS = 1000  # a bound, in case a key ever takes values from a request


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


def per_process(*key, caller) -> Markup:
    """``{% call per_process(name, *key) %}…{% endcall %}``: the block's HTML, rendered once per
    process for each key (and the request's script root, on which every URL in it depends).

    For the layout's navigation and static links, which only change with the language, the
    visitor's roles and the current section: ``key`` must name everything the block reads.
    """
    if current_app.jinja_env.auto_reload:  # debug: template edits show at once
        return caller()
    full = (request.script_root if has_request_context() else "", *key)
    html = _FRAGMENTS.get(full)
    if html is None:
        html = caller()
        if len(_FRAGMENTS) < MAX_FRAGMENTS:
            _FRAGMENTS[full] = html
    return html


def init_app(app) -> None:
    app.jinja_env.globals.update(per_process=per_process)
