"""A test-only writer of binary ``.evt`` files, byte for byte as the event log service writes them.

:class:`EvtWriter` plays the service of Windows NT 4 to 2003 (its logic as
ReactOS's evtlib re-implements it, checked against Microsoft's "Event Log File
Format" and libyal's EVT notes): a 0x30-byte ELF_LOGFILE_HEADER, records
built like ``ReportEvent``'s (names, the SID on a DWORD boundary, strings,
data, padding, the trailing copy of the length), a 0x28-byte ELF_EOF_RECORD
after the newest record, a file that grows in 64 KiB steps up to its maximum
size and then wraps: the oldest records are overwritten, a record may be split
across the end of the file (never its 0x38-byte fixed part: fewer bytes left
are padded with 0x00000027) and so may the end-of-file record. While the log
is open (:meth:`EvtWriter.open`) the header on disk stays as it was, marked
dirty, as in a copy of a live log.
"""

from __future__ import annotations

import struct
from collections import deque
from dataclasses import dataclass, field

HEADER_SIZE = 0x30
FIXED_SIZE = 0x38
EOF_SIZE = 0x28
GRANULARITY = 0x10000
SIGNATURE = b"LfLe"
DIRTY, WRAP, LOGFULL, ARCHIVE = 0x1, 0x2, 0x4, 0x8
ERROR, WARNING, INFORMATION, AUDIT_SUCCESS, AUDIT_FAILURE = 0x1, 0x2, 0x4, 0x8, 0x10
EOF_MARK = struct.pack("<5I", EOF_SIZE, 0x11111111, 0x22222222, 0x33333333, 0x44444444)
PADDING = struct.pack("<I", 0x27)
# 2006-03-02 05:01:57 UTC, the time of the 9671 event in the mailing-list thread
THREAD_TIME = 1141275717


def event_id(code: int, severity: int = 3, customer: bool = False, facility: int = 0) -> int:
    """The 32-bit EventID a message compiler gives: severity, customer bit, facility, code."""
    return (severity << 30) | (int(customer) << 29) | (facility << 16) | code


@dataclass(frozen=True)
class EvtEvent:
    """One ``ReportEvent`` call: what the source passes, and the machine it runs on."""

    source: str
    event_id: int  # all 32 bits
    event_type: int = ERROR
    category: int = 0
    time: int = THREAD_TIME
    computer: str = "EXCH01"
    user_sid: str | None = None
    strings: tuple[str, ...] = ()
    data: bytes = b""


def sid_bytes(sid: str) -> bytes:
    """``S-1-5-18`` as a binary SID: revision, count, 48-bit big-endian authority, subs."""
    parts = sid.split("-")
    if parts[0] != "S" or len(parts) < 3:
        raise ValueError(f"not a SID: {sid}")
    subs = [int(p) for p in parts[3:]]
    head = bytes([int(parts[1]), len(subs)]) + int(parts[2]).to_bytes(6, "big")
    return head + b"".join(struct.pack("<I", s) for s in subs)


def _round4(value: int) -> int:
    return (value + 3) & ~3


def record_bytes(
    event: EvtEvent, number: int, written: int | None = None, zero_absent_offsets: bool = False
) -> bytes:
    """The EVENTLOGRECORD the service writes for ``event`` as record ``number``.

    Windows sets UserSidOffset and DataOffset even when there is no SID or data
    (libyal's notes); ReactOS writes 0 there instead (``zero_absent_offsets``).
    """
    names = (event.source + "\0").encode("utf-16-le") + (event.computer + "\0").encode("utf-16-le")
    sid = sid_bytes(event.user_sid) if event.user_sid else b""
    strings = b"".join((s + "\0").encode("utf-16-le") for s in event.strings)
    sid_offset = _round4(FIXED_SIZE + len(names))
    string_offset = sid_offset + len(sid)
    data_offset = string_offset + len(strings)
    length = _round4(data_offset + len(event.data)) + 4
    if zero_absent_offsets:
        sid_offset = sid_offset if sid else 0
        data_offset = data_offset if event.data else 0
    fixed = struct.pack(
        "<I4sIIIIHHHHIIIIII",
        length,
        SIGNATURE,
        number,
        event.time,
        event.time if written is None else written,
        event.event_id,
        event.event_type,
        len(event.strings),
        event.category,
        0,  # ReservedFlags
        0,  # ClosingRecordNumber
        string_offset,
        len(sid),
        sid_offset,
        len(event.data),
        data_offset,
    )
    body = fixed + names
    body += b"\0" * (_round4(len(body)) - len(body)) + sid + strings + event.data
    body += b"\0" * (length - 4 - len(body))
    return body + struct.pack("<I", length)


def eof_bytes(begin: int, end: int, current: int, oldest: int) -> bytes:
    return EOF_MARK + struct.pack("<5I", begin, end, current, oldest, EOF_SIZE)


@dataclass
class _Live:
    number: int
    offset: int
    length: int
    written: int


