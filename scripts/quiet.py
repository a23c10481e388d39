"""Run a command without its routine output: print everything it said only when it fails.

``python scripts/quiet.py pip install ...`` keeps ``make run`` down to the lines a newcomer needs
(pip's progress log, Alembic's INFO lines) while a failing step still shows its whole output.
"""

from __future__ import annotations

import subprocess
import sys


def main(argv: list[str]) -> int:
    if not argv:
        print("usage: quiet.py COMMAND [ARG...]", file=sys.stderr)
        return 2
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)  # noqa: S603
    if done.returncode:
        sys.stdout.buffer.write(done.stdout)
        print(f"failed ({done.returncode}): {' '.join(argv)}", file=sys.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
