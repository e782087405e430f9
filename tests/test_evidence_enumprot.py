"""The EnumProt reader, on output as EnumProt writes it, redirected, appended or pasted."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbassist.evidence import enumprot, read_artifact
from kbassist.evidence.base import Artifact
from kbassist.evidence.textfile import MAX_LINE

from . import artifacts
from .artifacts import SAVED_AS as ENCODINGS
from .artifacts import error_of as shared_error_of
from .artifacts import head_of, parse_or_none, salted_file, shuffled_text, write_lines
from .conftest import SAMPLES

MINE = {"enumprot-ok.txt", "enumprot-failed.txt"}
OTHERS = sorted(p.name for p in SAMPLES.iterdir() if p.name not in MINE | {"README.md"})

HEADER = ['Testing for "TCPIP Support"!', "AF_INET = Family (2)"]
CALL = "Calling EnumProtocols() with 2048 byte buffer."
GUIDS = ["EBDFB267-726B-44D0-8151-991AADA9CC48", "940E55D2-C11F-4FAF-8D9A-DE8420445A8E"]


def transports(count: int) -> list[str]:
    names = ["Family (2) Protocol (0x6) TCP/IP", "Family (2) Protocol (0x11) UDP/IP"]
    names += [
        f"Family (17) Protocol (0x80000000) \\Device\\NetBT_Tcpip_{{{GUIDS[i % 2]}}}"
        for i in range(count)
    ]
    return [f"{i} - Protocol: {name}" for i, name in enumerate(names[:count], 1)]


def ok_run(count: int, announced: int | None = None) -> list[str]:
    shown = count if announced is None else announced
    dump = [f"Dumping available transports [{shown}]", *transports(count)]
    return [*HEADER, CALL, *dump, "SUCCEEDED!"]


FAILED_RUN = [*HEADER, CALL, "Error returned!  GetLastError() = 0x2", "FAILED! Returned 0x80040102"]


def write(tmp_path: Path, lines: list[str], encoding: str = "ansi", end: str = "\r\n") -> Path:
    return write_lines(tmp_path / "EnumProt.txt", lines, encoding, end)


def facts(artifact: Artifact) -> list[tuple[str, object, int]]:
    """(fact, value, line) in the order observed."""
    return [(o.fact, o.value, int(o.source.rsplit(":", 1)[1])) for o in artifact.observations]


def error_of(path: Path) -> tuple[str, int | None]:
    return shared_error_of(enumprot.parse, path)


def test_sample_succeeded():
    artifact = enumprot.parse(SAMPLES / "enumprot-ok.txt")
    assert artifact.kind == "enumprot-output"
    assert facts(artifact) == [("enumprot.transport-count", 6, 4), ("enumprot.failed", False, 11)]


def test_sample_failed():
    artifact = enumprot.parse(SAMPLES / "enumprot-failed.txt")
    assert facts(artifact) == [
        ("enumprot.last-error", 2, 4),
        ("enumprot.result", 0x80040102, 5),
        ("enumprot.failed", True, 5),
    ]
    assert 0x80040102 == 2147746050


@pytest.mark.parametrize("name", sorted(MINE))
def test_detects_own_samples(name):
    assert enumprot.detect(head_of((SAMPLES / name).read_bytes()))
    assert read_artifact(SAMPLES / name).kind == enumprot.KIND


@pytest.mark.parametrize("name", OTHERS)
def test_leaves_other_kinds_alone(name):
    assert not enumprot.detect(head_of((SAMPLES / name).read_bytes()))


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("end", ["\r\n", "\n"])
def test_eight_transports_in_every_encoding(tmp_path, encoding, end):
    path = write(tmp_path, ["", "", *ok_run(8)], encoding, end)
    assert enumprot.detect(head_of(path.read_bytes()))
    assert facts(enumprot.parse(path)) == [
        ("enumprot.transport-count", 8, 6),
        ("enumprot.failed", False, 15),
    ]


def test_failed_run_utf16_with_prompt_around(tmp_path):
    lines = ["C:\\Temp>enumprot", "", *FAILED_RUN, "", "C:\\Temp>"]
    path = write(tmp_path, lines, "utf-16le-bom")
    assert read_artifact(path).kind == enumprot.KIND
    assert facts(enumprot.parse(path))[-1] == ("enumprot.failed", True, 7)


def test_zero_transports(tmp_path):
    path = write(tmp_path, ok_run(0), end="\n")
    assert facts(enumprot.parse(path)) == [
        ("enumprot.transport-count", 0, 4),
        ("enumprot.failed", False, 5),
    ]


def test_appended_runs_each_observed(tmp_path):
    path = write(tmp_path, [*ok_run(6), *FAILED_RUN, *ok_run(2)])
    results = [(f, v, n) for f, v, n in facts(enumprot.parse(path)) if f == "enumprot.failed"]
    assert results == [
        ("enumprot.failed", False, 11),
        ("enumprot.failed", True, 16),
        ("enumprot.failed", False, 23),
    ]


def test_output_pasted_on_one_line(tmp_path):
    # Web copies of the article run the whole output together.
    path = write(tmp_path, [" ".join(ok_run(8)) + " " + " ".join(FAILED_RUN)])
    assert facts(enumprot.parse(path)) == [
        ("enumprot.transport-count", 8, 1),
        ("enumprot.failed", False, 1),
        ("enumprot.last-error", 2, 1),
        ("enumprot.result", 0x80040102, 1),
        ("enumprot.failed", True, 1),
    ]


def test_lower_case_and_zero_padded_codes(tmp_path):
    lines = [*FAILED_RUN[:-2], "Error returned! GetLastError() = 0X00000002"]
    lines.append("failed! returned 0x1")
    assert facts(enumprot.parse(write(tmp_path, lines)))[:2] == [
        ("enumprot.last-error", 2, 4),
        ("enumprot.result", 1, 5),
    ]


@pytest.mark.parametrize("keep", [1, 3, 4, 7])
def test_cut_output_is_an_error_at_its_last_line(tmp_path, keep):
    message, line = error_of(write(tmp_path, ok_run(6)[:keep]))
    assert message == "ends before EnumProt reported SUCCEEDED or FAILED"
    assert line == keep


def test_cut_failed_run(tmp_path):
    assert error_of(write(tmp_path, FAILED_RUN[:4])) == (
        "ends before EnumProt reported SUCCEEDED or FAILED",
        4,
    )


def test_run_cut_by_next_run(tmp_path):
    message, line = error_of(write(tmp_path, [*FAILED_RUN[:3], *ok_run(2)]))
    assert "ends before" in message and line == 3


@pytest.mark.parametrize(
    ("bad", "number", "words"),
    [
        ("Error returned!  GetLastError() = 0xZ2", 4, "GetLastError() code '0xZ2'"),
        ("Error returned!  GetLastError() = 2", 4, "GetLastError() code '2'"),
        ("FAILED! Returned 0x8004G102", 5, "FAILED! return code '0x8004G102'"),
        ("FAILED! Returned 0x180040102", 5, "32-bit"),
        ("FAILED! Returned", 5, "FAILED! return code ''"),
    ],
)
def test_malformed_code(tmp_path, bad, number, words):
    lines = list(FAILED_RUN)
    lines[number - 1] = bad
    message, line = error_of(write(tmp_path, lines))
    assert words in message and line == number


@pytest.mark.parametrize(("listed", "announced"), [(5, 6), (7, 6)])
def test_count_disagrees_with_dump(tmp_path, listed, announced):
    message, line = error_of(write(tmp_path, ok_run(listed, announced)))
    assert message == f"EnumProt announced {announced} transports but lists {listed}"
    assert line == 4


@pytest.mark.parametrize("count", ["[two]", "[2", "[]"])
def test_malformed_count(tmp_path, count):
    lines = ok_run(2)
    lines[3] = f"Dumping available transports {count}"
    message, line = error_of(write(tmp_path, lines))
    assert message == f"transport count {count} is not a number in brackets" and line == 4


def test_no_run_at_all(tmp_path):
    message, line = error_of(write(tmp_path, ["AF_INET = Family (2)"]))
    assert "no EnumProt run" in message and line is None


SNIPPETS = [
    *ok_run(3),
    *FAILED_RUN,
    "Dumping available transports [",
    "FAILED! Returned 0x",
    "GetLastError() = ",
    "99999999999999 - Protocol:",
]


@settings(max_examples=250, deadline=500, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        shuffled_text(SNIPPETS),
        salted_file([SAMPLES / n for n in sorted(MINE)]),
        st.binary(max_size=600),
    )
)
def test_fuzz_only_artifact_errors(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "f"
    path.write_bytes(data)
    artifact = parse_or_none(enumprot.parse, path)
    if artifact is not None:
        assert any(o.fact == "enumprot.failed" for o in artifact.observations)


# --- a cut file: a verdict is whole or not read ---------------------------------------------

APPENDED = [*ok_run(6), *FAILED_RUN, *ok_run(2)]


@pytest.mark.parametrize("encoding", ["ansi", "utf-16le-bom"])
def test_appended_runs_cut_anywhere_give_only_whole_verdicts(tmp_path, encoding):
    data = write(tmp_path, APPENDED, encoding).read_bytes()
    whole = facts(enumprot.parse(write(tmp_path, APPENDED, encoding)))
    path = tmp_path / "cut.txt"
    unit = 2 if encoding == "utf-16le-bom" else 1
    read = 0
    for cut, artifact in artifacts.parsed_cuts(enumprot.parse, data, path, unit):
        read += 1
        # What was read is what the whole file says, up to a verdict: never a shortened code
        # (a cut right after "FAILED!" keeps the verdict and leaves its code out).
        got = facts(artifact)
        rest = iter(whole)
        assert all(fact in rest for fact in got), len(cut)
        assert got[-1][0] == "enumprot.failed"
    assert read


@pytest.mark.parametrize(
    ("last", "words"),
    [
        ("FAILED! Returned 0x8004", "'FAILED! Returned 0x8004'"),
        ("Error returned!  GetLastError() = 0x", "'GetLastError() = 0x'"),
        ("Dumping available transports [1", "'Dumping available transports [1'"),
    ],
)
def test_a_last_line_cut_in_a_code_is_refused(tmp_path, last, words):
    lines = [*FAILED_RUN[:3], last]
    path = tmp_path / "cut.txt"
    path.write_bytes("\r\n".join(lines).encode("cp1252"))  # no line break after the last
    message, line = error_of(path)
    assert words in message and "cut" in message and line == 4


def test_output_pasted_without_a_final_line_break_still_reads(tmp_path):
    path = tmp_path / "pasted.txt"
    path.write_bytes(" ".join(ok_run(2)).encode("cp1252"))
    assert facts(enumprot.parse(path))[-1] == ("enumprot.failed", False, 1)
    path.write_bytes("\r\n".join([*FAILED_RUN[:-1], "FAILED!"]).encode("cp1252"))
    assert facts(enumprot.parse(path))[-1] == ("enumprot.failed", True, 5)


@pytest.mark.parametrize("name", sorted(artifacts.hostile_lines()))
def test_hostile_lines_finish(tmp_path, name):
    line = artifacts.hostile_lines()[name]
    for text in [line, f'Testing for "{line}', f"GetLastError() = {line}", f"{line} - Protocol:"]:
        path = write(tmp_path, [*HEADER, CALL, text, "SUCCEEDED!"])
        parse_or_none(enumprot.parse, path)


def test_a_line_longer_than_any_enumprot_writes_is_refused(tmp_path):
    path = write(tmp_path, [*HEADER, "x" * (MAX_LINE + 10), CALL, "SUCCEEDED!"])
    message, line = error_of(path)
    assert message.startswith("a line of more than") and line == 3


def test_thousands_of_appended_runs_keep_memory_bounded_and_every_outcome(tmp_path):
    """Repeats of one result are kept a hundred times; a failure after them is still read."""
    path = write(tmp_path, [*ok_run(2) * 1000, *FAILED_RUN])
    results = [v for f, v, _ in facts(enumprot.parse(path)) if f == "enumprot.failed"]
    assert results == [False] * 100 + [True]


def test_more_distinct_values_than_kept_are_said_in_a_warning(tmp_path):
    runs = [
        [*FAILED_RUN[:3], f"Error returned!  GetLastError() = 0x{i:x}", "FAILED!"]
        for i in range(150)
    ]
    artifact = enumprot.parse(write(tmp_path, [line for run in runs for line in run]))
    codes = [v for f, v, _ in facts(artifact) if f == "enumprot.last-error"]
    assert codes == list(range(100))
    (warning,) = artifact.warnings
    assert "enumprot.last-error more than 100 different values" in warning.en
    assert "(line 504) are not read" in warning.en and "101e (ligne 504)" in warning.fr
