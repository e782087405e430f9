"""Binary .evtx as Windows writes it: flags, stale headers, damaged records and chunks, cut files.

Every file is written byte by byte by tests/evtxgen.py (file header, 64 KiB
chunks, CRC32s, BinXML), then damaged the way copies from live systems and
shadow copies are: a byte changed in a record, a chunk header overwritten, a
chunk zeroed, the file cut. The parser runs in a child process; the tests of
that isolation swap in a worker that really hangs, aborts or over-allocates.
"""

from __future__ import annotations

import json
import struct
import sys
import unicodedata
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbassist.cli import main
from kbassist.evidence import ArtifactError, eventlog
from kbassist.evidence.eventlog import evtxfile, evtxworker

from .evtxgen import (
    CHUNK_HEADER_SIZE,
    CHUNK_SIZE,
    DIRTY,
    FILE_HEADER_SIZE,
    NO_CRC32,
    EventSpec,
    build_evtx,
    record_offsets,
)

GUID_DOMAIN = "_c78290b817c75f4bac724d36582fdeea_D"
EVENTS = [
    EventSpec("MSExchangeIS", 9671, qualifiers=49152, user_sid="S-1-5-18", strings=("SYSTEM", "8")),
    EventSpec("smtpsvc", 4000, strings=(GUID_DOMAIN, "DNS")),
    EventSpec("smtpsvc", 4000, strings=("contoso.com", "DNS")),
    EventSpec("MSExchangeIS", 1000),
    EventSpec("Service Control Manager", 7036, strings=("Print Spooler", "running")),
    EventSpec("MSExchangeIS", 9671, qualifiers=49152, strings=("jdoe", "8")),
]
WHOLE = {
    "event.msexchangeis-9671.count": 2,
    "event.smtpsvc-4000.count": 2,
    "event.msexchangeis-1000.count": 1,
    "event.service-control-manager-7036.count": 1,
    "event.smtpsvc-4000.guid-domain": True,
}
ADVICE = "Ask for a fresh export: in Event Viewer, Save All Events As."
ADVICE_FR = "Enregistrer tous les événements sous"
REFUSED = "; ask for a fresh export (Event Viewer, Save All Events As)"  # ends a refusal


def chunk_at(index: int) -> int:
    return FILE_HEADER_SIZE + index * CHUNK_SIZE


def write(tmp_path: Path, data: bytes | bytearray, name: str = "log.evtx") -> Path:
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


# Read from 9671's insertion strings (.evtx stores no message): checked on their own below,
# left out of the comparisons of what damage keeps.
FROM_STRINGS = ("event.msexchangeis-9671.configured-max", "event.msexchangeis-9671.accounts")


def parse(path: Path) -> tuple[dict[str, object], list[str], list[str]]:
    """Facts but those read from 9671's strings, English warnings and French warnings."""
    artifact = eventlog.parse(path)
    facts = artifact.summary()["facts"]
    return (
        {k: v for k, v in facts.items() if k not in FROM_STRINGS},
        [w.en for w in artifact.warnings],
        [w.fr for w in artifact.warnings],
    )


def refusal(path: Path) -> str:
    with pytest.raises(ArtifactError) as caught:
        eventlog.parse(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path) and problem.line is None
    assert "\n" not in problem.message
    return problem.message


def rechecksum_chunk(data: bytearray, index: int) -> None:
    """Recompute a chunk's checksums, as if Windows had written the changed bytes."""
    at = chunk_at(index)
    free = struct.unpack_from("<I", data, at + 48)[0]
    struct.pack_into("<I", data, at + 52, zlib.crc32(bytes(data[at + 512 : at + free])))
    head = bytes(data[at : at + 120] + data[at + 128 : at + 512])
    struct.pack_into("<I", data, at + 124, zlib.crc32(head))


# --- flags and headers, as Windows writes them -----------------------------------------


def test_a_whole_log_reads_without_warnings(tmp_path: Path) -> None:
    path = write(tmp_path, build_evtx(EVENTS, per_chunk=2))
    facts, warnings, _ = parse(path)
    assert facts == WHOLE and warnings == []
    every = eventlog.parse(path).summary()["facts"]
    assert every["event.msexchangeis-9671.configured-max"] == 8  # %2 of 9671
    assert every["event.msexchangeis-9671.accounts"] == [["SYSTEM"], ["jdoe"]]  # %1


