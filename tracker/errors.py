"""Friendly error pages; a bad request never surfaces as a 500. Refusals are logged."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from tracker.logs import event


def _page(error: HTTPException):
    if isinstance(error, SecurityError):
        # An untrusted Host header: no URL can be built for it, so no page with links either.
        return Response(f"{error.code} {error.name}\n", status=error.code, mimetype="text/plain")
    return render_template("errors/error.html", error=error), error.code


def _forbidden(error: HTTPException):
    """A permission refusal: one structured log line, then the friendly 403 page."""
    event("permission_denied", user_id=getattr(current_user, "id", None), method=request.method,
          endpoint=request.endpoint)
    return _page(error)


def _csrf(error: CSRFError):
    return render_template("errors/error.html", error=error, csrf=True), 400


def _server_error(error):
    return render_template("errors/error.html", error=None), 500


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(403, _forbidden)
    app.register_error_handler(HTTPException, _page)
    app.register_error_handler(500, _server_error)
