"""Events from ``wevtutil qe LOG /f:xml``: ``<Event>`` after ``<Event>``, no root element.

The file comes from the user, so it is parsed defensively: expat is fed the
text in pieces (memory stays flat whatever the size), a synthetic root makes
the stream one document, and any DOCTYPE or entity declaration is refused
before it can define anything, so no entity is ever expanded or fetched.

Time stays linear and memory bounded on hostile input too: each element costs
the same whatever its depth, nesting deeper than :data:`MAX_DEPTH` is refused
(wevtutil writes six levels or so), and so is a single tag, comment or
processing instruction longer than :data:`MAX_TOKEN` bytes, which expat
(before 2.6) would otherwise parse again from its start with every piece fed.

wevtutil writes no end marker, so a stream cut between two events reads as the
events it holds; one cut inside an event, or inside any markup, is refused.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NoReturn, TextIO
from xml.parsers import expat

from ...i18n import Message, msg
from ..base import ArtifactError, Head
from ..textfile import open_text
from .collect import MAX_STRINGS, Collector, Event, TextBuffer

NAMESPACE = "http://schemas.microsoft.com/win/2004/08/events/event"
_ROOT = "kbassist-event-stream"
_READ = 65536
_PROLOG_CAP = 1 << 20
MAX_DEPTH = 64  # elements open at once, the synthetic root included
MAX_TOKEN = 1 << 20  # bytes of one tag (with its attributes), comment or processing instruction
# An <Event ...> start tag naming the event namespace; its attributes are short.
_EVENT_TAG = re.compile(r"<(?:[\w.-]{1,64}:)?Event\b[^>]{0,512}" + re.escape(NAMESPACE))
_FIRST_ELEMENT = re.compile(r"<[^?!]")
_DECLARATION = re.compile(r"\A\s*(<\?xml\b[^>]*\?>)")


def detect(head: Head) -> bool:
    """Markup from the first character, and an ``<Event>`` in the event namespace."""
    return head.text.lstrip("\ufeff \t\r\n").startswith("<") and bool(_EVENT_TAG.search(head.text))


def _local(name: str) -> str:
    return name.rpartition(":")[2]


class _Handler:
    """Expat callbacks: one :class:`Event` at a time, handed to the collector when closed."""

    def __init__(self, file: str, sink: Collector, parser: expat.XMLParserType):
        self.file, self.sink, self.parser = file, sink, parser
        self.outer: list[str] = []  # open elements outside any event, the synthetic root first
        self.event: Event | None = None
        self.path: list[str] = []  # open elements inside the event
        self.texts: list[TextBuffer] = []
        self.leaf: list[bool] = []
        self.rendered_level: str | None = None

    def refuse(self, message: Message) -> NoReturn:
        raise ArtifactError(self.file, message, self.line)

    @property
    def line(self) -> int:
        return self.parser.CurrentLineNumber

    def start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if len(self.outer) + len(self.path) >= MAX_DEPTH:
            self.refuse(
                msg(
                    "elements nested more than {limit} deep: not an event export",
                    limit=MAX_DEPTH,
                )
            )
        if self.event is None:
            if local == "Event" and self.outer:
                self.event = Event(self.sink.seen + 1, self.line)
                self.rendered_level = None
            else:
                self.outer.append(local)
            return
        if self.leaf:
            self.leaf[-1] = False
        self.path.append(local)
        self.texts.append(TextBuffer())
        self.leaf.append(True)
        if len(self.path) == 2 and self.path[0] == "System":
            self._attributes(local, attrs)

    def _attributes(self, element: str, attrs: dict[str, str]) -> None:
        """The attributes of ``System/<element>``."""
        event = self.event
        assert event is not None
        if element == "Provider":
            event.source = attrs.get("Name") or attrs.get("EventSourceName")
        elif element == "EventID":
            event.qualifiers = attrs.get("Qualifiers")
        elif element == "TimeCreated":
            event.time = attrs.get("SystemTime")
        elif element == "Security":
            event.user = attrs.get("UserID")

    def text(self, data: str) -> None:
        if self.texts:
            self.texts[-1].add(data)

    def end(self, name: str) -> None:
        if self.event is None:
            self.outer.pop()
            return
        if not self.path:
            event, self.event = self.event, None
            if self.rendered_level:
                event.level = self.rendered_level
            self.sink.add(event)
            return
        # Only the first two levels name what an element is: no copy of the whole path.
        path = self.path
        depth = len(path)
        where = (path[0], path[1]) if depth == 2 else None
        value = self.texts.pop().text()
        leaf = self.leaf.pop()
        string = where == ("EventData", "Data") or (path[0] == "UserData" and depth > 2 and leaf)
        path.pop()
        self._content(where, string, value)

    def _content(self, where: tuple[str, str] | None, string: bool, value: str) -> None:
        """An element's text; ``string``: an insertion string (EventData/Data, a UserData leaf)."""
        event = self.event
        assert event is not None
        strings = event.strings
        if where == ("System", "EventID"):
            event.id = value
        elif where == ("System", "Level"):
            event.level = value
        elif where == ("System", "Computer"):
            event.computer = value or None
        elif where == ("RenderingInfo", "Message"):
            event.message = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        elif where == ("RenderingInfo", "Level"):
            self.rendered_level = value.strip() or None
        elif string and len(strings) < MAX_STRINGS:
            strings.append(value)


