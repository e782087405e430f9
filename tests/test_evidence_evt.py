"""Legacy binary ``.evt`` logs: as Windows 2000 writes them, wrapped, dirty, damaged and cut."""

from __future__ import annotations

import calendar
import json
import struct
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kbassist.cli import main
from kbassist.evidence import ArtifactError, eventlog, read_artifact
from kbassist.evidence.base import Artifact
from kbassist.evidence.eventlog import evtfile
from kbassist.evidence.eventlog.collect import Collector, Event

from .evtgen import (
    AUDIT_FAILURE,
    DIRTY,
    EOF_MARK,
    EOF_SIZE,
    ERROR,
    FIXED_SIZE,
    HEADER_SIZE,
    INFORMATION,
    LOGFULL,
    PADDING,
    WARNING,
    WRAP,
    EvtEvent,
    EvtWriter,
    backup,
    build_evt,
    event_id,
    record_bytes,
)
from .test_evidence_eventlog import FUZZ, GUID_DOMAIN, SAMPLES, head_of, parse_or_refuse, write

ADVICE = "Ask for a fresh copy: in Event Viewer, Action > Save Log File As."
NINE = event_id(9671)  # 0xC00025C7: severity error, the message compiler's code 9671
SMTP_4000 = event_id(4000, severity=2)  # 0x80000FA0: a warning
LIMIT = EvtEvent("MSExchangeIS", NINE, user_sid="S-1-5-18", strings=("SYSTEM", "8"))
GUID_4000 = EvtEvent("smtpsvc", SMTP_4000, WARNING, strings=(GUID_DOMAIN, "DNS"))


def other_4000(n: int) -> EvtEvent:
    return EvtEvent("smtpsvc", SMTP_4000, WARNING, strings=(f"contoso{n}.com", "DNS"))


def facts(path: Path) -> dict[str, object]:
    return eventlog.parse(path).summary()["facts"]


def warnings(path: Path) -> list[str]:
    return [note.en for note in eventlog.parse(path).warnings]


class _Recording(Collector):
    """The Collector the reader feeds, noting every record number (its details keep 100 a key)."""

    def __init__(self, path: Path) -> None:
        super().__init__(Artifact(path, "event-log"))
        self.numbers: list[int] = []

    def add(self, event: Event) -> None:
        assert event.record is not None
        self.numbers.append(event.record)
        super().add(event)


def numbers(path: Path) -> list[int]:
    """The record numbers read, in the order read."""
    sink = _Recording(path)
    evtfile.read(path, sink)
    return sink.numbers


def error_of(path: Path) -> str:
    with pytest.raises(ArtifactError) as caught:
        eventlog.parse(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path) and problem.line is None
    return problem.message


def header_fields(data: bytes) -> tuple[int, ...]:
    return struct.unpack_from("<I4s10I", data)


# --- the generator writes what the format documents -----------------------------------------


def test_a_record_is_laid_out_as_eventlogrecord_documents() -> None:
    """One record spelled out field by field from Microsoft's EVENTLOGRECORD and libyal's notes."""
    when = calendar.timegm((2000, 10, 30, 14, 10, 10))
    event = EvtEvent("smtpsvc", 0x80000FA0, WARNING, computer="MAIL01", time=when, strings=("a.b",))
    names = "smtpsvc\0".encode("utf-16-le") + "MAIL01\0".encode("utf-16-le")  # 16 + 14 bytes
    assert FIXED_SIZE + len(names) == 86  # the SID (none here) starts on a DWORD boundary: 88
    strings = "a.b\0".encode("utf-16-le")  # 88 .. 96
    expected = (
        struct.pack("<I", 100)  # Length: 96 rounded to a DWORD, then the trailing copy
        + b"LfLe"
        + struct.pack("<IIII", 7, when, when, 0x80000FA0)  # RecordNumber, times, EventID
        + struct.pack("<HHHH", WARNING, 1, 0, 0)  # EventType, NumStrings, category, flags
        + struct.pack("<I", 0)  # ClosingRecordNumber
        + struct.pack("<IIIII", 88, 0, 88, 0, 96)  # strings, SID length/offset, data size/offset
        + names
        + b"\0\0"
        + strings
        + struct.pack("<I", 100)
    )
    assert record_bytes(event, 7) == expected


