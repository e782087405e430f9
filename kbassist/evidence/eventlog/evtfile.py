"""Binary ``.evt`` logs, as the event log service of Windows NT 4 to 2003 writes them.

Layout (Microsoft's "Event Log File Format", ELF_LOGFILE_HEADER, EVENTLOGRECORD
and ELF_EOF_RECORD; libyal's "Windows Event Log (EVT) format"): a 0x30-byte
header, the records, then a 0x28-byte end-of-file record, in a ring. Once the
log is full it wraps: new records go on right after the header, over the
oldest ones, so the oldest record (StartOffset) lies after the end-of-file
record (EndOffset). A record may be split across the end of the file and go
on after the header, but never its 0x38-byte fixed part: when fewer bytes are
left at the end they are padding. The end-of-file record may be split too.

The header's flags: DIRTY (0x1), WRAP (0x2, said by the offsets too), LOGFULL
(0x4: the last write failed, the newest events are missing, a warning) and
ARCHIVE_SET (0x8, nothing to read here). The service rewrites the header only
when it flushes the log; while it has the log open the header is marked dirty
and its offsets may be stale, so a copy of a live log is read through its
end-of-file record, found by scanning. A record
whose length, signature or trailing copy of its length is wrong is skipped,
and reading picks up at the next record that proves itself (signature, a
possible length and the same length at its end). A file that ends inside a
record, or without its end-of-file record, is read up to there. Each of these
leaves a warning on the artifact, and the facts are only those of the records
read (:class:`~.collect.Collector` drops what rests on absence).

Like ``.evtx``, an .evt stores no message text: the source, the event id with
its severity, customer and facility bits (Event Viewer shows the low 16 bits),
the type, the times, the computer, the user SID and the insertion strings.

The file is read once, in blocks, with at most :data:`_CACHED_BLOCKS` of them
kept, whatever its size.
"""

from __future__ import annotations

import os
import struct
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from ...i18n import msg
from ..base import ArtifactError, Head, Note
from .collect import FIELD_CAP, MAX_STRINGS, Collector, Event

HEADER_SIZE = 0x30
SIGNATURE = b"LfLe"
FIXED_SIZE = 0x38  # EVENTLOGRECORD up to its source name: never split at the end of the file
EOF_SIZE = 0x28
MIN_RECORD = FIXED_SIZE + 2 + 2 + 4  # two empty names and the trailing copy of the length
# A bound, so that one damaged length cannot make the reader hold the whole file: a
# record that claims more is taken as damaged (events are tens to thousands of bytes).
MAX_RECORD = 0x100000
FLAG_DIRTY, FLAG_WRAP, FLAG_LOGFULL, FLAG_ARCHIVE = 0x1, 0x2, 0x4, 0x8
MAGIC = struct.pack("<I4sII", HEADER_SIZE, SIGNATURE, 1, 1)
EOF_MARK = struct.pack("<5I", EOF_SIZE, 0x11111111, 0x22222222, 0x33333333, 0x44444444)

_HEADER = struct.Struct("<I4s10I")
_FIXED = struct.Struct("<I4sIIIIHHHHIIIIII")
_EOF = struct.Struct("<10I")
_NO_FIXED: tuple[Any, ...] = (0, b"", *([0] * 14))  # a fixed part too short to be one
_LOOK = 1024  # bytes read at a record's offset: most records are shorter, one read does
_BLOCK = 1 << 16
_CACHED_BLOCKS = 48  # 3 MiB: a record of MAX_RECORD, the blocks around it, a scan window
_FIRST_WINDOW, _WINDOW = 1 << 12, 1 << 20  # bytes looked at per step when scanning
_SHOWN = 5  # damaged places named in a warning; the rest are counted
# EventType as Event Viewer names it; EVENTLOG_SUCCESS (0) is shown as information.
_TYPES = {
    0x00: "Information",
    0x01: "Error",
    0x02: "Warning",
    0x04: "Information",
    0x08: "Success Audit",
    0x10: "Failure Audit",
}


def detect(head: Head) -> bool:
    """ELF_LOGFILE_HEADER: HeaderSize 0x30, "LfLe", version 1.1."""
    return head.data[: len(MAGIC)] == MAGIC


