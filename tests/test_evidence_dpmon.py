"""The DPMon reader: the new-mail notification registration and what the server answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbassist.evidence import ArtifactError, dpmon, read_artifact
from kbassist.evidence.base import Artifact
from kbassist.evidence.textfile import MAX_LINE

from . import artifacts
from .artifacts import SAVED_AS as ENCODINGS
from .artifacts import head_of, parse_or_none, salted_file, shuffled_text, write_lines
from .conftest import SAMPLES

MINE = {"dpmon-notsupported.log"}
OTHERS = sorted(p.name for p in SAMPLES.iterdir() if p.name not in MINE | {"README.md"})

REGISTER = "CNCT::EcOpenSocketAndRegisterForNotifications"
CONNECT = [
    "DPMon trace started 03/03/2006 09:14:02",
    "09:14:02.114 [0x0a1c] EMSMDB::EcDoConnect server=EXCH01 user=/o=Contoso/cn=jdoe",
    "09:14:02.131 [0x0a1c] EMSMDB::EcDoConnect ec=ecNone (0x0)",
]


def trace(result: str, *between: str) -> list[str]:
    """A logon trace whose registration returns ``result`` (after ``between`` lines)."""
    return [
        *CONNECT,
        f"09:14:02.140 [0x0a1c] {REGISTER}",
        *between,
        f"09:14:02.152 [0x0a1c] {REGISTER} {result}",
        "09:14:02.160 [0x0a1c] MSGSTORE::OpenEntry ec=ecNone (0x0)",
    ]


def write(tmp_path: Path, lines: list[str], encoding: str = "ansi", end: str = "\r\n") -> Path:
    return write_lines(tmp_path / "dpmon.log", lines, encoding, end)


def facts(artifact: Artifact) -> list[tuple[str, object, int]]:
    return [(o.fact, o.value, int(o.source.rsplit(":", 1)[1])) for o in artifact.observations]


def test_sample_refused():
    artifact = dpmon.parse(SAMPLES / "dpmon-notsupported.log")
    assert artifact.kind == "dpmon-log"
    assert facts(artifact) == [
        ("dpmon.registration-refused", True, 5),
        ("dpmon.registration-error", 0x80040102, 5),
    ]
    assert artifact.notes == []


def test_detects_own_sample():
    assert dpmon.detect(head_of((SAMPLES / "dpmon-notsupported.log").read_bytes()))
    assert read_artifact(SAMPLES / "dpmon-notsupported.log").kind == dpmon.KIND


@pytest.mark.parametrize("name", OTHERS)
def test_leaves_other_kinds_alone(name):
    assert not dpmon.detect(head_of((SAMPLES / name).read_bytes()))


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("end", ["\r\n", "\n"])
def test_success_trace_in_every_encoding(tmp_path, encoding, end):
    path = write(tmp_path, ["", *trace("ec=ecNone (0x0)")], encoding, end)
    assert dpmon.detect(head_of(path.read_bytes()))
    assert facts(dpmon.parse(path)) == [("dpmon.registration-refused", False, 6)]


def test_headerless_trace_is_detected(tmp_path):
    path = write(tmp_path, trace("ec=ecNone (0x0)")[1:], "utf-16le")
    assert read_artifact(path).kind == dpmon.KIND


@pytest.mark.parametrize(
    ("result", "refused", "error"),
    [
        ("ec=ecNotSupported-MAPI_E_NO_SUPPORT (0x80040102)", True, 0x80040102),
        ("ec=ecNotSupported", True, 0x80040102),
        ("ec=MAPI_E_NO_SUPPORT", True, 0x80040102),
        ("ec=0x80040102", True, 0x80040102),
        ("EC = ecNetwork (0x80040115)", True, 0x80040115),
        ("ec=ecSomethingElse", True, None),
        ("ec=ecNone", False, None),
        ("ec=0x0", False, None),
        ("ec=S_OK (0x00000000) 12ms", False, None),
    ],
)
def test_result_forms(tmp_path, result, refused, error):
    expected = [("dpmon.registration-refused", refused, 5)]
    if error is not None:
        expected.append(("dpmon.registration-error", error, 5))
    assert facts(dpmon.parse(write(tmp_path, trace(result)))) == expected


def test_other_threads_between_call_and_result(tmp_path):
    other = "09:14:02.145 [0x0b20] MSGSTORE::GetProps ec=ecNotFound (0x8004010F)"
    path = write(tmp_path, trace("ec=ecNone (0x0)", other))
    assert facts(dpmon.parse(path)) == [("dpmon.registration-refused", False, 6)]


def test_result_on_its_own_line(tmp_path):
    # As KB 319572 prints it: the call, then the ec= line alone.
    path = write(tmp_path, [REGISTER, "ec=ecNotSupported-MAPI_E_NO_SUPPORT (0x80040102)"])
    assert dpmon.detect(head_of(path.read_bytes()))
    assert facts(dpmon.parse(path)) == [
        ("dpmon.registration-refused", True, 2),
        ("dpmon.registration-error", 0x80040102, 2),
    ]


def test_bare_result_needs_a_waiting_call(tmp_path):
    # Once answered, a registration takes no further ec= line (nor does a trace without one).
    lines = [*trace("ec=ecNone (0x0)"), "ec=ecNotSupported (0x80040102)"]
    assert facts(dpmon.parse(write(tmp_path, lines))) == [("dpmon.registration-refused", False, 5)]
    assert dpmon.parse(write(tmp_path, [*CONNECT, "ec=0x80040102"])).observations == []


@pytest.mark.parametrize(
    "call",
    [
        "EMSMDB::EcRegisterPushNotification port=1452",
        "EMSMDB::EcRRegisterPushNotification port=1452",
        "EMSMDB::register push notification port=1452",
    ],
)
def test_push_notification_call(tmp_path, call):
    lines = [*CONNECT, f"09:14:03.000 [0x0a1c] {call}", f"09:14:03.010 [0x0a1c] {call} ec=0x0"]
    assert facts(dpmon.parse(write(tmp_path, lines))) == [("dpmon.registration-refused", False, 5)]


def test_several_registrations_each_observed(tmp_path):
    lines = [*trace("ec=ecNone (0x0)"), *trace("ec=ecNotSupported (0x80040102)")[3:]]
    refused = [v for f, v, _ in facts(dpmon.parse(write(tmp_path, lines))) if f.endswith("refused")]
    assert refused == [False, True]


def test_no_registration_attempt(tmp_path):
    artifact = dpmon.parse(write(tmp_path, CONNECT))
    assert artifact.observations == []
    assert "EcOpenSocketAndRegisterForNotifications" in artifact.notes[0].en


def test_cut_before_result_gives_no_fact_and_a_warning(tmp_path):
    artifact = dpmon.parse(write(tmp_path, trace("ec=ecNone (0x0)")[:4]))
    assert artifact.observations == [] and artifact.notes == []
    (warning,) = artifact.warnings
    assert "stops before the notification registration of line 4 returned" in warning.en
    assert "de la ligne 4\u00a0: on ne sait pas si le serveur l'a acceptée" in warning.fr


@pytest.mark.parametrize(
    ("result", "words"),
    [
        ("ec=ecNotSupported (0x8004O102)", "'0x8004O102'"),
        ("ec=ecNone (none)", "'none'"),
        ("ec=80040102h", "'80040102h'"),
        ("ec=0x180040102", "32-bit"),
        ("ec=", "no code"),
        ("ec=-1", "neither a name nor a hex code"),
    ],
)
def test_malformed_result_is_an_error(tmp_path, result, words):
    path = write(tmp_path, trace(result))
    with pytest.raises(ArtifactError) as caught:
        dpmon.parse(path)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == (str(path), 5)
    assert words in problem.message


def test_other_functions_bad_codes_are_not_read(tmp_path):
    other = "09:14:02.145 [0x0b20] MSGSTORE::GetProps ec=garbage (zz)"
    path = write(tmp_path, trace("ec=ecNone (0x0)", other))
    assert facts(dpmon.parse(path)) == [("dpmon.registration-refused", False, 6)]


SNIPPETS = [
    *trace("ec=ecNotSupported-MAPI_E_NO_SUPPORT (0x80040102)"),
    REGISTER,
    "ec=",
    "ec=(",
    "ec=0x",
    "register push notification ec=ecNone (",
]


@settings(max_examples=250, deadline=500, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.one_of(
        shuffled_text(SNIPPETS),
        salted_file([SAMPLES / "dpmon-notsupported.log"]),
        st.binary(max_size=600),
    )
)
def test_fuzz_only_artifact_errors(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "f"
    path.write_bytes(data)
    artifact = parse_or_none(dpmon.parse, path)
    if artifact is not None:
        for obs in artifact.observations:
            assert obs.fact.startswith("dpmon.registration-")


# --- a cut trace: a result is whole or not read ------------------------------------------------


@pytest.mark.parametrize(
    ("result", "refused"),
    [("ec=ecNotSupported-MAPI_E_NO_SUPPORT (0x80040102)", True), ("ec=ecNone (0x0)", False)],
    ids=["refused", "accepted"],
)
@pytest.mark.parametrize("encoding", ["ansi", "utf-16le-bom"])
def test_a_trace_cut_anywhere_never_shows_another_result(tmp_path, result, refused, encoding):
    """ec=ecN of a cut ecNone once read as a refusal; ec=(0 of a cut 0x80040102 as success."""
    data = write(tmp_path, trace(result), encoding).read_bytes()
    path = tmp_path / "cut.log"
    unit = 2 if encoding == "utf-16le-bom" else 1
    results = set()
    for cut, artifact in artifacts.parsed_cuts(dpmon.parse, data, path, unit):
        got = facts(artifact)
        results.update(value for fact, value, _ in got if fact == "dpmon.registration-refused")
        if refused:
            assert ("dpmon.registration-error", 0x80040102, 5) in got or not got
        text = cut.decode("utf-16" if unit == 2 else "cp1252", "replace")
        if not got and "RegisterForNotifications" in text:
            assert artifact.warnings, len(cut)  # the call was seen: say its result is missing
    assert results == {refused}


@pytest.mark.parametrize(
    ("last", "read"),
    [
        (f"09:14:02.152 [0x0a1c] {REGISTER} ec=ecNotSupported-MAPI_E_NO_SUPPORT (0x8004", False),
        (f"09:14:02.152 [0x0a1c] {REGISTER} ec=ecN", False),
        ("ec=(0", False),
        (f"09:14:02.152 [0x0a1c] {REGISTER} ec=ecNone (0x0)", True),
    ],
    ids=["code", "name", "bare", "closed"],
)
def test_a_result_on_a_last_line_cut_short(tmp_path, last, read):
    lines = [*CONNECT, f"09:14:02.140 [0x0a1c] {REGISTER}", last]
    path = tmp_path / "cut.log"
    path.write_bytes("\r\n".join(lines).encode("cp1252"))  # no line break after the last
    artifact = dpmon.parse(path)
    if read:
        assert facts(artifact) == [("dpmon.registration-refused", False, 5)]
        assert artifact.warnings == []
        return
    assert artifact.observations == []
    (warning,) = artifact.warnings
    assert "ends in the middle of line 5" in warning.en and "ligne 5" in warning.fr


def test_a_later_registration_cut_off_keeps_the_earlier_result(tmp_path):
    lines = [*trace("ec=ecNone (0x0)"), f"09:14:05.000 [0x0a1c] {REGISTER}"]
    artifact = dpmon.parse(write(tmp_path, lines))
    assert facts(artifact) == [("dpmon.registration-refused", False, 5)]
    (warning,) = artifact.warnings
    assert "registration of line 7 returned" in warning.en


@pytest.mark.parametrize("name", sorted(artifacts.hostile_lines()))
def test_hostile_lines_finish(tmp_path, name):
    line = artifacts.hostile_lines()[name]
    # After a call waiting for its result, every ec= line is looked at for a function name.
    lines = [*CONNECT, REGISTER, f"{line} ec=ecNone", f"{REGISTER} {line}", f"ec={line}"]
    parse_or_none(dpmon.parse, write(tmp_path, lines))


def test_a_line_longer_than_any_trace_holds_is_refused(tmp_path):
    with pytest.raises(ArtifactError) as caught:
        dpmon.parse(write(tmp_path, [*CONNECT, "x" * (MAX_LINE + 1)]))
    (problem,) = caught.value.problems
    assert problem.line == 4 and problem.message.startswith("a line of more than")