def test_the_file_has_the_documented_header_and_end_of_file_record() -> None:
    data = build_evt([LIMIT])
    length = len(record_bytes(LIMIT, 1))
    assert len(data) == 0x10000  # a new log is one 64 KiB step long
    assert header_fields(data) == (
        0x30,
        b"LfLe",
        1,
        1,
        0x30,
        0x30 + length,
        2,
        1,
        0x10000,
        0,
        0,
        0x30,
    )
    eof = data[0x30 + length : 0x30 + length + EOF_SIZE]
    assert eof == EOF_MARK + struct.pack("<5I", 0x30, 0x30 + length, 2, 1, 0x28)
    assert set(data[0x30 + length + EOF_SIZE :]) == {0}


def test_a_full_log_wraps_splits_records_and_pads_as_the_service_does() -> None:
    writer = EvtWriter(max_size=0x1000)
    for n in range(200):
        writer.write(other_4000(n))
    data = writer.file()
    start, end = header_fields(data)[4:6]
    assert start > end and header_fields(data)[9] & WRAP  # the oldest record lies after the EOF
    assert data[end : end + EOF_SIZE] == EOF_MARK + struct.pack(
        "<5I", start, end, writer.current, writer.oldest, 0x28
    )
    split = [r for r in writer.live if r.offset + r.length > len(data)]
    padded = data.rfind(PADDING * 2)
    assert split or padded > 0  # either a record goes on after the header, or the end is padded


# --- recognising the format ------------------------------------------------------------------


def test_detected_by_its_header(tmp_path: Path) -> None:
    path = write(tmp_path, "AppEvent.Evt", build_evt([LIMIT]))
    assert eventlog.detect(head_of(path))
    assert evtfile.detect(head_of(path))
    assert read_artifact(write(tmp_path, "log.bin", build_evt([LIMIT]))).kind == "event-log"


@pytest.mark.parametrize(
    "change",
    [
        (0, struct.pack("<I", 0x2C)),  # HeaderSize
        (4, b"LfLf"),
        (8, struct.pack("<I", 2)),  # MajorVersion
        (12, struct.pack("<I", 0)),  # MinorVersion
    ],
)
def test_another_header_is_not_claimed(tmp_path: Path, change: tuple[int, bytes]) -> None:
    data = bytearray(build_evt([LIMIT]))
    at, value = change
    data[at : at + len(value)] = value
    assert not evtfile.detect(head_of(write(tmp_path, "x.evt", bytes(data))))


@pytest.mark.parametrize("name", ["event-9671.txt", "events-smtp.csv", "winsock-ok.reg"])
def test_text_exports_are_not_claimed(name: str) -> None:
    assert not evtfile.detect(head_of(SAMPLES / name))


# --- a whole log ------------------------------------------------------------------------------


def test_a_plain_log_gives_the_facts_of_the_text_exports(tmp_path: Path) -> None:
    """The 9671 limit and account, and the smtpsvc _GUID_D domain, read from insertion strings."""
    events = [LIMIT, GUID_4000, other_4000(1), EvtEvent("MSExchangeIS", 9671, INFORMATION)]
    path = write(tmp_path, "AppEvent.Evt", build_evt(events))
    artifact = eventlog.parse(path)
    summary = artifact.summary()
    assert summary["facts"] == {
        "event.msexchangeis-9671.count": 2,  # EventID 0xC00025C7, and a bare 9671
        "event.smtpsvc-4000.count": 2,
        "event.smtpsvc-4000.guid-domain": True,
        "event.msexchangeis-9671.configured-max": 8,
        "event.msexchangeis-9671.accounts": ["SYSTEM"],
    }
    assert summary["notes"] == [] and summary["warnings"] == []
    assert {o.source for o in artifact.observations} == {str(path)}  # no lines in a binary log
    first, smtp, _, bare = summary["events"]
    assert first == {
        "source": "MSExchangeIS",
        "id": 9671,
        "level": "Error",
        "time": "2006-03-02T05:01:57Z",
        "computer": "EXCH01",
        "user": "S-1-5-18",
        "strings": ["SYSTEM", "8"],
        "record": 1,
    }
    assert smtp["level"] == "Warning" and smtp["strings"] == [GUID_DOMAIN, "DNS"]
    assert smtp["user"] is None and smtp["record"] == 2
    assert bare["level"] == "Information" and bare["id"] == 9671


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (event_id(9671, severity=0), 9671),
        (event_id(9671, severity=1, customer=True), 9671),
        (event_id(9671, severity=3, facility=0xFFF), 9671),
        (0xFFFF0000 | 4000, 4000),
    ],
)
def test_the_event_id_is_its_low_16_bits(tmp_path: Path, raw: int, shown: int) -> None:
    path = write(tmp_path, "a.evt", build_evt([EvtEvent("MSExchangeIS", raw)]))
    assert facts(path) == {f"event.msexchangeis-{shown}.count": 1}
    # no insertion strings, no message: the configured maximum is unknown, and a note says so
    notes = [note.en for note in eventlog.parse(path).notes]
    assert notes == (["This export holds no message text"] if shown == 9671 else []) or (
        len(notes) == 1 and notes[0].startswith("This export holds no message text")
    )