def test_no_crc32_flag_with_zero_checksums_reads_fine(tmp_path: Path) -> None:
    data = build_evtx(EVENTS, per_chunk=2, flags=NO_CRC32)
    assert struct.unpack_from("<II", data, 120) == (NO_CRC32, 0)  # flag set, checksum zero
    for index in range(3):
        assert struct.unpack_from("<I", data, chunk_at(index) + 52)[0] == 0
        assert struct.unpack_from("<II", data, chunk_at(index) + 120) == (NO_CRC32, 0)
    facts, warnings, _ = parse(write(tmp_path, data))
    assert facts == WHOLE and warnings == []


def test_the_file_flag_alone_exempts_the_chunks_too(tmp_path: Path) -> None:
    data = build_evtx(EVENTS, per_chunk=2, flags=NO_CRC32, chunk_flags=0)
    facts, warnings, _ = parse(write(tmp_path, data))
    assert facts == WHOLE and warnings == []


def test_no_crc32_checksums_that_do_not_match_are_not_read(tmp_path: Path) -> None:
    data = bytearray(build_evtx(EVENTS, per_chunk=2, flags=NO_CRC32))
    for at in (124, chunk_at(1) + 52, chunk_at(1) + 124):
        data[at : at + 4] = b"\xde\xad\xbe\xef"
    facts, warnings, _ = parse(write(tmp_path, data))
    assert facts == WHOLE and warnings == []


def test_zero_checksums_without_the_flag_are_damage(tmp_path: Path) -> None:
    """The flag, not zeros alone, is what makes a file without checksums valid."""
    data = bytearray(build_evtx(EVENTS, per_chunk=2, flags=NO_CRC32))
    struct.pack_into("<I", data, 120, 0)
    for index in range(3):
        struct.pack_into("<I", data, chunk_at(index) + 120, 0)
    assert refusal(write(tmp_path, data)) == (
        "corrupt .evtx: no event record could be read (damaged chunks: 3, damaged records: 6)"
        + REFUSED
    )


def test_a_dirty_file_with_a_stale_header_is_read_from_its_chunks(tmp_path: Path) -> None:
    """Copied from a live system: the header still counts one chunk and three records."""
    data = build_evtx(EVENTS, per_chunk=2, flags=DIRTY, header_chunks=1, next_record=3)
    assert struct.unpack_from("<H", data, 42)[0] == 1
    facts, warnings, _ = parse(write(tmp_path, data))
    assert facts == WHOLE and warnings == []


def test_a_damaged_file_header_is_read_around_with_a_warning(tmp_path: Path) -> None:
    data = bytearray(build_evtx(EVENTS, per_chunk=2))
    data[24] ^= 0xFF  # the next record id: its checksum no longer matches
    facts, warnings, fr = parse(write(tmp_path, data))
    assert warnings == [
        "The file header is damaged (its checksum does not match): the chunks were read "
        "without it, so whether the file is whole is unknown; what the log does not show "
        f"proves nothing. {ADVICE}"
    ]
    assert fr[0].startswith("L'en-tête du fichier est endommagé")
    # the whole log was read, but not known to be whole: "no GUID domain" is not said either way
    assert facts == WHOLE


def test_a_damaged_header_of_an_empty_log_is_refused(tmp_path: Path) -> None:
    data = bytearray(build_evtx([]))
    data[24] ^= 0xFF
    assert refusal(write(tmp_path, data)) == (
        "corrupt .evtx: the file header checksum does not match" + REFUSED
    )


# --- damaged records and chunks ----------------------------------------------------------


def test_a_changed_byte_in_one_record_skips_that_record_only(tmp_path: Path) -> None:
    data = bytearray(build_evtx(EVENTS))  # one chunk, six records
    at = record_offsets(data)[2]
    assert data[at + 24] == 0x0F  # the BinXML fragment header token
    data[at + 24] = 0xFF
    facts, warnings, fr = parse(write(tmp_path, data))
    assert facts == {
        "event.msexchangeis-9671.count": 2,
        "event.smtpsvc-4000.count": 1,  # record 3 (contoso.com); record 2 was the GUID one
        "event.msexchangeis-1000.count": 1,
        "event.service-control-manager-7036.count": 1,
        # a partial log never says that no event names a GUID domain
    }
    assert warnings == [
        f"Record 2 could not be read and was skipped; the other events were read. {ADVICE}",
        "The records checksum of chunk 0 does not match: the events read from it may hold "
        f"damaged values. {ADVICE}",
    ]
    assert fr[0] == (
        "L'enregistrement 2 est illisible et a été ignoré\u202f; les autres événements ont été "
        "lus. Demandez une nouvelle exportation\u00a0: dans l'Observateur d'événements, "
        "«\u00a0Enregistrer tous les événements sous\u00a0»."
    )


