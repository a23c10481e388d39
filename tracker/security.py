"""Hardening of third-party behaviour that turned hostile input into a 500 (found by
``tests/test_hostile_input.py``; each fix is applied once, in ``create_app``), and the session
cookie's signing, made once per process.
"""

from __future__ import annotations

from typing import ClassVar

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer, want_bytes
from wtforms.validators import NumberRange

_original_number_range = NumberRange.__call__


def _number_range(self, form, field):
    """WTForms' NumberRange calls ``math.isnan`` on the value, which raises OverflowError for an
    integer beyond float range (``?page=999…9``, 400 digits): such a number is simply out of range."""
    try:
        return _original_number_range(self, form, field)
    except OverflowError:
        field.data = None  # the user's text stays in raw_data and is shown back with the error
        return _original_number_range(self, form, field)


def harden_libraries() -> None:
    NumberRange.__call__ = _number_range


class _Signer(TimestampSigner):
    """itsdangerous' timestamp signer, remembering the keys it derives (an HMAC of the secret and
    the salt, which it otherwise works out again for every signature and every check)."""

    _derived: ClassVar[dict[tuple, bytes]] = {}

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        secret = self.secret_keys[-1] if secret_key is None else want_bytes(secret_key)
        key = (secret, self.salt, self.key_derivation, self.digest_method)
        derived = self._derived.get(key)
        if derived is None:
            if len(self._derived) > 100:  # a bound, should secrets ever come and go
                self._derived.clear()
            derived = self._derived[key] = super().derive_key(secret_key)
        return derived


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, unchanged on the wire, with the serializer made once per set
    of secret keys rather than (with its signer) on every request."""

    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer | None] = {}

    def get_signing_serializer(self, app):
        keys = (app.secret_key, *(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            if serializer is not None:
                serializer.signer = _Signer
                self._serializers = {keys: serializer}  # only the current keys are kept
        return serializer