def test_types_and_sids_as_event_viewer_shows_them(tmp_path: Path) -> None:
    sid = "S-1-5-21-3623811015-3361044348-30300820-1013"
    events = [
        EvtEvent("Security", 529, AUDIT_FAILURE, user_sid=sid),
        EvtEvent("Security", 528, 0x8),
        EvtEvent("Odd", 1, 0x3),
        EvtEvent("Odd", 2, 0x0),
    ]
    details = eventlog.parse(write(tmp_path, "s.evt", build_evt(events))).details["events"]
    assert [e["level"] for e in details] == [
        "Failure Audit",
        "Success Audit",
        "0x0003",
        "Information",
    ]
    assert details[0]["user"] == sid


def test_reactos_zero_offsets_for_no_sid_and_no_data_read_the_same(tmp_path: Path) -> None:
    events = [LIMIT, GUID_4000, EvtEvent("smtpsvc", SMTP_4000, data=b"\x01\x02\x03")]
    windows = write(tmp_path, "w.evt", build_evt(events))
    reactos = write(tmp_path, "r.evt", build_evt(events, zero_absent_offsets=True))
    assert windows.read_bytes() != reactos.read_bytes()
    assert eventlog.parse(windows).summary() | {"path": ""} == eventlog.parse(reactos).summary() | {
        "path": ""
    }


def test_an_empty_log_has_no_facts_and_no_warnings(tmp_path: Path) -> None:
    fresh = write(tmp_path, "new.evt", build_evt([]))
    saved = write(tmp_path, "saved.evt", backup([]))
    assert len(saved.read_bytes()) == HEADER_SIZE + EOF_SIZE  # header + EOF only
    for path in (fresh, saved):
        summary = eventlog.parse(path).summary()
        assert summary["facts"] == {} and summary["warnings"] == [] and summary["notes"] == []


@pytest.mark.parametrize("max_size", [0x800, 0x1004, 0x2FFC, 0x3000, 0x10000])
def test_odd_sizes_wrapped_or_not_read_every_record(tmp_path: Path, max_size: int) -> None:
    writer = EvtWriter(max_size=max_size)
    for n in range(120):
        writer.write(LIMIT if n % 7 == 0 else other_4000(n))
    path = write(tmp_path, "odd.evt", writer.file())
    assert numbers(path) == [r.number for r in writer.live]
    found = facts(path)
    assert found["event.smtpsvc-4000.count"] + found["event.msexchangeis-9671.count"] == len(
        writer.live
    )
    assert warnings(path) == []


def test_a_saved_copy_just_long_enough_reads_whole(tmp_path: Path) -> None:
    path = write(tmp_path, "saved.evt", backup([LIMIT, GUID_4000, other_4000(2)]))
    assert len(path.read_bytes()) % 0x10000 != 0
    assert facts(path)["event.smtpsvc-4000.count"] == 2 and warnings(path) == []


def wrapped_log(max_size: int = 0x1000, count: int = 300, pad: int = 0) -> EvtWriter:
    writer = EvtWriter(max_size=max_size)
    for n in range(count):
        text = "x" * ((n * 7 + pad) % 61)
        writer.write(EvtEvent("smtpsvc", SMTP_4000, WARNING, strings=(f"d{n}.com", text)))
    return writer