def read(path: Path, sink: Collector) -> None:
    file = str(path)
    with path.open("rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        raw = handle.read(HEADER_SIZE)
        if len(raw) < HEADER_SIZE:
            raise ArtifactError(
                file, msg("truncated .evt: the file header has only {size} bytes", size=len(raw))
            )
        if size <= HEADER_SIZE:
            raise ArtifactError(file, msg("truncated .evt: the file holds only its header"))
        _Log(file, _Ring(handle, size), _Header.parse(raw), sink).read()


@dataclass(frozen=True)
class _Header:
    start: int  # StartOffset: the oldest record
    end: int  # EndOffset: the end-of-file record
    current: int  # CurrentRecordNumber: the next record's number
    oldest: int  # OldestRecordNumber
    max_size: int
    flags: int
    end_size: int  # EndHeaderSize, 0x30 again

    @classmethod
    def parse(cls, raw: bytes) -> _Header:
        fields = _HEADER.unpack(raw)
        start, end, current, oldest, max_size, flags, _retention, end_size = fields[4:]
        return cls(start, end, current, oldest, max_size, flags, end_size)


@dataclass(frozen=True)
class _Eof:
    offset: int
    begin: int  # BeginRecord: the oldest record
    current: int
    oldest: int


@dataclass(frozen=True)
class _Damage:
    offset: int
    size: int
    after: int | None  # the record number read last before it
    reason: Note


@dataclass(frozen=True)
class _Stop:
    """Where reading a stretch of the log ended, and how."""

    offset: int
    remaining: int  # bytes of the stretch not read
    # The file ends inside a record: its number (if there), the bytes there, its length.
    cut: tuple[int | None, int, int] | None = None
    reason: Note | None = None  # why the rest could not be read


class _Ring:
    """The file's bytes as the service sees them: past the end, the log goes on after the header."""

    def __init__(self, handle: BinaryIO, size: int) -> None:
        self.handle = handle
        self.size = size
        self.area = size - HEADER_SIZE
        self._blocks: OrderedDict[int, bytes] = OrderedDict()

    def holds(self, offset: int) -> bool:
        """Whether a record or the end-of-file record can begin at ``offset``."""
        return HEADER_SIZE <= offset < self.size and offset % 4 == 0

    def advance(self, offset: int, count: int) -> int:
        return HEADER_SIZE + (offset - HEADER_SIZE + count) % self.area

    def distance(self, start: int, end: int) -> int:
        return (end - start) % self.area

    def _block(self, index: int) -> bytes:
        block = self._blocks.get(index)
        if block is None:
            self.handle.seek(index * _BLOCK)
            block = self._blocks[index] = self.handle.read(_BLOCK)
            if len(self._blocks) > _CACHED_BLOCKS:
                self._blocks.popitem(last=False)
        else:
            self._blocks.move_to_end(index)
        return block

    def _span(self, offset: int, length: int) -> bytes:
        first, last = offset // _BLOCK, (offset + length - 1) // _BLOCK
        start = offset - first * _BLOCK
        if first == last:
            return self._block(first)[start : start + length]
        joined = b"".join(self._block(index) for index in range(first, last + 1))
        return joined[start : start + length]

    def read(self, offset: int, length: int) -> bytes:
        """``length`` bytes from ``offset`` on, going on after the header at the end of the file."""
        parts = []
        while length > 0:
            take = min(length, self.size - offset)
            if take > 0:
                parts.append(self._span(offset, take))
                length -= take
            offset = HEADER_SIZE
        return b"".join(parts)

    def find(self, needle: bytes, start: int, span: int) -> Iterator[int]:
        """Where ``needle`` begins, in ring order from ``start`` over ``span`` bytes."""
        done, window = 0, _FIRST_WINDOW  # small first: the next record is usually close
        while done < span:
            step = min(window, span - done)
            window = min(window * 2, _WINDOW)
            here = self.advance(start, done)
            seen = self.read(here, step + len(needle) - 1)
            at = seen.find(needle)
            while 0 <= at < step:
                yield self.advance(here, at)
                at = seen.find(needle, at + 1)
            done += step


class _Log:
    """One .evt file being read: where its records are, and what could not be read."""

    def __init__(self, file: str, ring: _Ring, header: _Header, sink: Collector) -> None:
        self.file = file
        self.ring = ring
        self.header = header
        self.sink = sink
        self.warnings = sink.artifact.warnings
        self.read_count = 0  # events handed to the sink
        self.last_number: int | None = None  # RecordNumber of the last record read
        self.last_end = HEADER_SIZE  # where the last record read ends
        self.damaged: list[_Damage] = []
        self.short_strings: list[int] = []  # records whose insertion strings are cut short

    def read(self) -> None:
        header = self.header
        if header.end_size != HEADER_SIZE:
            self.warnings.append(_damaged_header(header.end_size))
        eof = self._find_eof()
        if eof is None:
            self._read_without_eof()
        else:
            self._check_header(eof)
            self._read_to(eof)
        if header.flags & FLAG_LOGFULL:
            self.warnings.append(_LOG_FULL)
        if self.damaged:
            self.warnings.append(_damaged_records(self.damaged))
        if self.short_strings:
            self.warnings.append(_short_strings(self.short_strings))

    # --- the end-of-file record ---------------------------------------------------------------

    def _eof_at(self, offset: int) -> _Eof | None:
        """The end-of-file record at ``offset``, if one is there and says it is there."""
        data = self.ring.read(offset, EOF_SIZE)
        if not data.startswith(EOF_MARK) or len(data) < EOF_SIZE:
            return None
        *_, begin, end, current, oldest, size_end = _EOF.unpack(data)
        # A record that ends right at the end of the file puts the end-of-file record after
        # the header; ReactOS then still names the end of the file as its offset.
        here = end == offset or (offset == HEADER_SIZE and end == self.ring.size)
        if size_end != EOF_SIZE or not here or begin < HEADER_SIZE or begin % 4:
            return None
        return _Eof(offset, begin, current, oldest)

    def _find_eof(self) -> _Eof | None:
        """At the header's EndOffset, else the first one found scanning on from there."""
        ring, end = self.ring, self.header.end
        if ring.holds(end):
            found = self._eof_at(end)
            if found is not None:
                return found
        start = end if ring.holds(end) else HEADER_SIZE
        for offset in ring.find(EOF_MARK, start, ring.area):
            found = self._eof_at(offset) if offset % 4 == 0 else None
            if found is not None:
                return found
        return None

    def _check_header(self, eof: _Eof) -> None:
        header = self.header
        if header.flags & FLAG_DIRTY:
            self.sink.artifact.notes.append(_DIRTY)
        elif (header.end, header.start, header.current, header.oldest) != (
            eof.offset,
            eof.begin,
            eof.current,
            eof.oldest,
        ):
            self.warnings.append(_header_disagrees(header.end, eof.offset))

    # --- reading the records ----------------------------------------------------------------

    def _read_to(self, eof: _Eof) -> None:
        """The records from the oldest to the end-of-file record."""
        ring, begin, end = self.ring, eof.begin, eof.offset
        if begin == end:
            return  # an empty log
        if ring.holds(begin):
            stop = self._walk(begin, ring.distance(begin, end), wrapping=begin > end)
        else:
            # begin lies past the end of the file (the end-of-file record, before the end,
            # says the log wraps): the file was cut short before its oldest record. What
            # follows the header is there: the newer records, behind the tail of the record
            # split across the end.
            self.warnings.append(_cut_before_oldest(begin, ring.size))
            lead = self._resync(HEADER_SIZE, end - HEADER_SIZE, at_start=True)
            if lead is None:
                stop = _Stop(HEADER_SIZE, end - HEADER_SIZE, reason=_NOT_A_RECORD)
            else:
                stop = self._walk(lead, end - lead, wrapping=False)
        if stop.remaining and stop.reason is not None:
            self.damaged.append(_Damage(stop.offset, stop.remaining, self.last_number, stop.reason))
        if self.read_count == 0:
            raise ArtifactError(self.file, msg("corrupt .evt: none of its records could be read"))

    def _read_without_eof(self) -> None:
        """No end-of-file record: from the header's oldest record on, as far as records go."""
        ring, header = self.ring, self.header
        start = header.start if ring.holds(header.start) else HEADER_SIZE
        wrapping = bool(header.flags & FLAG_WRAP) or header.start > header.end
        span = ring.area if wrapping else ring.size - start
        stop = self._walk(start, span, wrapping, open_end=not wrapping)
        if self.read_count == 0 and stop.cut is not None and not self.damaged:
            raise ArtifactError(
                self.file, msg("truncated .evt: the file ends inside its first record")
            )
        if self.read_count == 0:
            raise ArtifactError(
                self.file, msg("corrupt .evt: no event record and no end-of-file record found")
            )
        if stop.cut is not None:
            number, have, length = stop.cut
            self.warnings.append(_cut_in_record(number, stop.offset, have, length, self.read_count))
        else:
            self.warnings.append(_no_eof(self.read_count, self.last_end))

    def _walk(self, start: int, span: int, wrapping: bool, open_end: bool = False) -> _Stop:
        """Read ``span`` bytes of records from ``start``, going round the ring if ``wrapping``.

        ``open_end``: the stretch ends where the file does, not at a known end-of-file
        record, so a record longer than what is left is a file cut short inside it.
        """
        ring = self.ring
        offset, done = start, 0
        while done < span:
            room = ring.size - offset
            if room < FIXED_SIZE:  # padding: the next record begins after the header
                if not wrapping:
                    return self._end_of_file(offset, span - done, room)
                done += room
                offset = HEADER_SIZE
                continue
            look = ring.read(offset, min(room, _LOOK))
            fixed: tuple[Any, ...] = (
                _FIXED.unpack_from(look) if len(look) >= FIXED_SIZE else _NO_FIXED
            )
            reason = _framing(fixed, MAX_RECORD if open_end else span - done)
            if reason is None and fixed[0] > room and not wrapping:
                return _Stop(offset, span - done, cut=(fixed[2], room, fixed[0]))
            if reason is None:
                length = fixed[0]
                data = look[:length] if length <= len(look) else ring.read(offset, length)
                if data[-4:] == data[:4]:
                    problem = self._hand_on(data, fixed)
                    if problem is not None:  # framed, so only this record is lost
                        self.damaged.append(_Damage(offset, length, self.last_number, problem))
                    elif offset + length <= ring.size:
                        self.last_end = offset + length
                    else:
                        self.last_end = ring.advance(offset, length)
                    done += length
                    offset = ring.advance(offset, length)
                    continue
                reason = _NO_CONTINUATION if length > room else _BAD_COPY
            found = self._resync(offset, span - done, wrapping, open_end)
            if found is None:
                return _Stop(offset, span - done, reason=reason)
            skipped = ring.distance(offset, found)
            self.damaged.append(_Damage(offset, skipped, self.last_number, reason))
            done += skipped
            offset = found
        return _Stop(offset, 0)

    def _end_of_file(self, offset: int, remaining: int, room: int) -> _Stop:
        """Fewer bytes left than a record's fixed part: the start of a record cut short?"""
        head = self.ring.read(offset, min(room, 12))
        if len(head) >= 8 and head[4:8] == SIGNATURE:
            length = int.from_bytes(head[:4], "little")
            number = int.from_bytes(head[8:12], "little") if len(head) == 12 else None
            if MIN_RECORD <= length <= MAX_RECORD:
                return _Stop(offset, remaining, cut=(number, room, length))
        return _Stop(offset, remaining, reason=_NOT_A_RECORD)

    def _fixed_at(self, offset: int) -> tuple[Any, ...]:
        raw = self.ring.read(offset, FIXED_SIZE)
        return _FIXED.unpack(raw) if len(raw) == FIXED_SIZE else _NO_FIXED

    def _resync(
        self,
        offset: int,
        remaining: int,
        wrapping: bool = False,
        open_end: bool = False,
        at_start: bool = False,
    ) -> int | None:
        """The next place after ``offset`` (or at it, ``at_start``) where a record proves itself."""
        ring = self.ring
        first = offset if at_start else ring.advance(offset, 1)
        for found in ring.find(SIGNATURE, ring.advance(first, 4), remaining):
            candidate = found - 4
            if not ring.holds(candidate) or ring.size - candidate < FIXED_SIZE:
                continue
            skipped = ring.distance(offset, candidate)
            if (skipped == 0 and not at_start) or skipped >= remaining:
                continue
            if self._proves(candidate, remaining - skipped, wrapping, open_end):
                return candidate
        return None

    def _proves(self, offset: int, remaining: int, wrapping: bool, open_end: bool) -> bool:
        """A possible record at ``offset``: signature, a length that fits, the same at its end."""
        ring = self.ring
        fixed = self._fixed_at(offset)
        if _framing(fixed, MAX_RECORD if open_end else remaining) is not None:
            return False
        length = fixed[0]
        if length > ring.size - offset and not wrapping:
            return True  # the file ends inside it: the walk says so
        return ring.read(ring.advance(offset, length - 4), 4) == fixed[0].to_bytes(4, "little")

    def _hand_on(self, data: bytes, fixed: tuple[Any, ...]) -> Note | None:
        """Give the record's event to the sink; why not, when the record cannot say it."""
        (
            length,
            _signature,
            number,
            generated,
            _written,
            event_id,
            event_type,
            count,
            _category,
            _flags,
            _closing,
            string_offset,
            sid_length,
            sid_offset,
            data_length,
            data_offset,
        ) = fixed
        end = length - 4
        # The names end before the SID, which Windows puts on the next DWORD boundary
        # (and names by its offset even when there is none); else before the strings.
        names = _names(data, sid_offset, end) or _names(data, string_offset, end)
        if names is None:
            names = _names(data, end, end)
        if names is None:
            return _UNTERMINATED
        source, computer = names
        if not source.strip():
            return _NO_SOURCE
        stop = data_offset if data_length and string_offset <= data_offset <= end else end
        strings, whole = _strings(data, string_offset, count, stop)
        if not whole:
            self.short_strings.append(number)
        self.read_count += 1
        self.last_number = number
        self.sink.add(
            Event(
                self.read_count,
                None,
                source=source[:FIELD_CAP],
                id=event_id,
                qualifiers=event_id >> 16,
                level=_TYPES.get(event_type, f"0x{event_type:04x}"),
                time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(generated)),
                computer=computer[:FIELD_CAP] or None,
                user=_sid(data, sid_offset, sid_length, end),
                strings=strings,
                record=number,
            )
        )
        return None


