"""The dependency set is locked: every declared requirement is pinned, within its declared range."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
DECLARED = [Requirement(r) for r in PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"]]


def _lock() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9._-]+)(\[[^\]]*\])?==([^\s;]+)", line)
            assert match, f"requirements.lock: not an exact pin: {line!r}"
            pins[canonicalize_name(match.group(1))] = match.group(3)
    return pins


@pytest.mark.parametrize("requirement", DECLARED, ids=str)
def test_every_declared_dependency_is_pinned_within_its_range(requirement):
    pins = _lock()
    name = canonicalize_name(requirement.name)
    assert name in pins, f"{requirement.name} is declared in pyproject.toml but not pinned: run `make lock`"
    assert requirement.specifier.contains(pins[name], prereleases=True), (
        f"requirements.lock pins {requirement.name}=={pins[name]}, outside {requirement.specifier}")


def test_make_uses_the_lock_for_install_and_audits_it():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    logical_lines = makefile.replace("\\\n", " ").splitlines()  # a continued line read whole
    pip = next(line for line in logical_lines if line.startswith("PIP "))
    assert "install" in pip and "-c requirements.lock" in pip  # every install step goes through $(PIP)
    assert "$(PIP) -e .\n" in makefile and "$(PIP) -e '.[test]'" in makefile
    audit = makefile[makefile.index("\naudit:"):].split("\n\n")[0]
    assert "pip-audit --strict" in audit and "-r requirements.lock" in audit
    test_target = makefile[makefile.index("\ntest:"):].split("\n")[1]
    assert "audit" not in makefile[makefile.index("\ntest:"):].split("\n")[0] and "audit" not in test_target
