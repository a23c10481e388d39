"""Structured (JSON) log lines for security-relevant events: one line per event.

Never pass passwords, tokens or session contents: only ids, e-mails, actions and outcomes.
"""

from __future__ import annotations

import json
import logging

from flask import has_request_context, request

logger = logging.getLogger("tracker.events")


def init_app(app) -> None:
    """Write the events to stderr (gunicorn's error log), one JSON object a line.

    Skipped under testing (tests read the records) and when the host already gave the logger
    a handler (a deployment's own logging config wins)."""
    if app.testing or logger.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # Flask's handler on "tracker" would prefix the JSON


def event(name: str, **fields) -> None:
    """Log ``{"event": name, ...fields, "ip": ..., "path": ...}`` as one JSON line."""
    record = {"event": name, **fields}
    if has_request_context():
        record.setdefault("ip", request.remote_addr)
        record.setdefault("path", request.path)
    logger.info(json.dumps(record, default=str, ensure_ascii=False))
