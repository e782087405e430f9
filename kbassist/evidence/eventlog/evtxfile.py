"""Binary ``.evtx`` logs, read through the ``evtx`` package.

An .evtx file stores no message text: only the provider, the event id (with
its Qualifiers), the time, the computer, the user SID and the insertion
strings. The container is checked here first (header checksum, whole chunks)
because the parser silently skips a partial last chunk, and a file cut short
should say so rather than look like a shorter log.
"""

from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from evtx import PyEvtxParser

from ...i18n import Message, msg
from ..base import ArtifactError, Head
from .collect import MAX_STRINGS, Collector, Event

MAGIC = b"ElfFile\x00"
CHUNK_SIZE = 65536
_HEADER_FIELDS = 128


def detect(head: Head) -> bool:
    return head.data.startswith(MAGIC)


def read(path: Path, sink: Collector) -> None:
    file = str(path)
    _check_container(file, path)
    try:
        parser = PyEvtxParser(file, number_of_threads=1)
        for position, record in enumerate(parser.records_json(), 1):
            # evtx's stub types __next__ as Optional (pyo3's Option<...>), but a None
            # there is the end of the iteration: no record is ever None.
            sink.add(_event(position, record))  # type: ignore[arg-type]
    except (RuntimeError, OSError, ValueError) as exc:
        raise ArtifactError(file, msg("corrupt .evtx: {error}", error=_first_line(exc))) from None
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":  # a Rust panic surfaces as BaseException
            raise
        raise ArtifactError(file, msg("corrupt .evtx: the evtx parser could not read it")) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__


def _check_container(file: str, path: Path) -> None:
    """One clear error for a file cut short or a damaged header."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        header = handle.read(_HEADER_FIELDS)
    if len(header) < _HEADER_FIELDS:
        raise ArtifactError(file, _short_header(len(header)))
    (stored,) = struct.unpack_from("<I", header, 124)
    if zlib.crc32(header[:120]) != stored:
        raise ArtifactError(file, msg("corrupt .evtx: the file header checksum does not match"))
    block, declared = struct.unpack_from("<HH", header, 40)
    if size < block:
        raise ArtifactError(file, _short_header(size))
    chunks, partial = divmod(size - block, CHUNK_SIZE)
    if partial:
        raise ArtifactError(
            file,
            msg(
                "truncated .evtx: the last chunk has {size} of {full} bytes",
                size=partial,
                full=CHUNK_SIZE,
            ),
        )
    if declared > chunks:
        raise ArtifactError(
            file,
            msg(
                "truncated .evtx: the header lists {declared} chunks, the file holds {chunks}",
                declared=declared,
                chunks=chunks,
            ),
        )


def _short_header(size: int) -> Message:
    return msg("truncated .evtx: the file header has only {size} bytes", size=size)


def _event(position: int, record: dict[str, Any]) -> Event:
    try:
        data = json.loads(record["data"])
    except (KeyError, TypeError, ValueError):
        data = None
    root = data.get("Event") if isinstance(data, dict) else None
    root = root if isinstance(root, dict) else {}
    system = _dict(root.get("System"))
    provider = _attributes(system.get("Provider"))
    raw_id = system.get("EventID")
    time = _attributes(system.get("TimeCreated")).get("SystemTime") or record.get("timestamp")
    return Event(
        position,
        None,
        source=_str(provider.get("Name") or provider.get("EventSourceName")),
        id=_str(_text(raw_id)),
        qualifiers=_str(_attributes(raw_id).get("Qualifiers")),
        level=_str(_text(system.get("Level"))),
        time=_str(time),
        computer=_str(_text(system.get("Computer"))),
        user=_str(_attributes(system.get("Security")).get("UserID")),
        strings=_strings(root),
        record=record.get("event_record_id"),
    )


def _strings(root: dict[str, Any]) -> list[str]:
    """Insertion strings: EventData's Data values (named or not), else UserData's leaves."""
    data = root.get("EventData")
    if isinstance(data, dict):
        items = [value for key, value in data.items() if key not in ("#attributes", "Binary")]
    elif "UserData" in root:
        items = [root.get("UserData")]
    else:
        items = []
    strings: list[str] = []
    for item in items:
        strings.extend(_leaves(item))
    return strings[:MAX_STRINGS]


def _leaves(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key != "#attributes":
                yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    else:
        yield "" if node is None else str(node)


def _dict(node: Any) -> dict[str, Any]:
    return node if isinstance(node, dict) else {}


def _attributes(node: Any) -> dict[str, Any]:
    return _dict(_dict(node).get("#attributes"))


def _text(node: Any) -> Any:
    return node.get("#text") if isinstance(node, dict) else node


def _str(value: Any) -> str | None:
    return None if value is None or isinstance(value, dict | list) else str(value)
