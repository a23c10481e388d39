"""A minimal stdlib browser for tests and benchmarks against a live server: cookies and forms.

``form_fields`` reads what a browser would submit for one form of a page (inputs, checked boxes,
selected options, textareas; no submit buttons), so a client can post a form as rendered.
"""

from __future__ import annotations

import http.client
from html.parser import HTMLParser
from urllib.parse import urlencode, urlsplit


class FormReader(HTMLParser):
    """The fields a browser would send for the form posting to ``action`` (no submit buttons)."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.inside, self.fields = action, False, []
        self._select = self._first = self._text = None
        self._chosen = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("action") or "").endswith(self.action)
        elif not self.inside or "disabled" in a:
            return
        elif tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button", "reset"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.fields.append((a["name"], a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select":
            self._select, self._first, self._chosen = a.get("name"), None, False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            self._first = value if self._first is None else self._first
            if "selected" in a:
                self.fields.append((self._select, value))
                self._chosen = True
        elif tag == "textarea":
            self._text = [a.get("name"), ""]

    def handle_data(self, data):
        if self._text is not None:
            self._text[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            if not self._chosen and self._first is not None:
                self.fields.append((self._select, self._first))
            self._select = None
        elif tag == "textarea" and self._text is not None:
            self.fields.append((self._text[0], self._text[1].removeprefix("\n")))
            self._text = None


def form_fields(html: str, action: str) -> list[tuple[str, str]]:
    reader = FormReader(action)
    reader.feed(html)
    return reader.fields


class Client:
    """A minimal browser: one cookie jar, form posts, English pages."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.host, self.port, self.cookies = parts.hostname, parts.port, {}

    def request(self, method: str, path: str, form=None) -> tuple[int, str]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = {"Accept-Language": "en", "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   "Referer": f"http://{self.host}:{self.port}{path}"}  # as a browser on http://
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body, headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8")
            for cookie in response.headers.get_all("Set-Cookie") or []:
                name, _, value = cookie.split(";", 1)[0].partition("=")
                self.cookies[name] = value
            return response.status, text
        finally:
            conn.close()

    def sign_in(self, email: str, password: str) -> None:
        """Through the real form, CSRF token included when the page has one."""
        status, html = self.request("GET", "/login")
        fields = dict(form_fields(html, "/login"))
        fields.update(email=email, password=password)
        status, _ = self.request("POST", "/login", fields)
        if status != 302:
            raise RuntimeError(f"sign-in of {email} answered {status}")
