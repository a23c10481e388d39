"""Addresses built from what a request sent: safe redirects and the current URL with changes."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Flask, request, url_for


def safe_next(target: str | None, default_endpoint: str = "home.index") -> str:
    """A local path to go to after an action; anything pointing elsewhere becomes the default."""
    if target and not any(ord(c) < 32 or ord(c) == 127 for c in target.strip()):
        target = target.strip().replace("\\", "/")
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for(default_endpoint)


def url_with(**changes) -> str:
    """The current URL with some query arguments replaced (``None`` removes one).

    The query string is encoded here, not by ``url_for``, so that arbitrary user-sent argument
    names (``endpoint``, ``_external``, a view argument's name, ...) stay plain query text.
    """
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [value]
    path = url_for(request.endpoint, **(request.view_args or {}))
    return f"{path}?{urlencode(args, doseq=True)}" if args else path


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(url_with=url_with)