@dataclass
class EvtWriter:
    """An event log as the service keeps it; :meth:`file` is what a copy of it holds."""

    max_size: int = GRANULARITY
    overwrite: bool = True  # False: "Do not overwrite events", the log fills up
    zero_absent_offsets: bool = False
    start: int = HEADER_SIZE
    end: int = HEADER_SIZE
    current: int = 1
    oldest: int = 0
    flags: int = 0
    retention: int = 0
    live: deque[_Live] = field(default_factory=deque)
    buffer: bytearray = field(default_factory=bytearray)
    disk_header: bytes | None = None  # the header on disk while the log is open

    def __post_init__(self) -> None:
        if self.max_size % 4 or self.max_size < HEADER_SIZE + EOF_SIZE:
            raise ValueError("the service keeps a log a whole number of DWORDs long")
        if not self.overwrite:
            self.retention = 0xFFFFFFFF  # what Event Viewer's "Do not overwrite events" sets
        self.size = min(self.max_size, GRANULARITY)
        self.buffer = bytearray(self.size)
        self._write_eof()

    def header(self, flags: int | None = None) -> bytes:
        return struct.pack(
            "<I4s10I",
            HEADER_SIZE,
            SIGNATURE,
            1,
            1,
            self.start,
            self.end,
            self.current,
            self.oldest,
            self.max_size,
            self.flags if flags is None else flags,
            self.retention,
            HEADER_SIZE,
        )

    def open(self) -> None:
        """The service opens the log to write: the header on disk is marked dirty, then left."""
        self.disk_header = self.header(self.flags | DIRTY)

    def close(self) -> None:
        """The service flushes the log: the header on disk is the current one, clean."""
        self.disk_header = None

    def file(self) -> bytes:
        header = self.header() if self.disk_header is None else self.disk_header
        return header + bytes(self.buffer[HEADER_SIZE : self.size])

    def _put(self, offset: int, data: bytes) -> int:
        """Write at ``offset``, going on after the header past the end; the next offset."""
        first = min(len(data), self.size - offset)
        self.buffer[offset : offset + first] = data[:first]
        if first == len(data):
            return offset + first if offset + first < self.size else HEADER_SIZE
        rest = data[first:]
        self.buffer[HEADER_SIZE : HEADER_SIZE + len(rest)] = rest
        self.flags |= WRAP
        return HEADER_SIZE + len(rest)

    def _write_eof(self) -> None:
        self._put(self.end, eof_bytes(self.start, self.end, self.current, self.oldest))

    def write(self, event: EvtEvent, written: int | None = None) -> bool:
        """``ReportEvent``: the record goes where the end-of-file record was; False if full."""
        record = record_bytes(event, self.current, written, self.zero_absent_offsets)
        need = len(record) + EOF_SIZE
        offset = self.end
        if self.start <= self.end:
            free = self.max_size - self.end + self.start - HEADER_SIZE
            bound = self.max_size
        else:
            free = self.start - self.end
            bound = self.start
        if self.start < self.end and self.max_size - offset < FIXED_SIZE:
            offset, bound = HEADER_SIZE, self.start  # the fixed part does not fit before the end
            free = self.start - offset
            self.flags |= WRAP
        if bound - offset < need:
            dropped = 0  # the oldest records overwritten, decided before anything changes
            while free < need:
                if not self.overwrite or dropped == len(self.live):
                    self.flags |= LOGFULL
                    return False
                gone = self.live[dropped]
                dropped += 1
                free += gone.length
                after = gone.offset + gone.length
                if after >= self.max_size:
                    after -= self.max_size - HEADER_SIZE
                if self.max_size - after < FIXED_SIZE:
                    free += self.max_size - after
            self.oldest = self.live[dropped - 1].number + 1
            for _ in range(dropped):
                self.live.popleft()
            self.flags |= WRAP
            if self.live:
                self.start = self.live[0].offset
            else:
                self.start = self.end = offset = HEADER_SIZE
        if self.size < self.max_size:
            grown = offset + need
            if offset < self.end or grown > self.max_size:
                grown = self.max_size
            else:
                grown = (grown + GRANULARITY - 1) // GRANULARITY * GRANULARITY
            if grown > self.size:
                self.buffer += bytes(grown - self.size)
                self.size = grown
        self.flags &= ~LOGFULL
        if offset < self.end:  # pad what is left at the end of the file
            pad = (self.max_size - self.end) // 4 * 4
            self.buffer[self.end : self.end + pad] = PADDING * (pad // 4)
        if self.oldest == 0:
            self.oldest = 1
        self.live.append(_Live(self.current, offset, len(record), written or event.time))
        self.end = self._put(offset, record)
        self.current += 1
        self._write_eof()
        return True

    def write_all(self, events: list[EvtEvent]) -> EvtWriter:
        for item in events:
            self.write(item)
        return self

    def offsets(self) -> dict[int, int]:
        """Record number -> offset of each record the log still holds, oldest first."""
        return {r.number: r.offset for r in self.live}


def build_evt(events: list[EvtEvent], max_size: int = GRANULARITY, **options: bool) -> bytes:
    """A closed log holding ``events`` (the oldest overwritten if they do not fit)."""
    return EvtWriter(max_size=max_size, **options).write_all(events).file()


def backup(events: list[EvtEvent]) -> bytes:
    """What ReactOS's "Save Log File As" writes: the records in order, the file just long enough."""
    body = b"".join(record_bytes(e, n) for n, e in enumerate(events, 1))
    end = HEADER_SIZE + len(body)
    oldest = 1 if events else 0
    eof = eof_bytes(HEADER_SIZE, end, len(events) + 1, oldest)
    header = struct.pack(
        "<I4s10I",
        HEADER_SIZE,
        SIGNATURE,
        1,
        1,
        HEADER_SIZE,
        end,
        len(events) + 1,
        oldest,
        _round4(end + EOF_SIZE),
        0,
        0,
        HEADER_SIZE,
    )
    return header + body + eof