def test_a_whole_log_says_when_no_event_names_a_guid_domain(tmp_path: Path) -> None:
    specs = [EventSpec("smtpsvc", 4000, strings=("contoso.com",)), EventSpec("MSExchangeIS", 1000)]
    facts, _, _ = parse(write(tmp_path, build_evtx(specs)))
    assert facts["event.smtpsvc-4000.guid-domain"] is False


def test_a_partial_log_does_not_say_that_no_event_names_a_guid_domain(tmp_path: Path) -> None:
    specs = [EventSpec("smtpsvc", 4000, strings=("contoso.com",)), EventSpec("MSExchangeIS", 1000)]
    data = bytearray(build_evtx(specs))
    data[record_offsets(data)[2] + 24] = 0xFF
    facts, warnings, _ = parse(write(tmp_path, data))
    assert facts == {"event.smtpsvc-4000.count": 1} and warnings


def test_a_record_whose_data_parses_but_whose_checksum_fails_is_read_with_a_warning(
    tmp_path: Path,
) -> None:
    data = bytearray(build_evtx(EVENTS))
    at = data.index("contoso".encode("utf-16-le"))
    data[at : at + 2] = "k".encode("utf-16-le")  # one character of a string: still valid BinXML
    facts, warnings, _ = parse(write(tmp_path, data))
    assert facts == WHOLE
    assert warnings == [
        "The records checksum of chunk 0 does not match: the events read from it may hold "
        f"damaged values. {ADVICE}"
    ]


@pytest.mark.parametrize(
    ("offset", "value", "why"),
    [
        (8, b"\x07", "header checksum mismatch"),  # first record number
        (200, b"\x01\x02", "header checksum mismatch"),  # the common string offsets
        (0, b"ElfXXXX\0", "no ElfChnk signature"),
    ],
)
def test_a_damaged_chunk_header_skips_that_chunk_only(
    tmp_path: Path, offset: int, value: bytes, why: str
) -> None:
    data = bytearray(build_evtx(EVENTS, per_chunk=2))
    at = chunk_at(1) + offset
    data[at : at + len(value)] = value
    facts, warnings, fr = parse(write(tmp_path, data))
    assert facts == {  # records 3 and 4 were in chunk 1; chunk 2 is read after it
        "event.msexchangeis-9671.count": 2,
        "event.smtpsvc-4000.count": 1,
        "event.service-control-manager-7036.count": 1,
        "event.smtpsvc-4000.guid-domain": True,
    }
    assert warnings == [f"Chunk 1 could not be read ({why}): records 3, 4 are missing. {ADVICE}"]
    assert fr[0].startswith("Le bloc 1 est illisible (")
    assert "\u00a0: les enregistrements 3, 4 manquent." in fr[0]


def test_a_zeroed_chunk_inside_the_log_is_named(tmp_path: Path) -> None:
    data = bytearray(build_evtx(EVENTS, per_chunk=2))
    data[chunk_at(1) : chunk_at(2)] = bytes(CHUNK_SIZE)
    facts, warnings, _ = parse(write(tmp_path, data))
    assert (
        "event.msexchangeis-1000.count" not in facts and facts["event.msexchangeis-9671.count"] == 2
    )
    assert warnings == [f"Chunk 1 could not be read (only zero bytes). {ADVICE}"]


def test_zero_chunks_after_the_ones_the_header_counts_are_free_space(tmp_path: Path) -> None:
    data = build_evtx(EVENTS, per_chunk=2) + bytes(2 * CHUNK_SIZE)
    facts, warnings, _ = parse(write(tmp_path, data))
    assert facts == WHOLE and warnings == []


def test_a_record_framed_wrong_skips_it_and_keeps_the_chunk(tmp_path: Path) -> None:
    data = bytearray(build_evtx(EVENTS, per_chunk=3))
    offsets = record_offsets(data)
    size = struct.unpack_from("<I", data, offsets[5] + 4)[0]
    struct.pack_into("<I", data, offsets[5] + size - 4, 0)  # its size copy: a torn write
    rechecksum_chunk(data, 1)  # the damage is in the record, not in the checksums
    facts, warnings, _ = parse(write(tmp_path, data))
    assert facts == {  # record 5 (event 7036) is gone; record 6, after it, is read
        "event.msexchangeis-9671.count": 2,
        "event.smtpsvc-4000.count": 2,
        "event.msexchangeis-1000.count": 1,
        "event.smtpsvc-4000.guid-domain": True,
    }
    assert warnings == [
        f"Record 5 could not be read and was skipped; the other events were read. {ADVICE}"
    ]


