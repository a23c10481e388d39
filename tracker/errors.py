"""Friendly error pages; a bad request never surfaces as a 500. Refusals are logged."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadHost, HTTPException, SecurityError

from tracker.logs import event

# Heading (also the page title) and text per error; "csrf" is an expired or forged form token.
MESSAGES = {
    "csrf": (_l("The form has expired"), _l("For your security, forms are only valid for a while and only "
             "from this site. Go back, reload the page and try again; nothing was saved.")),
    403: (_l("You do not have access to this page"), _l("Your role does not allow this action. Ask the "
          "district coordinator or the innovation office if you think this is wrong.")),
    404: (_l("Page not found"), _l("The page or pilot does not exist, or it has been removed. Check the "
          "address, or start from the pilot list.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes before you try again.")),
    500: (_l("Something went wrong on our side"), _l("The error has been logged. Nothing you did caused "
          "it. Please try again in a moment.")),
    None: (_l("The request could not be handled"), _l("Check what you entered and try again.")),
}


# URL prefixes whose errors are answered by their own renderer (the JSON API's problem details),
# also where no route matched (404, 405) and the blueprint's own handlers cannot see them.
_OWN_ANSWERS: dict[str, object] = {}


def answers_itself(prefix: str, render) -> None:
    """Let ``render(error)`` answer every HTTP error under ``prefix`` instead of an HTML page."""
    _OWN_ANSWERS[prefix] = render


def _render(key, code: int, text=None):
    heading, default_text = MESSAGES.get(key, MESSAGES[None])
    return render_template("errors/error.html", heading=heading, text=text or default_text, code=code), code


def _page(error: HTTPException):
    for prefix, render in _OWN_ANSWERS.items():
        if request.path.startswith(prefix):
            return render(error)
    if isinstance(error, SecurityError | BadHost):
        # An untrusted or malformed Host header: no URL can be built for it, so no page with links.
        return Response(f"{error.code} {error.name}\n", status=error.code, mimetype="text/plain")
    return _render(error.code, error.code, getattr(error, "user_message", None))


def _forbidden(error: HTTPException):
    """A permission refusal: one structured log line, then the friendly 403 page."""
    event("permission_denied", user_id=getattr(current_user, "id", None), method=request.method,
          endpoint=request.endpoint)
    return _page(error)


def _csrf(error: CSRFError):
    return _render("csrf", 400)


def _server_error(error):
    return _render(500, 500)


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(403, _forbidden)
    app.register_error_handler(HTTPException, _page)
    app.register_error_handler(500, _server_error)
