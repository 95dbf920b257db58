"""Reproducible installs: pyproject.toml keeps ranges, the lock files pin every package with
its hashes inside those ranges (scripts/lock.sh refreshes them), the two locks agree, and the
LICENSE file is the licence pyproject.toml declares."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def pins(lock: str) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) of a pip-compile --generate-hashes file."""
    text = (ROOT / lock).read_text(encoding="utf-8")
    found = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        match = re.match(r"([A-Za-z0-9._-]+)==([^ \\;\n]+)", block)
        if match:
            found[canonicalize_name(match[1])] = (match[2], block.count("--hash=sha256:"))
    return found


def check_lock(lock: str, requirements: list[str]) -> None:
    pinned = pins(lock)
    assert pinned, lock
    assert all(hashes for _, hashes in pinned.values()), f"{lock}: a pin without hashes"
    for line in requirements:
        requirement = Requirement(line)
        if requirement.marker and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"{lock} lacks {name}: run bash scripts/lock.sh"
        version = pinned[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock} pins {name}=={version}, outside pyproject.toml's {requirement.specifier}: run bash scripts/lock.sh"
        )


def test_runtime_lock_pins_every_dependency_within_its_range():
    check_lock("requirements.lock", PROJECT["dependencies"])


def test_test_lock_pins_the_test_tools_and_the_same_runtime_versions():
    check_lock("requirements-test.lock", PROJECT["dependencies"] + PROJECT["optional-dependencies"]["test"])
    runtime, test = pins("requirements.lock"), pins("requirements-test.lock")
    assert {n: v for n, (v, _) in runtime.items()} == {n: test[n][0] for n in runtime}


def test_pyproject_keeps_ranges_not_pins():
    for line in PROJECT["dependencies"]:
        assert all(spec.operator != "==" for spec in Requirement(line).specifier), line


def test_uvicorn_without_its_unused_extras():
    names = {canonicalize_name(Requirement(d).name): Requirement(d) for d in PROJECT["dependencies"]}
    assert names["uvicorn"].extras == set()
    for unused in ("websockets", "watchfiles", "python-dotenv", "pyyaml"):
        assert unused not in pins("requirements.lock"), unused


def test_licence_file_matches_pyproject():
    assert PROJECT["license"] == "EUPL-1.2" and PROJECT["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.lstrip().startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")
    assert "15. Applicable Law" in text and "Appendix" in text


def test_ci_and_the_test_script_install_from_the_lock():
    script = (ROOT / "scripts/test.sh").read_text()
    assert "--require-hashes -r requirements-test.lock" in script
    assert "pip install -q --no-deps -e ." in script