def test_many_damaged_records_are_listed_as_ranges(tmp_path: Path) -> None:
    specs = [EventSpec("MSExchangeIS", 9671, strings=("SYSTEM", "8"))] * 40
    data = bytearray(build_evtx(specs))
    offsets = record_offsets(data)
    for record in [*range(3, 9), 12, 20, *range(30, 33)]:
        data[offsets[record] + 24] = 0xFF
    facts, warnings, _ = parse(write(tmp_path, data))
    assert facts == {"event.msexchangeis-9671.count": 29}
    assert warnings[0].startswith(
        "Records 3 to 8, 12, 20, 30 to 32 could not be read and were skipped; "
    )


# --- cut files ---------------------------------------------------------------------------


def test_a_file_cut_inside_its_last_chunk_is_read_as_partial(tmp_path: Path) -> None:
    data = build_evtx(EVENTS, per_chunk=2)
    facts, warnings, fr = parse(write(tmp_path, data[: chunk_at(2) + 5000]))
    assert facts == {
        "event.msexchangeis-9671.count": 1,
        "event.smtpsvc-4000.count": 2,
        "event.msexchangeis-1000.count": 1,
        "event.smtpsvc-4000.guid-domain": True,  # seen: a fact that rests on presence
    }
    assert warnings == [
        "The file is cut short: it ends inside chunk 2 (5000 of 65536 bytes). The events stored "
        f"from there on are missing; what the log does not show proves nothing. {ADVICE}"
    ]
    assert fr[0].startswith("Le fichier est tronqué\u00a0: il s'arrête dans le bloc 2 (5000 octets")


def test_a_file_cut_at_a_chunk_boundary_is_read_as_partial(tmp_path: Path) -> None:
    data = build_evtx(EVENTS, per_chunk=2)
    facts, warnings, _ = parse(write(tmp_path, data[: chunk_at(1)]))
    assert facts == {
        "event.msexchangeis-9671.count": 1,
        "event.smtpsvc-4000.count": 1,
        "event.smtpsvc-4000.guid-domain": True,
    }
    assert warnings == [
        "The file is cut short: its header lists 3 chunks, the file holds 1. The events of the "
        f"missing chunks are not here; what the log does not show proves nothing. {ADVICE}"
    ]


def test_a_cut_that_leaves_no_whole_chunk_is_refused(tmp_path: Path) -> None:
    data = build_evtx(EVENTS, per_chunk=2)
    assert refusal(write(tmp_path, data[: chunk_at(0) + 5000])) == (
        "truncated .evtx: the last chunk has 5000 of 65536 bytes" + REFUSED
    )
    assert refusal(write(tmp_path, data[:FILE_HEADER_SIZE])) == (
        "truncated .evtx: the header lists 3 chunks, the file holds 0" + REFUSED
    )
    assert refusal(write(tmp_path, data[:3000])) == (
        "truncated .evtx: the file header has only 3000 bytes" + REFUSED
    )


def test_a_log_of_only_damaged_chunks_is_refused(tmp_path: Path) -> None:
    data = bytearray(build_evtx(EVENTS, per_chunk=3))
    data[chunk_at(0) + 8] ^= 1
    data[chunk_at(1) : chunk_at(1) + 8] = bytes(8)
    assert refusal(write(tmp_path, data)) == (
        "corrupt .evtx: no event record could be read (damaged chunks: 2, damaged records: 6)"
        + REFUSED
    )


# --- through the command line: warnings, report forms, exit codes ------------------------


def damaged_log(tmp_path: Path) -> Path:
    """Event 9671 read (the cause is concluded), one record damaged."""
    data = bytearray(build_evtx(EVENTS))
    data[record_offsets(data)[3] + 24] = 0xFF
    return write(tmp_path, data, "app.evtx")


def test_the_cli_warns_on_stderr_and_the_good_part_earns_its_exit_code(tmp_path: Path) -> None:
    path = damaged_log(tmp_path)
    result = CliRunner().invoke(main, ["diagnose", "--format", "json", str(path)])
    assert result.exit_code == 1  # the 9671 records were read: the cause is concluded
    report = json.loads(result.stdout)
    assert "notification-registration-limit" in [c["id"] for c in report["causes"]]
    (artifact,) = report["artifacts"]
    assert artifact["warnings"][0].startswith("Record 3 could not be read and was skipped")
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"kbassist: warning: {path}: Record 3 could not be read and was skipped; the other "
        f"events were read. {ADVICE}"
    )
    assert all(line.startswith(f"kbassist: warning: {path}: ") for line in lines)