def _framing(fixed: tuple[Any, ...], remaining: int) -> Note | None:
    """Why the fixed part read is not the start of a record that fits, if it is not."""
    length, signature = fixed[0], fixed[1]
    if signature != SIGNATURE:
        return _NOT_A_RECORD
    if length < MIN_RECORD or length % 4 or length > MAX_RECORD or length > remaining:
        return _BAD_LENGTH
    return None


def _utf16(data: bytes, start: int, stop: int) -> str:
    """UTF-16LE text from ``start`` to ``stop`` (an odd last byte left out)."""
    return data[start : stop - (stop - start) % 2].decode("utf-16-le", "replace")


def _names(data: bytes, limit: int, end: int) -> tuple[str, str] | None:
    """SourceName and Computername, each NUL-terminated, if both end before ``limit``."""
    if not FIXED_SIZE < limit <= end:
        return None
    parts = _utf16(data, FIXED_SIZE, limit).split("\0", 2)
    return (parts[0], parts[1]) if len(parts) == 3 else None


def _strings(data: bytes, offset: int, count: int, stop: int) -> tuple[list[str], bool]:
    """The insertion strings (at most MAX_STRINGS), and whether all ``count`` of them are whole."""
    if count == 0:
        return [], True
    if not FIXED_SIZE <= offset < stop:
        return [], False
    parts = _utf16(data, offset, stop).split("\0", count)
    if len(parts) > count:  # all ``count`` terminated; what follows is data or padding
        strings, whole = parts[:count], True
    else:  # cut short: the strings there, and the unterminated rest if any
        strings, whole = parts[:-1] + [parts[-1]] * bool(parts[-1]), False
    return [text[:FIELD_CAP] for text in strings[:MAX_STRINGS]], whole


