"""The child process that runs the ``evtx`` parser (evtx-rs) on one chunk at a time.

evtx-rs has looped forever and allocated without bound on damaged BinXML
(omerbenamram/evtx pull requests 263, 264 and 288, issues 290 to 292), and
neither a loop nor an aborted allocation can be caught in the process that
runs it: so :mod:`.evtxfile` runs the parser here, in a process of its own
with a memory limit, and gives up on a chunk that takes too long.

Run as a script (``python -P evtxworker.py MAX_STRINGS MAX_CHARS MEMORY_LIMIT``,
``-P`` keeping this folder off ``sys.path``), so that it imports nothing of
kbassist. It answers one frame when ready, then one frame per chunk it is
sent. A frame is a little-endian ``u32`` length and that many bytes: a 64 KiB
chunk in, a JSON object out. The answer to a chunk holds the events read
(only the fields the reader uses, each value capped), the record ids the
parser named as unreadable, and ``failed`` when it could not read the chunk
at all. Nothing else is ever written to stdout.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import struct
import sys
import zlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

CHUNK_SIZE = 65536
FILE_HEADER_SIZE = 4096
# A record is at least 28 bytes (its header and size copy), so a chunk holds fewer
# than this many; a parser that yields more is going round in circles.
MAX_ITEMS = CHUNK_SIZE // 28 + 16

_RECORD_ERROR = re.compile(r"record number (\d+)")
Parse = Callable[[bytes], dict[str, Any]]


def single_chunk_file(chunk: bytes) -> bytes:
    """``chunk`` behind a file header of its own, so the parser reads it alone."""
    header = bytearray(FILE_HEADER_SIZE)
    header[0:8] = b"ElfFile\0"
    # first and last chunk 0, next record id, header size, version 3.1, block size, 1 chunk
    struct.pack_into("<QQQIHHHH", header, 8, 0, 0, 1, 128, 1, 3, FILE_HEADER_SIZE, 1)
    struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])))
    return bytes(header) + chunk


def chunk_parser(max_strings: int, max_chars: int) -> Parse:
    """Reads one chunk into ``{"events": [...], "errors": [...], "failed": str | None}``."""
    from evtx import PyEvtxParser  # imported here, once the script runs, never by the reader

    def parse(chunk: bytes) -> dict[str, Any]:
        events: list[dict[str, Any]] = []
        errors: list[int | None] = []
        failed: str | None = None
        try:
            # Checksums are the reader's to weigh; the parser reads what it can.
            parser = PyEvtxParser(
                io.BytesIO(single_chunk_file(chunk)), number_of_threads=1, validate_checksums=False
            )
            records = parser.records_json()
        except (RuntimeError, OSError, ValueError) as exc:
            return {"events": [], "errors": [], "failed": _first_line(exc)}
        for _ in range(MAX_ITEMS):
            try:
                record = next(records)
            except StopIteration:
                break
            except (
                BaseException
            ) as exc:  # evtx's errors are RuntimeError, its Rust panics BaseException
                if isinstance(exc, KeyboardInterrupt | SystemExit | MemoryError):
                    raise
                text = _first_line(exc)
                if "record number" not in text:  # the chunk itself: nothing more will come
                    failed = text
                    break
                found = _RECORD_ERROR.search(text)
                errors.append(int(found.group(1)) if found else None)
                continue
            events.append(event_fields(record, max_strings, max_chars))  # type: ignore[arg-type]
        else:
            failed = "the parser yields more records than a chunk can hold"
        return {"events": events, "errors": errors, "failed": failed}

    return parse


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0][:300] if lines else type(exc).__name__


def event_fields(record: dict[str, Any], max_strings: int, max_chars: int) -> dict[str, Any]:
    """What the reader keeps of one record that evtx rendered as JSON."""
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
    record_id = record.get("event_record_id")

    def text(value: Any) -> str | None:
        return None if value is None or isinstance(value, dict | list) else str(value)[:max_chars]

    return {
        "record": record_id if isinstance(record_id, int) else None,
        "source": text(provider.get("Name") or provider.get("EventSourceName")),
        "id": text(_text(raw_id)),
        "qualifiers": text(_attributes(raw_id).get("Qualifiers")),
        "level": text(_text(system.get("Level"))),
        "time": text(time),
        "computer": text(_text(system.get("Computer"))),
        "user": text(_attributes(system.get("Security")).get("UserID")),
        "strings": [s[:max_chars] for s in _strings(root, max_strings)],
    }


def _strings(root: dict[str, Any], limit: int) -> list[str]:
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
        for leaf in _leaves(item):
            if len(strings) == limit:
                return strings
            strings.append(leaf)
    return strings


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


def limit_memory(limit: int) -> None:
    """Cap this process's address space: an allocation past it fails here, not in the reader."""
    try:
        import resource
    except ImportError:  # Windows: the reader's timeout still applies
        return
    # ValueError, OSError: a lower hard limit already, or a system that refuses
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _read_exact(stream: BinaryIO, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        part = stream.read(size - len(data))
        if not part:
            return None
        data += part
    return data


def _write_frame(stream: BinaryIO, payload: dict[str, Any]) -> None:
    data = json.dumps(payload).encode("ascii")
    stream.write(struct.pack("<I", len(data)) + data)
    stream.flush()


def serve(parse: Parse, stdin: BinaryIO, stdout: BinaryIO) -> None:
    """Answer ``ready``, then each chunk on ``stdin``, until it closes."""
    _write_frame(stdout, {"ready": True})
    while (head := _read_exact(stdin, 4)) is not None:
        (size,) = struct.unpack("<I", head)
        chunk = _read_exact(stdin, size) if size <= CHUNK_SIZE else None
        if chunk is None:
            return
        _write_frame(stdout, parse(chunk))


def main(argv: list[str]) -> None:
    max_strings, max_chars, memory = (int(arg) for arg in argv)
    limit_memory(memory)
    serve(chunk_parser(max_strings, max_chars), sys.stdin.buffer, sys.stdout.buffer)


if __name__ == "__main__":
    main(sys.argv[1:])
