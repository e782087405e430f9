"""Events saved as CSV from Event Viewer on Vista and later ("Save All Events As").

The header names five columns; every row carries the message as a sixth,
unlabelled one, quoted when it holds commas, quotes or line breaks. Headers
come in the language of the Windows that saved the file (:mod:`.labels`).

Event Viewer ends every row with a line end. So the last row is cut, and
left out with a warning, when the file ends inside its quoted message, before
its line end, or with fewer than six columns; a row with the wrong number of
columns anywhere else makes the file malformed. With no whole row before the
cut one, the file is refused as truncated.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ...i18n import msg
from ..base import ArtifactError, Head
from ..textfile import open_text
from .collect import Collector, Event
from .delimited import Row, rows
from .labels import CSV_HEADERS, key

_COLUMNS = 6


def _is_header(row: list[str]) -> bool:
    return len(row) in (5, 6) and tuple(key(cell) for cell in row[:5]) in CSV_HEADERS


def detect(head: Head) -> bool:
    """The first line is one of the known headers."""
    first = head.first_line().lstrip("\ufeff")
    return _is_header([cell.strip().strip('"') for cell in first.split(",")])


def with_last(found: Iterator[Row]) -> Iterator[tuple[Row, bool]]:
    """Each row, and whether it is the file's last."""
    previous: Row | None = None
    for row in found:
        if previous is not None:
            yield previous, False
        previous = row
    if previous is not None:
        yield previous, True


def cut_row(sink: Collector, row: Row, last: bool, columns: int) -> bool:
    """Leave out a last row that the file cuts, and say where; False for a whole row."""
    number = sink.seen + 1
    if row.open_quote:
        reason = msg(
            "truncated: the file ends inside the quoted text of event {number}", number=number
        )
        where = ("inside its quoted text", "dans son texte entre guillemets")
    elif not row.ended:
        reason = msg(
            "truncated: the file ends inside event {number}, before its line end", number=number
        )
        where = ("before the end of its line", "avant la fin de sa ligne")
    elif last and row.count < columns:
        reason = msg(
            "truncated: the last row has {count} of {expected} columns",
            count=row.count,
            expected=columns,
        )
        where = (
            f"after {row.count} of its {columns} columns",
            f"après {row.count} de ses {columns} colonnes",
        )
    else:
        return False
    sink.cut(number, row.line, reason, where)
    return True


def read(path: Path, sink: Collector) -> None:
    file = str(path)
    with open_text(path) as stream:
        for row, last in with_last(rows(stream, ",")):
            if row.blank() or _is_header(row.fields):
                continue
            if cut_row(sink, row, last, _COLUMNS):
                continue
            if row.stray is not None:
                message = msg("CSV error: text after the closing quote of a field")
                raise ArtifactError(file, message, row.stray)
            if row.count != _COLUMNS:
                message = msg(
                    "CSV row has {count} columns, expected {expected}",
                    count=row.count,
                    expected=_COLUMNS,
                )
                raise ArtifactError(file, message, row.line)
            sink.add(_event(sink.seen + 1, row.line, row.fields))


def _event(number: int, line: int, row: list[str]) -> Event:
    level, time, source, event_id, _category, message = row
    return Event(
        number,
        line,
        source=source.strip(),
        id=event_id,
        level=level.strip() or None,
        time=time.strip() or None,
        message=message.strip(),
    )
