"""The committed lock agrees with pyproject.toml, and the venv is what the lock says.

``requirements/*.txt`` pin every direct and indirect dependency, with hashes,
for every supported Python at once (``make lock``: uv's universal resolution).
The Makefile installs a fresh ``.venv`` from them. These tests fail when
someone edits a range in ``pyproject.toml`` without refreshing the lock, when
the three lock files pin one package differently, and when the environment
the suite runs in was installed from the lock but holds other versions.
"""

from __future__ import annotations

import re
import sys
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "requirements"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CLASSIFIER = re.compile(r"^Programming Language :: Python :: (3\.\d+)$")
SUPPORTED = sorted(
    {m.group(1) for c in PYPROJECT["project"]["classifiers"] if (m := CLASSIFIER.match(c))},
    key=Version,
)
# Each lock file and what it must satisfy: pyproject's extras and requirements/build.in.
LOCKS = {
    "build.txt": ((), True),
    "dev.txt": (("test", "lint"), True),
    "bench.txt": (("test", "lint", "bench"), True),
}


@dataclass(frozen=True)
class Pin:
    name: str
    version: Version
    marker: Marker | None
    hashes: int


def read_lock(path: Path) -> dict[str, list[Pin]]:
    """``name==version ; marker`` lines with their ``--hash`` continuations."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    pins: dict[str, list[Pin]] = {}
    for raw in text.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        hashes = line.count("--hash=sha256:")
        requirement = Requirement(line.split(" --hash", 1)[0].strip())
        (spec,) = requirement.specifier  # exactly one ==, as uv writes it
        assert spec.operator == "==", line
        pin = Pin(
            canonicalize_name(requirement.name), Version(spec.version), requirement.marker, hashes
        )
        pins.setdefault(pin.name, []).append(pin)
    return pins


def environment(python: str) -> dict[str, str]:
    """Marker values of CPython ``python`` on Linux, where CI runs."""
    return {
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "x86_64",
        "extra": "",
    }


def pinned(pins: dict[str, list[Pin]], name: str, python: str) -> Version | None:
    applicable = [
        p for p in pins.get(name, []) if p.marker is None or p.marker.evaluate(environment(python))
    ]
    assert len(applicable) <= 1, f"{name} pinned twice for Python {python}"
    return applicable[0].version if applicable else None


def direct_requirements(extras: tuple[str, ...], build: bool) -> list[Requirement]:
    project = PYPROJECT["project"]
    lines = list(project["dependencies"]) if extras else []
    for extra in extras:
        lines += project["optional-dependencies"][extra]
    if build:
        for raw in (REQUIREMENTS / "build.in").read_text(encoding="utf-8").splitlines():
            if line := raw.split("#", 1)[0].strip():
                lines.append(line)
    return [Requirement(line) for line in lines]


def test_supported_pythons_are_within_requires_python():
    requires = SpecifierSet(PYPROJECT["project"]["requires-python"])
    assert SUPPORTED and all(Version(v) in requires for v in SUPPORTED)


@pytest.mark.parametrize("python", SUPPORTED)
@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_the_lock_satisfies_every_range_of_pyproject(lock: str, python: str):
    pins = read_lock(REQUIREMENTS / lock)
    extras, build = LOCKS[lock]
    wrong = []
    for requirement in direct_requirements(extras, build):
        if requirement.marker and not requirement.marker.evaluate(environment(python)):
            continue
        version = pinned(pins, canonicalize_name(requirement.name), python)
        if version is None or version not in requirement.specifier:
            wrong.append(f"{requirement} (locked: {version})")
    assert not wrong, f"{lock} disagrees with pyproject.toml for Python {python}; run make lock"


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_every_pin_carries_hashes(lock: str):
    pins = read_lock(REQUIREMENTS / lock)
    assert pins and all(p.hashes for group in pins.values() for p in group)


def test_the_locks_pin_shared_packages_alike():
    """build.txt and bench.txt are resolved within dev.txt: one version per package."""
    dev = read_lock(REQUIREMENTS / "dev.txt")
    for other in ("build.txt", "bench.txt"):
        for name, group in read_lock(REQUIREMENTS / other).items():
            if name in dev:
                assert {p.version for p in group} == {p.version for p in dev[name]}, (other, name)


def installed_from() -> Path | None:
    """The lock this venv was made from, as the Makefile's stamp records it."""
    stamp = Path(sys.prefix) / ".installed"
    recorded = stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else ""
    return ROOT / recorded if recorded else None  # an empty stamp: a venv from before the lock


@pytest.mark.skipif(installed_from() is None, reason="not a venv made by the Makefile")
def test_the_venv_holds_exactly_the_locked_versions():
    lock = installed_from()
    assert lock is not None and lock.is_file()
    python = f"{sys.version_info[0]}.{sys.version_info[1]}"
    pins = read_lock(lock)
    expected = {
        name: version for name in pins if (version := pinned(pins, name, python)) is not None
    }
    have = {
        canonicalize_name(d.metadata["Name"]): Version(d.version) for d in metadata.distributions()
    }
    have.pop("kbassist", None)
    mismatched = {n: (v, have.get(n)) for n, v in expected.items() if have.get(n) != v}
    assert not mismatched, f"installed differs from {lock.name}: {mismatched}"
    extra = sorted(set(have) - set(expected))
    assert not extra, f"installed but not locked: {extra}"
