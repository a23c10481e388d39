"""scripts/run.py, `make run`'s last step: the box once the server answers, and a clean stop."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tracker import create_app
from tracker.db import db

ROOT = Path(__file__).resolve().parent.parent
RUN = [sys.executable, str(ROOT / "scripts" / "run.py")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return False
    return True


def test_refuses_a_port_that_already_answers():
    server = ThreadingHTTPServer(("127.0.0.1", 0), SimpleHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_port
        done = subprocess.run([*RUN, "--port", str(port), "--", "false"],
                              capture_output=True, text=True, timeout=60, check=False)
    finally:
        server.shutdown()
        server.server_close()
    assert done.returncode == 1
    assert f"Port {port} is in use" in done.stderr
    assert f"make run PORT={port + 1}" in done.stderr


@pytest.mark.slow
def test_prints_the_box_once_the_server_answers_and_stops_the_server_with_itself(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path}/run.sqlite"
    monkeypatch.setenv("TRACKER_SECRET_KEY", "k" * 40)
    monkeypatch.setenv("TRACKER_BASE_URL", "http://127.0.0.1")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    port = _free_port()
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_SECRET_KEY": "k" * 40,
           "TRACKER_BASE_URL": f"http://127.0.0.1:{port}"}
    server = [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    # The e-mail worker's stand-in: writes its pid, then waits until it is stopped.
    stand_in = "import os, signal; open('worker.pid', 'w').write(str(os.getpid())); signal.pause()"
    worker = f'{sys.executable} -c "{stand_in}"'
    run = subprocess.Popen([*RUN, "--port", str(port), "--worker", worker, "--", *server], cwd=tmp_path,
                           env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        box, rules = [], 0
        while rules < 2 and (line := run.stdout.readline()):
            rules += line.startswith("+-")
            box.append(line)
        text = "".join(box)
        assert rules == 2, text
        assert _listening(port)  # the box came after the server answered
        assert f"Testarena is running: http://127.0.0.1:{port}/" in text
        assert "admin@testarena.example" in text and "passwords shown this once" in text
        assert "Ctrl+C stops the server" in text
        run.send_signal(signal.SIGTERM)
        assert run.wait(timeout=30) is not None
    finally:
        if run.poll() is None:
            run.kill()
        run.stdout.close()
    assert not _listening(port)  # the server went with it
    pid = int((tmp_path / "worker.pid").read_text())
    with pytest.raises(ProcessLookupError):  # and so did the worker
        os.kill(pid, 0)
