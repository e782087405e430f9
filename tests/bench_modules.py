"""Loading bench/ scripts in tests: bench/ is a folder of scripts, not a package."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parents[1] / "bench"


def load(name: str) -> ModuleType:
    """A module of bench/, importable by the other bench scripts under its own name."""
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up by name
    if str(BENCH) not in sys.path:  # the scripts import each other, as when run from bench/
        sys.path.insert(0, str(BENCH))
    spec.loader.exec_module(module)
    return module
