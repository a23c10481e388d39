"""Testarena: a pilot tracker for cities that use their innovation districts as test arenas."""

from __future__ import annotations

import contextlib
import os
import weakref
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


class Tracker(Flask):
    """Flask, remembering which of its hooks and views are plain functions: it asks ``inspect``
    again for each one it calls (a dozen per request)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._synchronous: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def ensure_sync(self, func):
        try:
            return self._synchronous[func]
        except (KeyError, TypeError):  # not seen yet, or not weakly referable
            found = super().ensure_sync(func)
        with contextlib.suppress(TypeError):
            self._synchronous[func] = found
        return found


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error pages, CLI commands."""
    app = Tracker(
        __name__,
        instance_path=str(ROOT / "instance"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    from tracker import config

    app.config.from_object(config.Defaults)
    app.config.from_prefixed_env("TRACKER")
    if test_config:
        app.config.update(test_config)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.setdefault(
        "SQLALCHEMY_DATABASE_URI", config.database_uri(app.instance_path, app.config.get("DATABASE_URL"))
    )
    if app.debug or app.testing:
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = False
    config.check_secret_key(app)
    config.check_link_origin(app)
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from tracker import errors, formatting, guards, headers, i18n, logs, memo, urls

    guards.init_app(app)  # first: the guards run before any extension reads the request
    from tracker.security import CookieSessions, harden_libraries

    harden_libraries()
    app.session_interface = CookieSessions()
    register_extensions(app)
    register_blueprints(app)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories(app))
    logs.init_app(app)
    i18n.init_app(app)
    headers.init_app(app)
    formatting.init_app(app)
    memo.init_app(app)
    urls.init_app(app)
    errors.init_app(app)
    from tracker import cli

    cli.init_app(app)
    return app


def translation_directories(app: Flask) -> list[str]:
    """The core catalogue plus one per blueprint package that has its own."""
    here = Path(__file__).resolve().parent
    dirs = [here / "translations"] + [Path(bp.root_path) / "translations" for bp in app.blueprints.values()]
    return [str(d) for d in dirs if d.is_dir()]


def import_models() -> None:
    """Import every model module so the metadata is complete (for migrations and create_all)."""
    import tracker.api.models
    import tracker.audit
    import tracker.auth.models
    import tracker.changes.models
    import tracker.data_version
    import tracker.districts.models
    import tracker.districts.summaries
    import tracker.files.models
    import tracker.imports.models
    import tracker.notifications.models
    import tracker.partners.models
    import tracker.pilots.models
    import tracker.register.models
    import tracker.search.backends
    import tracker.search.index
    import tracker.search.models  # noqa: F401


def register_extensions(app: Flask) -> None:
    from tracker.extensions import csrf, db, limiter, login_manager, migrate

    import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Every page of the app, one blueprint per domain package (its ``routes.py``)."""
    from tracker.account.routes import bp as account
    from tracker.admin.routes import bp as admin
    from tracker.auth.routes import bp as auth
    from tracker.changes.routes import bp as changes
    from tracker.districts.routes import bp as districts
    from tracker.files.routes import bp as files
    from tracker.home.routes import bp as home
    from tracker.imports.routes import bp as imports
    from tracker.lessons.routes import bp as lessons
    from tracker.notifications.routes import bp as notifications
    from tracker.partners.routes import bp as partners
    from tracker.pilots.routes import bp as pilots
    from tracker.register.routes import bp as register
    from tracker.search.routes import bp as search

    for bp in (auth, home, pilots, districts, partners, account, admin, files, notifications, register,
               changes, imports, search, lessons):
        app.register_blueprint(bp)
    from tracker.api import routes as api

    api.init_app(app)  # the JSON API's blueprint, registered with its OpenAPI document