def _sid(data: bytes, offset: int, length: int, end: int) -> str | None:
    """``S-1-5-18`` from a binary SID; None when there is none or it does not fit."""
    if length < 8 or offset < FIXED_SIZE or offset + length > end:
        return None
    revision, count = data[offset], data[offset + 1]
    if length != 8 + 4 * count:
        return None
    authority = int.from_bytes(data[offset + 2 : offset + 8], "big")
    subs = struct.unpack_from(f"<{count}I", data, offset + 8)
    return "-".join(["S", str(revision), str(authority), *map(str, subs)])


# --- what the artifact says about a file read in part --------------------------------------

_NOT_A_RECORD = Note(en="no record signature", fr="pas de signature d'enregistrement")
_BAD_LENGTH = Note(en="an impossible length", fr="une longueur impossible")
_BAD_COPY = Note(
    en="the copy of its length at its end differs",
    fr="la copie de sa longueur, à sa fin, diffère",
)
_NO_CONTINUATION = Note(
    en="it runs past the end of the file and what follows the header does not complete it",
    fr="il dépasse la fin du fichier et ce qui suit l'en-tête ne le complète pas",
)
_UNTERMINATED = Note(
    en="its source or computer name is not terminated",
    fr="son nom de source ou d'ordinateur n'est pas terminé",
)
_NO_SOURCE = Note(en="it names no source", fr="il ne nomme aucune source")
_DIRTY = Note(
    en=(
        "This copy was taken while the event log service had the log open (its header is "
        "marked dirty): it was read up to its end-of-file record, which the service keeps "
        "up to date."
    ),
    fr=(
        "Cette copie a été prise pendant que le service Journal des événements avait le "
        "journal ouvert (son en-tête n'était pas à jour)\u00a0: elle a été lue jusqu'à son "
        "enregistrement de fin de fichier, que le service tient à jour."
    ),
)
_LOG_FULL = Note(
    en=(
        "The log was full when this copy was taken: Windows could not write the latest "
        "events to it, so the newest ones are missing."
    ),
    fr=(
        "Le journal était plein quand cette copie a été prise\u00a0: Windows n'a pas pu y "
        "écrire les derniers événements, les plus récents manquent donc."
    ),
)


