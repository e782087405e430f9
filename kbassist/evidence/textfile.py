"""Opening text artifacts whatever their encoding, as a stream of lines.

Helpdesk files arrive as UTF-16LE with or without a BOM (regedit, wevtutil
redirected by PowerShell), UTF-8 with or without a BOM, or a Windows ANSI
code page. Bytes that are not valid UTF-8 are read as Windows-1252, one at a
time, so a mostly-UTF-8 file with one stray ANSI byte still reads. Lines come
with universal newlines (CRLF, LF or CR) and are numbered from 1.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

HEAD_BYTES = 8192
_ANSI = "kbassist-ansi"


def _ansi_fallback(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    # cp1252 leaves five bytes undefined; latin-1 maps every byte.
    return "".join(_ANSI_CHARS[b] for b in bad), exc.end


_ANSI_CHARS = [
    bytes([b]).decode("cp1252", errors="ignore") or bytes([b]).decode("latin-1") for b in range(256)
]
codecs.register_error(_ANSI, _ansi_fallback)


def sniff_encoding(head: bytes) -> str:
    """The encoding of a file that starts with ``head``."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16"  # the BOM is consumed
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16"
    sample = head[:512]
    if len(sample) >= 4:
        odd_nuls = sample[1::2].count(0)
        even_nuls = sample[0::2].count(0)
        half = len(sample) // 2
        if odd_nuls > half * 0.6 and even_nuls < half * 0.1:
            return "utf-16-le"
        if even_nuls > half * 0.6 and odd_nuls < half * 0.1:
            return "utf-16-be"
    return "utf-8"


def decode_head(head: bytes) -> str:
    encoding = sniff_encoding(head)
    if encoding.startswith("utf-16") and len(head) % 2:
        head = head[:-1]  # cut in the middle of a character by the read size
    return head.decode(encoding, errors="replace" if encoding.startswith("utf-16") else _ANSI)


def open_text(path: Path, encoding: str | None = None) -> TextIO:
    """A text stream over ``path`` (binary reads stay buffered; decoding is incremental)."""
    raw = path.open("rb")
    if encoding is None:
        encoding = sniff_encoding(raw.peek(HEAD_BYTES)[:HEAD_BYTES])
    errors = "replace" if encoding.startswith("utf-16") else _ANSI
    return io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline=None)


def numbered_lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    """(line number, line without its line end)."""
    for number, line in enumerate(stream, 1):
        yield number, line.rstrip("\n")
