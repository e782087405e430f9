"""Events saved as CSV from Event Viewer.

The header names five columns; every row carries the message as a sixth,
unlabelled one, quoted when it holds commas, quotes or line breaks. Headers
come in the language of the Windows that saved the file (English or French).
"""

from __future__ import annotations

import csv
from pathlib import Path

from ...i18n import msg
from ..base import ArtifactError, Head
from ..textfile import open_text
from .collect import FIELD_CAP, Collector, Event

_HEADERS = {
    ("level", "date and time", "source", "event id", "task category"),
    ("niveau", "date et heure", "source", "id de l'événement", "catégorie de la tâche"),
}
_COLUMNS = 6


def _is_header(row: list[str]) -> bool:
    cells = tuple(cell.strip().replace("’", "'").casefold() for cell in row[:5])
    return len(row) in (5, 6) and cells in _HEADERS


def detect(head: Head) -> bool:
    """The first line is one of the known headers."""
    first = head.first_line().lstrip("\ufeff")
    try:
        row = next(csv.reader([first]), [])
    except csv.Error:
        return False
    return _is_header(row)


def read(path: Path, sink: Collector) -> None:
    file = str(path)
    with open_text(path) as stream:
        reader = csv.reader(stream, strict=True)
        end = 0
        try:
            for row in reader:
                start, end = end + 1, reader.line_num
                if not any(cell.strip() for cell in row) or _is_header(row):
                    continue
                if len(row) != _COLUMNS:
                    message = msg(
                        "CSV row has {count} columns, expected {expected}",
                        count=len(row),
                        expected=_COLUMNS,
                    )
                    raise ArtifactError(file, message, start)
                sink.add(_event(sink.seen + 1, start, row))
        except csv.Error as exc:
            raise ArtifactError(
                file, msg("CSV error: {error}", error=str(exc)), reader.line_num
            ) from None


def _event(number: int, line: int, row: list[str]) -> Event:
    level, time, source, event_id, _category, message = row
    return Event(
        number,
        line,
        source=source.strip(),
        id=event_id,
        level=level.strip() or None,
        time=time.strip() or None,
        message=message[:FIELD_CAP].strip(),
    )