@pytest.mark.parametrize("pad", range(12))
def test_a_wrapped_log_reads_from_its_oldest_record_round_to_its_newest(
    tmp_path: Path, pad: int
) -> None:
    """Across pads, records are split at every place: in the strings, the data, the length copy."""
    writer = wrapped_log(pad=pad)
    path = write(tmp_path, "wrapped.evt", writer.file())
    start, end = header_fields(path.read_bytes())[4:6]
    assert start > end
    artifact = eventlog.parse(path)
    assert artifact.warnings == []
    assert artifact.summary()["facts"]["event.smtpsvc-4000.count"] == len(writer.live)
    assert numbers(path) == [r.number for r in writer.live]


def test_wrapped_logs_split_records_and_the_eof_record_somewhere() -> None:
    """The cases the test above covers, checked on the generator's own bookkeeping."""
    split_records = split_eofs = padded = 0
    for pad in range(12):
        writer = wrapped_log(pad=pad)
        size = len(writer.file())
        split_records += any(r.offset + r.length > size for r in writer.live)
        split_eofs += writer.end + EOF_SIZE > size
        padded += writer.file()[size - 4 :] == PADDING
    assert split_records and padded
    assert split_eofs or split_records >= 6


def test_an_eof_record_split_across_the_end_of_the_file(tmp_path: Path) -> None:
    for pad in range(200):
        writer = wrapped_log(count=40 + pad, pad=pad)
        size = len(writer.file())
        if size - EOF_SIZE < writer.end < size:
            break
    else:
        pytest.fail("no log with its end-of-file record split")
    path = write(tmp_path, "split-eof.evt", writer.file())
    assert numbers(path) == [r.number for r in writer.live] and warnings(path) == []


# --- a copy of a live log ---------------------------------------------------------------------


def test_a_dirty_log_is_read_through_its_end_of_file_record(tmp_path: Path) -> None:
    writer = EvtWriter(max_size=0x1000)
    writer.write(LIMIT)
    writer.open()  # the header on disk stays as it was: one record, marked dirty
    for n in range(80):  # enough to wrap since
        writer.write(other_4000(n))
    writer.write(GUID_4000)
    data = writer.file()
    assert header_fields(data)[9] & DIRTY and header_fields(data)[6] == 2  # stale
    path = write(tmp_path, "live-copy.evt", data)
    artifact = eventlog.parse(path)
    assert artifact.warnings == []
    assert "marked dirty" in artifact.notes[0].en and "n'était pas à jour" in artifact.notes[0].fr
    assert numbers(path) == [r.number for r in writer.live]
    assert artifact.summary()["facts"]["event.smtpsvc-4000.guid-domain"] is True


def test_a_dirty_log_without_its_end_of_file_record_is_recovered_by_signature(
    tmp_path: Path,
) -> None:
    writer = EvtWriter()
    writer.write(LIMIT)
    writer.open()
    for n in range(5):
        writer.write(other_4000(n))
    data = bytearray(writer.file())
    data[writer.end : writer.end + EOF_SIZE] = bytes(EOF_SIZE)  # the EOF record not yet on disk
    path = write(tmp_path, "torn.evt", bytes(data))
    assert numbers(path) == [1, 2, 3, 4, 5, 6]
    (warning,) = warnings(path)
    assert warning.startswith("The file has no end-of-file record")
    assert "6 records were read" in warning and ADVICE in warning


# --- damaged records --------------------------------------------------------------------------


def plain_log(count: int = 6) -> tuple[bytes, dict[int, int]]:
    writer = EvtWriter()
    for n in range(count):
        writer.write(LIMIT if n == 2 else other_4000(n))
    return writer.file(), writer.offsets()


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        (4, b"LfXe", "no record signature"),
        (0, struct.pack("<I", 0x7FFFFFF0), "an impossible length"),
        (0, struct.pack("<I", 3), "an impossible length"),
    ],
)
def test_a_record_that_is_not_one_is_skipped_with_a_warning(
    tmp_path: Path, field: int, value: bytes, reason: str
) -> None:
    data, offsets = plain_log()
    data = bytearray(data)
    at = offsets[4] + field
    data[at : at + len(value)] = value
    path = write(tmp_path, "damaged.evt", bytes(data))
    assert numbers(path) == [1, 2, 3, 5, 6]
    (warning,) = warnings(path)
    size = offsets[5] - offsets[4]
    assert warning == (
        "1 damaged place skipped, the events there are not counted: "
        f"{size} bytes at offset 0x{offsets[4]:08x}, after record 3 ({reason}). {ADVICE}"
    )
    assert facts(path)["event.msexchangeis-9671.count"] == 1


