"""Events from ``wevtutil qe LOG /f:xml``: ``<Event>`` after ``<Event>``, no root element.

The file comes from the user, so it is parsed defensively: expat is fed the
text in pieces (memory stays flat whatever the size), a synthetic root makes
the stream one document, and any DOCTYPE or entity declaration is refused
before it can define anything, so no entity is ever expanded or fetched.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NoReturn
from xml.parsers import expat

from ...i18n import Message, msg
from ..base import ArtifactError, Head
from ..textfile import open_text
from .collect import MAX_STRINGS, Collector, Event, TextBuffer

NAMESPACE = "http://schemas.microsoft.com/win/2004/08/events/event"
_ROOT = "kbassist-event-stream"
_READ = 65536
_PROLOG_CAP = 1 << 20
_EVENT_TAG = re.compile(r"<(?:[\w.-]+:)?Event\b[^>]*" + re.escape(NAMESPACE))
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
        self._attributes(tuple(self.path), attrs)

    def _attributes(self, path: tuple[str, ...], attrs: dict[str, str]) -> None:
        event = self.event
        assert event is not None
        if path == ("System", "Provider"):
            event.source = attrs.get("Name") or attrs.get("EventSourceName")
        elif path == ("System", "EventID"):
            event.qualifiers = attrs.get("Qualifiers")
        elif path == ("System", "TimeCreated"):
            event.time = attrs.get("SystemTime")
        elif path == ("System", "Security"):
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
        path = tuple(self.path)
        value = self.texts.pop().text()
        leaf = self.leaf.pop()
        self.path.pop()
        self._content(path, value, leaf)

    def _content(self, path: tuple[str, ...], value: str, leaf: bool) -> None:
        event = self.event
        assert event is not None
        strings = event.strings
        if path == ("System", "EventID"):
            event.id = value
        elif path == ("System", "Level"):
            event.level = value
        elif path == ("System", "Computer"):
            event.computer = value or None
        elif path == ("RenderingInfo", "Message"):
            event.message = value.replace("\r\n", "\n").replace("\r", "\n").strip()
        elif path == ("RenderingInfo", "Level"):
            self.rendered_level = value.strip() or None
        elif _is_string(path, leaf) and len(strings) < MAX_STRINGS:
            strings.append(value)


def _is_string(path: tuple[str, ...], leaf: bool) -> bool:
    """Insertion strings: each EventData/Data, or each leaf under a UserData element."""
    return path == ("EventData", "Data") or (path[0] == "UserData" and len(path) > 2 and leaf)


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


def read(path: Path, sink: Collector) -> None:
    file = str(path)
    parser, handler = _parser(file, sink)
    try:
        with open_text(path) as stream:
            start = stream.read(_READ).lstrip("\ufeff")
            while not _FIRST_ELEMENT.search(start) and len(start) < _PROLOG_CAP:
                more = stream.read(_READ)
                if not more:
                    break
                start += more
            parser.Parse(_with_root(start), False)
            while chunk := stream.read(_READ):
                parser.Parse(chunk, False)
        _check_closed(file, handler)
        parser.Parse(f"</{_ROOT}>", True)
    except expat.ExpatError as exc:
        message = expat.errors.messages.get(exc.code, "not well-formed")
        raise ArtifactError(file, msg("XML error: {error}", error=message), exc.lineno) from None


def _check_closed(file: str, handler: _Handler) -> None:
    if handler.event is not None:
        raise ArtifactError(file, msg("truncated XML: <Event> not closed"), handler.event.line)
    if len(handler.outer) > 1:
        message = msg("truncated XML: <{element}> not closed", element=handler.outer[-1])
        raise ArtifactError(file, message, handler.line)
