"""Helpers of the API tests: tokens for the world's users and authorised requests."""

from __future__ import annotations

from datetime import date, timedelta

from tracker.api import tokens
from tracker.db import db


def token_for(user, scope: str = "read_write", days: int = 30, name: str = "Sak") -> str:
    """A new token secret of ``user`` (committed)."""
    _token, secret = tokens.create(user, name, scope, date.today() + timedelta(days=days))
    db.session.commit()
    return secret


def auth(secret: str, **headers) -> dict:
    return {"Authorization": f"Bearer {secret}", **headers}
