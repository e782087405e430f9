"""The event-log reader on each export format, its facts, and its errors on damaged files."""

from __future__ import annotations

import codecs
import struct
import zlib
from pathlib import Path

import evtx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbassist.evidence import ArtifactError, eventlog, read_artifact
from kbassist.evidence.base import Head
from kbassist.evidence.eventlog.collect import KEEP_PER_KEY, event_id, source_slug
from kbassist.evidence.textfile import HEAD_BYTES, decode_head

from .conftest import REPO
from .evtxgen import CHUNK_SIZE, FILE_HEADER_SIZE, EventSpec, build_evtx

SAMPLES = REPO / "tests" / "data" / "samples"
DATA = REPO / "tests" / "data" / "eventlog"
GUID_DOMAIN = "_c78290b817c75f4bac724d36582fdeea_D"
MAX_TEXT = "The configured maximum number of event notification registrations is 8."

CLASSIC = f"""Event Type:\tWarning
Event Source:\tsmtpsvc
Event Category:\tNone
Event ID:\t4000
Date:\t\t30/10/2000
Time:\t\t14:10:10
User:\t\tN/A
Computer:\tMAIL01
Description:
Message delivery to the remote domain '{GUID_DOMAIN}' failed. The error message is
 'Unable to bind to the destination server in DNS.'

For more information, see Help and Support Center at http://go.microsoft.com/fwlink/events.asp.
Data:
0000: c7 02 04 c0               Ç..À
Event Type:\tError
Event Source:\tMSExchangeIS
Event Category:\tGeneral
Event ID:\t9671
Date:\t\t2-3-2006
Time:\t\t5:01:57
User:\t\tN/A
Computer:\tDC-VERTON
Description:
User SYSTEM has exceeded the allowed maximum number of simultaneous registrations for MAPI
notifications. Data: see below.

{MAX_TEXT}
Data:
0000: 31 00 30 00 2e 00 32 00   1.0...2.

Event Type:\tWarning
Event Source:\tsmtpsvc
Event Category:\tNone
Event ID:\t4000
Date:\t\t30/10/2000
Time:\t\t14:11:10
User:\t\tN/A
Computer:\tMAIL01
Description:
Message delivery to the remote domain 'contoso.com' failed.
"""


def write(tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def head_of(path: Path) -> Head:
    data = path.read_bytes()[:HEAD_BYTES]
    return Head(data, decode_head(data))


def facts(path: Path) -> dict[str, object]:
    return eventlog.parse(path).summary()["facts"]


def sources(path: Path) -> dict[str, str]:
    return {o.fact: o.source for o in eventlog.parse(path).observations}


def error_of(path: Path) -> tuple[str, int | None]:
    with pytest.raises(ArtifactError) as caught:
        eventlog.parse(path)
    problem = caught.value.problems[0]
    assert problem.file == str(path)
    return problem.message, problem.line


# --- the shared rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "slug"),
    [
        ("MSExchangeIS", "msexchangeis"),
        ("smtpsvc", "smtpsvc"),
        ("Microsoft-Windows-Security-Auditing", "microsoft-windows-security-auditing"),
        ("Service Control Manager", "service-control-manager"),
        ("MSExchange_ADAccess", "msexchange-adaccess"),
    ],
)
def test_source_names_become_fact_names(source: str, slug: str) -> None:
    assert source_slug(source) == slug


def test_event_ids_keep_their_low_16_bits_when_qualified() -> None:
    assert event_id("3221235143", None) == 9671
    assert event_id("9671", "49152") == 9671
    assert event_id(" 4000 ", None) == 4000
    assert event_id("abc", None) is None
    assert event_id("-5", None) is None


# --- classic Event Viewer text --------------------------------------------------------------


def test_classic_sample_gives_count_and_configured_maximum() -> None:
    path = SAMPLES / "event-9671.txt"
    artifact = eventlog.parse(path)
    summary = artifact.summary()
    assert summary["kind"] == "event-log"
    assert summary["facts"] == {
        "event.msexchangeis-9671.count": 1,
        "event.msexchangeis-9671.configured-max": 8,
        "event.msexchangeis-9671.accounts": ["SYSTEM"],
    }
    assert {o.source for o in artifact.observations} == {f"{path}:1"}
    [event] = summary["events"]
    assert event["time"] == "2-3-2006 5:01:57"  # as found: day and month are not guessed
    assert event["level"] == "Error" and event["computer"] == "DC-VERTON"
    assert event["message"].endswith(MAX_TEXT)
    assert "0000:" not in event["message"]


