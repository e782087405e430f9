"""The DPMon reader: the new-mail notification registration and what the server answered."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbassist.evidence import ArtifactError, dpmon, read_artifact
from kbassist.evidence.base import Artifact

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


def test_cut_before_result_gives_no_fact(tmp_path):
    artifact = dpmon.parse(write(tmp_path, trace("ec=ecNone (0x0)")[:4]))
    assert artifact.observations == []
    assert "before the notification registration returned" in artifact.notes[0].en


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