def test_a_record_whose_length_copy_disagrees_is_skipped(tmp_path: Path) -> None:
    data, offsets = plain_log()
    data = bytearray(data)
    data[offsets[3] - 4 : offsets[3]] = b"\0\0\0\0"  # record 2's trailing copy, zeroed
    path = write(tmp_path, "copy.evt", bytes(data))
    assert numbers(path) == [1, 3, 4, 5, 6]
    (warning,) = warnings(path)
    assert "after record 1 (the copy of its length at its end differs)" in warning


def test_a_framed_record_with_unreadable_names_costs_only_itself(tmp_path: Path) -> None:
    data, offsets = plain_log()
    data = bytearray(data)
    length = struct.unpack_from("<I", data, offsets[2])[0]
    body = slice(offsets[2] + FIXED_SIZE, offsets[2] + length - 4)
    data[body] = b"A" * (body.stop - body.start)  # no NUL: the names never end
    path = write(tmp_path, "names.evt", bytes(data))
    assert numbers(path) == [1, 3, 4, 5, 6]
    assert "(its source or computer name is not terminated)" in warnings(path)[0]


def test_a_record_with_no_source_is_damaged_not_the_whole_file(tmp_path: Path) -> None:
    writer = EvtWriter().write_all([LIMIT, EvtEvent("", 1), GUID_4000])
    path = write(tmp_path, "nosource.evt", writer.file())
    assert numbers(path) == [1, 3]
    assert "(it names no source)" in warnings(path)[0]


def test_insertion_strings_cut_short_are_read_and_said(tmp_path: Path) -> None:
    data, offsets = plain_log()
    data = bytearray(data)
    data[offsets[3] + 26 : offsets[3] + 28] = struct.pack("<H", 5)  # NumStrings 2 -> 5
    path = write(tmp_path, "strings.evt", bytes(data))
    assert numbers(path) == [1, 2, 3, 4, 5, 6]
    artifact = eventlog.parse(path)
    # the two strings there, then the record's alignment padding read as one empty string
    assert artifact.details["events"][2]["strings"] == ["SYSTEM", "8", ""]
    (warning,) = artifact.warnings
    assert warning.en.startswith("Some insertion strings are cut short in record 3:")
    assert warning.fr.startswith("Des chaînes d'insertion sont tronquées dans l'enregistrement 3")


def test_many_damaged_places_are_counted_not_all_named(tmp_path: Path) -> None:
    writer = EvtWriter()
    for n in range(40):
        writer.write(other_4000(n))
    data = bytearray(writer.file())
    for number in range(2, 40, 3):
        at = writer.offsets()[number] + 4
        data[at : at + 4] = b"XXXX"
    (warning,) = warnings(write(tmp_path, "many.evt", bytes(data)))
    assert warning.startswith("13 damaged places skipped")
    assert warning.count("bytes at offset") == 5 and "; and 8 more." in warning


def test_a_log_whose_every_record_is_damaged_cannot_be_used(tmp_path: Path) -> None:
    writer = EvtWriter().write_all([other_4000(1), other_4000(2)])
    data = bytearray(writer.file())
    for offset in writer.offsets().values():
        data[offset + 4 : offset + 8] = b"XXXX"
    message = error_of(write(tmp_path, "all.evt", bytes(data)))
    assert message == "corrupt .evt: none of its records could be read"


def test_a_damaged_header_is_said_but_the_records_are_read(tmp_path: Path) -> None:
    data = bytearray(build_evt([LIMIT]))
    data[44:48] = struct.pack("<I", 7)  # EndHeaderSize
    path = write(tmp_path, "header.evt", bytes(data))
    assert facts(path)["event.msexchangeis-9671.count"] == 1
    assert warnings(path)[0].startswith("The file header is damaged (it closes with 7")


