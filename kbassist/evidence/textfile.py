"""Opening text artifacts whatever their encoding, as a stream of lines.

Helpdesk files arrive as UTF-16LE with or without a BOM (regedit, wevtutil
redirected by PowerShell), UTF-8 with or without a BOM, or a Windows ANSI
code page. Bytes that are not valid UTF-8 are read as Windows-1252, one at a
time, so a mostly-UTF-8 file with one stray ANSI byte still reads. Lines come
with universal newlines (CRLF, LF or CR) and are numbered from 1.

A file is read whole or refused: a UTF-16 file with an odd number of bytes
was cut in the middle of a character (:func:`open_text` refuses it), and no
line is held longer than :data:`MAX_LINE` characters, so memory stays bounded
whatever the file holds (:func:`numbered_lines` refuses a longer line; a
reader that can pass one over reads :func:`raw_lines`).
"""

from __future__ import annotations

import codecs
import io
import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TextIO

from ..i18n import msg
from .base import ArtifactError

HEAD_BYTES = 8192
MAX_LINE = 1 << 20  # characters: far beyond any line these programs write, and bounded
_COUNT_READ = 1 << 16
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
    """A text stream over ``path`` (binary reads stay buffered; decoding is incremental).

    Raises :class:`ArtifactError` for a UTF-16 file with an odd number of bytes: its
    last character was cut, so the file was cut (UTF-16 writers write whole characters).
    """
    raw = path.open("rb")
    try:
        if encoding is None:
            encoding = sniff_encoding(raw.peek(HEAD_BYTES)[:HEAD_BYTES])
        errors = "replace" if encoding.startswith("utf-16") else _ANSI
        stream = io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline=None)
    except BaseException:
        raw.close()
        raise
    if encoding.startswith("utf-16") and os.fstat(raw.fileno()).st_size % 2:
        try:
            last = _count_lines(stream)
        finally:
            stream.close()
        raise ArtifactError(
            str(path),
            msg(
                "the file has an odd number of bytes, so its last UTF-16 character is cut: "
                "the file was cut short"
            ),
            last,
        )
    return stream


def _count_lines(stream: TextIO) -> int:
    """The number of the last line (only on the way to refusing a file)."""
    lines, last = 1, ""
    while chunk := stream.read(_COUNT_READ):
        lines += chunk.count("\n")
        last = chunk[-1]
    return lines - 1 if last == "\n" else lines


def raw_lines(stream: TextIO, limit: int = MAX_LINE) -> Iterator[str]:
    """The lines with their line end (``\\n``), a longer one in pieces of ``limit`` characters.

    A piece without a line end is either the last line, cut off, or a piece of a
    line of ``limit`` characters or more: the caller tells them apart by length.
    """
    return iter(partial(stream.readline, limit), "")


def ended_lines(stream: TextIO) -> Iterator[tuple[int, str, bool]]:
    """(line number, line without its end, whether a line break ended it), from 1.

    Only the last line can lack its line break: a file that ends in the middle
    of a line (cut, or pasted without the final line break). A line of more than
    :data:`MAX_LINE` characters is refused (:class:`ArtifactError`), not held.
    """
    for number, line in enumerate(raw_lines(stream), 1):
        if line[-1:] == "\n":
            yield number, line[:-1], True
        elif len(line) >= MAX_LINE:
            raise ArtifactError(
                str(stream.name),
                msg(
                    "a line of more than {limit} characters: not a file of this kind "
                    "as any program writes it",
                    limit=MAX_LINE,
                ),
                number,
            )
        else:
            yield number, line, False


def numbered_lines(stream: TextIO) -> Iterator[tuple[int, str]]:
    """(line number, line without its line end); see :func:`ended_lines`."""
    for number, line, _ in ended_lines(stream):
        yield number, line