# What each warning says, then what the agent can do about it.
_TEXTS: dict[str, dict[str, str]] = {
    "damaged": {
        "en": "{count} skipped, the events there are not counted: {places}.",
        "fr": "{count}, leurs événements ne sont pas comptés\u00a0: {places}.",
    },
    "strings": {
        "en": "Some insertion strings are cut short in {records}: what they say may be missing.",
        "fr": "Des chaînes d'insertion sont tronquées dans {records}\u00a0: ce qu'elles "
        "disent peut manquer.",
    },
    "cut": {
        "en": "The file is cut short: it ends inside {record} (offset {offset}, {have} of its "
        "{length} bytes); the {read} records before it were read.",
        "fr": "Le fichier est tronqué\u00a0: il se termine dans {record} (décalage {offset}, "
        "{have} de ses {length} octets)\u00a0; les {read} enregistrements qui le précèdent "
        "ont été lus.",
    },
    "no-eof": {
        "en": "The file has no end-of-file record, so it may be cut short and later records "
        "may be missing: {read} records were read, up to offset {offset}.",
        "fr": "Le fichier n'a pas d'enregistrement de fin de fichier\u00a0: il est peut-être "
        "tronqué et des enregistrements plus récents peuvent manquer. {read} enregistrements "
        "ont été lus, jusqu'au décalage {offset}.",
    },
    "cut-before-oldest": {
        "en": "The file is cut short: it holds {size} bytes, but its oldest records begin at "
        "offset {offset}; only the newer records, after the header, were read.",
        "fr": "Le fichier est tronqué\u00a0: il fait {size} octets, mais ses enregistrements "
        "les plus anciens commencent au décalage {offset}\u00a0; seuls les plus récents, "
        "après l'en-tête, ont été lus.",
    },
    "header-disagrees": {
        "en": "The file header does not match its end-of-file record (the header puts it at "
        "offset {said}, it is at {found}): the file was read as the end-of-file record says.",
        "fr": "L'en-tête du fichier ne correspond pas à son enregistrement de fin de fichier "
        "(l'en-tête le place au décalage {said}, il est en {found})\u00a0: le fichier a été "
        "lu comme le dit l'enregistrement de fin.",
    },
    "damaged-header": {
        "en": "The file header is damaged (it closes with {size} instead of 48): the records "
        "were read all the same.",
        "fr": "L'en-tête du fichier est endommagé (il se termine par {size} au lieu de 48)"
        "\u00a0: les enregistrements ont été lus malgré tout.",
    },
    "advice": {
        "en": "Ask for a fresh copy: in Event Viewer, Action > Save Log File As.",
        "fr": "Demandez une nouvelle copie\u00a0: dans l'Observateur d'événements, "
        "Action > Enregistrer le fichier journal sous.",
    },
}


