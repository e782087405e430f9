"""Rows of comma- or tab-separated text, read as Windows writes them and as files get cut.

A field may be quoted (``"``, a doubled ``""`` inside for a quote) and then
hold delimiters and line breaks. The text is read in pieces of bounded size
and every field is kept up to :data:`~.collect.FIELD_CAP` characters, so a
row of any length costs bounded memory and time in proportion to its size.
Each row says whether a line end closed it, or the end of the file did, and
whether the file ended inside a quoted field: what a reader needs to tell a
cut last row from a whole one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TextIO

from .collect import FIELD_CAP, TextBuffer

PIECE = FIELD_CAP  # characters read at a time: a field split from one piece is within the cap
MAX_FIELDS = 64  # fields kept per row; more are counted

_START, _PLAIN, _QUOTED, _QUOTE, _AFTER = range(5)


@dataclass
class Row:
    line: int  # the line the row starts on
    text: str = ""  # its first line as written (at most PIECE characters)
    fields: list[str] = field(default_factory=list)  # at most MAX_FIELDS, each capped
    count: int = 0  # fields in the row, kept or not
    ended: bool = False  # a line end closed it (not the end of the file)
    open_quote: bool = False  # the file ends inside one of its quoted fields
    stray: int | None = None  # the line of text after a closing quote, if any

    def blank(self) -> bool:
        return not any(cell.strip() for cell in self.fields)


def rows(stream: TextIO, delimiter: str) -> Iterator[Row]:
    """The rows of ``stream``, fields split at ``delimiter``."""
    line = 0
    row: Row | None = None
    cell = TextBuffer()  # the field being read
    state = _START
    line_ended = True  # the previous piece ended a line

    def close_field(current: Row) -> None:
        nonlocal cell
        if len(current.fields) < MAX_FIELDS:
            current.fields.append(cell.text())
        current.count += 1
        cell = TextBuffer()

    while piece := stream.readline(PIECE):
        if line_ended:
            line += 1
        line_ended = piece.endswith("\n")
        end = len(piece) - 1 if line_ended else len(piece)  # where the content stops
        pos = 0
        if row is None:
            row = Row(line, piece[:end])
            # Most rows: plain fields, then at most one quoted one. Split what comes before
            # the first quote in one call; only what follows it is walked field by field.
            quote = piece.find('"', 0, end)
            if quote < 0 and line_ended:
                split = piece[:end].split(delimiter)
                row.fields, row.count, row.ended = split[:MAX_FIELDS], len(split), True
                yield row
                row = None
                continue
            if quote > 0 and piece[quote - 1] == delimiter:
                split = piece[: quote - 1].split(delimiter)
                row.fields, row.count = split[:MAX_FIELDS], len(split)
                state, pos = _QUOTED, quote + 1
        while True:
            if state == _START:
                if pos >= end and not line_ended:
                    break  # the field starts in the next piece
                if pos < end and piece[pos] == '"':
                    state, pos = _QUOTED, pos + 1
                else:
                    state = _PLAIN
            elif state == _PLAIN:
                found = piece.find(delimiter, pos, end)
                if found < 0:
                    cell.add(piece[pos:end])
                    pos = end
                    break
                cell.add(piece[pos:found])
                close_field(row)
                state, pos = _START, found + 1
            elif state == _QUOTED:
                found = piece.find('"', pos)
                if found < 0:
                    cell.add(piece[pos:])  # a line break inside quotes is the field's
                    pos = len(piece)
                    break
                cell.add(piece[pos:found])
                state, pos = _QUOTE, found + 1
            elif state == _QUOTE:  # a quote inside quotes: doubled, or the closing one
                if pos >= len(piece):
                    break  # the next piece tells
                if piece[pos] == '"':
                    cell.add('"')
                    state, pos = _QUOTED, pos + 1
                else:
                    state = _AFTER
            else:  # _AFTER a closing quote: a delimiter or the line end
                if pos >= end:
                    break
                if piece[pos] == delimiter:
                    close_field(row)
                    state, pos = _START, pos + 1
                else:
                    row.stray = row.stray or line
                    state = _PLAIN  # kept as text, as a lenient reader would
        if line_ended and state not in (_QUOTED,):
            close_field(row)
            row.ended = True
            yield row
            row, state = None, _START
    if row is not None:  # the file ends inside a row
        row.open_quote = state == _QUOTED
        close_field(row)
        yield row