def test_a_clean_header_that_does_not_match_its_eof_record_is_said(tmp_path: Path) -> None:
    writer = EvtWriter().write_all([LIMIT, GUID_4000])
    data = bytearray(writer.file())
    data[20:24] = struct.pack("<I", 0x30)  # EndOffset names the first record, not the EOF record
    path = write(tmp_path, "stale.evt", bytes(data))
    assert numbers(path) == [1, 2]
    assert warnings(path)[0].startswith(
        f"The file header does not match its end-of-file record (the header puts it at "
        f"offset 0x00000030, it is at 0x{writer.end:08x})"
    )


def test_a_log_that_was_full_says_the_newest_events_are_missing(tmp_path: Path) -> None:
    writer = EvtWriter(max_size=0x800, overwrite=False)
    while writer.write(other_4000(writer.current)):
        pass
    data = writer.file()
    assert header_fields(data)[9] & LOGFULL and header_fields(data)[10] == 0xFFFFFFFF
    (warning,) = warnings(write(tmp_path, "full.evt", data))
    assert warning.startswith("The log was full when this copy was taken")


# --- files cut short --------------------------------------------------------------------------


def test_a_file_cut_inside_a_record_is_read_as_partial(tmp_path: Path) -> None:
    data, offsets = plain_log()
    path = write(tmp_path, "cut.evt", data[: offsets[4] + 30])
    assert numbers(path) == [1, 2, 3]
    (warning,) = warnings(path)
    length = offsets[5] - offsets[4]
    assert warning == (
        f"The file is cut short: it ends inside record 4 (offset 0x{offsets[4]:08x}, 30 of its "
        f"{length} bytes); the 3 records before it were read. {ADVICE}"
    )
    fr = eventlog.parse(path).warnings[0].fr
    assert fr.startswith("Le fichier est tronqué\u00a0: il se termine dans l'enregistrement 4")


def test_a_file_cut_between_records_has_no_eof_record(tmp_path: Path) -> None:
    data, offsets = plain_log()
    path = write(tmp_path, "cut.evt", data[: offsets[5]])
    assert numbers(path) == [1, 2, 3, 4]
    (warning,) = warnings(path)
    assert warning.startswith("The file has no end-of-file record")
    assert f"4 records were read, up to offset 0x{offsets[5]:08x}" in warning


def test_a_wrapped_file_cut_before_its_oldest_record_keeps_the_newer_ones(tmp_path: Path) -> None:
    writer = wrapped_log(max_size=0x2000, count=400)
    start, end = writer.start, writer.end
    assert start > end
    cut = end + EOF_SIZE  # right after the end-of-file record: the oldest records are gone
    path = write(tmp_path, "cut.evt", writer.file()[:cut])
    after_header = [r.number for r in writer.live if HEADER_SIZE <= r.offset < end]
    assert numbers(path) == after_header
    (warning,) = warnings(path)
    assert warning.startswith(
        f"The file is cut short: it holds {cut} bytes, but its oldest records "
        f"begin at offset 0x{start:08x}"
    )


def test_a_wrapped_file_cut_after_its_oldest_record_loses_the_cut_ones(tmp_path: Path) -> None:
    writer = wrapped_log(max_size=0x2000, count=400)
    size = len(writer.file())
    cut = (writer.start + size) // 2
    path = write(tmp_path, "cut.evt", writer.file()[:cut])
    got = numbers(path)
    whole = [r.number for r in writer.live if r.offset + r.length <= cut or r.offset < writer.end]
    assert set(got) <= set(whole) and len(got) >= len(whole) - 2
    (warning,) = warnings(path)
    assert "damaged place" in warning and "what follows the header does not complete it" in warning


@pytest.mark.parametrize("size", [16, 30, 47])
def test_a_file_cut_in_its_header_cannot_be_used(tmp_path: Path, size: int) -> None:
    path = write(tmp_path, "h.evt", build_evt([LIMIT])[:size])
    assert eventlog.detect(head_of(path))  # the first 16 bytes say .evt
    assert error_of(path) == f"truncated .evt: the file header has only {size} bytes"