def _advised(kind: str, **params: object) -> Note:
    """The warning ``kind`` in both languages; a Note param says itself in each."""

    def say(lang: str) -> str:
        values = {k: v.text(lang) if isinstance(v, Note) else v for k, v in params.items()}
        return f"{_TEXTS[kind][lang].format(**values)} {_TEXTS['advice'][lang]}"

    return Note(en=say("en"), fr=say("fr"))


def _hex(offset: int) -> str:
    return f"0x{offset:08x}"


def _place(damage: _Damage) -> Note:
    where, reason = _hex(damage.offset), damage.reason
    after_en = "" if damage.after is None else f", after record {damage.after}"
    after_fr = "" if damage.after is None else f", après l'enregistrement {damage.after}"
    return Note(
        en=f"{damage.size} bytes at offset {where}{after_en} ({reason.en})",
        fr=f"{damage.size} octets au décalage {where}{after_fr} ({reason.fr})",
    )


def _listed(items: list[Note], more: int) -> Note:
    """Items joined, and how many more were not named."""
    return Note(
        en="; ".join(i.en for i in items) + (f"; and {more} more" if more else ""),
        fr="\u202f; ".join(i.fr for i in items) + (f"\u202f; et {more} de plus" if more else ""),
    )


def _damaged_records(damaged: list[_Damage]) -> Note:
    one = len(damaged) == 1
    count = Note(
        en=f"{len(damaged)} damaged {'place' if one else 'places'}",
        fr=f"{len(damaged)} {'endroit endommagé ignoré' if one else 'endroits endommagés ignorés'}",
    )
    places = _listed([_place(d) for d in damaged[:_SHOWN]], max(0, len(damaged) - _SHOWN))
    return _advised("damaged", count=count, places=places)


