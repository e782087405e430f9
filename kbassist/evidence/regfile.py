"""The ``.reg`` export format, read as a stream.

``Windows Registry Editor Version 5.00`` files are usually UTF-16LE (strings
inside ``hex(2)``/``hex(7)`` are UTF-16LE too); ``REGEDIT4`` files are ANSI
with single-byte strings. A value is ``"name"=`` or ``@=`` (the default value)
followed by ``"text"``, ``dword:XXXXXXXX``, ``hex:..``, ``hex(N):..`` or ``-``
(deleted); long hex data continues after ``,\\`` on indented lines.
``[KEY]`` opens a key and ``[-KEY]`` deletes one; ``;`` starts a comment.

Exports run to hundreds of megabytes, so :class:`RegParser` reports every
key header (cheap) but only parses the values of keys its caller wants;
the lines of other keys are passed over without a look.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..i18n import Message, msg
from .textfile import MAX_LINE

V5 = "windows registry editor version 5.00"
V4 = "regedit4"

REG_SZ, REG_EXPAND_SZ, REG_BINARY, REG_DWORD, REG_DWORD_BE, REG_MULTI_SZ = 1, 2, 3, 4, 5, 7
REG_QWORD = 11
_STRINGS = {REG_SZ, REG_EXPAND_SZ}
_HEX = set("0123456789abcdefABCDEF")
_QUOTE_OR_ESCAPE = re.compile(r'["\\]')
MAX_VALUE_BYTES = 1 << 20  # decoded data of one value kbassist reads: far beyond any it needs


class RegFormatError(ValueError):
    def __init__(self, line: int, message: Message):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class RegValue:
    line: int
    key: str  # as written in the file
    name: str  # "" for the default value
    type: int  # REG_* number; -1 for a deletion ("name"=-)
    data: Any  # str, list[str], int or bytes, decoded for the type; None when deleted


def is_header(line: str) -> str | None:
    """The format version named by a file's first line, or None."""
    folded = line.strip().lstrip("\ufeff").casefold()
    return folded if folded in (V5, V4) else None


class RegParser:
    """Parses one export. ``wanted(folded_key)`` says whose values to decode.

    ``on_key(line, key, deleted)`` is called for every key header, wanted or not.
    After :meth:`values` has run, :attr:`last_line` is the number of the file's
    last line and :attr:`ends_blank` whether that line is blank, as regedit ends
    every export (the caller decides whether a file may end otherwise).

    Lines may come whole or, from :func:`~.textfile.raw_lines`, a line of
    :data:`~.textfile.MAX_LINE` characters or more in pieces: such a line is passed
    over in a key nobody wants and refused anywhere else, so no line is held whole.
    """

    def __init__(
        self,
        wanted: Callable[[str], bool],
        on_key: Callable[[int, str, bool], None],
    ):
        self._wanted = wanted
        self._on_key = on_key
        self.version = ""
        self.last_line = 0
        self.ends_blank = False

    def values(self, lines: Iterable[str]) -> Iterator[RegValue]:
        it = iter(lines)
        number = 0
        for line in it:
            number += 1
            if line[-1:] != "\n" and len(line) >= MAX_LINE:
                raise RegFormatError(number, _too_long())
            if line.strip():
                if line[-1:] != "\n":
                    raise _cut(number, None)
                self.version = is_header(line) or ""
                if not self.version:
                    raise RegFormatError(
                        number,
                        msg(
                            "does not start with 'Windows Registry Editor Version 5.00' "
                            "or 'REGEDIT4'"
                        ),
                    )
                break
        else:
            raise RegFormatError(1, msg("empty registry export"))

        key: str | None = None
        wanted = False
        pending: _Pending | None = None
        # The pieces of a very long line are taken from ``it`` itself, so they are not counted.
        after_header = number + 1
        for number, line in enumerate(it, after_header):
            if line[-1] != "\n":  # the last line, cut off, or a piece of a very long line
                if len(line) < MAX_LINE:
                    raise _cut(number, pending)
                if wanted or pending is not None or line[:1] == "[" or key is None:
                    raise RegFormatError(number, _too_long())
                _pass_over(number, it)  # a very long line in a key nobody reads
                line = _PASSED_OVER
                continue
            if pending is not None:
                pending.more(number, line)
                if not pending.open:
                    yield pending.finish(self.version)
                    pending = None
                continue
            first = line[:1]
            if first == "[":
                key, deleted = _key(number, line)
                self._on_key(number, key, deleted)
                wanted = not deleted and self._wanted(key.casefold())
                continue
            if not wanted:
                if key is None and first not in ("", "\n", ";") and line.strip():
                    raise RegFormatError(number, msg("a value before any [key] line"))
                continue
            stripped = line.strip()
            if not stripped or stripped[0] == ";":
                continue
            assert key is not None
            value = _value_start(number, key, stripped)
            if isinstance(value, RegValue):
                yield value
            elif value.open:
                pending = value
            else:
                yield value.finish(self.version)
        self.last_line = number
        self.ends_blank = not line.strip()
        if pending is not None or line.rstrip("\r\n").endswith("\\"):
            raise RegFormatError(number, msg("the file ends inside a value continued with '\\'"))


