"""Testarena: a pilot tracker for cities that use their innovation districts as test arenas."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error pages, CLI commands."""
    app = Flask(
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
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories())

    from tracker.security import harden_libraries

    harden_libraries()
    register_extensions(app)
    from tracker.web import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    register_blueprints(app)
    from tracker import errors, i18n, logs, web

    logs.init_app(app)
    i18n.init_app(app)
    web.init_app(app)
    errors.init_app(app)
    from tracker import cli

    cli.init_app(app)
    return app


def translation_directories() -> list[str]:
    """The core catalogue plus one per domain package that has its own."""
    here = Path(__file__).resolve().parent
    dirs = [here / "translations"] + [here / d / "translations" for d in domains()]
    return [str(d) for d in dirs if d.is_dir()]


def domains() -> list[str]:
    """Domain packages: every sub-package of ``tracker`` with a ``routes.py`` (its blueprint)."""
    here = Path(__file__).resolve().parent
    return sorted(p.parent.name for p in here.glob("*/routes.py"))


def import_models() -> None:
    """Import every model module so the metadata is complete (for migrations and create_all)."""
    import importlib

    importlib.import_module("tracker.audit")
    importlib.import_module("tracker.data_version")
    here = Path(__file__).resolve().parent
    for path in sorted(here.glob("*/models.py")):
        importlib.import_module(f"tracker.{path.parent.name}.models")


def register_extensions(app: Flask) -> None:
    from tracker.extensions import csrf, db, limiter, login_manager, migrate

    import_models()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).resolve().parent / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)


def register_blueprints(app: Flask) -> None:
    import importlib

    for domain in domains():
        module = importlib.import_module(f"tracker.{domain}.routes")
        app.register_blueprint(module.bp)