def _short_strings(numbers: list[int]) -> Note:
    shown = ", ".join(str(n) for n in numbers[:_SHOWN])
    more = max(0, len(numbers) - _SHOWN)
    many = len(numbers) > 1
    which_fr = "les enregistrements" if many else "l'enregistrement"
    records = Note(
        en=f"record{'s' if many else ''} {shown}" + (f" and {more} more" if more else ""),
        fr=f"{which_fr} {shown}" + (f" et {more} de plus" if more else ""),
    )
    return _advised("strings", records=records)


def _cut_in_record(number: int | None, offset: int, have: int, length: int, read: int) -> Note:
    record = Note(
        en="a record" if number is None else f"record {number}",
        fr="un enregistrement" if number is None else f"l'enregistrement {number}",
    )
    return _advised("cut", record=record, offset=_hex(offset), have=have, length=length, read=read)


def _no_eof(read: int, offset: int) -> Note:
    return _advised("no-eof", read=read, offset=_hex(offset))


def _cut_before_oldest(begin: int, size: int) -> Note:
    return _advised("cut-before-oldest", size=size, offset=_hex(begin))


def _header_disagrees(said: int, found: int) -> Note:
    return _advised("header-disagrees", said=_hex(said), found=_hex(found))


def _damaged_header(end_size: int) -> Note:
    return _advised("damaged-header", size=end_size)