@pytest.mark.parametrize(
    ("encoding", "newline"),
    [
        ("utf-16", "\r\n"),  # UTF-16LE with a BOM, as Notepad saves "Unicode"
        ("utf-16-le", "\r\n"),
        ("utf-8", "\n"),
        ("utf-8", "\r\n"),
        ("utf-8-sig", "\r\n"),
        ("cp1252", "\r\n"),
    ],
)
def test_classic_text_in_every_encoding(tmp_path: Path, encoding: str, newline: str) -> None:
    path = write(tmp_path, "pasted", CLASSIC.replace("\n", newline), encoding)
    assert eventlog.detect(head_of(path))
    artifact = eventlog.parse(path)
    assert artifact.summary()["facts"] == {
        "event.smtpsvc-4000.count": 2,
        "event.msexchangeis-9671.count": 1,
        "event.smtpsvc-4000.guid-domain": True,
        "event.msexchangeis-9671.configured-max": 8,
        "event.msexchangeis-9671.accounts": ["SYSTEM"],
    }
    where = {o.fact: o.source for o in artifact.observations}
    assert where["event.smtpsvc-4000.count"] == f"{path}:1"
    assert where["event.msexchangeis-9671.count"] == f"{path}:16"
    assert where["event.msexchangeis-9671.configured-max"] == f"{path}:16"
    events = artifact.details["events"]
    assert [e["line"] for e in events] == [1, 16, 32]
    assert events[0]["time"] == "30/10/2000 14:10:10"
    # "Data: see below." inside a description is text, not the start of the hex dump
    assert "Data: see below." in events[1]["message"]
    assert events[2]["message"] == "Message delivery to the remote domain 'contoso.com' failed."


def test_classic_guid_domain_false_names_the_first_4000(tmp_path: Path) -> None:
    text = CLASSIC.split("Event Type:\tError")[0].replace(GUID_DOMAIN, "contoso.com")
    path = write(tmp_path, "e.txt", text)
    assert facts(path)["event.smtpsvc-4000.guid-domain"] is False
    assert sources(path)["event.smtpsvc-4000.guid-domain"] == f"{path}:1"


def test_classic_without_event_id_names_the_event(tmp_path: Path) -> None:
    text = CLASSIC.replace("Event ID:\t9671\n", "")
    message, line = error_of(write(tmp_path, "e.txt", text))
    assert (message, line) == ("event 2 has no Event ID", 16)


def test_classic_non_numeric_event_id(tmp_path: Path) -> None:
    text = CLASSIC.replace("Event ID:\t9671", "Event ID:\tabc")
    assert error_of(write(tmp_path, "e.txt", text)) == ("Event ID 'abc' is not a number", 16)


def test_classic_large_id_keeps_low_16_bits(tmp_path: Path) -> None:
    path = write(tmp_path, "e.txt", CLASSIC.replace("Event ID:\t9671", "Event ID:\t3221235143"))
    assert facts(path)["event.msexchangeis-9671.count"] == 1


# --- wevtutil /f:text -----------------------------------------------------------------------


def test_wevtutil_text() -> None:
    path = DATA / "wevtutil-text.txt"
    assert eventlog.detect(head_of(path))
    artifact = eventlog.parse(path)
    assert artifact.summary()["facts"] == {
        "event.msexchangeis-9671.count": 2,
        "event.smtpsvc-4000.count": 1,
        "event.smtpsvc-4000.guid-domain": False,
        "event.msexchangeis-9671.configured-max": 8,
        "event.msexchangeis-9671.accounts": ["SYSTEM"],
    }
    where = {o.fact: o.source for o in artifact.observations}
    assert where["event.smtpsvc-4000.count"] == f"{path}:35"
    first, second, third = artifact.details["events"]
    assert first["time"] == "2006-03-02T05:01:57.000"
    assert first["message"].endswith(MAX_TEXT) and "Event[1]" not in first["message"]
    assert second["user"] == "NT AUTHORITY\\SYSTEM"
    assert third["level"] == "Warning" and third["line"] == 35


