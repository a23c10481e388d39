"""Language: the user's saved choice, else the visitor's cookie, else the browser, else Bokmål.

The switch (``POST /language``) saves the choice on the signed-in user and in a cookie, so it
beats the browser's ``Accept-Language`` before and after signing in. A first visit follows the
browser: English when it asks for English first, Norwegian Bokmål for ``nb``, ``nn``, ``no``
(which Babel matches to neither) and every other Nordic language, which the app does not have.
"""

from __future__ import annotations

from babel import Locale
from flask import Flask, current_app, g, request
from flask_babel import Domain, get_domain, get_locale
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from tracker.extensions import babel
from tracker.memo import per_request

LANGUAGES = ("nb", "en")
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
# Primary browser language tags and the language they get: Nordic readers read Bokmål best.
_BROWSER = {"en": "en", **{tag: "nb" for tag in (
    "nb", "nn", "no", "da", "sv", "fi", "is", "fo", "kl", "se", "sma", "smj", "smn", "sms")}}


# Babel's Locale for each language, parsed once per process (Flask-Babel parsed one per request).
_LOCALES = {language: Locale.parse(language) for language in LANGUAGES}


def browser_language() -> str | None:
    """The first language in ``Accept-Language`` (quality order) that maps to one we have."""
    for tag, _quality in request.accept_languages:
        primary = tag.lower().replace("_", "-").split("-")[0]
        if primary in _BROWSER:
            return _BROWSER[primary]
    return None


def select_locale() -> str:
    """Saved choice (user, then cookie), else the browser's, else nb."""
    user = current_user._get_current_object()
    if user.is_authenticated and user.language in LANGUAGES:
        return user.language
    chosen = request.cookies.get(COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return browser_language() or "nb"


def remember_language(response, language: str) -> None:
    """Keep ``language`` for this browser (the user's copy is saved by the caller)."""
    response.set_cookie(COOKIE, language, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                        secure=current_app.config.get("SESSION_COOKIE_SECURE", False))


def current_language() -> str:
    """The page's language code, worked out once per request and locale (a page asks often)."""
    return _per_locale("tracker_language", lambda: str(get_locale() or "nb"))


def per_language(name: str) -> dict:
    """A memo for this request (``tracker.memo``), whose language is fixed once ``select_locale``
    chose it. Code that switches the language inside a request (``flask_babel.force_locale``)
    must format without it.

    A page formats hundreds of dates and enum labels: translating or building a formatter once per
    request, not once per call, is most of a list page's rendering time.
    """
    return per_request(f"language:{name}")


def in_language(obj, field: str) -> str:
    """``obj.<field>_en`` on English pages when it is filled in, else the Norwegian ``obj.<field>``."""
    if current_language() == "en":
        return getattr(obj, f"{field}_en", "") or getattr(obj, field)
    return getattr(obj, field)


def translations():
    """Flask-Babel's translations for the request's locale, looked up once per request and locale: a
    page calls ``_()`` a hundred times, and each lookup walks ``g`` and the locale's identifier. A
    locale switched inside the request (``force_locale``) is another object, so it is looked up again."""
    return _per_locale("tracker_translations", lambda: Domain.get_translations(get_domain()))


def _per_locale(name: str, compute):
    """``compute()``, kept on Flask-Babel's request state for the locale it was computed for."""
    ctx = _babel_state()
    known = getattr(ctx, name, None)
    if known is not None and known[0] is getattr(ctx, "babel_locale", None):
        return known[1]
    found = compute()
    ctx = _babel_state()
    if getattr(ctx, "babel_locale", None) is not None:
        setattr(ctx, name, (ctx.babel_locale, found))
    return found


def _babel_state():
    """Flask-Babel's state on ``g`` (None before it has any, or outside an app context); read
    without the ``g`` proxy, as a page asks for it a hundred times."""
    try:
        return g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:
        return None


class _Domain(Domain):
    """Flask-Babel's default domain, whose ``gettext``, ``ngettext`` and lazy strings use
    ``translations()`` rather than looking them up again on every call."""

    def get_translations(self):
        return translations() if self is babel.domain_instance else super().get_translations()


# The templates' ``_``, ``gettext`` and ``ngettext``, as Jinja's i18n extension defines them
# ("newstyle": escaped, always %-formatted), calling ``translations()`` directly instead of through
# three layers of context calls.
@pass_eval_context
def _template_gettext(eval_ctx, string: str, **variables) -> str:
    text = translations().ugettext(string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704 (our catalogue, as Jinja)


@pass_eval_context
def _template_ngettext(eval_ctx, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables  # noqa: S704 (our catalogue, as Jinja)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=lambda: _LOCALES.get(select_locale()))
    if not isinstance(babel.__dict__.get("domain_instance"), _Domain):  # one for every app, as Flask-Babel's
        babel.domain_instance = _Domain(domain=app.config.get("BABEL_DOMAIN", "messages"))
    app.jinja_env.globals.update(current_language=current_language, in_language=in_language,
                                 _=_template_gettext, gettext=_template_gettext, ngettext=_template_ngettext)
