"""E-mails from outbox rows: rendered in the recipient's language, sent over SMTP or written as
``.eml`` files under ``instance/mail/`` when no SMTP server is configured."""

from __future__ import annotations

import binascii
import os
import smtplib
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate, parseaddr

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tracker.links import absolute_url
from tracker.notifications.models import OutboxMessage

CRLF = "\r\n"


def language_of(user, chosen_for_email: str | None = None) -> str:
    """The e-mail language: the user's choice for e-mails, else their UI language, else nb."""
    chosen = chosen_for_email or user.language or "nb"
    return chosen if chosen in current_app.config["LANGUAGES"] else "nb"


# Audit action -> the subject of its notification (looked up one at a time: a gettext call each).
SUBJECTS = {
    "submit": _l("Submitted for review: %(title)s"),
    "approve": _l("Approved: %(title)s"),
    "return": _l("Returned to you: %(title)s"),
    "reject": _l("Rejected: %(title)s"),
    "start": _l("Started: %(title)s"),
    "pause": _l("Paused: %(title)s"),
    "resume": _l("Resumed: %(title)s"),
    "complete": _l("Completed: %(title)s"),
    "evaluate": _l("Evaluated: %(title)s"),
    "withdraw": _l("Withdrawn: %(title)s"),
    "comment": _l("New comment: %(title)s"),
    "progress_report": _l("Progress report: %(title)s"),
    "handover": _l("Handed over to you: %(title)s"),
    "change_request": _l("Change request: %(title)s"),
    "change_accept": _l("Change request accepted: %(title)s"),
    "change_decline": _l("Change request declined: %(title)s"),
    "invite": _l("You are invited to Testarena"),
}
OTHER_SUBJECT = _l("News: %(title)s")


def subject_and_text(note) -> tuple[str, str]:
    """A notification's one-line subject and its longer sentence (in the current locale)."""
    subject = str(SUBJECTS.get(note.action, OTHER_SUBJECT)) % {"title": note.title}
    return subject, _("%(who)s: %(what)s", who=note.actor_name or _("Someone"), what=subject)


def link_for(note) -> str:
    if note.pilot_id:
        return absolute_url("pilots.show", pilot_id=note.pilot_id)
    return absolute_url("auth.login")


@dataclass(frozen=True)
class Mail:
    """One e-mail ready to send: its envelope and the whole message as bytes (CRLF line ends)."""

    sender: str
    recipient: str
    data: bytes


def _header(name: str, value: str) -> str:
    """One header line: non-ASCII text as RFC 2047 encoded words, long values folded; a line
    break in a value is refused (it would start a header of its own)."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"a line break in the {name} header")
    if value.isascii() and len(name) + len(value) < 76:
        return f"{name}: {value}\r\n"
    charset = "us-ascii" if value.isascii() else "utf-8"
    return f"{name}: {Header(value, charset, header_name=name).encode(linesep=CRLF)}\r\n"


def _part(subtype: str, text: str) -> bytes:
    """A text part in UTF-8, quoted-printable (so its lines stay short and 7-bit)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    body = binascii.b2a_qp(text.encode(), istext=True).replace(b"\n", b"\r\n")
    return (f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n").encode() + body


class Builder:
    """Builds the e-mails of a batch: the templates, the sender and the settings link are looked
    up once; each message is assembled as bytes from its two rendered parts (the stdlib ``email``
    objects cost more than the rendering). Used inside a request context (``run_once`` pushes one
    per batch: URL building wants one)."""

    def __init__(self, app):
        self.templates = {(name, kind): app.jinja_env.get_template(f"notifications/email_{name}.{kind}")
                          for name in ("notification", "digest") for kind in ("txt", "html")}
        name, self.envelope_sender = parseaddr(app.config.get("MAIL_SENDER", "testarena@localhost"))
        self.sender = _header("From", formataddr((name, self.envelope_sender)))  # a name in UTF-8 encoded
        self.domain = self.envelope_sender.rsplit("@", 1)[-1] or "localhost"
        self.settings_url = absolute_url("account.index") + "#notification-settings"

    def build(self, message: OutboxMessage, email_language: str | None = None) -> Mail:
        """The e-mail for an outbox row, with a Message-ID stable per row (a receiver can drop a
        resend after a crash between the server's acceptance and our commit);
        ``email_language`` is the user's choice in their notification settings."""
        user = message.user
        with force_locale(language_of(user, email_language)):
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
            context.update(user=user, settings_url=self.settings_url)
            plain = self.templates[name, "txt"].render(context)
            html = self.templates[name, "html"].render(context)
        boundary = f"=_testarena_{message.id}"  # "=_" never occurs in quoted-printable text
        head = "".join((
            _header("Subject", " ".join(subject.split())), self.sender, _header("To", user.email),
            f"Date: {formatdate()}\r\nMessage-ID: <testarena-outbox-{message.id}@{self.domain}>\r\n",
            _header("List-Unsubscribe", f"<{self.settings_url}>"),
            f'MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'))
        separator = f"\r\n--{boundary}\r\n".encode()
        data = b"".join((head.encode(), separator[2:], _part("plain", plain), separator, _part("html", html),
                         f"\r\n--{boundary}--\r\n".encode()))
        return Mail(self.envelope_sender, user.email, data)


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

    def send(self, email: Mail, name: str) -> None:
        """Deliver or raise (``OSError`` / ``smtplib.SMTPException``)."""
        if not self.server:
            os.makedirs(self.folder, exist_ok=True)
            path = os.path.join(self.folder, f"{name}.eml")
            with open(path + ".partial", "wb") as out:
                out.write(email.data)
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
            self._smtp.sendmail(email.sender, [email.recipient], email.data)
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