def test_wevtutil_text_utf16_from_powershell(tmp_path: Path) -> None:
    text = (DATA / "wevtutil-text.txt").read_text(encoding="utf-8")
    path = write(tmp_path, "out.txt", text, "utf-16")
    assert facts(path)["event.msexchangeis-9671.count"] == 2


def test_wevtutil_text_event_without_source(tmp_path: Path) -> None:
    text = (DATA / "wevtutil-text.txt").read_text(encoding="utf-8")
    path = write(tmp_path, "out.txt", text.replace("  Source: smtpsvc\n", ""))
    assert error_of(path) == ("event 3 has no source", 35)


# --- wevtutil /f:xml ------------------------------------------------------------------------


def test_wevtutil_xml_stream() -> None:
    path = DATA / "wevtutil-events.xml"
    assert eventlog.detect(head_of(path))
    artifact = eventlog.parse(path)
    assert artifact.summary()["facts"] == {
        "event.msexchangeis-9671.count": 1,
        "event.smtpsvc-4000.count": 1,
        "event.microsoft-windows-security-auditing-4625.count": 1,
        "event.microsoft-windows-eventlog-104.count": 1,
        "event.smtpsvc-4000.guid-domain": True,
        "event.msexchangeis-9671.configured-max": 8,
        "event.msexchangeis-9671.accounts": ["SYSTEM"],
    }
    where = {o.fact: o.source for o in artifact.observations}
    assert where["event.smtpsvc-4000.guid-domain"] == f"{path}:5"
    is_, smtp, audit, cleared = artifact.details["events"]
    assert is_["strings"] == ["SYSTEM", "8"] and is_["level"] == "Error"
    assert is_["message"].endswith(MAX_TEXT) and "\r" not in is_["message"]
    assert smtp["strings"][0] == GUID_DOMAIN and "message" not in smtp
    assert smtp["time"] == "2006-03-02T05:03:10.000000000Z"
    assert audit["strings"] == ["S-1-0-0", "jdoe & co <test>", "0xc000006d"]
    assert cleared["strings"] == ["admin", "CONTOSO", "Application", ""]
    assert cleared["user"] == "S-1-5-21-3623811015-3361044348-30300820-1013"


def one_event(event_id: str = "9671", extra: str = "", provider: str = "MSExchangeIS") -> str:
    return (
        "<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
        f"<Provider Name='{provider}'/><EventID>{event_id}</EventID>{extra}</System></Event>"
    )


def test_wevtutil_xml_on_one_line_with_large_id(tmp_path: Path) -> None:
    stream = one_event("3221235143") * 3 + one_event("4000", provider="smtpsvc")
    path = write(tmp_path, "q.xml", stream, "utf-16")
    assert facts(path) == {
        "event.msexchangeis-9671.count": 3,
        "event.smtpsvc-4000.count": 1,
        "event.smtpsvc-4000.guid-domain": False,
    }
    # no message in plain /f:xml: the note says how to get the configured maximum
    assert "wevtutil qe" in eventlog.parse(path).notes[0].en


def test_wevtutil_xml_events_inside_a_root_are_read_too(tmp_path: Path) -> None:
    path = write(tmp_path, "saved.xml", f"<?xml version='1.0'?>\n<Events>{one_event()}</Events>")
    assert facts(path)["event.msexchangeis-9671.count"] == 1


@pytest.mark.parametrize("name", ["xxe.xml", "billion-laughs.xml"])
def test_wevtutil_xml_refuses_doctype(name: str) -> None:
    assert eventlog.detect(head_of(DATA / name))  # claimed, then refused: never expanded
    message, line = error_of(DATA / name)
    assert message == "a DOCTYPE is not allowed in an event export"
    assert line == 2


def test_wevtutil_xml_undeclared_entity_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "e.xml", one_event(extra="<Computer>&secret;</Computer>"))
    message, line = error_of(path)
    assert message == "XML error: undefined entity" and line == 1


