"""Real headless Chromium (Debian's, through Playwright) against a live server, plus axe-core."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).resolve().parent.parent / "vendor" / "axe-core" / "axe.min.js"
# A shared two-core CI machine runs two test workers beside the browsers: give pages time.
TIMEOUT_MS = 10_000
expect.set_options(timeout=TIMEOUT_MS)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class LiveServer:
    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)
        self.server.server_close()


@pytest.fixture
def app_config():
    # The browser sends real forms: CSRF on, as in production.
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def live_server(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (Norwegian by default); fails the test on any console error."""
    context = browser.new_context(base_url=live_server.url, locale="nb-NO")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    errors: list[str] = []
    # Pages may answer 4xx on purpose; a failing sub-resource (CSS, script, image) is a bug.
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # A user who pressed a button means it: accept its "are you sure?" (and keep the question).
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.dialogs = dialogs
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    yield page
    context.close()
    assert not errors, f"browser console errors (CSP violations, script errors): {errors}"


def check_accessibility(page, context: str = "") -> None:
    """Run axe-core (WCAG 2.1 A/AA rules) on the current page and fail on any violation."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # evaluate() runs through the DevTools protocol, so the page's strict CSP still holds.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate(
        """async () => await axe.run(document, {runOnly: {type: 'tag',
             values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})"""
    )
    violations = [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
    assert not violations, f"axe violations {context} at {page.url}:\n{json.dumps(violations, indent=1)}"


def follow(target) -> None:
    """Click a link or submit button and wait until the page it loads has loaded.

    A bare click() returns before the navigation starts, so reading, filling or scanning right
    after it races the old page against the new one."""
    with target.page.expect_navigation():
        target.click()


def sign_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    follow(page.locator("form[action$='/login'] button[type=submit]"))
