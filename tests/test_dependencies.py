"""pyproject.toml's runtime dependencies: each one used, each past its advisories."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

tomllib = pytest.importorskip("tomllib")  # Python 3.11+
ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
RUNTIME = {Requirement(line).name: Requirement(line) for line in PROJECT["dependencies"]}
# import name where it differs from the package name; None: another package loads it
IMPORTED_AS = {"argon2-cffi": "argon2", "httptools": None, "uvloop": None}  # uvicorn's
# the last published advisory of each, and the first version that fixes it
ADVISORIES = {
    "starlette": ("CVE-2026-54282, CVE-2026-54283", "1.3.1"),
}


def floor(requirement: Requirement) -> Version:
    lows = [Version(s.version) for s in requirement.specifier if s.operator in (">=", "==")]
    assert lows, f"{requirement} has no lower bound"
    return max(lows)


@cache
def kit_source() -> str:
    return "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "codegrant_kit").rglob("*.py"))


@pytest.mark.parametrize("name", sorted(RUNTIME))
def test_each_dependency_is_imported(name):
    module = IMPORTED_AS.get(name, name.replace("-", "_"))
    if module is None:
        return
    assert re.search(rf"^\s*(import|from) {module}\b", kit_source(), re.MULTILINE), (
        f"{name} is declared but codegrant_kit never imports {module}: use it or drop it"
    )


@pytest.mark.parametrize("name", sorted(ADVISORIES))
def test_lower_bounds_are_past_the_advisories(name):
    advisory, fixed = ADVISORIES[name]
    assert floor(RUNTIME[name]) >= Version(fixed), f"{name} below {fixed} has {advisory}"


def test_environment_yml_is_in_step():
    # conda-forge names these packages as PyPI does
    lines = (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines()
    conda = {
        Requirement(line.strip()[2:]).name: Requirement(line.strip()[2:])
        for line in lines
        if re.fullmatch(r"  - [a-z][a-z0-9-]*(>=|==|<).*", line)
    }
    for name, requirement in RUNTIME.items():
        assert name in conda, f"{name} is in pyproject.toml, not in environment.yml"
        assert conda[name].specifier == requirement.specifier, name
    # the lab extra too: conda users open the tutorials in JupyterLab (codegrant-kit lab)
    lab = {
        Requirement(line).name: Requirement(line)
        for line in PROJECT["optional-dependencies"]["lab"]
    }
    for name, requirement in lab.items():
        assert name in conda, f"{name} is in pyproject.toml's lab extra, not in environment.yml"
        assert conda[name].specifier == requirement.specifier, name
    extras = set(conda) - set(RUNTIME)
    assert extras <= set(lab), (
        f"environment.yml has {sorted(extras - set(lab))} that pyproject.toml lacks"
    )
