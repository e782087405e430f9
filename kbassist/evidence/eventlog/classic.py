"""Events copied from the classic Event Viewer (Windows 2000 to 2003).

Each event is a block of labelled lines (``Event Type:``, ``Event Source:``,
``Event ID:``...), then ``Description:`` and its free text, then an optional
``Data:`` hex dump. Dates follow the machine's locale, so they are kept as
found: "2-3-2006" may be 2 March or 3 February.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..base import Head
from ..textfile import numbered_lines, open_text
from .collect import Collector, Event, TextBuffer

_LABELS = "Event Type|Event Source|Event Category|Event ID|Date|Time|User|Computer|Description|Data"
_FIELD = re.compile(rf"^\s*({_LABELS})\s*:\s*(.*?)\s*$")
_STARTERS = {"Event Type", "Event Source", "Event ID"}  # labels that can open a first event


def detect(head: Head) -> bool:
    """An ``Event Type:`` line near the top and an ``Event ID:`` line in the head."""
    lines = [line for line in head.lines[:60] if line.strip()][:10]
    typed = any(_label(line) == "Event Type" for line in lines)
    return typed and any(_label(line) == "Event ID" for line in head.lines)


def _label(line: str) -> str | None:
    found = _FIELD.match(line)
    return found.group(1) if found else None


@dataclass
class _Block:
    """The event being read and where its lines go next."""

    event: Event
    seen: set[str] = field(default_factory=set)
    mode: str = "header"  # then "description", then "data"
    date: str = ""
    clock: str = ""
    description: TextBuffer | None = None

    def finish(self) -> Event:
        self.event.time = " ".join(part for part in (self.date, self.clock) if part) or None
        if self.description is not None:
            self.event.message = self.description.lines()
        return self.event


def read(path: Path, sink: Collector) -> None:
    block: _Block | None = None
    number = 0
    with open_text(path) as stream:
        for line_no, line in numbered_lines(stream):
            found = _FIELD.match(line)
            label, value = (found.group(1), found.group(2)) if found else (None, "")
            text = block.description if block is not None and block.mode == "description" else None
            if text is not None and not _ends_text(label, value):
                text.add(line.rstrip())
                continue
            if label is None:
                continue  # hex dump, blank line, or text around the events
            if _opens_event(block, label):
                if block is not None:
                    sink.add(block.finish())
                number += 1
                block = _Block(Event(number, line_no))
            if block is not None:
                _set(block, label, value)
    if block is not None:
        sink.add(block.finish())


def _ends_text(label: str | None, value: str) -> bool:
    """The description runs until a bare ``Data:`` line or the next event."""
    return label == "Event Type" or (label == "Data" and not value)


def _opens_event(block: _Block | None, label: str) -> bool:
    if block is None:
        return label in _STARTERS
    return label == "Event Type" or (label in block.seen and block.mode != "description")


def _set(block: _Block, label: str, value: str) -> None:
    block.seen.add(label)
    event = block.event
    if label == "Event Type":
        event.level = value or None
    elif label == "Event Source":
        event.source = value
    elif label == "Event ID":
        event.id = value
    elif label == "Date":
        block.date = value
    elif label == "Time":
        block.clock = value
    elif label == "User":
        event.user = value or None
    elif label == "Computer":
        event.computer = value or None
    elif label == "Description":
        block.mode = "description"
        block.description = TextBuffer()
        if value:
            block.description.add(value)
    elif label == "Data":
        block.mode = "data"
