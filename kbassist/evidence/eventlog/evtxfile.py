"""Binary ``.evtx`` logs, read chunk by chunk as Windows writes them.

An .evtx file stores no message text: only the provider, the event id (with
its Qualifiers), the time, the computer, the user SID and the insertion
strings. Layout (libyal's "Windows XML Event Log (EVTX)" notes, evtx-rs): a
4 KiB file header, then 64 KiB chunks, each a 512-byte header (CRC32 of its
bytes 0-120 and 128-512 at 124, CRC32 of the records at 52) and its records.

The container is walked here, and only the BinXML of each chunk goes to the
``evtx`` parser, in a child process (:mod:`.evtxworker`) with a memory limit
and a time limit per chunk, so a pathological record can neither hang the
reader nor exhaust its memory. A log copied from a live system or a shadow
copy is often damaged in part: every record that can be read is, and what
could not be (records, chunks, a cut end) becomes the artifact's warnings.
A file that is not whole gives no fact that rests on absence (the collector
is told), and a file of which nothing can be read is refused.

Header and chunk flags: 0x1 dirty (the header may be stale: chunks are read
whatever count it gives), 0x2 full, 0x4 no CRC32 (newer Windows leaves the
checksums at zero and sets this; ``wevtutil epl`` exports compute them).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import struct
import subprocess
import sys
import threading
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from ...i18n import Message, msg
from ..base import ArtifactError, Head, Note
from . import evtxworker
from .collect import FIELD_CAP, MAX_STRINGS, Collector, Event

MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
FILE_HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_HEADER_SIZE = 512
NO_CRC32 = 0x4  # the header and chunk flag of files written without checksums
_MAX_RECORDS = evtxworker.MAX_ITEMS  # more than a chunk can hold: its header is not believed

CHUNK_TIMEOUT = 10.0  # seconds one chunk may take in the parser (a sound one takes milliseconds)
START_TIMEOUT = 60.0  # seconds for the parser's process to start
MAX_FAILURES = 3  # chunks the parser may fail on (a crash, a timeout) before it is given up
MEMORY_LIMIT = 1 << 30  # bytes of address space for the parser's process
MAX_ANSWER = 64 << 20  # bytes of one chunk's answer


def detect(head: Head) -> bool:
    return head.data.startswith(MAGIC)


def read(path: Path, sink: Collector) -> None:
    file = str(path)
    with path.open("rb") as handle, _Parser(file) as parser:
        damage = _file_header(file, handle.read(FILE_HEADER_SIZE))
        reader = _ChunkReader(sink, parser, damage)
        index = 0
        while len(chunk := handle.read(CHUNK_SIZE)) == CHUNK_SIZE:
            reader.read(index, chunk)
            index += 1
    damage.whole = index
    if chunk.strip(b"\0"):  # a cut inside a chunk, not zero padding
        damage.cut = len(chunk)
    if sink.seen == 0 and damage:
        raise ArtifactError(file, _refused(damage.refusal()))
    sink.partial = bool(damage)
    sink.artifact.warnings.extend(damage.notes())


def _file_header(file: str, header: bytes) -> _Damage:
    """What the file header says; one clear error when it is cut short."""
    if len(header) < FILE_HEADER_SIZE:
        short = msg("truncated .evtx: the file header has only {size} bytes", size=len(header))
        raise ArtifactError(file, _refused(short))
    (chunks,) = struct.unpack_from("<H", header, 42)
    (flags,) = struct.unpack_from("<I", header, 120)
    (stored,) = struct.unpack_from("<I", header, 124)
    if flags & NO_CRC32:
        return _Damage(declared=chunks, checksums=False)
    if zlib.crc32(header[:120]) != stored:
        # Nothing in the header is needed to read the chunks; but its count is unknown.
        return _Damage(declared=None, header=True)
    return _Damage(declared=chunks)


def _refused(problem: Message) -> Message:
    """The line for a log that cannot be used, with what the agent can do about it."""
    return msg(
        "{problem}; ask for a fresh export (Event Viewer, Save All Events As)", problem=problem
    )


# --- what could not be read ---------------------------------------------------------------

_ADVICE = Note(
    en="Ask for a fresh export: in Event Viewer, Save All Events As.",
    fr=(
        "Demandez une nouvelle exportation\u00a0: dans l'Observateur d'événements, "
        "«\u00a0Enregistrer tous les événements sous\u00a0»."
    ),
)


# Why a chunk was skipped, as the warnings say it.
_NOT_A_CHUNK = Note(en="no ElfChnk signature", fr="pas de signature ElfChnk")
_HEADER_CHECKSUM = Note(en="header checksum mismatch", fr="somme de contrôle d'en-tête erronée")
_BLANK = Note(en="only zero bytes", fr="uniquement des octets nuls")
_PARSER_FAILED = Note(en="the parser failed", fr="échec de l'analyseur")
_PARSER_HUNG = Note(en="the parser stopped responding", fr="l'analyseur ne répondait plus")


@dataclass
class _Damage:
    """What a read could not give, turned into warnings (or the refusal when nothing was read)."""

    declared: int | None  # chunks the file header lists, when the header can be believed
    checksums: bool = True  # False: the file is flagged as having none
    header: bool = False  # the file header's checksum does not match
    whole: int = 0  # whole chunks in the file
    cut: int | None = None  # bytes of a last chunk the file ends inside
    skipped: dict[Note, list[int]] = field(default_factory=dict)  # chunks skipped, by reason
    lost: dict[Note, set[int]] = field(default_factory=dict)  # their records, by reason
    records: set[int] = field(default_factory=set)  # records skipped in chunks read
    unnamed: int = 0  # records skipped whose number is unknown
    suspect: list[int] = field(default_factory=list)  # chunks read whose records checksum fails
    unread: list[int] = field(default_factory=list)  # chunks not parsed: the parser was given up

    def __bool__(self) -> bool:
        return bool(
            self.header
            or self.cut is not None
            or self._missing()
            or self.skipped
            or self.records
            or self.unnamed
            or self.suspect
            or self.unread
        )

    def _missing(self) -> bool:
        """The header lists chunks the file does not hold."""
        present = self.whole + (self.cut is not None)
        return self.declared is not None and self.declared > present

    def skip(self, index: int, why: Note, records: list[int]) -> None:
        self.skipped.setdefault(why, []).append(index)
        self.lost.setdefault(why, set()).update(records)

    def refusal(self) -> Message:
        """The one line for a file of which nothing could be read."""
        if self.cut is not None and self.whole == 0:
            return msg(
                "truncated .evtx: the last chunk has {size} of {full} bytes",
                size=self.cut,
                full=CHUNK_SIZE,
            )
        if self._missing() and self.whole == 0:
            return msg(
                "truncated .evtx: the header lists {declared} chunks, the file holds {chunks}",
                declared=self.declared,
                chunks=self.whole,
            )
        if self.header and self.whole == 0:
            return msg("corrupt .evtx: the file header checksum does not match")
        chunks = sum(len(indexes) for indexes in self.skipped.values())
        return msg(
            "corrupt .evtx: no event record could be read "
            "(damaged chunks: {chunks}, damaged records: {records})",
            chunks=chunks,
            records=len(self.records.union(*self.lost.values())) + self.unnamed,
        )

    def notes(self) -> list[Note]:
        out: list[Note] = []
        if self.header:
            out.append(
                Note(
                    en=(
                        "The file header is damaged (its checksum does not match): the chunks "
                        "were read without it, so whether the file is whole is unknown; what the "
                        f"log does not show proves nothing. {_ADVICE.en}"
                    ),
                    fr=(
                        "L'en-tête du fichier est endommagé (sa somme de contrôle ne correspond "
                        "pas)\u00a0: les blocs ont été lus sans lui, on ne sait donc pas si le "
                        "fichier est complet. Ce que le journal ne montre pas ne prouve rien. "
                        f"{_ADVICE.fr}"
                    ),
                )
            )
        if self.cut is not None or self._missing():
            out.append(self._cut_note())
        for why, indexes in self.skipped.items():
            out.append(self._chunks_note(why, indexes, sorted(self.lost[why])))
        if self.records or self.unnamed:
            out.append(self._records_note())
        if self.suspect:
            chunks = _Numbers(self.suspect, ("chunk", "chunks"), ("du bloc", "des blocs"))
            out.append(
                Note(
                    en=(
                        f"The records checksum of {chunks.en} does not match: the events read "
                        f"from {chunks.pick('it', 'them')} may hold damaged values. {_ADVICE.en}"
                    ),
                    fr=(
                        f"La somme de contrôle des enregistrements {chunks.fr} ne correspond "
                        "pas\u00a0: les événements qui en ont été lus peuvent contenir des "
                        f"valeurs endommagées. {_ADVICE.fr}"
                    ),
                )
            )
        if self.unread:
            chunks = _Numbers(self.unread, ("Chunk", "Chunks"), ("Le bloc", "Les blocs"))
            not_read = chunks.pick("n'a pas été lu", "n'ont pas été lus")
            out.append(
                Note(
                    en=(
                        f"{chunks.en} {chunks.pick('was', 'were')} not read: the parser failed on "
                        f"{MAX_FAILURES} chunks before. {_ADVICE.en}"
                    ),
                    fr=(
                        f"{chunks.fr} {not_read}\u00a0: l'analyseur a échoué sur {MAX_FAILURES} "
                        f"blocs avant. {_ADVICE.fr}"
                    ),
                )
            )
        return out

    def _cut_note(self) -> Note:
        if self.cut is None:
            return Note(
                en=(
                    f"The file is cut short: its header lists {self.declared} chunks, the file "
                    f"holds {self.whole}. The events of the missing chunks are not here; what the "
                    f"log does not show proves nothing. {_ADVICE.en}"
                ),
                fr=(
                    f"Le fichier est tronqué\u00a0: son en-tête annonce {self.declared} blocs, le "
                    f"fichier en contient {self.whole}. Les événements des blocs manquants ne sont "
                    f"pas là\u202f; ce que le journal ne montre pas ne prouve rien. {_ADVICE.fr}"
                ),
            )
        chunk, size = self.whole, self.cut
        if self.declared is not None and self.declared > chunk + 1:
            return Note(
                en=(
                    f"The file is cut short: it ends inside chunk {chunk} ({size} of {CHUNK_SIZE} "
                    f"bytes), and its header lists {self.declared} chunks. The events stored from "
                    f"there on are missing; what the log does not show proves nothing. {_ADVICE.en}"
                ),
                fr=(
                    f"Le fichier est tronqué\u00a0: il s'arrête dans le bloc {chunk} ({size} "
                    f"octets sur {CHUNK_SIZE}), et son en-tête annonce {self.declared} blocs. Les "
                    "événements enregistrés à partir de là manquent\u202f; ce que le journal ne "
                    f"montre pas ne prouve rien. {_ADVICE.fr}"
                ),
            )
        return Note(
            en=(
                f"The file is cut short: it ends inside chunk {chunk} ({size} of {CHUNK_SIZE} "
                "bytes). The events stored from there on are missing; what the log does not show "
                f"proves nothing. {_ADVICE.en}"
            ),
            fr=(
                f"Le fichier est tronqué\u00a0: il s'arrête dans le bloc {chunk} ({size} octets "
                f"sur {CHUNK_SIZE}). Les événements enregistrés à partir de là manquent\u202f; ce "
                f"que le journal ne montre pas ne prouve rien. {_ADVICE.fr}"
            ),
        )

    @staticmethod
    def _chunks_note(why: Note, indexes: list[int], lost: list[int]) -> Note:
        chunks = _Numbers(indexes, ("Chunk", "Chunks"), ("Le bloc", "Les blocs"))
        illisible = chunks.pick("est illisible", "sont illisibles")
        if not lost:
            return Note(
                en=f"{chunks.en} could not be read ({why.en}). {_ADVICE.en}",
                fr=f"{chunks.fr} {illisible} ({why.fr}). {_ADVICE.fr}",
            )
        records = _Numbers(lost, ("record", "records"), ("l'enregistrement", "les enregistrements"))
        missing = records.pick("is", "are")
        manque = records.pick("manque", "manquent")
        return Note(
            en=(
                f"{chunks.en} could not be read ({why.en}): {records.en} {missing} missing. "
                f"{_ADVICE.en}"
            ),
            fr=f"{chunks.fr} {illisible} ({why.fr})\u00a0: {records.fr} {manque}. {_ADVICE.fr}",
        )

    def _records_note(self) -> Note:
        count = len(self.records) + self.unnamed
        if self.records:
            records = _Numbers(
                sorted(self.records),
                ("Record", "Records"),
                ("L'enregistrement", "Les enregistrements"),
            )
            en, fr = records.en, records.fr
            if self.unnamed:
                en, fr = f"{en} and {self.unnamed} more", f"{fr} et {self.unnamed} autres"
        else:
            en, fr = f"{count} records", f"{count} enregistrements"
        one = count == 1
        skipped = (
            "could not be read and was skipped" if one else "could not be read and were skipped"
        )
        ignore = "est illisible et a été ignoré" if one else "sont illisibles et ont été ignorés"
        return Note(
            en=f"{en} {skipped}; the other events were read. {_ADVICE.en}",
            fr=f"{fr} {ignore}\u202f; les autres événements ont été lus. {_ADVICE.fr}",
        )


class _Numbers:
    """``Chunk 3`` or ``Chunks 1 to 3, 7`` and the same in French: ranges folded, long lists cut."""

    MAX_RANGES = 12

    def __init__(self, numbers: list[int], en: tuple[str, str], fr: tuple[str, str]):
        ranges: list[tuple[int, int]] = []
        for number in sorted(set(numbers)):
            if ranges and number == ranges[-1][1] + 1:
                ranges[-1] = (ranges[-1][0], number)
            else:
                ranges.append((number, number))
        self.one = len(ranges) == 1 and ranges[0][0] == ranges[0][1]
        shown, rest = ranges[: self.MAX_RANGES], ranges[self.MAX_RANGES :]
        more = sum(last - first + 1 for first, last in rest)

        def spell(to: str) -> str:
            parts = [
                str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}{to}{b}" for a, b in shown
            ]
            return ", ".join(parts)

        self.en = f"{self.pick(*en)} {spell(' to ')}" + (f", and {more} more" if more else "")
        self.fr = f"{self.pick(*fr)} {spell(' à ')}" + (f" et {more} autres" if more else "")

    def pick(self, one: str, many: str) -> str:
        return one if self.one else many


# --- the chunks ---------------------------------------------------------------------------


class _ChunkReader:
    """Checks each chunk and hands the ones worth parsing to the parser, events to the sink."""

    def __init__(self, sink: Collector, parser: _Parser, damage: _Damage):
        self.sink = sink
        self.parser = parser
        self.damage = damage
        self.position = 0  # records met so far, for the collector's messages

    def read(self, index: int, chunk: bytes) -> None:
        damage = self.damage
        if not chunk.strip(b"\0"):  # never written; lost only if the header counts it
            if damage.declared is not None and index < damage.declared:
                damage.skip(index, _BLANK, [])
            return
        if chunk[:8] != CHUNK_MAGIC:
            damage.skip(index, _NOT_A_CHUNK, _walk(chunk)[0])
            return
        (flags,) = struct.unpack_from("<I", chunk, 120)
        checked = damage.checksums and not flags & NO_CRC32
        (stored,) = struct.unpack_from("<I", chunk, 124)
        if checked and zlib.crc32(chunk[128:512], zlib.crc32(chunk[:120])) != stored:
            damage.skip(index, _HEADER_CHECKSUM, _walk(chunk)[0])
            return
        if self.parser.given_up:
            damage.unread.append(index)
            return
        # The records the chunk should hold: as its header lists them, else as framed.
        framed, torn = _walk(chunk)
        expected = _claimed_records(chunk) or framed
        answer = self.parser.parse(chunk)
        if answer is None:
            damage.skip(index, _PARSER_HUNG if self.parser.timed_out else _PARSER_FAILED, expected)
            return
        if answer["failed"] and not answer["events"] and not answer["errors"]:
            damage.skip(index, _PARSER_FAILED, expected)
            return
        if checked and _records_checksum_fails(chunk):
            damage.suspect.append(index)
        read: set[int] = set()
        bad: set[int] = {number for number in answer["errors"] if number is not None}
        unnamed = len(answer["errors"]) - len(bad)
        for fields in answer["events"]:
            self.position += 1
            number = fields["record"]
            if number is not None and number == torn:
                bad.add(number)
            elif self._add(fields):
                if number is not None:
                    read.add(number)
            elif number is None:
                unnamed += 1
            else:
                bad.add(number)
        damage.records.update((bad | set(expected)) - read)
        if not expected:  # nothing tells which records these were
            damage.unnamed += unnamed

    def _add(self, fields: dict[str, Any]) -> bool:
        """Counts one record; False when it lacks what every event has (a damaged record)."""
        event = Event(
            self.position,
            None,
            source=fields["source"],
            id=fields["id"],
            qualifiers=fields["qualifiers"],
            level=fields["level"],
            time=fields["time"],
            computer=fields["computer"],
            user=fields["user"],
            strings=fields["strings"],
            record=fields["record"],
        )
        try:
            self.sink.add(event)
        except ArtifactError:
            return False
        return True


def _claimed_records(chunk: bytes) -> list[int]:
    """The record ids a (checked) chunk header lists, or none when they cannot be right."""
    first, last = struct.unpack_from("<QQ", chunk, 24)
    if first == 0 or last < first or last - first >= _MAX_RECORDS:
        return []
    return list(range(first, last + 1))


def _records_checksum_fails(chunk: bytes) -> bool:
    (free,) = struct.unpack_from("<I", chunk, 48)
    (stored,) = struct.unpack_from("<I", chunk, 52)
    return not CHUNK_HEADER_SIZE <= free <= CHUNK_SIZE or zlib.crc32(chunk[512:free]) != stored


def _walk(chunk: bytes) -> tuple[list[int], int | None]:
    """The records framed whole, in order, and the id of the one the walk stopped at, if torn.

    A record is its signature ``**\\0\\0``, its size, its id, its time, its
    BinXML and its size again; a record whose two sizes disagree was being
    written when the file was copied (libyal's notes), whatever its BinXML says.
    """
    ids: list[int] = []
    offset = CHUNK_HEADER_SIZE
    while offset + 28 <= len(chunk) and chunk[offset : offset + 4] == b"**\0\0":
        size, record = struct.unpack_from("<IQ", chunk, offset + 4)
        end = offset + size
        if size < 28 or end > len(chunk) or struct.unpack_from("<I", chunk, end - 4)[0] != size:
            return ids, record
        ids.append(record)
        offset = end
    return ids, None


# --- the parser's process -----------------------------------------------------------------


def worker_command() -> list[str]:
    """The command line of the parser's process: this Python, :mod:`.evtxworker` as a script."""
    script = Path(evtxworker.__file__)
    return [sys.executable, "-P", str(script), str(MAX_STRINGS), str(FIELD_CAP), str(MEMORY_LIMIT)]


class _Parser:
    """The ``evtx`` parser in a child process, started on the first chunk that needs it."""

    def __init__(self, file: str):
        self.file = file
        self.failures = 0
        self.timed_out = False
        self._process: subprocess.Popen[bytes] | None = None
        self._requests: queue.Queue[bytes | None] = queue.Queue()
        self._answers: queue.Queue[dict[str, Any] | None] = queue.Queue()

    @property
    def given_up(self) -> bool:
        return self.failures >= MAX_FAILURES

    def __enter__(self) -> _Parser:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop(kill=exc is not None)

    def parse(self, chunk: bytes) -> dict[str, Any] | None:
        """The worker's answer for ``chunk``; None when it crashed or took too long on it."""
        if self._process is None:
            self._start()
        self._requests.put(chunk)
        try:
            answer = self._answers.get(timeout=CHUNK_TIMEOUT)
            self.timed_out = False
        except queue.Empty:
            answer, self.timed_out = None, True
        if answer is None or not _is_answer(answer):
            self.failures += 1
            self._stop(kill=True)  # the next chunk gets a fresh process
            return None
        return answer

    def _start(self) -> None:
        debug = os.environ.get("KBASSIST_DEBUG") == "1"
        try:
            process = subprocess.Popen(
                worker_command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=None if debug else subprocess.DEVNULL,
            )
        except OSError as exc:
            raise self._cannot_start(exc.strerror or str(exc)) from None
        self._process = process
        self._requests, self._answers = queue.Queue(), queue.Queue()
        threading.Thread(
            target=_pump, args=(process, self._requests, self._answers), daemon=True
        ).start()
        try:
            ready = self._answers.get(timeout=START_TIMEOUT)
        except queue.Empty:
            ready = None
        if ready != {"ready": True}:
            self._stop(kill=True)
            raise self._cannot_start(msg("it did not start"))

    def _cannot_start(self, reason: str) -> ArtifactError:
        return ArtifactError(
            self.file,
            msg("cannot read .evtx: the evtx parser could not run ({reason})", reason=reason),
        )

    def _stop(self, kill: bool = False) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if kill:
            process.kill()
        self._requests.put(None)  # the pump closes the worker's stdin: it ends on its own
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # The pump, the pipes' only user, closes them once the worker has ended.


_FIELDS = {"record", "source", "id", "qualifiers", "level", "time", "computer", "user", "strings"}


def _is_answer(answer: dict[str, Any]) -> bool:
    """The worker's answer has the shape the reader relies on."""
    events, errors, failed = answer.get("events"), answer.get("errors"), answer.get("failed")
    return (
        isinstance(events, list)
        and isinstance(errors, list)
        and (failed is None or isinstance(failed, str))
        and all(isinstance(e, dict) and e.keys() == _FIELDS for e in events)
        and all(e is None or isinstance(e, int) for e in errors)
    )


def _pump(
    process: subprocess.Popen[bytes],
    requests: queue.Queue[bytes | None],
    answers: queue.Queue[dict[str, Any] | None],
) -> None:
    """Talks to one worker: its ready frame, then a chunk out and its answer back, in turn.

    Runs in a thread of its own, so the reader can stop waiting (and kill the
    worker) whatever the worker does; any failure to talk ends it with None.
    """
    stdin, stdout = process.stdin, process.stdout
    assert stdin is not None and stdout is not None
    try:
        answers.put(_read_frame(stdout))
        while (chunk := requests.get()) is not None:
            stdin.write(struct.pack("<I", len(chunk)) + chunk)
            stdin.flush()
            answers.put(_read_frame(stdout))
    except (OSError, ValueError):
        answers.put(None)
    finally:
        for stream in (stdin, stdout):
            with contextlib.suppress(OSError):
                stream.close()


def _read_frame(stream: IO[bytes]) -> dict[str, Any]:
    head = stream.read(4)
    if len(head) < 4:
        raise ValueError("the worker ended")
    (size,) = struct.unpack("<I", head)
    if size > MAX_ANSWER:
        raise ValueError("the worker's answer is too large")
    data = stream.read(size)
    if len(data) < size:
        raise ValueError("the worker ended")
    answer = json.loads(data)
    if not isinstance(answer, dict):
        raise ValueError("not an answer")
    return answer