def test_wevtutil_xml_truncated_event(tmp_path: Path) -> None:
    text = (DATA / "wevtutil-events.xml").read_text(encoding="utf-8")
    cut = text.index("<Data Name='TargetUserName'>")
    assert error_of(write(tmp_path, "cut.xml", text[:cut])) == (
        "truncated XML: <Event> not closed",
        6,
    )


def test_wevtutil_xml_mismatched_tag(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.xml", one_event() + "\n" + one_event().replace("</System>", ""))
    assert error_of(path) == ("XML error: mismatched tag", 2)


def test_wevtutil_xml_event_without_id(tmp_path: Path) -> None:
    text = one_event() + "\n" + one_event().replace("<EventID>9671</EventID>", "")
    assert error_of(write(tmp_path, "e.xml", text)) == ("event 2 has no Event ID", 2)


def _xml_saved(text: str, how: str) -> bytes:
    """wevtutil's XML as a helpdesk gets it: cmd's redirect (UTF-8), PowerShell's (UTF-16LE)."""
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if how == "utf-16le-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    return text.encode("utf-8")


@pytest.mark.parametrize("how", ["utf-8", "utf-16le-bom"])
def test_wevtutil_xml_cut_anywhere_is_refused_or_holds_only_whole_events(
    tmp_path: Path, how: str
) -> None:
    text = (DATA / "wevtutil-events.xml").read_text(encoding="utf-8")
    data = _xml_saved(text, how)
    whole = facts(write(tmp_path, "whole.xml", data))
    unit = 2 if how == "utf-16le-bom" else 1
    path = tmp_path / "cut.xml"
    read = 0
    for end in range(unit, len(data), unit * 3):
        path.write_bytes(data[:end])
        if not eventlog.detect(head_of(path)):
            continue  # too little left to claim: read_artifact calls it unsupported
        try:
            got = facts(path)
        except ArtifactError as exc:
            (problem,) = exc.problems
            assert problem.line is not None and "\n" not in problem.message
            continue
        read += 1
        # Read: the cut fell between two events, and only whole events were counted.
        cut = data[:end].decode("utf-16" if unit == 2 else "utf-8").rstrip()
        assert cut.endswith("</Event>") or "<Event" not in cut, end
        for fact, value in got.items():
            if fact.endswith(".count"):
                assert isinstance(value, int) and value <= whole[fact]
    assert read  # the cuts between events


@pytest.mark.parametrize(
    ("tail", "words"),
    [
        ("<Ev", "truncated XML: the file ends inside a tag"),
        ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/eve", "ends inside a tag"),
        ("<!-- a comment cut", "ends inside a tag, comment or declaration"),
        ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><Sys", "ends"),
    ],
)
def test_wevtutil_xml_cut_inside_markup_is_truncated(tmp_path: Path, tail: str, words: str) -> None:
    path = write(tmp_path, "cut.xml", one_event() + "\r\n" + tail)
    message, line = error_of(path)
    assert words in message or "not closed" in message
    assert line == 2


@pytest.mark.parametrize("inside", [True, False], ids=["in-an-event", "around-events"])
def test_wevtutil_xml_nested_two_megabytes_deep_is_refused_at_once(
    tmp_path: Path, inside: bool
) -> None:
    """2 MB of nesting once took the reader a minute and more: each level copied the path."""
    depth = 300_000
    nest = "<a>" * depth + "</a>" * depth
    body = one_event(extra=f"<Data>{nest}</Data>") if inside else one_event() + nest
    message, line = error_of(write(tmp_path, "deep.xml", body))
    assert message == "elements nested more than 64 deep: not an event export" and line == 1


def test_wevtutil_xml_deep_but_allowed_nesting_reads(tmp_path: Path) -> None:
    nest = "<a>" * 50 + "x" + "</a>" * 50
    event = one_event().replace("</System>", f"</System><UserData>{nest}</UserData>")
    artifact = eventlog.parse(write(tmp_path, "deep.xml", event))
    assert artifact.details["events"][0]["strings"] == ["x"]


@pytest.mark.parametrize(
    "token",
    [
        "<Data Name='" + "x" * (3 << 20) + "'/>",
        "<!--" + "x" * (3 << 20) + "-->",
        "<?pi " + "x" * (3 << 20) + "?>",
        "<D" + "a" * (3 << 20) + "/>",
    ],
    ids=["attribute", "comment", "processing-instruction", "name"],
)
def test_wevtutil_xml_a_huge_single_token_is_refused(tmp_path: Path, token: str) -> None:
    body = one_event(extra=token)
    message, _ = error_of(write(tmp_path, "token.xml", body))
    assert message.startswith("a tag, comment or processing instruction longer than")


@pytest.mark.parametrize(
    "text",
    [
        "<" * 400_000,
        "<Event " * 100_000,
        "<Event xmlns='" + "'" * 400_000,
        "<" + "a" * 400_000,
        "<?xml" + "?" * 400_000,
        " " * 2_000_000 + "<!-- -->" * 1000,
    ],
    ids=["lt-run", "open-tags", "quotes", "name-run", "declaration", "long-prolog"],
)
def test_wevtutil_xml_hostile_runs_finish(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "runs.xml", text + one_event())
    eventlog.detect(head_of(path))
    try:
        eventlog.parse(path)
    except ArtifactError as exc:
        assert len(exc.problems) == 1


def test_wevtutil_xml_long_text_is_linear_and_kept_bounded(tmp_path: Path) -> None:
    """Text is not a token: 8 MB of message text reads, kept to the field cap."""
    message = "<RenderingInfo><Message>" + "m" * (8 << 20) + "</Message></RenderingInfo>"
    body = one_event().replace("</System>", "</System>" + message)
    artifact = eventlog.parse(write(tmp_path, "long.xml", body))
    assert len(artifact.details["events"][0]["message"]) == 65536


# --- Event Viewer CSV -----------------------------------------------------------------------


def test_csv_sample() -> None:
    path = SAMPLES / "events-smtp.csv"
    assert facts(path) == {"event.smtpsvc-4000.count": 3, "event.smtpsvc-4000.guid-domain": True}
    assert sources(path)["event.smtpsvc-4000.count"] == f"{path}:2"


def test_csv_french_header_in_ansi() -> None:
    path = DATA / "events-fr.csv"
    artifact = eventlog.parse(path)
    assert artifact.summary()["facts"] == {
        "event.msexchangeis-9671.count": 1,
        "event.smtpsvc-4000.count": 2,
        "event.smtpsvc-4000.guid-domain": True,
        "event.msexchangeis-9671.configured-max": 8,
    }
    first, second, third = artifact.details["events"]
    assert [first["line"], second["line"], third["line"]] == [2, 5, 6]
    assert first["level"] == "Erreur" and "dépassé" in first["message"]
    assert '"Impossible de se lier' in second["message"]  # doubled quotes undone
    assert "« contoso.com »," in third["message"]


def test_csv_messages_with_commas_quotes_and_newlines(tmp_path: Path) -> None:
    text = (
        "Level,Date and Time,Source,Event ID,Task Category\r\n"
        "Error,3/2/2006 5:01:57 AM,MSExchangeIS,9671,General,"
        '"User SYSTEM, again, has ""exceeded""\r\n'
        "the maximum.\r\n"
        f'{MAX_TEXT}"\r\n'
        "Information,3/2/2006 5:02:00 AM,Service Control Manager,7036,None,plain, unquoted\r\n"
    )
    message, line = error_of(write(tmp_path, "e.csv", text))
    assert (message, line) == ("CSV row has 7 columns, expected 6", 5)
    fixed = text.replace("plain, unquoted", '"plain, quoted"')
    artifact = eventlog.parse(write(tmp_path, "ok.csv", fixed))
    assert artifact.summary()["facts"]["event.service-control-manager-7036.count"] == 1
    first, second = artifact.details["events"]
    assert first["message"].startswith('User SYSTEM, again, has "exceeded"\nthe maximum.')
    assert second["line"] == 5 and second["message"] == "plain, quoted"


def test_csv_short_last_row_is_cut(tmp_path: Path) -> None:
    text = "Level,Date and Time,Source,Event ID,Task Category\nError,now,smtpsvc\n"
    assert error_of(write(tmp_path, "e.csv", text)) == (
        "truncated: the last row has 3 of 6 columns",
        2,
    )


def test_csv_unterminated_quote(tmp_path: Path) -> None:
    text = 'Level,Date and Time,Source,Event ID,Task Category\nError,now,smtpsvc,4000,None,"cut'
    assert error_of(write(tmp_path, "e.csv", text)) == (
        "truncated: the file ends inside the quoted text of event 1",
        2,
    )


def test_csv_with_only_a_header_has_no_facts(tmp_path: Path) -> None:
    path = write(tmp_path, "e.csv", "Level,Date and Time,Source,Event ID,Task Category\r\n")
    assert eventlog.parse(path).summary() == {
        "path": str(path),
        "kind": "event-log",
        "facts": {},
        "notes": [],
        "warnings": [],
    }


# --- binary .evtx ---------------------------------------------------------------------------

EVTX_EVENTS = [
    EventSpec("MSExchangeIS", 9671, qualifiers=49152, user_sid="S-1-5-18", strings=("SYSTEM", "8")),
    EventSpec("smtpsvc", 4000, time="2000-10-30T14:10:10Z", strings=(GUID_DOMAIN, "DNS")),
    EventSpec(
        "Microsoft-Windows-Security-Auditing",
        4625,
        level=0,
        strings=(("TargetUserName", "jdoe"), ("Status", "0xc000006d")),
    ),
    EventSpec("MSExchangeIS", 3221235143, computer="EXCH02"),
]


def test_evtx_writer_output_reads_back_with_the_evtx_package(tmp_path: Path) -> None:
    path = write(tmp_path, "log.evtx", build_evtx(EVTX_EVENTS, per_chunk=2))
    assert (path.stat().st_size - FILE_HEADER_SIZE) / CHUNK_SIZE == 2
    parser = evtx.PyEvtxParser(str(path), number_of_threads=1, validate_checksums=True)
    xml = [record["data"] for record in parser.records()]
    assert len(xml) == 4
    assert '<EventID Qualifiers="49152">9671</EventID>' in xml[0]
    assert '<Security UserID="S-1-5-18">' in xml[0]
    assert f"<Data>{GUID_DOMAIN}</Data>" in xml[1]
    assert 'SystemTime="2000-10-30T14:10:10.000000Z"' in xml[1]
    assert '<Data Name="TargetUserName">jdoe</Data>' in xml[2]
    assert "<EventID>3221235143</EventID>" in xml[3]


def test_evtx_events(tmp_path: Path) -> None:
    path = write(tmp_path, "log.evtx", build_evtx(EVTX_EVENTS, per_chunk=2))
    head = head_of(path)
    assert eventlog.detect(head)
    artifact = eventlog.parse(path)
    assert artifact.summary()["facts"] == {
        "event.msexchangeis-9671.count": 2,  # Qualifiers apart, or folded into a 32-bit id
        "event.smtpsvc-4000.count": 1,
        "event.microsoft-windows-security-auditing-4625.count": 1,
        "event.smtpsvc-4000.guid-domain": True,
        # no message text in .evtx: 9671's insertion strings are the account and the limit
        "event.msexchangeis-9671.configured-max": 8,
        "event.msexchangeis-9671.accounts": ["SYSTEM"],
    }
    assert {o.source for o in artifact.observations} == {str(path)}  # no lines in a binary log
    is_, smtp, audit, is_folded = artifact.details["events"]
    assert is_folded["id"] == 9671 and is_folded["record"] == 4
    assert is_ == {
        "source": "MSExchangeIS",
        "id": 9671,
        "level": "Error",
        "time": "2006-03-02T05:01:57.000000Z",
        "computer": "EXCH01",
        "user": "S-1-5-18",
        "strings": ["SYSTEM", "8"],
        "record": 1,
    }
    assert smtp["record"] == 2 and smtp["strings"] == [GUID_DOMAIN, "DNS"]
    assert audit["strings"] == ["jdoe", "0xc000006d"] and audit["level"] == "Information"
    assert artifact.notes == []  # the strings gave the configured maximum
    # without insertion strings the configured maximum is unknown, and a note says so
    bare = write(tmp_path, "bare.evtx", build_evtx([EventSpec("MSExchangeIS", 9671)]))
    (note,) = eventlog.parse(bare).notes
    assert "wevtutil qe" in note.en and "wevtutil qe" in note.fr
    assert "Event Viewer" in note.en and "Observateur d'événements" in note.fr


def test_evtx_many_records_keep_exact_counts_and_bounded_details(tmp_path: Path) -> None:
    specs = [EventSpec("smtpsvc", 4000, strings=("contoso.com",))] * 250
    specs.append(EventSpec("smtpsvc", 4000, strings=(GUID_DOMAIN,)))
    path = write(tmp_path, "big.evtx", build_evtx(specs, per_chunk=100))
    artifact = eventlog.parse(path)
    summary = artifact.summary()
    assert summary["facts"] == {
        "event.smtpsvc-4000.count": 251,
        "event.smtpsvc-4000.guid-domain": True,
    }
    assert len(summary["events"]) == KEEP_PER_KEY


def test_evtx_without_records_has_no_facts(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.evtx", build_evtx([]))
    assert eventlog.parse(path).summary()["facts"] == {}


def test_evtx_cut_in_the_header(tmp_path: Path) -> None:
    path = write(tmp_path, "cut.evtx", build_evtx(EVTX_EVENTS)[:100])
    assert error_of(path) == (
        "truncated .evtx: the file header has only 100 bytes"
        "; ask for a fresh export (Event Viewer, Save All Events As)",
        None,
    )


def test_evtx_with_no_readable_chunk_is_refused(tmp_path: Path) -> None:
    """Damage short of that is read in part: tests/test_evidence_evtx.py."""
    data = bytearray(build_evtx(EVTX_EVENTS))
    data[FILE_HEADER_SIZE : FILE_HEADER_SIZE + 8] = b"ElfXXXX\0"
    assert error_of(write(tmp_path, "bad.evtx", bytes(data))) == (
        "corrupt .evtx: no event record could be read (damaged chunks: 1, damaged records: 4)"
        "; ask for a fresh export (Event Viewer, Save All Events As)",
        None,
    )


def test_evtx_header_checksum_is_what_windows_writes() -> None:
    header = build_evtx([])[:128]
    assert struct.unpack_from("<I", header, 124)[0] == zlib.crc32(header[:120])


# --- recognising files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "winsock-ok.reg",
        "winsock-orphan-transport.reg",
        "outlook-profile-cisco.reg",
        "enumprot-ok.txt",
        "enumprot-failed.txt",
        "ehlo-exchange2000.txt",
        "ehlo-windows2000-smtp.txt",
        "dpmon-notsupported.log",
        "answers-new-mail-delayed.yaml",
        "README.md",
    ],
)
def test_other_samples_are_not_claimed(name: str) -> None:
    assert not eventlog.detect(head_of(SAMPLES / name))


