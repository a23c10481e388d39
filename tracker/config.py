"""Configuration: defaults here, overrides from ``TRACKER_*`` environment variables."""

from __future__ import annotations

import os
from datetime import timedelta
from urllib.parse import urlsplit


class Defaults:
    """Settings every deployment starts from; the environment overrides them."""

    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None  # default: SQLite file in instance/
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    BABEL_DEFAULT_LOCALE = "nb"
    BABEL_DEFAULT_TIMEZONE = "Europe/Oslo"
    LANGUAGES = ("nb", "en")
    # Long proposal forms: a CSRF token lives as long as a working day.
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    REMEMBER_COOKIE_DURATION = timedelta(hours=12)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    MAX_CONTENT_LENGTH = 2 * 1024 * 1024  # every form post; attachment uploads have their own:
    MAX_UPLOAD_MB = 25  # per attached file (tracker/files; guards.accepts_files)
    FILES_DIR: str | None = None  # default: instance/files (shared by every app process)
    MAX_FORM_PARTS = 2000
    PAGE_SIZE = 50
    # Needs-attention thresholds, in days.
    ATTENTION_REVIEW_DAYS = 14
    ATTENTION_STALE_DAYS = 90
    ATTENTION_OUTCOME_DAYS = 30
    # Needs attention: a running pilot without a progress report for this many days.
    PROGRESS_STALE_DAYS = 60
    # Sign-in throttling (Flask-Limiter): memory:// is per process; use redis:// with several workers.
    RATELIMIT_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Storage down (Redis not answering): keep throttling in this process's memory, not a 500.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    # Applied per client address and, separately, per submitted e-mail address.
    LOGIN_LIMITS = "10 per minute;50 per hour"
    # The JSON API (tracker/api): per personal access token, and per address without one.
    API_TOKEN_LIMITS = "600 per minute;20000 per hour"  # noqa: S105 (limits, not a secret)
    API_ANONYMOUS_LIMITS = "120 per minute;3000 per hour"
    TRUSTED_HOSTS: list[str] | None = None
    # The district page's and the overview's rendered sections (tracker/districts/cache.py):
    # a redis:// URL shares them across workers and servers; unset, each process keeps its own.
    PAGE_CACHE_URL: str | None = None
    # Where users reach the app (e.g. https://testarena.example.no): absolute links (e-mailed
    # set-password links, the exports' Link column) are built from it, never from the Host header.
    BASE_URL: str | None = None
    PROXY_FIX = 0  # number of trusted proxies in front (X-Forwarded-*)
    SET_PASSWORD_LINK_HOURS = 72
    # Optional: e-mail set-password links through this SMTP server (no server: the admin hands
    # the link over).
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_SENDER = "testarena@localhost"
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_STARTTLS = False
    MAIL_TIMEOUT = 10  # seconds per SMTP operation
    # The notification worker (tracker/notifications/worker.py): without MAIL_SERVER it writes
    # .eml files into MAIL_DIR (default instance/mail/).
    MAIL_DIR: str | None = None
    MAIL_MAX_ATTEMPTS = 6  # then the message is given up (recorded for admins)
    MAIL_RETRY_SECONDS = 60  # first back-off; doubles after each failure
    MAIL_LEASE_SECONDS = 600  # a claimed message is taken again by another worker after this
    # Sent messages are marked in one commit per this many, or per this many seconds: a worker
    # killed outright sends at most that group again (tracker/notifications/worker.py).
    MAIL_COMMIT_EVERY = 20
    MAIL_COMMIT_SECONDS = 1.0
    NOTIFY_POLL_SECONDS = 5
    NOTIFY_RETENTION_DAYS = 365  # notifications are kept 12 months
    # Open data (tracker/register/catalog.py): the licence URI, and who publishes the data set.
    OPEN_DATA_LICENCE = "https://data.norge.no/nlod/no/2.0"
    OPEN_DATA_PUBLISHER = "Oslo kommune"
    OPEN_DATA_PUBLISHER_URI = "https://data.brreg.no/enhetsregisteret/api/enheter/958935420"
    OPEN_DATA_CONTACT_EMAIL: str | None = None


PLACEHOLDER_SECRETS = {"", "dev", "change-me", "changeme", "secret", "please-change"}


def database_uri(instance_path: str, url: str | None) -> str:
    """The SQLAlchemy URL: ``TRACKER_DATABASE_URL`` or a SQLite file in the instance folder."""
    if url:
        return url
    return "sqlite:///" + os.path.join(instance_path, "testarena.sqlite")


def check_secret_key(app) -> None:
    """Refuse to run outside debug and testing without a real secret key."""
    if app.debug or app.testing:
        if not app.config.get("SECRET_KEY"):
            app.config["SECRET_KEY"] = os.urandom(32).hex()
        return
    key = app.config.get("SECRET_KEY") or ""
    if key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < 16:
        raise RuntimeError(
            "TRACKER_SECRET_KEY is missing or too weak: set it to a long random value, "
            'e.g. TRACKER_SECRET_KEY="$(python -c \'import secrets; print(secrets.token_hex(32))\')"'
        )


def check_link_origin(app) -> None:
    """Refuse to run outside debug and testing when absolute links would trust the Host header."""
    if app.debug or app.testing:
        return
    base = app.config.get("BASE_URL")
    if base:
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise RuntimeError(f"TRACKER_BASE_URL={base!r} is not an address such as "
                               "https://testarena.example.no (scheme and host, optionally a path)")
        return
    if not app.config.get("TRUSTED_HOSTS"):
        raise RuntimeError(
            "TRACKER_BASE_URL and TRACKER_TRUSTED_HOSTS are both unset, so links in e-mails and exports "
            "would use any Host header a client sends: set TRACKER_BASE_URL=https://<your host> "
            "(and TRACKER_TRUSTED_HOSTS='[\"<your host>\"]')")
