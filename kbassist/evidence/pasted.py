"""Text as it reaches a helpdesk: copied from a terminal, pasted into an e-mail, saved from a page.

A transcript is seldom the file its program wrote. It was copied from a
console window (lines cut at 80 columns, backspaces and escape sequences in a
raw session log), pasted into an e-mail and quoted back (``> ``, ``>> ``, the
lines re-wrapped by the mail client), or it comes as the HTML of a web page or
an HTML mail (``<br>``, ``<p>``, ``<pre>``, ``&lt;``, ``&nbsp;``, ``&#62;``).
:class:`Unpaster` turns such text back into the lines the program printed.

Everything here is linear in the input, whatever it holds: physical lines are
read in bounded pieces, a logical line keeps at most :data:`MAX_LINE`
characters, tags and comments are found with ``str.find``, and no pattern can
backtrack over more than a bounded span.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from html.entities import html5
from typing import NamedTuple, TextIO

MAX_LINE = 4096  # characters kept of one logical line (an SMTP reply line is at most 512)
PIECE = 64 * 1024  # characters read at a time from one physical line


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Elements whose start or end breaks a line as a browser shows it; the others are
# inline. Tags of other names ("<user@contoso.com>", "<postmaster>") are text.
_BREAKS = _words(
    "address article aside blockquote body br dd div dl dt figcaption figure footer h1 h2 "
    "h3 h4 h5 h6 head header hr html li main nav ol p pre section table tbody tfoot thead "
    "title tr ul"
)
_INLINE = _words(
    "a abbr b base big button caption center cite code col colgroup del details dfn em "
    "font form i iframe img input ins kbd label link mark meta nobr noscript option "
    "picture q s samp select small source span strike strong sub summary sup svg td "
    "textarea th time tt u var wbr"
)
_RAW_TEXT = frozenset({"script", "style"})  # their content is not text
_TAG_NAME = re.compile(r"/?([A-Za-z][A-Za-z0-9]{0,20}(?::[A-Za-z0-9]{1,20})?)(?=[\s/>]|$)")
_HTML = re.compile(
    r"<(?:!doctype\s+html|html|head|body|br|p|pre|div|blockquote|span|font|table|td|tt|code)"
    r"(?=[\s/>])",
    re.IGNORECASE,
)
# Numeric references keep at most 7 digits: "&#" and a million nines is text, not a number
# Python would take quadratic time (or refuse) to convert.
_ENTITY = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([A-Za-z][A-Za-z0-9]{1,31}));?")
# Escape sequences of a raw terminal log: CSI (colours, cursor moves), OSC (window titles)
# up to BEL or ST, and the two-character ones. Each class stops at the next ESC.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -~]?)")
_UNUSUAL = re.compile(r"[^\x20-\x7e]")
# Control characters go; the spaces a page or a word processor uses become plain spaces;
# invisible marks (zero-width, byte order, direction) go.
_SPACES = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
_SPACES += "\u200a\u2028\u2029\u202f\u205f\u3000"
_TABLE: dict[int, str | None] = {c: None for c in [*range(0x20), *range(0x7F, 0xA0)]}
_TABLE.update({ord(c): " " for c in _SPACES})
_TABLE.update({c: None for c in [0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0xFEFF]})
_TABLE.update({c: None for c in [*range(0x202A, 0x202F), *range(0x2066, 0x206A)]})


class Line(NamedTuple):
    number: int  # the physical line it starts on, from 1
    text: str  # cleaned, e-mail quoting removed, trailing spaces stripped
    width: int  # its length before the quoting was removed: a console cuts lines at 80
    ended: bool = True  # False for the last line of a file that stops without a line end


def looks_html(text: str) -> bool:
    """Markup a page or an HTML mail is made of, in the start of a file."""
    return _HTML.search(text) is not None


def _entity(match: re.Match[str]) -> str:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        found = html5.get(name + ";") if match[0].endswith(";") else html5.get(name)
        return found if found is not None else match[0]
    number = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if number == 0 or number > 0x10FFFF or 0xD800 <= number <= 0xDFFF:
        return "\ufffd"
    return chr(number)


def unescape(text: str) -> str:
    """HTML character references decoded: ``&lt;`` ``&amp;`` ``&nbsp;`` ``&#62;`` ``&#x3E;``."""
    return _ENTITY.sub(_entity, text) if "&" in text else text


def _backspaces(text: str) -> str:
    """What a terminal shows of typing corrected with backspace ("ehlp\\bo" is "ehlo")."""
    out: list[str] = []
    for char in text:
        if char == "\b":
            if out:
                out.pop()
        else:
            out.append(char)
    return "".join(out)


def clean(text: str) -> str:
    """One line as a person saw it: references decoded, controls and escapes gone."""
    if "&" in text:
        text = _ENTITY.sub(_entity, text)
    if _UNUSUAL.search(text) is None:
        return text.rstrip()
    if "\b" in text:
        text = _backspaces(text)
    if "\x1b" in text:
        text = _ESCAPE.sub("", text)
    text = text.translate(_TABLE)
    if not text.isprintable():  # any other format or control character, unassigned ones
        text = "".join(char for char in text if char.isprintable())
    return text.rstrip()