def _cut(number: int, pending: _Pending | None) -> RegFormatError:
    """The error for a last line without its line break: the file was cut there."""
    if pending is not None:
        return RegFormatError(
            pending.number,
            msg("{name!r}: the file ends in the middle of this value", name=pending.name),
        )
    return RegFormatError(
        number, msg("the file ends in the middle of this line, without a line break: it was cut")
    )


def _too_long() -> Message:
    return msg(
        "a line of more than {limit} characters where kbassist reads: not an export "
        "as regedit writes it",
        limit=MAX_LINE,
    )


_PASSED_OVER = "(a line passed over)\n"  # what a very long line counts as: not blank


def _pass_over(number: int, pieces: Iterator[str]) -> None:
    """Skip the rest of a very long line, up to its line end; an error if the file ends first."""
    for piece in pieces:
        if piece[-1:] == "\n":
            return
        if len(piece) < MAX_LINE:
            break
    raise _cut(number, None)


def _key(number: int, line: str) -> tuple[str, bool]:
    text = line.rstrip()
    if not text.endswith("]") or len(text) < 3:
        raise RegFormatError(number, msg("key line is not closed with ']'"))
    inner = text[1:-1]
    deleted = inner.startswith("-")
    return (inner[1:] if deleted else inner), deleted


def _read_name(number: int, text: str) -> tuple[str, str]:
    """(name, rest after '=') for ``"name"=...`` or ``@=...``."""
    if text[0] == "@":
        rest = text[1:].lstrip()
        if not rest.startswith("="):
            raise RegFormatError(number, msg("expected '=' after '@'"))
        return "", rest[1:].lstrip()
    if text[0] != '"':
        raise RegFormatError(number, msg("not a registry value line: {text!r}", text=text[:40]))
    name, end = _quoted(number, text, 0)
    rest = text[end:].lstrip()
    if not rest.startswith("="):
        raise RegFormatError(number, msg("expected '=' after the value name {name!r}", name=name))
    return name, rest[1:].lstrip()


def _quoted(number: int, text: str, start: int) -> tuple[str, int]:
    """A quoted string at ``text[start]`` with ``\\\\`` and ``\\"`` escapes; (text, end).

    Jumps from one backslash or quote to the next, so a long string costs one pass."""
    out: list[str] = []
    i = start + 1
    while (found := _QUOTE_OR_ESCAPE.search(text, i)) is not None:
        at = found.start()
        out.append(text[i:at])
        if text[at] == '"':
            return "".join(out), at + 1
        if at + 1 == len(text):  # a backslash ends the text: kept, and the string is open
            out.append("\\")
            break
        out.append(text[at + 1])
        i = at + 2
    raise RegFormatError(number, msg("a quoted string is not closed"))


