"""Memos that last for one request: values a page asks for many times (a formatter, a translated
label, a user's roles towards a pilot) are computed once per request instead of once per call;
and fragments of the layout that are the same on every request with the same key, rendered once
per process."""

from __future__ import annotations

import re

from flask import current_app, has_request_context, request
from markupsafe import Markup, escape

_FRAGMENTS: dict[tuple, Markup] = {}
MAX_FRAGMENTS = 1000  # a bound, in case a key ever takes values from a request


def per_request(name: str) -> dict:
    """The request's memo called ``name`` (a fresh, forgotten dict outside a request).

    Kept on the request object, not on ``g``: an application context may outlive many requests
    (a test's, or a CLI command's), and a memo must not.
    """
    try:
        memos = request._get_current_object().__dict__.setdefault("_tracker_memos", {})  # not the proxy: hot
    except RuntimeError:  # no request
        return {}
    memo = memos.get(name)
    if memo is None:
        memo = memos[name] = {}
    return memo


def per_process(*key, caller, fill=None) -> Markup:
    """``{% call per_process(name, *key) %}…{% endcall %}``: the block's HTML, rendered once per
    process for each key (and the request's script root, on which every URL in it depends).

    For the layout's navigation and static links, which only change with the language, the
    visitor's roles and the current section: ``key`` must name everything the block reads, except
    the values in ``fill`` (a form's token, the user's name): the block writes ``{{ slot(name) }}``
    where each goes, and they are put in, escaped, on every request.
    """
    if current_app.jinja_env.auto_reload:  # debug: template edits show at once
        html = caller()
    else:
        full = (request.script_root if has_request_context() else "", *key)
        html = _FRAGMENTS.get(full)
        if html is None:
            html = caller()
            if len(_FRAGMENTS) < MAX_FRAGMENTS:
                _FRAGMENTS[full] = html
    if fill:
        # One pass, so nothing put in is read again; each value escaped (the rest is the block's HTML).
        html = Markup(_SLOT.sub(lambda found: escape(fill[found[1]]), html))  # noqa: S704
    return html


def slot(name: str) -> Markup:
    """Where ``fill[name]`` goes in a ``per_process`` block (a mark no escaped text contains)."""
    return Markup(f"<\x00{name}>")  # noqa: S704 (a name from our templates)


_SLOT = re.compile("<\x00(\\w+)>")


def init_app(app) -> None:
    app.jinja_env.globals.update(per_process=per_process, slot=slot)
