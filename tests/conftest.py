"""Shared fixtures: the bundled pack, sample files, and a copy of the pack to break."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from kbassist.api import Diagnoser
from kbassist.pack.loader import data_root, load_pack

from .servers import serve, smtpd  # noqa: F401  (loopback servers, shared fixtures)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SAMPLES = REPO / "tests" / "data" / "samples"  # a copy of shared/samples, so CI has them

_CACHE_DIR = tempfile.mkdtemp(prefix="kbassist-test-cache-")


def pytest_configure(config: pytest.Config) -> None:
    """One pack cache for the session, never the user's: set before any test module loads a pack.

    Subprocesses inherit it. Most loads then come from the cache, so the
    whole suite also checks that a cached pack behaves like a fresh one.
    """
    os.environ["KBASSIST_CACHE_DIR"] = _CACHE_DIR
    os.environ.pop("KBASSIST_NO_CACHE", None)


def pytest_unconfigure(config: pytest.Config) -> None:
    shutil.rmtree(_CACHE_DIR, ignore_errors=True)


@pytest.fixture(scope="session")
def pack():
    return load_pack()


@pytest.fixture(scope="session")
def diagnoser(pack):
    return Diagnoser(pack)


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    """A writable copy of the bundled pack whose articles point at the bundled ones."""
    target = tmp_path / "pack"
    target.mkdir()
    text = (data_root() / "rules" / "exchange" / "pack.yaml").read_text(encoding="utf-8")
    articles = (data_root() / "articles").resolve()
    text = text.replace("articles_dir: ../../articles", f"articles_dir: {articles}")
    (target / "pack.yaml").write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def articles_copy(tmp_path: Path) -> Path:
    target = tmp_path / "articles"
    shutil.copytree(data_root() / "articles", target)
    return target
