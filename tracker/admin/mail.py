"""Optional e-mail of set-password links, only when ``TRACKER_MAIL_SERVER`` is configured."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import gettext as _

from tracker.logs import event


def send_link(email: str, name: str, url: str) -> bool | None:
    """Mail the link; ``None`` when no mail server is configured, else whether it was sent."""
    server = current_app.config.get("MAIL_SERVER")
    if not server:
        return None
    message = EmailMessage()
    message["Subject"] = _("Set your password for Testarena")
    message["From"] = current_app.config.get("MAIL_SENDER", "testarena@localhost")
    message["To"] = email
    hours = current_app.config["SET_PASSWORD_LINK_HOURS"]
    message.set_content(_("Hello %(name)s,\n\nOpen this link to set your password for Testarena. "
                          "It works once, within %(hours)d hours:\n\n%(url)s\n",
                          name=name, hours=hours, url=url))
    try:
        with smtplib.SMTP(server, int(current_app.config.get("MAIL_PORT", 25)), timeout=10) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        event("password_link_mail_failed", email=email, error=type(exc).__name__)
        return False
    event("password_link_mailed", email=email)
    return True
