"""Events pasted from Event Viewer as labelled blocks, in any language of :mod:`.labels`.

Both Event Viewer copies are blocks of ``Label: value`` lines, then
``Description:`` and its free text, then an optional section (the classic
viewer's ``Data:`` hex dump, Vista's ``Event Xml:``). A :class:`Layout` says
which labels a copy uses; :func:`read` walks the lines once, so a file costs
time in proportion to its size however its lines are made.

A paste can be cut anywhere. The last event is left out, with a warning, when
the file ends before its description, or, in a layout whose events end with
their XML, inside that XML or before it when the events before it had one.
A paste cut inside its last description cannot be told from a whole one: that
event's header is whole and it is counted; facts read from message text need
their whole sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ...i18n import msg
from ..base import Head
from ..textfile import open_text
from .collect import Collector, Event, TextBuffer, capped_lines
from .labels import split


@dataclass(frozen=True)
class Layout:
    """One copy's labels and shape; it is a format of the event-log reader (detect, read)."""

    labels: Mapping[str, str]  # label key -> field, every language (labels.CLASSIC, .DETAILS)
    opener: str  # the field each event's block opens with
    starters: frozenset[str]  # fields that may open the first block when its opener is missing
    xml_tail: bool  # the section after the description is the event's XML, ``</Event>`` last

    def detect(self, head: Head) -> bool:
        """The opener's label near the top, and another of the layout's labels after it
        (an event ID, or, in a paste cut that early, the label that follows the opener)."""
        lines = [line for line in head.lines[:60] if line.strip()][:10]
        if not any(_field(line, self) == self.opener for line in lines):
            return False
        return any(_field(line, self) not in (None, self.opener) for line in head.lines)

    def read(self, path: Path, sink: Collector) -> None:
        read(path, sink, self)


def _field(line: str, layout: Layout) -> str | None:
    found = split(line, layout.labels)
    return found[0] if found else None


@dataclass
class _Block:
    """The event being read and where its lines go next."""

    event: Event
    seen: set[str] = field(default_factory=set)
    mode: str = "header"  # then "description", then "tail"
    date: str = ""
    clock: str = ""
    description: TextBuffer | None = None
    closed: bool = False  # its XML has reached ``</Event>``

    def finish(self) -> Event:
        self.event.time = " ".join(part for part in (self.date, self.clock) if part) or None
        if self.description is not None:
            self.event.message = self.description.lines()
        return self.event


def read(path: Path, sink: Collector, layout: Layout) -> None:
    block: _Block | None = None
    number = 0
    with_xml = 0  # whole events whose XML came after their description
    with open_text(path) as stream:
        for line_no, line, _ended in capped_lines(stream):
            found = split(line, layout.labels)
            label, value = found if found else (None, "")
            if block is not None and block.mode == "description" and label != layout.opener:
                if label == "tail" and not value:
                    block.mode = "tail"
                elif layout.xml_tail and line.lstrip().startswith("<Event"):
                    block.mode = "tail"  # the XML, its label in a language not known here
                    block.closed = line.rstrip().endswith("</Event>")
                elif block.description is not None:
                    block.description.add(line.rstrip())
                continue
            if block is not None and block.mode == "tail" and layout.xml_tail and not block.closed:
                block.closed = line.rstrip().endswith("</Event>")
                if label != layout.opener:
                    continue
            if label is None:
                continue  # hex dump, XML, blank line, or text around the events
            if _opens_event(block, label, layout):
                if block is not None:
                    with_xml += block.mode == "tail" and layout.xml_tail
                    sink.add(block.finish())
                number += 1
                block = _Block(Event(number, line_no))
            if block is not None:
                _set(block, label, value)
    if block is not None:
        _last(block, sink, layout, with_xml)


def _last(block: _Block, sink: Collector, layout: Layout, with_xml: int) -> None:
    """Count the last event if it is whole; leave it out, and say so, if it is cut."""
    if block.mode == "header":
        cut_before_description(sink, block.event)
    elif layout.xml_tail and not block.closed and (block.mode == "tail" or with_xml):
        reason = msg(
            "truncated: the file ends inside event {number}, before the end of its XML",
            number=block.event.number,
        )
        where = ("before the end of its XML", "avant la fin de son XML")
        sink.cut(block.event.number, block.event.line, reason, where)
    else:
        sink.add(block.finish())


def cut_before_description(sink: Collector, event: Event) -> None:
    """The file ends in ``event``'s labelled lines: leave it out, and say so."""
    reason = msg(
        "truncated: the file ends inside event {number}, before its description",
        number=event.number,
    )
    where = ("before its description", "avant sa description")
    sink.cut(event.number, event.line, reason, where)


def _opens_event(block: _Block | None, label: str, layout: Layout) -> bool:
    if block is None:
        return label in layout.starters
    return label == layout.opener or (label in block.seen and block.mode != "description")


def _set(block: _Block, label: str, value: str) -> None:
    block.seen.add(label)
    event = block.event
    if label == "level":
        event.level = value or None
    elif label == "source":
        event.source = value
    elif label == "id":
        event.id = value
    elif label == "date":
        block.date = value
    elif label == "time":
        block.clock = value
    elif label == "user":
        event.user = value or None
    elif label == "computer":
        event.computer = value or None
    elif label == "description":
        block.mode = "description"
        block.description = TextBuffer()
        if value:
            block.description.add(value)
    elif label == "tail":
        block.mode = "tail"
