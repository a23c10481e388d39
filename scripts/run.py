"""``make run``'s last step: demo data, then gunicorn and the e-mail worker, then a box with what a
newcomer needs.

    python scripts/run.py --host 127.0.0.1 --port 5000 --worker "flask --app tracker notify work" \
        -- gunicorn --bind ... wsgi:app

Loads the demo data (new demo users get passwords, shown once), refuses a port that already
answers, starts the server command (and the ``--worker`` command beside it), polls until it
answers HTTP, prints the URL, the demo accounts and how to stop, then waits for the server.
Ctrl+C or SIGTERM stops the server and the worker with it.
"""

from __future__ import annotations

import argparse
import http.client
import shlex
import signal
import subprocess
import sys

RESET_HINT = "make passwords   (or: flask --app tracker demo --reset-passwords)"


def load_demo() -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """Demo data in; ``(created users with passwords, every demo account as (role, email))``."""
    from tracker import create_app
    from tracker.db import db
    from tracker.demo import DEMO_PEOPLE
    from tracker.demo import load_demo as load

    app = create_app()
    with app.app_context():
        created = load()
        db.session.commit()
        db.engine.dispose()
    return created, [(role.value, email) for email, _name, role, *_rest in DEMO_PEOPLE]


def answers(host: str, port: int) -> bool:
    """True when an HTTP server answers on host:port (any status). A refused connection returns
    at once; an accepted one waits for the answer (gunicorn's workers may still be booting), so
    the probe is sent once rather than piling up in the access log."""
    conn = http.client.HTTPConnection(host, port, timeout=60)
    try:
        conn.request("GET", "/login", headers={"Host": host})
        conn.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        conn.close()


def box(lines: list[str]) -> str:
    width = max(len(line) for line in lines)
    rule = "+" + "-" * (width + 2) + "+"
    return "\n".join([rule, *(f"| {line.ljust(width)} |" for line in lines), rule])


def summary(url: str, created, accounts) -> list[str]:
    lines = [f"Testarena is running: {url}", ""]
    if created:
        lines.append("Demo accounts (passwords shown this once: save them):")
        lines += [f"  {role:<12} {email:<40} {password}" for email, role, password in created]
    else:
        lines.append("Demo accounts (their passwords were shown on the first run):")
        lines += [f"  {role:<12} {email}" for role, email in accounts]
        lines += ["New passwords: " + RESET_HINT]
    lines += ["", "E-mails: the notification worker writes them to instance/mail/ (no SMTP configured)",
              "unless TRACKER_MAIL_SERVER is set.",
              "", "Logs follow below (gunicorn: access log and errors). Ctrl+C stops the server."]
    return lines


def main(argv: list[str]) -> int:
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    parser.add_argument("--worker", default="", help="A command run beside the server (the e-mail worker).")
    args = parser.parse_args(argv[:split])
    command = argv[split + 1:]
    if not command:
        parser.error("the server command goes after --")
    probe = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(args.host, args.host)  # noqa: S104
    if answers(probe, args.port):
        print(f"Port {args.port} is in use: another server (an earlier `make run`?) answers on "
              f"{probe}:{args.port}. Stop it, or choose another port: make run PORT={args.port + 1}",
              file=sys.stderr)
        return 1
    created, accounts = load_demo()
    server = subprocess.Popen(command)  # noqa: S603
    worker = subprocess.Popen(shlex.split(args.worker)) if args.worker else None  # noqa: S603
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())
    try:
        while not answers(probe, args.port):
            try:
                code = server.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
            print(f"The server stopped before it answered (exit code {code}); see its log above.",
                  file=sys.stderr)
            return code or 1
        url = f"http://{args.host}:{args.port}/"
        print(box(summary(url, created, accounts)), flush=True)
        return server.wait()
    except KeyboardInterrupt:  # Ctrl+C reached the whole process group: let gunicorn finish.
        server.send_signal(signal.SIGINT)
        return server.wait()
    finally:
        for process in (server, worker):
            if process is not None and process.poll() is None:
                process.terminate()  # the worker finishes the e-mail in hand, then stops
                process.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