def test_a_file_cut_inside_its_first_record_cannot_be_used(tmp_path: Path) -> None:
    path = write(tmp_path, "first.evt", build_evt([LIMIT, GUID_4000])[: HEADER_SIZE + 70])
    assert error_of(path) == "truncated .evt: the file ends inside its first record"


def test_a_header_alone_or_garbage_after_it_cannot_be_used(tmp_path: Path) -> None:
    header = build_evt([LIMIT])[:HEADER_SIZE]
    assert error_of(write(tmp_path, "a.evt", header)) == (
        "truncated .evt: the file holds only its header"
    )
    garbage = write(tmp_path, "b.evt", header + b"\xa5" * 5000)
    assert error_of(garbage) == "corrupt .evt: no event record and no end-of-file record found"


# --- what a partial file may and may not say -------------------------------------------------


def test_a_partial_file_gives_no_fact_that_rests_on_absence(tmp_path: Path) -> None:
    """No GUID domain among the 4000 events read is not proof: the lost ones may name it."""
    writer = EvtWriter().write_all([other_4000(n) for n in range(6)])
    whole = write(tmp_path, "whole.evt", writer.file())
    assert facts(whole)["event.smtpsvc-4000.guid-domain"] is False
    cut = write(tmp_path, "cut.evt", writer.file()[: writer.offsets()[5] + 20])
    assert facts(cut) == {"event.smtpsvc-4000.count": 4}
    # ...but what the records read do say still counts.
    writer.write(GUID_4000)
    data = bytearray(writer.file())
    data[writer.offsets()[3] + 4] ^= 0xFF
    damaged = write(tmp_path, "damaged.evt", bytes(data))
    assert facts(damaged)["event.smtpsvc-4000.guid-domain"] is True


def test_diagnose_reads_an_evt_and_says_what_was_partial(tmp_path: Path) -> None:
    writer = EvtWriter().write_all([other_4000(1), LIMIT, other_4000(2), GUID_4000])
    data = bytearray(writer.file())
    data[writer.offsets()[3] + 4] ^= 0xFF
    path = write(tmp_path, "AppEvent.Evt", bytes(data))
    for lang, label in [("en", "kbassist: warning: "), ("fr", "kbassist: warning: ")]:
        result = CliRunner().invoke(
            main, ["diagnose", str(path), "--format", "json", "--lang", lang]
        )
        assert result.exit_code == 1  # a cause concluded; a partial file is not exit 2
        report = json.loads(result.stdout)
        (artifact,) = report["artifacts"]
        assert artifact["kind"] == "event-log"
        assert artifact["facts"]["event.msexchangeis-9671.configured-max"] == 8
        assert "notification-registration-limit" in [c["id"] for c in report["causes"]]
        (warning,) = artifact["warnings"]
        assert ("Demandez une nouvelle copie" if lang == "fr" else ADVICE) in warning
        assert result.stderr.startswith(label + str(path)) and result.stderr.count("\n") == 1


def test_text_from_the_file_never_reaches_the_terminal_raw(tmp_path: Path) -> None:
    evil = EvtEvent("MSExchangeIS\x1b[2J", NINE, strings=("SYS\x1b]0;pwn\x07TEM", "8"))
    path = write(tmp_path, "evil.evt", build_evt([evil]))
    result = CliRunner().invoke(main, ["diagnose", str(path), "--format", "text"])
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout


def test_a_cut_file_in_the_cli_is_one_warning_line_and_not_exit_2(tmp_path: Path) -> None:
    data, offsets = plain_log()
    path = write(tmp_path, "cut.evt", data[: offsets[4] + 30])
    result = CliRunner().invoke(main, ["diagnose", str(path)])
    assert result.exit_code == 1
    assert result.stderr == (
        f"kbassist: warning: {path}: The file is cut short: it ends inside record 4 (offset "
        f"0x{offsets[4]:08x}, 30 of its {offsets[5] - offsets[4]} bytes); the 3 records before "
        f"it were read. {ADVICE}\n"
    )
    assert "partly read: The file is cut short" in result.stdout


def test_a_file_that_cannot_be_used_is_exit_2_with_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, "h.evt", build_evt([LIMIT])[:30])
    result = CliRunner().invoke(main, ["diagnose", str(path)])
    assert result.exit_code == 2
    assert result.stderr == f"kbassist: {path}: truncated .evt: the file header has only 30 bytes\n"