def test_text_and_french_reports_carry_the_warning(tmp_path: Path) -> None:
    path = damaged_log(tmp_path)
    text = CliRunner().invoke(main, ["diagnose", str(path)]).stdout
    assert "partly read: Record 3 could not be read and was skipped" in text
    result = CliRunner().invoke(main, ["diagnose", "--lang", "fr", "--format", "json", str(path)])
    (warning, *_) = json.loads(result.stdout)["artifacts"][0]["warnings"]
    assert warning.startswith("L'enregistrement 3 est illisible et a été ignoré\u202f;")
    assert ADVICE_FR in warning
    french = CliRunner().invoke(main, ["diagnose", "--lang", "fr", str(path)]).stdout
    assert "lu en partie\u00a0: L'enregistrement 3 est illisible" in french


def test_the_cli_refuses_a_log_with_nothing_readable_in_one_line(tmp_path: Path) -> None:
    path = write(tmp_path, build_evtx(EVENTS)[: chunk_at(0) + 700], "cut.evtx")
    result = CliRunner().invoke(main, ["diagnose", "--format", "json", str(path)])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"kbassist: {path}: truncated .evtx: the last chunk has 700 of 65536 bytes{REFUSED}\n"
    )


# --- the parser's process: hangs, crashes and allocations stay in it ---------------------

FAKE_WORKER = """
import os, sys, time
sys.path.insert(0, {folder!r})
import evtxworker

MARK = "TRAP".encode("utf-16-le")  # the provider name of the events to choke on
max_strings, max_chars, memory = (int(arg) for arg in sys.argv[1:])
evtxworker.limit_memory(memory)
parse = evtxworker.chunk_parser(max_strings, max_chars)

def choking(chunk):
    if MARK in chunk:
        {action}
    return parse(chunk)

evtxworker.serve(choking, sys.stdin.buffer, sys.stdout.buffer)
"""


def fake_worker(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, action: str) -> None:
    script = tmp_path / "worker.py"
    folder = str(Path(evtxworker.__file__).parent)
    script.write_text(FAKE_WORKER.format(folder=folder, action=action), encoding="utf-8")
    command = evtxfile.worker_command()[3:]  # the real worker's arguments
    monkeypatch.setattr(evtxfile, "worker_command", lambda: [sys.executable, str(script), *command])


TRAPPED = [
    EventSpec("MSExchangeIS", 9671, strings=("SYSTEM", "8")),
    EventSpec("TRAP", 1),
    EventSpec("smtpsvc", 4000, strings=("contoso.com",)),
]


@pytest.mark.parametrize(
    ("action", "why"),
    [
        ("os.abort()", "the parser failed"),  # what Rust does when an allocation fails
        ("bytearray(4 * memory)", "the parser failed"),  # past the memory limit
        ("time.sleep(3600)", "the parser stopped responding"),
    ],
)
def test_a_chunk_that_kills_or_hangs_the_parser_loses_only_that_chunk(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, action: str, why: str
) -> None:
    monkeypatch.setattr(evtxfile, "CHUNK_TIMEOUT", 2.0)
    fake_worker(monkeypatch, tmp_path, action)
    facts, warnings, _ = parse(write(tmp_path, build_evtx(TRAPPED, per_chunk=1)))
    assert facts == {
        "event.msexchangeis-9671.count": 1,
        "event.smtpsvc-4000.count": 1,  # chunk 2, read by a fresh parser process
    }
    assert warnings == [f"Chunk 1 could not be read ({why}): record 2 is missing. {ADVICE}"]


