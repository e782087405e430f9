"""Installed packs: distributions declare pack folders in the entry point group kbassist.packs."""

from __future__ import annotations

from importlib.metadata import EntryPoint
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from kbassist.authoring.scaffold import new_pack
from kbassist.cli import main
from kbassist.errors import PackError
from kbassist.pack import loader


def install(monkeypatch: pytest.MonkeyPatch, *entries: tuple[str, str]) -> None:
    points = [EntryPoint(name, value, loader.ENTRY_POINT_GROUP) for name, value in entries]

    def entry_points(group: str) -> list[EntryPoint]:
        return points if group == loader.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(loader, "metadata", SimpleNamespace(entry_points=entry_points))


def test_installed_package_pack_is_merged_with_the_bundled_one(tmp_path, monkeypatch):
    folder = new_pack("extra", tmp_path).rename(tmp_path / "kbassist_extra_pack_a")
    (folder / "__init__.py").write_text("", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    install(monkeypatch, ("extra", "kbassist_extra_pack_a"))
    assert loader.installed_pack_dirs() == [folder]
    pack = loader.load_pack()
    assert "extra-misconfigured" in pack.causes and "winsock-transport-mismatch" in pack.causes
    result = CliRunner().invoke(
        main, ["diagnose", "--answer", "problem-persists-after-restart=yes", "--format", "json"]
    )
    assert result.exit_code == 1, result.output
    assert '"id": "extra-misconfigured"' in result.stdout


def test_entry_point_may_name_a_function_or_a_path(tmp_path: Path, monkeypatch):
    folder = new_pack("other", tmp_path)
    (tmp_path / "kbassist_other_pack_b.py").write_text(
        f"def pack_dir():\n    return {str(folder)!r}\n\nPACK = {str(folder)!r}\n",
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    install(monkeypatch, ("a", "kbassist_other_pack_b:pack_dir"))
    assert loader.installed_pack_dirs() == [folder]
    install(monkeypatch, ("b", "kbassist_other_pack_b:PACK"))
    assert loader.installed_pack_dirs() == [folder]


def test_broken_entry_point_is_a_pack_error(tmp_path: Path, monkeypatch):
    install(monkeypatch, ("gone", "kbassist_no_such_module_c"))
    with pytest.raises(PackError) as info:
        loader.load_pack()
    assert "entry point gone = kbassist_no_such_module_c (kbassist.packs)" in str(info.value)
    result = CliRunner().invoke(main, ["pack", "validate"])
    assert result.exit_code == 3
    assert len(result.stderr.strip().splitlines()) == 1
    install(monkeypatch, ("empty", "pathlib:Path.home"))
    with pytest.raises(PackError, match=r"no pack\.yaml in"):
        loader.load_pack()