# --- fuzzing: damaged files fail cleanly, or read in part with warnings -----------------------


def _seeds() -> list[bytes]:
    dirty = EvtWriter(max_size=0x800)
    dirty.write(LIMIT)
    dirty.open()
    for n in range(40):
        dirty.write(other_4000(n))
    return [
        build_evt([LIMIT, GUID_4000, other_4000(1)])[:2048],
        wrapped_log(max_size=0x800, count=60).file(),
        dirty.file(),
        backup([LIMIT, GUID_4000]),
    ]


SEEDS = _seeds()


def parse_partial_or_refuse(path: Path, data: bytes) -> None:
    parse_or_refuse(path, data)
    try:
        artifact = eventlog.parse(path)
    except ArtifactError:
        return
    for note in artifact.warnings + artifact.notes:
        assert "\n" not in note.en and "\n" not in note.fr
    assert len(artifact.warnings) <= 5


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(HEADER_SIZE - 8, len(data)))
        kind = draw(st.sampled_from(["cut", "flip", "word", "delete", "insert", "repeat"]))
        if kind == "cut":
            del data[at:]
        elif kind == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "word":  # a length, offset or count replaced by any 32-bit value
            data[at : at + 4] = struct.pack("<I", draw(st.integers(0, 0xFFFFFFFF)))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 64))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        else:
            data[at:at] = data[at : at + 120]
    return bytes(data)


@FUZZ
@given(data=damaged())
def test_damaged_evt_files_fail_cleanly_or_read_in_part(tmp_path: Path, data: bytes) -> None:
    parse_partial_or_refuse(tmp_path / "fuzz.evt", data)


@settings(FUZZ, max_examples=150)
@given(tail=st.binary(max_size=3000), words=st.lists(st.integers(0, 0xFFFFFFFF), max_size=10))
def test_any_bytes_behind_an_evt_header_fail_cleanly(
    tmp_path: Path, tail: bytes, words: list[int]
) -> None:
    header = evtfile.MAGIC + b"".join(struct.pack("<I", w) for w in words)
    parse_partial_or_refuse(tmp_path / "fuzz.evt", header + tail)


def test_a_huge_claimed_length_is_not_read_into_memory(tmp_path: Path) -> None:
    """A record claiming 4 GiB is damaged at once, not allocated."""
    data, offsets = plain_log()
    data = bytearray(data)
    data[offsets[2] : offsets[2] + 4] = struct.pack("<I", 0xFFFFFFFC)
    path = write(tmp_path, "huge.evt", bytes(data))
    assert numbers(path) == [1, 3, 4, 5, 6]
    assert "(an impossible length)" in warnings(path)[0]


@st.composite
def service_logs(draw: st.DrawFn) -> EvtWriter:
    """Any log the service could leave: any size, events of any shape, maybe open (dirty)."""
    writer = EvtWriter(
        max_size=draw(st.integers(0x100, 0x1800)) * 4,
        zero_absent_offsets=draw(st.booleans()),
    )
    opened = draw(st.integers(0, 300))
    for n in range(draw(st.integers(0, 300))):
        if n == opened:
            writer.open()
        writer.write(
            EvtEvent(
                draw(st.sampled_from(["MSExchangeIS", "smtpsvc", "Service Control Manager"])),
                draw(st.integers(0, 0xFFFFFFFF)),
                draw(st.sampled_from([ERROR, WARNING, INFORMATION, AUDIT_FAILURE])),
                computer="C" * draw(st.integers(0, 15)),
                user_sid=draw(st.sampled_from([None, "S-1-5-18", "S-1-5-21-1-2-3-500"])),
                strings=tuple("s" * k for k in draw(st.lists(st.integers(0, 80), max_size=4))),
                data=bytes(draw(st.integers(0, 40))),
            )
        )
    return writer


@settings(FUZZ, max_examples=100)
@given(writer=service_logs())
def test_every_log_the_service_writes_reads_whole(writer: EvtWriter, tmp_path: Path) -> None:
    """Wrapped at any place, split anywhere, open or closed: every record, no warning."""
    path = write(tmp_path, "any.evt", writer.file())
    assert numbers(path) == [r.number for r in writer.live]
    assert eventlog.parse(path).warnings == []
