"""Memory while a 20 MB attachment goes up and comes down (issue 16): streamed, not loaded whole.

    .venv/bin/python bench/files_memory.py [--mb 20]

Runs the app in this process behind werkzeug's HTTP server (one thread), signs in with a session
cookie made by the app's own serializer (CSRF off for the bench), streams a multipart upload from a
generator and reads the download in chunks, and prints the process's peak resident memory
(VmRSS, sampled every 5 ms) during each, against the resident memory before. The client holds at
most one 1 MB chunk at a time, so the growth is the app's. Target: under 30 MB of growth for 20 MB.
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHUNK = 1024 * 1024


def rss_mb() -> float:
    """This process's resident memory now (VmRSS)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


class Peak:
    """The highest resident memory seen while ``with``-ed (sampled every 5 ms)."""

    def __enter__(self):
        self.stop, self.peak = threading.Event(), rss_mb()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while not self.stop.wait(0.005):
            self.peak = max(self.peak, rss_mb())

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=20)
    size = parser.parse_args().mb * CHUNK
    tmp = Path(tempfile.mkdtemp(prefix="testarena-files-bench-"))
    from tests import factories
    from tracker import create_app
    from tracker.db import db
    from tracker.pilots.workflow import Status

    app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret-key-long-enough",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'bench.sqlite'}",
                      "FILES_DIR": str(tmp / "files"), "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False, "MAX_UPLOAD_MB": args_mb(size) + 1})
    with app.app_context():
        db.create_all()
        world = factories.World.build()
        pilot = factories.make_pilot(world.staff_a, world.district_a, Status.RUNNING)
        db.session.commit()
        pilot_id, user_id = pilot.id, world.staff_a.get_id()
    cookie = app.session_interface.get_signing_serializer(app).dumps({"_user_id": user_id, "_fresh": True})
    server = make_server("127.0.0.1", 0, app, threaded=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_port
    headers = {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}

    conn = http.client.HTTPConnection("127.0.0.1", port)  # warm-up: templates, imports
    conn.request("GET", f"/pilots/{pilot_id}", headers=headers)
    conn.getresponse().read()
    before = rss_mb()
    upload = Peak().__enter__()

    boundary = "benchboundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nBig report\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nreport\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\n"
            "Content-Type: text/plain\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    line = b"0123456789 abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ\n"
    chunk = (line * (CHUNK // len(line) + 1))[:CHUNK]

    def body():
        yield head
        for _ in range(size // CHUNK):
            yield chunk
        yield tail

    conn.putrequest("POST", f"/files/pilots/{pilot_id}/new")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + size + len(tail)))
    conn.putheader("Cookie", headers["Cookie"])
    conn.endheaders()
    for part in body():
        conn.send(part)
    response = conn.getresponse()
    response.read()
    assert response.status == 302, response.status
    upload.__exit__()

    from tracker.files.models import Attachment

    with app.app_context():
        attachment_id = db.session.scalar(db.select(Attachment.id))
    with Peak() as download:
        conn.request("GET", f"/files/{attachment_id}/versions/1", headers=headers)
        response = conn.getresponse()
        received = 0
        while data := response.read(CHUNK):
            received += len(data)
    assert response.status == 200 and received == size, (response.status, received)
    server.shutdown()
    print(f"{size // CHUNK} MB up and down; resident memory {before:.0f} MB before; peak growth "
          f"+{upload.peak - before:.1f} MB during the upload, +{download.peak - before:.1f} MB during the "
          "download; target under +30 MB")
    shutil.rmtree(tmp)


def args_mb(size: int) -> int:
    return size // CHUNK


if __name__ == "__main__":
    main()