def test_detection_is_by_content_not_name(tmp_path: Path) -> None:
    csv_text = (SAMPLES / "events-smtp.csv").read_bytes()
    assert eventlog.detect(head_of(write(tmp_path, "export.reg", csv_text)))
    reg = (SAMPLES / "winsock-ok.reg").read_bytes()
    assert not eventlog.detect(head_of(write(tmp_path, "events.evtx", reg)))


def test_read_artifact_routes_event_files_here(tmp_path: Path) -> None:
    evtx_path = write(tmp_path, "log.bin", build_evtx(EVTX_EVENTS))
    for path in (SAMPLES / "event-9671.txt", SAMPLES / "events-smtp.csv", evtx_path):
        assert read_artifact(path).kind == "event-log"


# --- fuzzing: damaged files fail cleanly ----------------------------------------------------

SEEDS = [
    (SAMPLES / "event-9671.txt").read_bytes(),
    CLASSIC.encode("utf-8"),
    codecs.BOM_UTF16_LE + CLASSIC.replace("\n", "\r\n").encode("utf-16-le"),
    (DATA / "wevtutil-text.txt").read_bytes(),
    (DATA / "wevtutil-events.xml").read_bytes(),
    _xml_saved((DATA / "wevtutil-events.xml").read_text(encoding="utf-8"), "utf-16le-bom"),
    ("<Events>" + one_event(extra="<a>" * 70 + "</a>" * 70) + "</Events>").encode(),
    (DATA / "xxe.xml").read_bytes(),
    (SAMPLES / "events-smtp.csv").read_bytes(),
    (DATA / "events-fr.csv").read_bytes(),
]


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes] = SEEDS) -> bytes:
    """A seed, cut, with bytes deleted, inserted, replaced or repeated."""
    data = bytearray(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        kind = draw(st.sampled_from(["cut", "delete", "insert", "replace", "repeat"]))
        chunk = draw(st.binary(min_size=1, max_size=12))
        if kind == "cut":
            del data[at:]
        elif kind == "delete":
            del data[at : at + len(chunk) * 8]
        elif kind == "insert":
            data[at:at] = chunk
        elif kind == "replace":
            data[at : at + len(chunk)] = chunk
        else:
            data[at:at] = data[at : at + 200]
    return bytes(data)


def parse_or_refuse(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    head = Head(data[:HEAD_BYTES], decode_head(data[:HEAD_BYTES]))
    eventlog.detect(head)
    try:
        eventlog.parse(path)
    except ArtifactError as exc:
        assert len(exc.problems) == 1 and "\n" not in exc.problems[0].message


FUZZ = settings(
    max_examples=300,
    deadline=2000,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ
@given(data=st.one_of(mutated(), st.binary(max_size=600)))
def test_damaged_text_exports_fail_cleanly(tmp_path: Path, data: bytes) -> None:
    parse_or_refuse(tmp_path / "fuzz", data)


EVTX_SEED = build_evtx(EVTX_EVENTS)


@settings(FUZZ, max_examples=150)
@given(
    flips=st.lists(
        st.tuples(st.integers(FILE_HEADER_SIZE, FILE_HEADER_SIZE + 1200), st.integers(0, 255)),
        min_size=1,
        max_size=6,
    )
)
def test_damaged_evtx_fails_cleanly(tmp_path: Path, flips: list[tuple[int, int]]) -> None:
    data = bytearray(EVTX_SEED)
    for at, value in flips:
        data[at] = value
    parse_or_refuse(tmp_path / "fuzz.evtx", bytes(data))


def test_the_accounts_events_9671_name(tmp_path: Path) -> None:
    """Each account once, in the order met, whitespace folded; an unreadable one is skipped."""
    block = CLASSIC[CLASSIC.index("Event Type:\tError") :]
    other = block.replace("User SYSTEM has", "User  CONTOSO\\jdoe\n has")
    silent = block.replace("User SYSTEM has exceeded", "Someone went over")
    path = write(tmp_path, "e.txt", block + other + silent + block, "utf-8")
    artifact = eventlog.parse(path)
    facts = artifact.summary()["facts"]
    assert facts["event.msexchangeis-9671.count"] == 4
    assert facts["event.msexchangeis-9671.accounts"] == [["SYSTEM"], ["CONTOSO\\jdoe"]]


def test_a_file_read_in_part_gives_no_fact_that_rests_on_absence() -> None:
    """No _GUID_D domain among the events read is not proof when some could not be read."""
    from kbassist.evidence.base import Artifact, Note
    from kbassist.evidence.eventlog.collect import Collector, Event

    def guid_fact(partial: bool, strings: list[str]) -> object:
        artifact = Artifact(Path("log"), "event-log")
        if partial:
            artifact.warnings.append(Note(en="2 records skipped", fr="2 enregistrements ignorés"))
        sink = Collector(artifact)
        sink.add(Event(1, None, source="smtpsvc", id=4000, strings=strings))
        return sink.finish().summary()["facts"].get("event.smtpsvc-4000.guid-domain")

    assert guid_fact(False, ["contoso.com"]) is False
    assert guid_fact(True, ["contoso.com"]) is None
    assert guid_fact(True, [GUID_DOMAIN]) is True  # what the events read do say still counts
