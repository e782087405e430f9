"""Events from ``wevtutil qe LOG /f:text``.

Each event opens with ``Event[N]:`` and indented ``Label: value`` lines; after
``Description:`` every line is message text until the next ``Event[N]:``.
An event the file ends in before its ``Description:`` line is cut: it is left
out with a warning (or, with no whole event before it, the file is refused).
"""

from __future__ import annotations

import re
from pathlib import Path

from ..base import Head
from ..textfile import open_text
from .collect import Collector, Event, TextBuffer, capped_lines
from .labelled import cut_before_description
from .labels import key, split

_START = re.compile(r"^\s*Event\[\d+\]:\s*$")
_LABELS = (
    "Log Name",
    "Source",
    "Date",
    "Event ID",
    "Task",
    "Level",
    "Opcode",
    "Keyword",
    "User",
    "User Name",
    "Computer",
    "Description",
)
_FIELDS = {key(label): label for label in _LABELS}


def detect(head: Head) -> bool:
    """``Event[0]:`` first, then an indented ``Event ID:`` line."""
    if not _START.match(head.first_line()):
        return False
    return any((_label(line) or ("",))[0] == "Event ID" for line in head.lines)


def _label(line: str) -> tuple[str, str] | None:
    """``(label, value)`` of an indented ``Label: value`` line, as wevtutil writes them."""
    if not line[:1].isspace():
        return None
    found = split(line, _FIELDS)
    return found if found else None


def read(path: Path, sink: Collector) -> None:
    event: Event | None = None
    fields: dict[str, str] = {}
    message: TextBuffer | None = None
    with open_text(path) as stream:
        for line_no, line, _ended in capped_lines(stream):
            if _START.match(line):
                if event is not None:
                    sink.add(_finish(event, fields, message))
                event, fields, message = Event(sink.seen + 1, line_no), {}, None
                continue
            if event is None:
                continue  # nothing but blank lines come before Event[0] in real output
            if message is not None:
                message.add(line.rstrip())
                continue
            found = _label(line)
            if found and found[0] == "Description":
                message = TextBuffer()
                if found[1]:
                    message.add(found[1])
            elif found:
                fields.setdefault(*found)
    if event is None:
        return
    if message is None:
        cut_before_description(sink, event)
        return
    sink.add(_finish(event, fields, message))


def _finish(event: Event, fields: dict[str, str], message: TextBuffer | None) -> Event:
    event.source = fields.get("Source")
    event.id = fields.get("Event ID")
    event.level = fields.get("Level") or None
    event.time = fields.get("Date") or None
    event.computer = fields.get("Computer") or None
    name = fields.get("User Name", "")
    event.user = name if name and name != "N/A" else fields.get("User") or None
    event.message = message.lines() if message is not None else None
    return event
