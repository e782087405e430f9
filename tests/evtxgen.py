"""A test-only writer of binary ``.evtx`` files, so tests need no captured logs.

It writes what Windows writes at the container level (file header, 64 KiB
chunks, event records, all with their CRC32 checksums) and types values as
Windows does (UInt16 EventID, FILETIME, SID), but spells each event out as
plain BinXML element, attribute and value tokens instead of templates: the
parser accepts that, and it keeps the writer small. Layout: libyal's
"Windows XML Event Log (EVTX)" notes; elements outside templates carry no
dependency identifier.

Flags, as Windows sets them (file header offset 120, chunk header offset 120):
0x1 dirty (the log was open, its header may be stale), 0x2 full, and 0x4 no
CRC32, which newer Windows builds set on the live logs they keep, leaving
every checksum at zero; an export with ``wevtutil epl`` clears it and
computes them (evtx-rs pull request 188).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

FILE_HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_HEADER_SIZE = 512
DIRTY, FULL, NO_CRC32 = 0x1, 0x2, 0x4
_RECORD_OVERHEAD = 28  # signature, size, identifier, written time ... trailing size copy
_EPOCH_1601 = datetime(1601, 1, 1, tzinfo=UTC)
_NS = "http://schemas.microsoft.com/win/2004/08/events/event"

# BinXML tokens and value types used here.
_END_OF_STREAM = 0x00
_OPEN_START = 0x01
_CLOSE_START = 0x02
_CLOSE_EMPTY = 0x03
_END_ELEMENT = 0x04
_VALUE = 0x05
_ATTRIBUTE = 0x06
_MORE_BIT = 0x40  # on OPEN_START: has attributes; on ATTRIBUTE: another follows
_FRAGMENT_HEADER = 0x0F
_STRING, _UINT8, _UINT16, _UINT32, _UINT64 = 0x01, 0x04, 0x06, 0x08, 0x0A
_FILETIME, _SID = 0x11, 0x13


@dataclass(frozen=True)
class EventSpec:
    """One event as a test wants it; ``time`` is ISO 8601 UTC.

    An ``event_id`` above 65535 is written as a UInt32, as if the Qualifiers
    were folded into it, to test that readers keep its low 16 bits.
    """

    provider: str
    event_id: int
    qualifiers: int | None = None
    time: str = "2006-03-02T05:01:57Z"
    computer: str = "EXCH01"
    user_sid: str | None = None
    strings: tuple[str | tuple[str, str], ...] = ()  # (name, value) for <Data Name=...>
    level: int = 2
    channel: str = "Application"


@dataclass
class Element:
    name: str
    attributes: list[tuple[str, tuple[int, bytes]]] = field(default_factory=list)
    children: list[Element | tuple[int, bytes]] = field(default_factory=list)


def text(value: str) -> tuple[int, bytes]:
    """A string value: its length in UTF-16 code units, then the units."""
    units = value.encode("utf-16-le")
    return _STRING, struct.pack("<H", len(units) // 2) + units


def _uint(kind: int, fmt: str, value: int) -> tuple[int, bytes]:
    return kind, struct.pack(fmt, value)


def _filetime(iso: str) -> tuple[int, bytes]:
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    delta = moment - _EPOCH_1601
    ticks = (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10
    return _FILETIME, struct.pack("<Q", ticks)


def _sid(sid: str) -> tuple[int, bytes]:
    parts = sid.split("-")
    if parts[0] != "S" or len(parts) < 3:
        raise ValueError(f"not a SID: {sid}")
    subs = [int(p) for p in parts[3:]]
    body = bytes([int(parts[1]), len(subs)]) + int(parts[2]).to_bytes(6, "big")
    return _SID, body + b"".join(struct.pack("<I", s) for s in subs)


def event_element(spec: EventSpec, record_id: int) -> Element:
    """The XML tree Windows renders for ``spec`` (System part plus EventData)."""
    if spec.event_id > 0xFFFF:
        event_id = Element("EventID", children=[_uint(_UINT32, "<I", spec.event_id)])
    else:
        event_id = Element("EventID", children=[_uint(_UINT16, "<H", spec.event_id)])
    if spec.qualifiers is not None:
        event_id.attributes.append(("Qualifiers", _uint(_UINT16, "<H", spec.qualifiers)))
    security = Element("Security")
    if spec.user_sid:
        security.attributes.append(("UserID", _sid(spec.user_sid)))
    system = Element(
        "System",
        children=[
            Element("Provider", attributes=[("Name", text(spec.provider))]),
            event_id,
            Element("Level", children=[_uint(_UINT8, "<B", spec.level)]),
            Element("TimeCreated", attributes=[("SystemTime", _filetime(spec.time))]),
            Element("EventRecordID", children=[_uint(_UINT64, "<Q", record_id)]),
            Element("Channel", children=[text(spec.channel)]),
            Element("Computer", children=[text(spec.computer)]),
            security,
        ],
    )
    data = Element("EventData", children=[_data(s) for s in spec.strings])
    return Element("Event", attributes=[("xmlns", text(_NS))], children=[system, data])


def _data(item: str | tuple[str, str]) -> Element:
    if isinstance(item, str):
        return Element("Data", children=[text(item)])
    return Element("Data", attributes=[("Name", text(item[0]))], children=[text(item[1])])


def _name_hash(name: str) -> int:
    value = 0
    for unit in struct.unpack(f"<{len(name)}H", name.encode("utf-16-le")):
        value = (value * 65599 + unit) & 0xFFFFFFFF
    return value & 0xFFFF


class _BinXml:
    """Serialises elements at a known chunk offset (names are stored inline, by offset)."""

    def __init__(self, chunk_offset: int):
        self.base = chunk_offset
        self.out = bytearray()

    def _name(self, name: str) -> None:
        here = self.base + len(self.out) + 4
        units = name.encode("utf-16-le")
        self.out += struct.pack("<IIHH", here, 0, _name_hash(name), len(units) // 2)
        self.out += units + b"\0\0"

    def _value(self, value: tuple[int, bytes]) -> None:
        self.out += bytes([_VALUE, value[0]]) + value[1]

    def element(self, elem: Element) -> None:
        self.out.append(_OPEN_START | (_MORE_BIT if elem.attributes else 0))
        # no dependency identifier outside templates
        size_at = len(self.out)
        self.out += b"\0\0\0\0"
        self._name(elem.name)
        if elem.attributes:
            list_at = len(self.out)
            self.out += b"\0\0\0\0"
            for index, (name, value) in enumerate(elem.attributes):
                more = _MORE_BIT if index < len(elem.attributes) - 1 else 0
                self.out.append(_ATTRIBUTE | more)
                self._name(name)
                self._value(value)
            struct.pack_into("<I", self.out, list_at, len(self.out) - list_at - 4)
        if elem.children:
            self.out.append(_CLOSE_START)
            for child in elem.children:
                if isinstance(child, Element):
                    self.element(child)
                else:
                    self._value(child)
            self.out.append(_END_ELEMENT)
        else:
            self.out.append(_CLOSE_EMPTY)
        struct.pack_into("<I", self.out, size_at, len(self.out) - size_at - 4)

    def document(self, root: Element) -> bytes:
        self.out += bytes([_FRAGMENT_HEADER, 1, 1, 0])
        self.element(root)
        self.out.append(_END_OF_STREAM)
        return bytes(self.out)


def _record(spec: EventSpec, record_id: int, chunk_offset: int) -> bytes:
    body = _BinXml(chunk_offset + 24).document(event_element(spec, record_id))
    size = len(body) + _RECORD_OVERHEAD
    head = b"**\0\0" + struct.pack("<IQ", size, record_id) + _filetime(spec.time)[1]
    return head + body + struct.pack("<I", size)


def _chunk(records: list[bytes], first_id: int, last_offset: int, flags: int) -> bytes:
    data = b"".join(records)
    last_id = first_id + len(records) - 1
    header = bytearray(CHUNK_HEADER_SIZE)
    header[0:8] = b"ElfChnk\0"
    struct.pack_into("<QQQQ", header, 8, first_id, last_id, first_id, last_id)
    struct.pack_into("<III", header, 40, 128, last_offset, CHUNK_HEADER_SIZE + len(data))
    struct.pack_into("<I", header, 120, flags)
    if not flags & NO_CRC32:
        struct.pack_into("<I", header, 52, zlib.crc32(data))
        struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120] + header[128:])))
    chunk = bytes(header) + data
    return chunk + bytes(CHUNK_SIZE - len(chunk))


def _file_header(chunks: int, next_id: int, flags: int = 0) -> bytes:
    """A 4 KiB file header; its checksum is left at zero when ``flags`` has NO_CRC32."""
    header = bytearray(FILE_HEADER_SIZE)
    header[0:8] = b"ElfFile\0"
    last = max(chunks - 1, 0)
    struct.pack_into("<QQQIHHHH", header, 8, 0, last, next_id, 128, 1, 3, 4096, chunks)
    struct.pack_into("<I", header, 120, flags)
    if not flags & NO_CRC32:
        struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])))
    return bytes(header)


def build_evtx(
    specs: list[EventSpec],
    per_chunk: int | None = None,
    *,
    flags: int = 0,
    chunk_flags: int | None = None,
    header_chunks: int | None = None,
    next_record: int | None = None,
) -> bytes:
    """A complete .evtx file holding ``specs`` as records 1..n, in order.

    ``per_chunk`` caps the records in one chunk, to make several chunks.
    ``flags`` are the file header's, ``chunk_flags`` each chunk's (by default
    NO_CRC32 if the file has it, as Windows writes them). ``header_chunks`` and
    ``next_record`` put stale values in the header, as a dirty log has them.
    """
    if chunk_flags is None:
        chunk_flags = flags & NO_CRC32
    chunks: list[bytes] = []
    records: list[bytes] = []
    offset, first_id, last_offset = CHUNK_HEADER_SIZE, 1, 0
    for record_id, spec in enumerate(specs, 1):
        record = _record(spec, record_id, offset)
        full = per_chunk is not None and len(records) >= per_chunk
        if records and (full or offset + len(record) > CHUNK_SIZE):
            chunks.append(_chunk(records, first_id, last_offset, chunk_flags))
            records, offset, first_id = [], CHUNK_HEADER_SIZE, record_id
            record = _record(spec, record_id, offset)
        records.append(record)
        last_offset = offset
        offset += len(record)
    if records:
        chunks.append(_chunk(records, first_id, last_offset, chunk_flags))
    count = len(chunks) if header_chunks is None else header_chunks
    next_id = len(specs) + 1 if next_record is None else next_record
    return _file_header(count, next_id, flags) + b"".join(chunks)


def record_offsets(data: bytes) -> dict[int, int]:
    """Record id -> file offset of each record, found by walking every chunk's records."""
    found: dict[int, int] = {}
    for chunk in range(FILE_HEADER_SIZE, len(data) - CHUNK_SIZE + 1, CHUNK_SIZE):
        free = struct.unpack_from("<I", data, chunk + 48)[0]
        offset = chunk + CHUNK_HEADER_SIZE
        while offset < chunk + free:
            size, record_id = struct.unpack_from("<IQ", data, offset + 4)
            found[record_id] = offset
            offset += size
    return found
