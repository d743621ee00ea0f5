"""The lock file: every dependency in pyproject.toml is the one uv.lock was resolved for, and
every locked file carries its hash, so a fresh clone installs the same bytes today and in a
year (``make install`` runs ``uv sync --locked``; this test says the same without a network)."""

from __future__ import annotations

import itertools
import tomllib
from typing import Any

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

# Markers are compared by what they say on these machines, not by how they are written (uv
# writes them in an order of its own).
_MACHINES = [
    {
        "sys_platform": platform,
        "platform_machine": machine,
        "python_version": ".".join(version.split(".")[:2]),
        "python_full_version": version,
        "extra": extra,
    }
    for platform, machine, version, extra in itertools.product(
        ("linux", "darwin", "win32"),
        ("x86_64", "aarch64", "arm64", "AMD64"),
        ("3.11.7", "3.12.1", "3.13.0", "3.14.2"),
        ("", "dev"),
    )
]


def _where(marker: Marker | None) -> tuple[bool, ...]:
    return tuple(marker is None or marker.evaluate(machine) for machine in _MACHINES)


Normal = tuple[str, tuple[str, ...], str, tuple[bool, ...]]


def _normal(requirement: Requirement) -> Normal:
    return (
        canonicalize_name(requirement.name),
        tuple(sorted(requirement.extras)),
        ",".join(sorted(str(s) for s in requirement.specifier)),
        _where(requirement.marker),
    )


def _declared(project: dict[str, Any]) -> set[Normal]:
    declared = {_normal(Requirement(r)) for r in project["dependencies"]}
    for extra, requirements in project.get("optional-dependencies", {}).items():
        for text in requirements:
            requirement = Requirement(text)
            marker = f'extra == "{extra}"'
            if requirement.marker:
                marker = f"({requirement.marker}) and {marker}"
            declared.add(_normal(Requirement(f"{text.split(';')[0]}; {marker}")))
    return declared


def _locked(entry: dict[str, Any]) -> Normal:
    text = entry["name"] + (f"[{','.join(entry['extras'])}]" if "extras" in entry else "")
    text += entry.get("specifier", "")
    if "marker" in entry:
        text += f"; {entry['marker']}"
    return _normal(Requirement(text))


def _read() -> tuple[dict[str, Any], dict[str, Any]]:
    with (ROOT / "pyproject.toml").open("rb") as fp:
        pyproject = tomllib.load(fp)
    with (ROOT / "uv.lock").open("rb") as fp:
        lock = tomllib.load(fp)
    return pyproject, lock


def _root(pyproject: dict[str, Any], lock: dict[str, Any]) -> dict[str, Any]:
    name = pyproject["project"]["name"]
    (root,) = [p for p in lock["package"] if p["name"] == name]
    assert isinstance(root, dict)
    return root


def test_the_lock_was_resolved_for_the_dependencies_pyproject_declares() -> None:
    """A dependency added, removed or changed in pyproject.toml without ``make lock`` fails."""
    pyproject, lock = _read()
    locked = {_locked(e) for e in _root(pyproject, lock)["metadata"]["requires-dist"]}
    declared = _declared(pyproject["project"])
    assert declared - locked == set(), "in pyproject.toml, not in uv.lock: run 'make lock'"
    assert locked - declared == set(), "in uv.lock, no longer in pyproject.toml: run 'make lock'"


def test_the_build_backend_is_pinned_in_the_lock_as_declared() -> None:
    pyproject, lock = _read()
    declared = pyproject["tool"]["uv"]["build-constraint-dependencies"]
    locked = [e["name"] + e["specifier"] for e in lock["manifest"]["build-constraints"]]
    assert sorted(locked) == sorted(declared)
    assert all("==" in d for d in declared), "the build backend is pinned to one version"


def test_every_locked_package_has_one_version_per_platform_and_a_hash_for_each_file() -> None:
    """Nothing is resolved at install time: each package from the index names its version and
    the sha256 of every file that may be installed."""
    pyproject, lock = _read()
    root = _root(pyproject, lock)
    packages = [p for p in lock["package"] if p is not root]
    assert len(packages) > 30
    for package in packages:
        assert "version" in package, package["name"]
        files = [*package.get("wheels", []), *([package["sdist"]] if "sdist" in package else [])]
        assert files, f"{package['name']}: no file locked"
        for file in files:
            assert file["hash"].startswith("sha256:"), f"{package['name']}: {file['url']}"
