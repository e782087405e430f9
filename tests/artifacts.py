"""Helpers shared by the artifact readers' tests: encodings, errors, fuzz strategies."""

from __future__ import annotations

import codecs
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import strategies as st

from kbassist.evidence import ArtifactError
from kbassist.evidence.base import Artifact, Head
from kbassist.evidence.textfile import HEAD_BYTES, decode_head

from .bench_modules import load

# How a text artifact may be saved, as regedit, wevtutil, Notepad or a console write it.
SAVED_AS: dict[str, Callable[[str], bytes]] = {
    "utf-16le-bom": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16le": lambda text: text.encode("utf-16-le"),
    "utf-8-bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "ansi": lambda text: text.encode("cp1252"),
}


def write_lines(path: Path, lines: list[str], encoding: str = "ansi", end: str = "\r\n") -> Path:
    path.write_bytes(SAVED_AS[encoding](end.join(lines) + end))
    return path


def head_of(data: bytes) -> Head:
    """What read_artifact hands to detectors."""
    return Head(data[:HEAD_BYTES], decode_head(data[:HEAD_BYTES]))


def error_of(parse: Callable[[Path], Artifact], path: Path) -> tuple[str, int | None]:
    """(message, line) of the one problem ``parse`` reports for ``path``."""
    with pytest.raises(ArtifactError) as caught:
        parse(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    return problem.message, problem.line


def parse_or_none(parse: Callable[[Path], Artifact], path: Path) -> Artifact | None:
    """The artifact, or None when ``parse`` refused the file with one clear problem.

    Any other exception propagates: that is what the fuzz tests look for.
    """
    try:
        return parse(path)
    except ArtifactError as error:
        (problem,) = error.problems
        assert problem.file == str(path) and problem.message
        return None


# Codecs for fuzzed text (Python's "utf-16" writes a BOM).
FUZZ_CODECS = ["utf-16", "utf-16-le", "utf-8-sig", "utf-8", "cp1252"]


@st.composite
def shuffled_text(draw: st.DrawFn, snippets: Sequence[str]) -> bytes:
    """Lines of a format shuffled, mixed with random text, cut anywhere, in any encoding."""
    pieces = st.one_of(st.sampled_from(list(snippets)), st.text(max_size=30))
    text = "\r\n".join(draw(st.lists(pieces, max_size=25)))
    text = text[: draw(st.integers(0, len(text)))]
    return text.encode(draw(st.sampled_from(FUZZ_CODECS)), "replace")


@st.composite
def salted_file(draw: st.DrawFn, paths: Sequence[Path]) -> bytes:
    """A real file with random bytes inserted, then cut anywhere."""
    data = bytearray(draw(st.sampled_from(list(paths))).read_bytes())
    at = draw(st.integers(0, len(data)))
    data[at:at] = draw(st.binary(max_size=20))
    return bytes(data[: draw(st.integers(0, len(data)))])


# --- .reg files as regedit writes them ---------------------------------------------------

REG_V5 = "Windows Registry Editor Version 5.00"
REG_V4 = "REGEDIT4"
_subkey_order = str.upper  # how the registry sorts sibling keys with ASCII names
# Hex data as regedit wraps it; the readers' benchmark writes its exports with the same.
reg_hex = load("readers_bench").regedit_hex


def reg_multi(name: str, items: list[str], version: str = REG_V5) -> str:
    """A REG_MULTI_SZ value line: UTF-16LE in version 5 files, ANSI in REGEDIT4."""
    codec, nul = ("utf-16-le", b"\0\0") if version == REG_V5 else ("cp1252", b"\0")
    data = b"".join(item.encode(codec) + nul for item in items) + nul
    return reg_hex(f'"{name}"=hex(7):', data)


def regedit_export(keys: dict[str, list[str]], version: str = REG_V5) -> bytes:
    """The bytes regedit writes for ``keys`` (path -> value lines, without line ends).

    Depth first, each key's subkeys sorted as the registry keeps them, every key
    after a blank line, CRLF throughout, one more CRLF at the end; version 5 files
    are UTF-16LE with a BOM, REGEDIT4 files ANSI. Parents must be in ``keys``.
    """
    order = sorted(keys, key=lambda path: [_subkey_order(part) for part in path.split("\\")])
    text = version + "\r\n"
    for path in order:
        text += f"\r\n[{path}]\r\n" + "".join(f"{line}\r\n" for line in keys[path])
    text += "\r\n"
    if version == REG_V5:
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode("cp1252")


def prefixes(data: bytes, unit: int = 1) -> list[bytes]:
    """Every cut of ``data`` but the whole, on ``unit``-byte character boundaries."""
    return [data[:end] for end in range(unit, len(data), unit)]


def parsed_cuts(
    parse: Callable[[Path], Artifact], data: bytes, path: Path, unit: int = 1
) -> Iterator[tuple[bytes, Artifact]]:
    """(cut, artifact) for every cut of ``data`` that ``parse`` reads rather than refuses."""
    for cut in prefixes(data, unit):
        path.write_bytes(cut)
        artifact = parse_or_none(parse, path)
        if artifact is not None:
            yield cut, artifact


def hostile_lines() -> dict[str, str]:
    """Lines no program writes, built to cost time: long runs of one character, a huge line."""
    return {
        "spaces": " " * 400_000 + "x",
        "digits": "9" * 400_000,
        "word": "w" * 400_000 + " ec=0x0",
        "colons": ":" * 400_000,
        "brackets": "[" * 200_000 + "]" * 200_000,
        "parens": "(" * 400_000,
        "bangs": "!" * 400_000,
    }