def _value_start(number: int, key: str, text: str) -> RegValue | _Pending:
    name, rest = _read_name(number, text)
    if rest == "-":
        return RegValue(number, key, name, -1, None)
    if rest.startswith('"'):
        data, end = _quoted(number, rest, 0)
        if rest[end:].strip():
            raise RegFormatError(
                number, msg("unexpected text after the string of {name!r}", name=name)
            )
        return RegValue(number, key, name, REG_SZ, data)
    low = rest[:9].casefold()
    if low.startswith("dword:"):
        digits = rest[6:].strip()
        if not 0 < len(digits) <= 8 or not set(digits) <= _HEX:
            message = msg(
                "{name!r}: dword {digits!r} is not 1 to 8 hex digits", name=name, digits=digits
            )
            raise RegFormatError(number, message)
        return RegValue(number, key, name, REG_DWORD, int(digits, 16))
    if low.startswith("hex:"):
        kind, body = REG_BINARY, rest[4:]
    elif low.startswith("hex("):
        close = rest.find("):")
        code = rest[4:close] if close > 4 else ""
        if not code or not set(code) <= _HEX or len(code) > 8:
            raise RegFormatError(
                number, msg("{name!r}: bad type in {text!r}", name=name, text=rest[:12])
            )
        kind, body = int(code, 16), rest[close + 2 :]
    else:
        message = msg("{name!r}: unknown value type in {text!r}", name=name, text=rest[:20])
        raise RegFormatError(number, message)
    pending = _Pending(number, key, name, kind)
    pending.more(number, body)
    return pending


class _Pending:
    """A hex value being read, possibly over several ``,\\`` continued lines."""

    def __init__(self, number: int, key: str, name: str, kind: int):
        self.number, self.key, self.name, self.kind = number, key, name, kind
        self.data = bytearray()
        self.open = True

    def more(self, number: int, text: str) -> None:
        text = text.strip()
        self.open = text.endswith("\\")
        if self.open:
            text = text[:-1].rstrip()
        parts = [p.strip() for p in text.split(",")]
        if parts[-1] == "":  # "aa,bb," before the '\\', or no data at all
            parts.pop()
        for part in parts:
            if len(part) != 2 or not set(part) <= _HEX:
                message = msg(
                    "{name!r}: {text!r} is not a hex byte", name=self.name, text=part[:12]
                )
                raise RegFormatError(number, message)
            self.data.append(int(part, 16))
        if len(self.data) > MAX_VALUE_BYTES:
            message = msg(
                "{name!r}: more than {limit} bytes of data, more than any value kbassist "
                "reads holds",
                name=self.name,
                limit=MAX_VALUE_BYTES,
            )
            raise RegFormatError(self.number, message)

    def finish(self, version: str) -> RegValue:
        return RegValue(self.number, self.key, self.name, self.kind, self._decode(version))

    def _decode(self, version: str) -> Any:
        data = bytes(self.data)
        if self.kind in _STRINGS or self.kind == REG_MULTI_SZ:
            text = self._text(data, version)
            if self.kind == REG_MULTI_SZ:
                if text and not text.endswith("\0"):
                    raise RegFormatError(
                        self.number,
                        msg("{name!r}: the multi-string has no terminating NUL", name=self.name),
                    )
                items = text.split("\0")
                while items and items[-1] == "":
                    items.pop()
                return items
            return text.split("\0", 1)[0]
        if self.kind in (REG_DWORD, REG_DWORD_BE, REG_QWORD):
            size = 8 if self.kind == REG_QWORD else 4
            if len(data) != size:
                raise RegFormatError(
                    self.number,
                    msg(
                        "{name!r}: {count} bytes where {size} are needed",
                        name=self.name,
                        count=len(data),
                        size=size,
                    ),
                )
            return int.from_bytes(data, "big" if self.kind == REG_DWORD_BE else "little")
        return data

    def _text(self, data: bytes, version: str) -> str:
        if version == V4:
            return data.decode("cp1252", errors="replace")
        if len(data) % 2:
            raise RegFormatError(
                self.number,
                msg("{name!r}: odd number of bytes in a UTF-16 string", name=self.name),
            )
        return data.decode("utf-16-le", errors="replace")


def little_endian(value: Any) -> int | None:
    """A number stored as REG_BINARY (little-endian bytes) or as a dword."""
    if isinstance(value, int):
        return value
    if isinstance(value, bytes | bytearray) and 0 < len(value) <= 8:
        return int.from_bytes(value, "little")
    return None