def unquote(text: str) -> str:
    """The line without e-mail quoting: ``> ``, ``>> ``, ``> > `` at any depth."""
    return text.lstrip(" >")


class Unpaster:
    """Physical lines in, in pieces (:func:`pieces`); logical lines out (:class:`Line`).

    In HTML mode a line also ends at a ``<br>``, ``<p>``, ``<div>``, ``<pre>``... tag,
    tags and comments are dropped (also across lines), and the content of
    ``<script>`` and ``<style>`` is skipped. A physical line end always ends a line.
    """

    def __init__(self, html: bool) -> None:
        self.html = html
        self.parts: list[str] = []
        self.size = 0
        self.start: int | None = None  # the line the current logical line started on
        self.state = "text"  # or "tag", "comment", "raw"
        self.raw_end = ""  # "</script" or "</style" while in raw text

    def _add(self, number: int, text: str) -> None:
        if not text:
            return
        if self.start is None:
            self.start = number
        room = MAX_LINE - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(len(text), room)

    def _emit(self, number: int, ended: bool = True) -> Iterator[Line]:
        if self.parts:
            text = clean("".join(self.parts))
            start = self.start if self.start is not None else number
            self.parts, self.size, self.start = [], 0, None
            if text:
                stripped = unquote(text)
                if stripped:
                    yield Line(start, stripped, len(text), ended)
        self.start = None

    def feed(self, number: int, piece: str, ends: bool) -> Iterator[Line]:
        """The logical lines that ``piece`` of physical line ``number`` completes."""
        if self.html:
            yield from self._markup(number, piece)
        else:
            self._add(number, piece)
        if ends:
            yield from self._emit(number)

    def close(self, number: int) -> Iterator[Line]:
        """The end of the file: what is left is a line that may have been cut."""
        yield from self._emit(number, ended=False)

    def _markup(self, number: int, piece: str) -> Iterator[Line]:
        pos, size = 0, len(piece)
        lower: str | None = None
        while pos < size:
            if self.state == "comment":
                end = piece.find("-->", pos)
                if end < 0:
                    return
                pos, self.state = end + 3, "text"
            elif self.state == "tag":
                end = piece.find(">", pos)
                if end < 0:
                    return
                pos, self.state = end + 1, "raw" if self.raw_end else "text"
            elif self.state == "raw":
                lower = piece.lower() if lower is None else lower
                end = lower.find(self.raw_end, pos)
                if end < 0:
                    return
                pos, self.state, self.raw_end = end, "text", ""
            else:
                end = piece.find("<", pos)
                if end < 0:
                    self._add(number, piece[pos:])
                    return
                self._add(number, piece[pos:end])
                pos = yield from self._tag(number, piece, end)

    def _tag(self, number: int, piece: str, at: int) -> Generator[Line, None, int]:
        """Read the tag that may start at ``at``; return where text goes on."""
        if piece.startswith("<!--", at):
            self.state = "comment"
            return at + 4
        if piece.startswith(("<!", "<?"), at):  # <!DOCTYPE ...>, <![if ...]>, <?xml ...?>
            self.state = "tag"
            return at + 2
        name = _TAG_NAME.match(piece, at + 1)
        word = name[1].lower() if name else ""
        if not (word in _BREAKS or word in _INLINE or word in _RAW_TEXT or ":" in word):
            self._add(number, "<")  # "<user@contoso.com>" in a page is text
            return at + 1
        assert name is not None
        if word in _BREAKS:
            yield from self._emit(number)
        elif word in ("td", "th"):
            self._add(number, " ")
        if word in _RAW_TEXT and not name[0].startswith("/"):
            self.raw_end = "</" + word
        self.state = "tag"
        return name.end()


def pieces(stream: TextIO) -> Iterator[tuple[int, str, bool]]:
    """(line number, piece, whether the piece ends the line): lines read at most
    :data:`PIECE` characters at a time, so one endless line never sits whole in memory."""
    number = 1
    while True:
        piece = stream.readline(PIECE)
        if not piece:
            return
        ends = piece.endswith("\n")
        yield number, piece[:-1] if ends else piece, ends
        if ends:
            number += 1


def logical_lines(stream: TextIO, html: bool) -> Iterator[Line]:
    """Every logical line of ``stream`` (universal newlines), in order."""
    if html:
        unpaster = Unpaster(html)
        number = 1
        for number, piece, ends in pieces(stream):
            yield from unpaster.feed(number, piece, ends)
        yield from unpaster.close(number)
        return
    # Plain text, the common case: one physical line is one logical line.
    readline, new = stream.readline, tuple.__new__  # Line(...) costs a call more
    number = 0
    start: str | None = None  # the first characters of a line longer than one piece
    ended = True
    while True:
        piece = readline(PIECE)
        if not piece:
            if start is None:
                return
            text, start, ended = start, None, False
        elif piece[-1] != "\n":
            start = piece[:MAX_LINE] if start is None else start + piece[: MAX_LINE - len(start)]
            continue
        elif start is None:
            text = piece[:-1]
        else:
            text, start = start + piece[:-1][: MAX_LINE - len(start)], None
        number += 1
        if len(text) > MAX_LINE:
            text = text[:MAX_LINE]
        text = clean(text)
        if text:
            stripped = text.lstrip(" >")
            if stripped:
                yield new(Line, (number, stripped, len(text), ended))
