"""`make run`'s first steps: the runtime dependencies only, installed without warnings."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


@pytest.mark.slow
def test_make_run_installs_runtime_dependencies_only_and_warns_of_nothing(tmp_path):
    venv = tmp_path / "venv"
    # QUIET= and PIP_VERBOSE show pip's and the build backend's whole output, so a packaging
    # warning (e.g. setuptools' deprecated licence table) is seen here though `make run` hides it.
    done = subprocess.run(
        ["make", "--no-print-directory", f"VENV={venv}", f"PYTHON={sys.executable}", "QUIET=",
         f"{venv}/.installed-run"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, "PIP_PROGRESS_BAR": "off", "PIP_VERBOSE": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    output = done.stdout + done.stderr
    assert not re.findall(r"^.*\w*Warning:.*$", output, re.MULTILINE)

    # Asked of the venv's own Python: it may have no pip of its own (the host's pip installs into it).
    listed = subprocess.run([venv / "bin" / "python", "-c", "import importlib.metadata as m, json; "
                             "print(json.dumps([d.metadata['Name'] for d in m.distributions()]))"],
                            capture_output=True, text=True, check=True).stdout
    installed = {name.lower().replace("_", "-") for name in json.loads(listed)}
    runtime = {_name(r) for r in PROJECT["dependencies"]}
    test_only = {_name(r) for r in PROJECT["optional-dependencies"]["test"]}
    assert runtime <= installed
    assert not test_only & installed
