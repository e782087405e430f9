"""Print the interpreters for the Python versions kbassist supports, one per line.

The supported versions are the ``Programming Language :: Python :: 3.N``
classifiers of ``pyproject.toml``: ``make test-all`` derives its list from them,
so adding a classifier is all it takes to test another version. Each line is
``VERSION PATH``; a version with no working interpreter here is reported on
stderr and skipped. ``python3.N`` on PATH may be a pyenv shim that refuses to
run because the version is not selected, so each candidate is run once, and
pyenv's own install folders are looked in too.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLASSIFIER = re.compile(r"^Programming Language :: Python :: (3\.\d+)$")


def supported() -> list[str]:
    """The 3.N versions the classifiers name, oldest first."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    found = {m.group(1) for c in project["classifiers"] if (m := CLASSIFIER.match(c))}
    return sorted(found, key=lambda v: tuple(int(p) for p in v.split(".")))


def candidates(version: str) -> list[str]:
    on_path = shutil.which(f"python{version}")
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    installed = sorted(pyenv_root.glob(f"versions/{version}.*/bin/python{version}"), reverse=True)
    return [p for p in [on_path, *map(str, installed)] if p]


def runs_as(path: str, version: str) -> bool:
    """The candidate starts and really is that version (a shim may be neither)."""
    try:
        done = subprocess.run(
            [path, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and done.stdout.strip() == version


def main() -> int:
    for version in supported():
        path = next((p for p in candidates(version) if runs_as(p, version)), None)
        if path is None:
            print(f"pythons: no Python {version} on this machine; skipped", file=sys.stderr)
        else:
            print(version, path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