def _parser(file: str, sink: Collector) -> tuple[expat.XMLParserType, _Handler]:
    parser = expat.ParserCreate()
    handler = _Handler(file, sink, parser)
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.text
    parser.StartDoctypeDeclHandler = lambda *_: handler.refuse(
        msg("a DOCTYPE is not allowed in an event export")
    )
    parser.EntityDeclHandler = lambda *_: handler.refuse(
        msg("an entity declaration is not allowed in an event export")
    )
    parser.ExternalEntityRefHandler = lambda *_: handler.refuse(
        msg("an external entity is not allowed in an event export")
    )
    return parser, handler


def _with_root(start: str) -> str:
    """``start`` (the whole prolog and more) with the XML declaration blanked, root opened."""
    declared = _DECLARATION.match(start)
    if declared:
        blank = re.sub(r"[^\n]", " ", declared.group(1))
        start = start[: declared.start(1)] + blank + start[declared.end(1) :]
    first = _FIRST_ELEMENT.search(start)
    cut = first.start() if first else len(start)
    return f"{start[:cut]}<{_ROOT}>{start[cut:]}"


def _prolog(stream: TextIO) -> str:
    """The text up to the first element (at most about :data:`_PROLOG_CAP`), and a little more."""
    pieces = [stream.read(_READ).lstrip("\ufeff")]
    size = len(pieces[0])
    found = bool(_FIRST_ELEMENT.search(pieces[0]))
    while not found and size < _PROLOG_CAP:
        more = stream.read(_READ)
        if not more:
            break
        # Look only at the new piece, and the one character before it a match could start at.
        found = bool(_FIRST_ELEMENT.search(pieces[-1][-1:] + more))
        pieces.append(more)
        size += len(more)
    return "".join(pieces)


def read(path: Path, sink: Collector) -> None:
    file = str(path)
    parser, handler = _parser(file, sink)
    fed = 0  # bytes given to expat; it reports how far it got in the same bytes

    def feed(text: str, final: bool = False) -> None:
        nonlocal fed
        data = text.encode("utf-8")
        fed += len(data)
        parser.Parse(data, final)
        if fed - parser.CurrentByteIndex > MAX_TOKEN:  # one token still open after that much
            handler.refuse(
                msg(
                    "a tag, comment or processing instruction longer than {limit} bytes: "
                    "not an event export",
                    limit=MAX_TOKEN,
                )
            )

    try:
        with open_text(path) as stream:
            feed(_with_root(_prolog(stream)))
            while chunk := stream.read(_READ):
                feed(chunk)
        _check_closed(file, handler)
    except expat.ExpatError as exc:
        raise ArtifactError(file, _expat_message(exc), exc.lineno) from None
    try:
        feed(f"</{_ROOT}>", final=True)
    except expat.ExpatError as exc:
        # Every element was closed, so what is left open is markup cut in the middle.
        message = msg(
            "truncated XML: the file ends inside a tag, comment or declaration ({error})",
            error=_expat_message(exc),
        )
        raise ArtifactError(file, message, exc.lineno) from None


def _expat_message(exc: expat.ExpatError) -> Message:
    return msg("XML error: {error}", error=expat.errors.messages.get(exc.code, "not well-formed"))


def _check_closed(file: str, handler: _Handler) -> None:
    if handler.event is not None:
        raise ArtifactError(file, msg("truncated XML: <Event> not closed"), handler.event.line)
    if len(handler.outer) > 1:
        message = msg("truncated XML: <{element}> not closed", element=handler.outer[-1])
        raise ArtifactError(file, message, handler.line)
