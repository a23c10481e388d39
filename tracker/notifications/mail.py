"""E-mails from outbox rows: rendered in the recipient's language, sent over SMTP or written as
``.eml`` files under ``instance/mail/`` when no SMTP server is configured."""

from __future__ import annotations

import os
import smtplib
from email.message import EmailMessage
from email.utils import formatdate

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from tracker.links import absolute_url
from tracker.notifications.models import OutboxMessage


def language_of(user, chosen_for_email: str | None = None) -> str:
    """The e-mail language: the user's choice for e-mails, else their UI language, else nb."""
    chosen = chosen_for_email or user.language or "nb"
    return chosen if chosen in current_app.config["LANGUAGES"] else "nb"


def subject_and_text(note) -> tuple[str, str]:
    """A notification's one-line subject and its longer sentence (in the current locale)."""
    title, who = note.title, note.actor_name or _("Someone")
    subjects = {
        "submit": _("Submitted for review: %(title)s"),
        "approve": _("Approved: %(title)s"),
        "return": _("Returned to you: %(title)s"),
        "reject": _("Rejected: %(title)s"),
        "start": _("Started: %(title)s"),
        "pause": _("Paused: %(title)s"),
        "resume": _("Resumed: %(title)s"),
        "complete": _("Completed: %(title)s"),
        "evaluate": _("Evaluated: %(title)s"),
        "withdraw": _("Withdrawn: %(title)s"),
        "comment": _("New comment: %(title)s"),
        "progress_report": _("Progress report: %(title)s"),
        "handover": _("Handed over to you: %(title)s"),
        "change_request": _("Change request: %(title)s"),
        "change_accept": _("Change request accepted: %(title)s"),
        "change_decline": _("Change request declined: %(title)s"),
        "invite": _("You are invited to Testarena"),
    }
    subject = subjects.get(note.action, _("News: %(title)s")) % {"title": title}
    return subject, _("%(who)s: %(what)s", who=who, what=subject)


def link_for(note) -> str:
    if note.pilot_id:
        return absolute_url("pilots.show", pilot_id=note.pilot_id)
    return absolute_url("auth.login")


def build(message: OutboxMessage, email_language: str | None = None) -> EmailMessage:
    """The e-mail for an outbox row, with a Message-ID stable per row (a receiver can drop a
    resend after a crash between the server's acceptance and our commit).

    Runs inside a request context (``run_once`` pushes one per batch: templates and URL building
    want one); ``email_language`` is the user's choice in their notification settings."""
    user = message.user
    with force_locale(language_of(user, email_language)):
        settings_url = absolute_url("account.index") + "#notification-settings"
        if message.digest is not None:
            from tracker.notifications.digest import render_context

            subject = _("Your weekly Testarena digest (%(week)s)", week=message.digest.week)
            context = {"digest": render_context(message.digest), "subject": subject}
            name = "digest"
        else:
            note = message.notification
            subject, text = subject_and_text(note)
            context = {"note": note, "subject": subject, "text": text, "link": link_for(note)}
            name = "notification"
        context.update(user=user, settings_url=settings_url)
        plain = render_template(f"notifications/email_{name}.txt", **context)
        html = render_template(f"notifications/email_{name}.html", **context)
    email = EmailMessage()
    email["Subject"] = subject
    email["From"] = current_app.config.get("MAIL_SENDER", "testarena@localhost")
    email["To"] = user.email
    email["Date"] = formatdate(localtime=False)
    domain = email["From"].rsplit("@", 1)[-1].strip(">") or "localhost"
    email["Message-ID"] = f"<testarena-outbox-{message.id}@{domain}>"
    email["List-Unsubscribe"] = f"<{settings_url}>"
    email.set_content(plain)
    email.add_alternative(html, subtype="html")
    return email


class Transport:
    """Delivers e-mails over one SMTP connection (opened on first use) or into a folder."""

    def __init__(self, app):
        self.server = app.config.get("MAIL_SERVER")
        self.port = int(app.config.get("MAIL_PORT", 25))
        self.username = app.config.get("MAIL_USERNAME")
        self.password = app.config.get("MAIL_PASSWORD")
        self.starttls = bool(app.config.get("MAIL_STARTTLS"))
        self.timeout = float(app.config.get("MAIL_TIMEOUT", 10))
        self.folder = app.config.get("MAIL_DIR") or os.path.join(app.instance_path, "mail")
        self._smtp: smtplib.SMTP | None = None

    def send(self, email: EmailMessage, name: str) -> None:
        """Deliver or raise (``OSError`` / ``smtplib.SMTPException``)."""
        if not self.server:
            os.makedirs(self.folder, exist_ok=True)
            path = os.path.join(self.folder, f"{name}.eml")
            with open(path + ".partial", "wb") as out:
                out.write(email.as_bytes())
            os.replace(path + ".partial", path)
            return
        if self._smtp is None:
            smtp = smtplib.SMTP(self.server, self.port, timeout=self.timeout)
            try:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password or "")
            except BaseException:
                smtp.close()
                raise
            self._smtp = smtp
        try:
            self._smtp.send_message(email)
        except (OSError, smtplib.SMTPServerDisconnected):
            self.close()  # a broken connection: the next message opens a new one
            raise

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None