def test_the_parser_is_given_up_after_three_failures(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_worker(monkeypatch, tmp_path, "os.abort()")
    specs = [TRAPPED[0], *[TRAPPED[1]] * 3, TRAPPED[2], TRAPPED[2]]
    facts, warnings, fr = parse(write(tmp_path, build_evtx(specs, per_chunk=1)))
    assert facts == {"event.msexchangeis-9671.count": 1}
    assert warnings == [
        "Chunks 1 to 3 could not be read (the parser failed): records 2 to 4 are missing. "
        f"{ADVICE}",
        f"Chunks 4, 5 were not read: the parser failed on 3 chunks before. {ADVICE}",
    ]
    assert fr[1].startswith("Les blocs 4, 5 n'ont pas été lus\u00a0:")


def test_a_parser_that_cannot_start_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(evtxfile, "worker_command", lambda: [sys.executable, "-c", "pass"])
    message = refusal(write(tmp_path, build_evtx(EVENTS)))
    assert message == "cannot read .evtx: the evtx parser could not run (it did not start)"


def test_the_worker_reads_one_chunk_into_the_fields_the_reader_keeps() -> None:
    data = build_evtx(EVENTS[:2])
    parse_chunk = evtxworker.chunk_parser(max_strings=1, max_chars=4)
    answer = parse_chunk(data[chunk_at(0) : chunk_at(1)])
    assert answer["failed"] is None and answer["errors"] == []
    first, second = answer["events"]
    assert first == {
        "record": 1,
        "source": "MSEx",
        "id": "9671",
        "qualifiers": "4915",  # capped at max_chars, like every value
        "level": "2",
        "time": "2006",
        "computer": "EXCH",
        "user": "S-1-",
        "strings": ["SYST"],  # at most max_strings
    }
    assert second["record"] == 2 and second["strings"] == ["_c78"]


# --- fuzzing: damaged copies give a result or one clear error, never a hang --------------

SEED = build_evtx(EVENTS, per_chunk=2)
SEED_FACTS = WHOLE

_HEADERS = [
    *range(0, 128),
    *(chunk_at(i) + o for i in range(3) for o in (*range(0, 128), *range(128, 512, 16))),
]


Mutation = tuple[str, int, int]  # what, where, value: drawn as data, so a failure reads


@st.composite
def mutations(draw: st.DrawFn) -> list[Mutation]:
    """Damage as copies of live logs have it: bytes in headers or records, sectors, cuts, flags."""
    found: list[Mutation] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["header-byte", "record-byte", "sector", "cut", "flags"]))
        if kind == "header-byte":
            found.append((kind, draw(st.sampled_from(_HEADERS)), draw(st.integers(0, 255))))
        elif kind == "record-byte":
            chunk = chunk_at(draw(st.integers(0, 2)))
            at = draw(st.integers(chunk + CHUNK_HEADER_SIZE, chunk + 1400))
            found.append((kind, at, draw(st.integers(0, 255))))
        elif kind == "sector":
            found.append(
                (
                    kind,
                    draw(st.integers(0, len(SEED) // 512)) * 512,
                    draw(st.sampled_from([0, 0xFF])),
                )
            )
        elif kind == "cut":
            found.append((kind, draw(st.integers(0, len(SEED))), 0))
        else:
            at = draw(st.sampled_from([120, chunk_at(0) + 120, chunk_at(1) + 120]))
            found.append(
                (kind, at, draw(st.sampled_from([0, DIRTY, NO_CRC32, DIRTY | NO_CRC32, 0xFF])))
            )
    return found


def damaged(changes: list[Mutation]) -> bytes:
    data = bytearray(SEED)
    for kind, at, value in changes:
        if kind == "cut":
            del data[at:]
        elif kind == "sector":
            data[at : at + 512] = bytes([value]) * len(data[at : at + 512])
        elif at < len(data):
            data[at] = value
    return bytes(data)


def _no_crc32_anywhere(data: bytes) -> bool:
    flags = [data[120]] + [
        data[chunk_at(i) + 120] for i in range(3) if chunk_at(i) + 121 <= len(data)
    ]
    return any(flag & NO_CRC32 for flag in flags)


@settings(
    max_examples=120,
    deadline=None,  # the reader's own per-chunk time limit is what ends a hang
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=mutations())
def test_damaged_copies_give_a_result_or_one_clear_error(
    tmp_path: Path, changes: list[Mutation]
) -> None:
    data = damaged(changes)
    path = tmp_path / "fuzz.evtx"
    path.write_bytes(data)
    try:
        artifact = eventlog.parse(path)
    except ArtifactError as exc:
        (problem,) = exc.problems
        assert problem.message and "\n" not in problem.message
        return
    for warning in artifact.warnings:
        for text in (warning.en, warning.fr):
            assert text and not any(unicodedata.category(c).startswith("C") for c in text)
    if not artifact.warnings and not _no_crc32_anywhere(data):
        # Every byte a fact comes from is under a checksum: no warning means the log is whole.
        facts = artifact.summary()["facts"]
        assert {k: v for k, v in facts.items() if k not in FROM_STRINGS} == SEED_FACTS
