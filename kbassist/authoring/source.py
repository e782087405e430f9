"""One pack directory, loaded for authoring tools: the compiled pack plus YAML positions.

The loader validates and compiles but forgets where things were written;
authoring tools point at lines, so they keep the located YAML beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..pack.loader import PACK_FILE, Pack, bundled_pack_dirs, load_pack
from ..yamlsource import Located, load_yaml


@dataclass
class PackSource:
    directory: Path
    pack: Pack
    located: Located

    @property
    def file(self) -> str:
        return self.located.file

    def line(self, path: tuple[Any, ...]) -> int | None:
        return self.located.where(path)[0]


def pack_dir(directory: Path | None) -> Path:
    """The pack directory to work on: the argument, or the first bundled pack."""
    if directory is not None:
        return Path(directory)
    return bundled_pack_dirs()[0]


def open_pack(directory: Path | None) -> PackSource:
    """Load and validate (PackError, exit 3, when invalid) and keep the positions."""
    folder = pack_dir(directory)
    pack = load_pack([folder])
    file = folder / PACK_FILE
    located = load_yaml(file.read_text(encoding="utf-8"), str(file))
    return PackSource(folder, pack, located)
