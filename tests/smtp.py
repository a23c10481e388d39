"""A real SMTP server in-process (aiosmtpd) for the notification tests: it keeps every message
it accepted and can refuse the next few."""

from __future__ import annotations

import email
import email.policy
import socket
import threading
from email.message import Message

from aiosmtpd.controller import Controller


class Sink:
    """aiosmtpd handler: accepts (and keeps) messages, or refuses ``refuse`` more of them first."""

    def __init__(self):
        self.messages: list[Message] = []
        self.refuse = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's hook name
        with self.lock:
            if self.refuse:
                self.refuse -= 1
                return "451 4.3.0 Try again later"
            self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"

    def clear(self):
        with self.lock:
            self.messages.clear()
            self.refuse = 0

    def ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.messages]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """Start/stop an aiosmtpd controller on a free port of 127.0.0.1."""

    def __init__(self):
        self.sink = Sink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SMTPServer:
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
