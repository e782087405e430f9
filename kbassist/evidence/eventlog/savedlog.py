"""Events saved from the classic Event Viewer (Windows 2000 to 2003), "Save Log File As".

"Text (Comma delimited)" (``.csv``) and "Text (Tab delimited)" (``.txt``)
have no header: one event per line, its fields in the order Microsoft
documents for archived logs (Date, Time, Source, Type, Category, Event, User,
Computer, Description), in the ANSI code page, with the type and category
names of the Windows that saved it (``Erreur``, ``Avertissement``...). A file
with the type before the source is read too: the column holding a known type
name (:mod:`.labels`) says which. The description is the rest of the line,
delimiters included, or a quoted field; a line that does not start as an
event does (a date, a time) goes on the description before it.

Event Viewer ends every line with a line end, so the last event is cut, and
left out with a warning, when the file ends before its line end, inside a
quoted description, or with fewer than nine fields.
"""

from __future__ import annotations

import re
from pathlib import Path

from ...i18n import msg
from ..base import ArtifactError, Head
from ..textfile import open_text
from .collect import FIELD_CAP, Collector, Event, TextBuffer, capped_lines
from .csvexport import cut_row
from .delimited import Row
from .labels import TYPES, key

_COLUMNS = 9
_DATE = re.compile(r"\d{1,4}([./-])\d{1,2}\1\d{1,4}\.?")
_TIME = re.compile(r"\D{0,8}\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\D{0,8}")
_NUMBER = re.compile(r"\d{1,10}")


def _starts_event(fields: list[str]) -> bool:
    """A date, then a time: how every event's line begins (in any locale's format)."""
    return (
        len(fields) >= 2
        and _DATE.fullmatch(fields[0].strip()) is not None
        and _TIME.fullmatch(fields[1].strip()) is not None
    )


def _delimiter(first: str) -> str | None:
    """Tab or comma: the one that splits the first line into an event's nine fields."""
    for delimiter in ("\t", ","):
        fields = first.split(delimiter, _COLUMNS - 1)
        if (
            len(fields) == _COLUMNS
            and _starts_event(fields)
            and _NUMBER.fullmatch(fields[5].strip()) is not None
            and fields[2].strip()
            and fields[3].strip()
        ):
            return delimiter
    return None


def detect(head: Head) -> bool:
    """The first line is an event's: date, time, source, type, category, number..."""
    first = next((line for line in head.lines if line.strip()), "")
    return _delimiter(first.lstrip("\ufeff")) is not None


def read(path: Path, sink: Collector) -> None:
    file = str(path)
    delimiter: str | None = None
    pending: Row | None = None  # the event read last, for the lines that continue it
    text = TextBuffer()  # its description, kept up to FIELD_CAP characters
    continued = False  # a line that is not an event's went on it
    with open_text(path) as stream:
        for line, content, ended in capped_lines(stream):
            if not content.strip():
                if pending is not None:
                    text.add(content)  # a blank line inside a description; stripped at its end
                continue
            if delimiter is None:
                content = content.lstrip("\ufeff")
                delimiter = _delimiter(content) or ","
            fields = [_unquoted(cell) for cell in content.split(delimiter, _COLUMNS - 1)]
            if _starts_event(fields):
                if pending is not None:
                    _flush(file, sink, pending, text, continued)
                pending, text, continued = (
                    Row(line, content, fields, len(fields), ended),
                    TextBuffer(),
                    False,
                )
                text.add(fields[-1])
            elif pending is None:
                message = msg("the line does not start with an event's date and time")
                raise ArtifactError(file, message, line)
            else:
                text.add(content)  # the description goes on over a line break
                continued, pending.ended = True, ended
    if pending is not None:
        _flush(file, sink, pending, text, continued, last=True)


def _flush(
    file: str, sink: Collector, row: Row, text: TextBuffer, continued: bool, last: bool = False
) -> None:
    """Count the event of ``row`` (and the lines that continue it), or say why not."""
    description = ""
    if row.count == _COLUMNS:
        description, row.open_quote = _description(text.lines())
    elif not last or continued:  # only the very last line may be short: it is cut
        message = msg(
            "the line has {count} fields, expected {expected}",
            count=row.count,
            expected=_COLUMNS,
        )
        raise ArtifactError(file, message, row.line)
    if last and cut_row(sink, row, True, _COLUMNS):
        return
    sink.add(_event(sink.seen + 1, row, description))


def _unquoted(cell: str) -> str:
    """A field as written, or the text of a quoted one."""
    if len(cell) >= 2 and cell[0] == '"' == cell[-1]:
        return cell[1:-1].replace('""', '"')
    return cell


def _description(text: str) -> tuple[str, bool]:
    """The description's text, and whether it opens a quote it never closes.

    Event Viewer writes it as it is; a description quoted as CSV quotes it (and may
    run over several lines) is read for its text.
    """
    if not text.startswith('"'):
        return text, False
    body = text.rstrip()[1:]
    quotes = len(body) - len(body.rstrip('"'))
    if quotes % 2 == 0:
        return text, True
    return body[:-1].replace('""', '"'), False


def _event(number: int, row: Row, text: str) -> Event:
    date, time, source, level, _category, event_id, user, computer, _ = row.fields
    if key(level) not in TYPES and key(source) in TYPES:  # the type first, then the source
        source, level = level, source
    return Event(
        number,
        row.line,
        source=source.strip(),
        id=event_id,
        level=level.strip() or None,
        time=" ".join(part for part in (date.strip(), time.strip()) if part) or None,
        user=user.strip() or None,
        computer=computer.strip() or None,
        message=text[:FIELD_CAP].strip(),
    )
