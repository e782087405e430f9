"""Event Viewer text as people paste and save it: every layout, in English and in French.

The classic viewer's copy (Windows 2000/2003), Vista's "Copy details as text",
the classic "Save Log File As" in comma- and tab-delimited text, and the Vista
CSV, each built byte by byte as Windows writes it (encodings, line ends, the
spaces a French Windows puts before ':'), then cut where files get cut.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from kbassist.cli import main
from kbassist.evidence import ArtifactError, eventlog, read_artifact
from kbassist.evidence.base import Head
from kbassist.evidence.eventlog import classic, csvexport, delimited, details, labels, savedlog
from kbassist.evidence.eventlog.collect import FIELD_CAP, account_named, capped_lines
from kbassist.evidence.textfile import HEAD_BYTES, decode_head, open_text

from .bench_modules import load
from .test_evidence_eventlog import FUZZ, GUID_DOMAIN, MAX_TEXT, SAMPLES, mutated, parse_or_refuse

BENCH = load("eventlog_text_bench")

NBSP, NNBSP = "\u00a0", "\u202f"
EXCEEDED = (
    "User SYSTEM has exceeded the allowed maximum number of simultaneous registrations for MAPI "
    "notifications."
)
DNS_FAILURE = (
    f"Message delivery to the remote domain '{GUID_DOMAIN}' failed. The error message is "
    "'Unable to bind to the destination server in DNS.'"
)


def encoded(text: str, encoding: str, newline: str) -> bytes:
    """``text`` as a Windows tool writes it: its line ends and encoding (``utf-16``: a BOM)."""
    return text.replace("\n", newline).encode(encoding)


def write(tmp_path: Path, data: bytes, name: str = "pasted.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def head_of(path: Path) -> Head:
    data = path.read_bytes()[:HEAD_BYTES]
    return Head(data, decode_head(data))


def refusal(path: Path) -> tuple[str, int | None]:
    with pytest.raises(ArtifactError) as caught:
        eventlog.parse(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path) and "\n" not in problem.message
    return problem.message, problem.line


# --- the classic viewer's copy, in English and in French ---------------------------------------


def classic_en(sep: str = "\t") -> str:
    """Two events as the Windows 2003 event properties' copy button writes them."""
    pad2 = sep * 2 if sep == "\t" else sep
    return (
        f"Event Type:{sep}Warning\n"
        f"Event Source:{sep}smtpsvc\n"
        f"Event Category:{sep}None\n"
        f"Event ID:{sep}4000\n"
        f"Date:{pad2}10/30/2000\n"
        f"Time:{pad2}2:10:10 PM\n"
        f"User:{pad2}N/A\n"
        f"Computer:{sep}MAIL01\n"
        "Description:\n"
        f"{DNS_FAILURE}\n"
        "\n"
        "For more information, see Help and Support Center at "
        "http://go.microsoft.com/fwlink/events.asp.\n"
        "Data:\n"
        "0000: c7 02 04 c0               Ç..À\n"
        f"Event Type:{sep}Error\n"
        f"Event Source:{sep}MSExchangeIS\n"
        f"Event Category:{sep}General \n"
        f"Event ID:{sep}9671\n"
        f"Date:{pad2}3/2/2006\n"
        f"Time:{pad2}5:01:57 AM\n"
        f"User:{pad2}N/A\n"
        f"Computer:{sep}DC-VERTON\n"
        "Description:\n"
        f"{EXCEEDED}\n"
        "\n"
        f"{MAX_TEXT}\n"
    )


def classic_fr(before_colon: str) -> str:
    """The same two events on a French Windows 2003: labels, types and dates in French."""
    c = before_colon + ":"
    return (
        f"Type de l'événement{c}\tAvertissement\n"
        f"Source de l'événement{c}\tsmtpsvc\n"
        f"Catégorie de l'événement{c}\tAucun\n"
        f"ID de l'événement{c}\t4000\n"
        f"Date{c}\t\t30/10/2000\n"
        f"Heure{c}\t\t14:10:10\n"
        f"Utilisateur{c}\t\tN/A\n"
        f"Ordinateur{c}\tMAIL01\n"
        f"Description{c}\n"
        f"La remise du message au domaine distant « {GUID_DOMAIN} » a échoué.\n"
        f"Données{c}\n"
        "0000: c7 02 04 c0               Ç..À\n"
        f"Type de l’événement{c}\tErreur\n"  # a typographic apostrophe, as Word pastes it
        f"Source de l'événement{c}\tMSExchangeIS\n"
        f"Catégorie de l'événement{c}\tGénéral \n"
        f"ID de l'événement{c}\t9671\n"
        f"Date{c}\t\t02/03/2006\n"
        f"Heure{c}\t\t05:01:57\n"
        f"Utilisateur{c}\t\tN/A\n"
        f"Ordinateur{c}\tDC-VERTON\n"
        f"Description{c}\n"
        f"{EXCEEDED}\n"
        "\n"
        f"{MAX_TEXT}\n"
    )


BOTH = {
    "event.smtpsvc-4000.count": 1,
    "event.msexchangeis-9671.count": 1,
    "event.smtpsvc-4000.guid-domain": True,
    "event.msexchangeis-9671.configured-max": 8,
    "event.msexchangeis-9671.accounts": ["SYSTEM"],
}


@pytest.mark.parametrize(
    ("encoding", "newline"),
    [("cp1252", "\r\n"), ("utf-16", "\r\n"), ("utf-8-sig", "\r\n"), ("utf-8", "\n")],
)
@pytest.mark.parametrize("sep", ["\t", "     "])  # Windows' tabs, or a paste's spaces
def test_classic_copy_in_english(tmp_path: Path, encoding: str, newline: str, sep: str) -> None:
    path = write(tmp_path, encoded(classic_en(sep), encoding, newline))
    assert eventlog.detect(head_of(path))
    artifact = eventlog.parse(path)
    assert artifact.summary()["facts"] == BOTH and artifact.warnings == []
    smtp, store = artifact.details["events"]
    assert (smtp["line"], store["line"]) == (1, 15)
    assert smtp["time"] == "10/30/2000 2:10:10 PM" and smtp["computer"] == "MAIL01"
    assert "0000:" not in smtp["message"] and smtp["message"].startswith("Message delivery")
    assert store["level"] == "Error" and store["message"].endswith(MAX_TEXT)


@pytest.mark.parametrize(
    ("before_colon", "encoding"),
    [
        (" ", "cp1252"),  # a plain space, saved from Notepad as ANSI
        (NBSP, "cp1252"),  # a no-break space: byte A0 in Windows-1252
        (NNBSP, "utf-16"),  # a narrow no-break space, saved as Unicode
        (NBSP, "utf-8-sig"),
        ("", "utf-8"),  # none at all, as an English habit types it
    ],
)
def test_classic_copy_in_french(tmp_path: Path, before_colon: str, encoding: str) -> None:
    path = write(tmp_path, encoded(classic_fr(before_colon), encoding, "\r\n"))
    assert eventlog.detect(head_of(path))
    artifact = eventlog.parse(path)
    assert artifact.summary()["facts"] == BOTH
    smtp, store = artifact.details["events"]
    assert smtp["level"] == "Avertissement" and store["level"] == "Erreur"
    assert smtp["time"] == "30/10/2000 14:10:10" and store["computer"] == "DC-VERTON"
    assert smtp["message"] == f"La remise du message au domaine distant « {GUID_DOMAIN} » a échoué."
    assert store["line"] == 13


def test_french_labels_match_whatever_the_spacing_and_apostrophe() -> None:
    for spelled in ("ID de l'événement", "id de l’événement", f"ID{NBSP}de  l'événement{NNBSP}"):
        assert labels.split(f"{spelled}:\t9671", labels.CLASSIC) == ("id", "9671")
    assert labels.split("Mots-clés :   Classique", {labels.key("Mots clés"): "x"}) == (
        "x",
        "Classique",
    )
    assert labels.split("Note: Date: 12:00", labels.CLASSIC) is None  # not a label line
    assert labels.split("Heure :\t\t05:01:57", labels.CLASSIC) == ("time", "05:01:57")


def test_every_language_names_every_label_of_each_layout() -> None:
    """Another language is one entry: the same fields in each layout, a full CSV header."""
    english = labels.LANGUAGES["en"]
    for language in labels.LANGUAGES.values():
        assert language.classic.keys() == english.classic.keys()
        assert language.details.keys() == english.details.keys()
        assert len(language.csv_header) == 5 and language.types


# --- Vista and later: "Copy details as text" ---------------------------------------------------


def xml_of(provider: str, event_id: int, qualifiers: int, *strings: str) -> str:
    data = "".join(f"    <Data>{s}</Data>\n" for s in strings)
    return (
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">\n'
        "  <System>\n"
        f'    <Provider Name="{provider}" />\n'
        f'    <EventID Qualifiers="{qualifiers}">{event_id}</EventID>\n'
        "    <Level>2</Level>\n"
        '    <TimeCreated SystemTime="2006-03-02T05:01:57.000000000Z" />\n'
        "    <Channel>Application</Channel>\n"
        "    <Computer>DC-VERTON.contoso.local</Computer>\n"
        "    <Security />\n"
        "  </System>\n"
        "  <EventData>\n"
        f"{data}"
        "  </EventData>\n"
        "</Event>\n"
    )


def details_en(with_xml: bool = True) -> str:
    """Two events, each from "Copy details as text", pasted one after the other."""
    first = (
        "Log Name:      Application\n"
        "Source:        smtpsvc\n"
        "Date:          10/30/2000 2:10:10 PM\n"
        "Event ID:      4000\n"
        "Task Category: None\n"
        "Level:         Warning\n"
        "Keywords:      Classic\n"
        "User:          N/A\n"
        "Computer:      MAIL01.contoso.local\n"
        "Description:\n"
        f"{DNS_FAILURE}\n"
    )
    second = (
        "Log Name:      Application\n"
        "Source:        MSExchangeIS\n"
        "Date:          3/2/2006 5:01:57 AM\n"
        "Event ID:      9671\n"
        "Task Category: General\n"
        "Level:         Error\n"
        "Keywords:      Classic\n"
        "User:          N/A\n"
        "Computer:      DC-VERTON.contoso.local\n"
        "Description:\n"
        f"{EXCEEDED}\n"
        "\n"
        f"{MAX_TEXT}\n"
    )
    if with_xml:
        first += "Event Xml:\n" + xml_of("smtpsvc", 4000, 32772, GUID_DOMAIN, "DNS")
        second += "Event Xml:\n" + xml_of("MSExchangeIS", 9671, 49152, "SYSTEM", "8")
    return first + second


def details_fr(before_colon: str) -> str:
    c = before_colon + ":"
    return (
        f"Nom du journal{c}Application\n"
        f"Source{c}       smtpsvc\n"
        f"Date{c}         30/10/2000 14:10:10\n"
        f"ID de l’événement{c}4000\n"
        f"Catégorie de la tâche{c}Aucun\n"
        f"Niveau{c}       Avertissement\n"
        f"Mots clés{c}    Classique\n"
        f"Utilisateur{c}  N/A\n"
        f"Ordinateur{c}   MAIL01.contoso.local\n"
        f"Description{c}\n"
        f"La remise du message au domaine distant « {GUID_DOMAIN} » a échoué.\n"
        f"XML de l’événement{c}\n" + xml_of("smtpsvc", 4000, 32772, GUID_DOMAIN) + ""
        f"Nom du journal{c}Application\n"
        f"Source{c}       MSExchangeIS\n"
        f"Date{c}         02/03/2006 05:01:57\n"
        f"ID de l’événement{c}9671\n"
        f"Catégorie de la tâche{c}Général\n"
        f"Niveau{c}       Erreur\n"
        f"Mots clés{c}    Classique\n"
        f"Utilisateur{c}  N/A\n"
        f"Ordinateur{c}   DC-VERTON.contoso.local\n"
        f"Description{c}\n"
        f"{EXCEEDED}\n"
        "\n"
        f"{MAX_TEXT}\n"
        f"XML de l’événement{c}\n" + xml_of("MSExchangeIS", 9671, 49152, "SYSTEM", "8")
    )


@pytest.mark.parametrize(
    ("encoding", "newline"), [("utf-16", "\r\n"), ("utf-8-sig", "\r\n"), ("utf-8", "\n")]
)
@pytest.mark.parametrize("with_xml", [True, False])  # the General pane's copy has no XML
def test_details_copy_in_english(tmp_path: Path, encoding: str, newline: str, with_xml: bool):
    path = write(tmp_path, encoded(details_en(with_xml), encoding, newline))
    assert eventlog.detect(head_of(path))
    artifact = eventlog.parse(path)
    assert artifact.summary()["facts"] == BOTH and artifact.warnings == []
    smtp, store = artifact.details["events"]
    assert smtp["message"] == DNS_FAILURE  # the XML is not the description
    assert store["time"] == "3/2/2006 5:01:57 AM" and store["level"] == "Error"
    assert store["line"] == (28 if with_xml else 12)


@pytest.mark.parametrize(
    ("before_colon", "encoding"), [(" ", "utf-8-sig"), (NBSP, "utf-16"), (NNBSP, "utf-8")]
)
def test_details_copy_in_french(tmp_path: Path, before_colon: str, encoding: str) -> None:
    path = write(tmp_path, encoded(details_fr(before_colon), encoding, "\r\n"))
    assert eventlog.detect(head_of(path))
    artifact = eventlog.parse(path)
    assert artifact.summary()["facts"] == BOTH and artifact.warnings == []
    smtp, store = artifact.details["events"]
    assert smtp["level"] == "Avertissement" and store["time"] == "02/03/2006 05:01:57"
    assert "<Event" not in store["message"] and store["message"].endswith(MAX_TEXT)


def test_details_xml_under_a_label_of_another_language_still_ends_the_description(tmp_path):
    text = details_en().replace("Event Xml:", "Ereignis-XML:")
    artifact = eventlog.parse(write(tmp_path, encoded(text, "utf-8", "\r\n")))
    assert artifact.summary()["facts"] == BOTH
    assert all("<Event" not in e["message"] for e in artifact.details["events"])


# --- cut pastes -----------------------------------------------------------------------------


def _facts_and_warnings(path: Path) -> tuple[dict, list[str]]:
    artifact = eventlog.parse(path)
    return artifact.summary()["facts"], [w.en for w in artifact.warnings]


@pytest.mark.parametrize(
    ("text", "cut_at", "where", "start"),
    [
        (classic_en(), "Event ID:\t9671", "before its description", 15),  # cut in the header
        (details_en(), "Event ID:      9671", "before its description", 28),
        (details_en(), "<Data>SYSTEM</Data>", "before the end of its XML", 28),  # in the XML
        (details_en(), MAX_TEXT, "before the end of its XML", 28),  # in the description
    ],
)
def test_a_paste_cut_in_its_last_event_leaves_that_event_out(tmp_path, text, cut_at, where, start):
    data = encoded(text[: text.index(cut_at) + 6], "utf-8", "\r\n")
    facts, warnings = _facts_and_warnings(write(tmp_path, data))
    # the first event is whole: counted; the cut one is not, and nothing rests on absence
    assert facts == {"event.smtpsvc-4000.count": 1, "event.smtpsvc-4000.guid-domain": True}
    assert warnings == [
        f"Line {start}: the file ends inside event 2, {where}. That event is not counted; "
        "the facts come from the whole events before it (1)."
    ]


@pytest.mark.parametrize("before", ["Description:", "Event Category:"])
def test_a_paste_cut_in_its_only_event_is_refused(tmp_path: Path, before: str) -> None:
    text = classic_en()
    one = text[: text.index(before)]  # the first event's first lines, nothing after
    assert refusal(write(tmp_path, encoded(one, "cp1252", "\r\n"))) == (
        "truncated: the file ends inside event 1, before its description",
        1,
    )


def test_a_cut_paste_keeps_no_fact_that_rests_on_absence(tmp_path: Path) -> None:
    """ "No 4000 event names a GUID domain" needs every 4000 event: not said of a cut file."""
    text = details_en().replace(GUID_DOMAIN, "contoso.com")
    cut = text[: text.index("Event ID:      9671")]
    facts, warnings = _facts_and_warnings(write(tmp_path, encoded(cut, "utf-8", "\n")))
    assert facts == {"event.smtpsvc-4000.count": 1} and len(warnings) == 1
    whole, _ = _facts_and_warnings(write(tmp_path, encoded(text, "utf-8", "\n"), "whole.txt"))
    assert whole["event.smtpsvc-4000.guid-domain"] is False


def test_wevtutil_text_cut_in_its_last_event(tmp_path: Path) -> None:
    text = (Path(__file__).parent / "data" / "eventlog" / "wevtutil-text.txt").read_text("utf-8")
    cut = text[: text.index("  Level: Warning")]
    facts, warnings = _facts_and_warnings(write(tmp_path, encoded(cut, "utf-16", "\r\n")))
    assert facts == {
        "event.msexchangeis-9671.count": 2,
        "event.msexchangeis-9671.configured-max": 8,
        "event.msexchangeis-9671.accounts": ["SYSTEM"],
    }
    assert warnings[0].startswith("Line 35: the file ends inside event 3, before its description")


def test_a_cut_number_is_never_the_configured_maximum(tmp_path: Path) -> None:
    """A paste cut inside its last description is read as whole; its cut sentence gives nothing."""
    text = classic_en().replace("is 8.", "is 16.")
    cut = text[: text.rindex("16.") + 1]  # "... registrations is 1"
    facts, warnings = _facts_and_warnings(write(tmp_path, encoded(cut, "utf-8", "\r\n")))
    assert facts["event.msexchangeis-9671.count"] == 1 and warnings == []
    assert "event.msexchangeis-9671.configured-max" not in facts
    whole, _ = _facts_and_warnings(write(tmp_path, encoded(text, "utf-8", "\r\n"), "whole"))
    assert whole["event.msexchangeis-9671.configured-max"] == 16


def test_a_number_too_long_for_an_int_is_not_the_configured_maximum(tmp_path: Path) -> None:
    """Python refuses to read a number of more than 4300 digits: it must never be tried."""
    text = classic_en().replace("is 8.", "is " + "9" * 5000 + ".")
    facts, _ = _facts_and_warnings(write(tmp_path, encoded(text, "utf-8", "\r\n")))
    assert facts["event.msexchangeis-9671.count"] == 1
    assert "event.msexchangeis-9671.configured-max" not in facts


# --- Windows 2000/2003 "Save Log File As": comma- and tab-delimited text -------------------------


def saved(delimiter: str, french: bool = False, type_first: bool = False) -> str:
    """Three events as Event Viewer saves them: no header, one line each."""
    if french:
        lines = [
            ["02/03/2006", "05:01:57", "MSExchangeIS", "Erreur", "Général ", "9671", "N/A",
             "DC-VERTON", f"{EXCEEDED}  {MAX_TEXT}"],
            ["30/10/2000", "14:10:10", "smtpsvc", "Avertissement", "Aucun", "4000", "N/A",
             "MAIL01", f"La remise du message au domaine distant « {GUID_DOMAIN} » a échoué, "
             "code 0xC00402C7."],
            ["30/10/2000", "14:12:00", "Security", "Audit des succès", "Ouverture/fermeture de "
             "session ", "540", "AUTORITE NT\\SYSTEM", "MAIL01", "Ouverture de session réussie"],
        ]  # fmt: skip
    else:
        lines = [
            ["3/2/2006", "5:01:57 AM", "MSExchangeIS", "Error", "General ", "9671", "N/A",
             "DC-VERTON", f"{EXCEEDED}  {MAX_TEXT}"],
            ["10/30/2000", "2:10:10 PM", "smtpsvc", "Warning", "None", "4000", "N/A", "MAIL01",
             DNS_FAILURE.replace("failed.", "failed, again.")],
            ["10/30/2000", "2:12:00 PM", "Security", "Success Audit", "Logon/Logoff ", "540",
             "NT AUTHORITY\\SYSTEM", "MAIL01", "Successful Network Logon:"],
        ]  # fmt: skip
    if type_first:
        lines = [[d, t, kind, source, *rest] for d, t, source, kind, *rest in lines]
    return "".join(delimiter.join(fields) + "\n" for fields in lines)


SAVED_FACTS = {
    "event.msexchangeis-9671.count": 1,
    "event.smtpsvc-4000.count": 1,
    "event.security-540.count": 1,
    "event.smtpsvc-4000.guid-domain": True,
    "event.msexchangeis-9671.configured-max": 8,
    "event.msexchangeis-9671.accounts": ["SYSTEM"],
}


@pytest.mark.parametrize("delimiter", [",", "\t"])
@pytest.mark.parametrize("french", [False, True])
@pytest.mark.parametrize(("encoding", "newline"), [("cp1252", "\r\n"), ("utf-16", "\r\n")])
def test_saved_log_file(tmp_path: Path, delimiter, french, encoding, newline) -> None:
    path = write(tmp_path, encoded(saved(delimiter, french), encoding, newline), "app.csv")
    assert eventlog.detect(head_of(path))
    artifact = eventlog.parse(path)
    assert artifact.summary()["facts"] == SAVED_FACTS and artifact.warnings == []
    store, smtp, audit = artifact.details["events"]
    assert [store["line"], smtp["line"], audit["line"]] == [1, 2, 3]
    assert store["level"] == ("Erreur" if french else "Error")
    assert store["time"] == ("02/03/2006 05:01:57" if french else "3/2/2006 5:01:57 AM")
    assert store["message"] == f"{EXCEEDED}  {MAX_TEXT}" and store["computer"] == "DC-VERTON"
    assert ", " in smtp["message"]  # the description is the rest of the line, commas and all
    assert audit["user"] == ("AUTORITE NT\\SYSTEM" if french else "NT AUTHORITY\\SYSTEM")
    assert audit["level"] == ("Audit des succès" if french else "Success Audit")


def test_saved_log_file_bytes_are_ansi(tmp_path: Path) -> None:
    data = encoded(saved(",", french=True), "cp1252", "\r\n")
    assert b"G\xe9n\xe9ral" in data and b"\xab " in data  # é and « as single bytes
    smtp = eventlog.parse(write(tmp_path, data)).details["events"][1]
    assert "« _c7" in smtp["message"]


def test_saved_log_file_with_the_type_before_the_source(tmp_path: Path) -> None:
    path = write(tmp_path, encoded(saved(",", type_first=True), "cp1252", "\r\n"))
    artifact = eventlog.parse(path)
    assert artifact.summary()["facts"] == SAVED_FACTS
    assert artifact.details["events"][0]["level"] == "Error"


def test_saved_log_file_with_quoted_and_multiline_descriptions(tmp_path: Path) -> None:
    text = (
        '3/2/2006,5:01:57 AM,MSExchangeIS,Error,General ,9671,N/A,DC-VERTON,"'
        f'{EXCEEDED}\n\nThe ""configured"" maximum, as said: 8."\n'
        "10/30/2000,2:10:10 PM,smtpsvc,Warning,None,4000,N/A,MAIL01,Message delivery failed.\n"
        "For more information, see Help and Support Center.\n"
    )
    artifact = eventlog.parse(write(tmp_path, encoded(text, "cp1252", "\r\n")))
    store, smtp = artifact.details["events"]
    assert store["message"] == f'{EXCEEDED}\n\nThe "configured" maximum, as said: 8.'
    assert smtp["line"] == 4 and smtp["message"].endswith(
        "\nFor more information, see Help and Support Center."
    )


@pytest.mark.parametrize(
    ("cut", "where"),
    [
        (lambda t: t[: t.index("Logon/Logoff")], "after 5 of its 9 fields"),
        (lambda t: t[: t.rindex("Logon")], "before the end of its line"),
        (lambda t: t.rstrip("\n"), "before the end of its line"),  # no line end after the last
    ],
)
def test_saved_log_file_cut_in_its_last_line(tmp_path: Path, cut, where) -> None:
    text = cut(saved(","))
    if "after" in where:
        text += "\n"  # cut, then a line end added by whoever forwarded it
    facts, warnings = _facts_and_warnings(write(tmp_path, encoded(text, "cp1252", "\r\n")))
    assert facts == {k: v for k, v in SAVED_FACTS.items() if "security" not in k}
    (warning,) = warnings
    assert warning.startswith("Line 3: the file ends inside event 3, ")


def test_saved_log_file_description_opening_a_quote_it_never_closes(tmp_path: Path) -> None:
    """Written as it is, a description may start with a quote: the events after it still count."""
    lines = saved(",").splitlines(keepends=True)
    opened = lines[0].replace(f"DC-VERTON,{EXCEEDED}", f'DC-VERTON,"{EXCEEDED}')
    artifact = eventlog.parse(
        write(tmp_path, encoded(opened + "".join(lines[1:]), "cp1252", "\r\n"))
    )
    assert artifact.summary()["facts"] == SAVED_FACTS and artifact.warnings == []
    assert artifact.details["events"][0]["message"].startswith('"User SYSTEM')
    # at the end of the file, the same open quote is a cut description
    cut = "".join(lines[1:]) + opened
    facts, warnings = _facts_and_warnings(write(tmp_path, encoded(cut, "cp1252", "\r\n"), "c"))
    assert "event.msexchangeis-9671.count" not in facts
    assert warnings[0].startswith("Line 3: the file ends inside event 3, inside its quoted text")


def test_saved_log_file_description_going_on_for_ever_is_kept_in_part(tmp_path: Path) -> None:
    lines = saved(",").splitlines(keepends=True)
    text = lines[0] + "and more of the description\n" * 20_000 + "".join(lines[1:])
    artifact = eventlog.parse(write(tmp_path, encoded(text, "cp1252", "\r\n")))
    assert artifact.summary()["facts"] == SAVED_FACTS
    store, smtp, _ = artifact.details["events"]
    assert len(store["message"]) <= FIELD_CAP and smtp["line"] == 20_002


def test_saved_log_file_short_line_in_the_middle_is_malformed(tmp_path: Path) -> None:
    lines = saved(",").splitlines(keepends=True)
    text = lines[0] + "10/30/2000,2:10:10 PM,smtpsvc,Warning\n" + lines[2]
    assert refusal(write(tmp_path, encoded(text, "cp1252", "\r\n"))) == (
        "the line has 4 fields, expected 9",
        2,
    )


# --- the Vista CSV with its header: what worked keeps working, a cut row is left out ------------


CSV = (
    "Level,Date and Time,Source,Event ID,Task Category\n"
    f'Error,3/2/2006 5:01:57 AM,MSExchangeIS,9671,General,"{EXCEEDED}\n\n{MAX_TEXT}"\n'
    f'Warning,10/30/2000 2:10:10 PM,smtpsvc,4000,None,"{DNS_FAILURE}"\n'
    'Information,10/30/2000 2:12:00 PM,smtpsvc,4000,None,"Delivery to ""contoso.com"" retried."\n'
)


@pytest.mark.parametrize(
    ("cut", "where", "line"),
    [
        (lambda t: t[: t.index("retried")], "inside its quoted text", 6),  # an open quote
        (lambda t: t[: t.rindex(",None")] + "\n", "after 4 of its 6 columns", 6),
        (lambda t: t.rstrip("\n"), "before the end of its line", 6),
    ],
)
def test_csv_cut_in_its_last_row(tmp_path: Path, cut, where: str, line: int) -> None:
    path = write(tmp_path, encoded(cut(CSV), "utf-8-sig", "\r\n"), "events.csv")
    facts, warnings = _facts_and_warnings(path)
    assert facts == {
        "event.msexchangeis-9671.count": 1,
        "event.smtpsvc-4000.count": 1,
        "event.smtpsvc-4000.guid-domain": True,
        "event.msexchangeis-9671.configured-max": 8,
        "event.msexchangeis-9671.accounts": ["SYSTEM"],
    }
    assert warnings == [
        f"Line {line}: the file ends inside event 3, {where}. That event is not counted; "
        "the facts come from the whole events before it (2)."
    ]


def test_csv_whole_reads_every_row(tmp_path: Path) -> None:
    artifact = eventlog.parse(write(tmp_path, encoded(CSV, "utf-8-sig", "\r\n"), "e.csv"))
    assert artifact.summary()["facts"]["event.smtpsvc-4000.count"] == 2
    assert artifact.details["events"][2]["message"] == 'Delivery to "contoso.com" retried.'
    assert artifact.warnings == []


def test_csv_with_only_a_cut_row_is_refused(tmp_path: Path) -> None:
    text = 'Level,Date and Time,Source,Event ID,Task Category\r\nError,now,smtpsvc,4000,None,"cut'
    assert refusal(write(tmp_path, text.encode(), "e.csv")) == (
        "truncated: the file ends inside the quoted text of event 1",
        2,
    )


def test_csv_short_row_in_the_middle_is_malformed(tmp_path: Path) -> None:
    rows = CSV.splitlines(keepends=True)
    text = rows[0] + "Error,now,smtpsvc\n" + "".join(rows[1:])
    assert refusal(write(tmp_path, text.encode(), "e.csv")) == (
        "CSV row has 3 columns, expected 6",
        2,
    )


def test_csv_text_after_a_closing_quote_is_malformed(tmp_path: Path) -> None:
    text = CSV.replace('retried."\n', 'retried." and more,x\n') + CSV.splitlines()[2] + "\n"
    message, line = refusal(write(tmp_path, text.encode(), "e.csv"))
    assert (message, line) == ("CSV error: text after the closing quote of a field", 6)


def test_csv_message_longer_than_the_csv_modules_limit(tmp_path: Path) -> None:
    """Python's csv refuses fields over 128 KiB; a real message can be longer."""
    long = "x" * 200_000
    text = CSV.replace("retried.", long)
    artifact = eventlog.parse(write(tmp_path, encoded(text, "utf-8", "\r\n"), "e.csv"))
    assert len(artifact.details["events"][2]["message"]) == FIELD_CAP
    assert artifact.warnings == []


# --- recognising each layout and only its own files ----------------------------------------------


LAYOUTS = {
    "classic-en": encoded(classic_en(), "cp1252", "\r\n"),
    "classic-fr": encoded(classic_fr(NBSP), "cp1252", "\r\n"),
    "details-en": encoded(details_en(), "utf-16", "\r\n"),
    "details-fr": encoded(details_fr(" "), "utf-8-sig", "\r\n"),
    "saved-csv": encoded(saved(","), "cp1252", "\r\n"),
    "saved-tsv-fr": encoded(saved("\t", french=True), "cp1252", "\r\n"),
    "vista-csv": encoded(CSV, "utf-8-sig", "\r\n"),
}
FORMAT_OF = {
    "classic-en": "classic",
    "classic-fr": "classic",
    "details-en": "details",
    "details-fr": "details",
    "saved-csv": "savedlog",
    "saved-tsv-fr": "savedlog",
    "vista-csv": "csvexport",
}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_each_layout_is_recognised_as_itself_and_read_as_an_event_log(tmp_path, name):
    path = write(tmp_path, LAYOUTS[name], "anything.dat")
    formats = {
        "classic": classic.LAYOUT,
        "details": details.LAYOUT,
        "savedlog": savedlog,
        "csvexport": csvexport,
    }
    assert eventlog._format(head_of(path)) is formats[FORMAT_OF[name]]
    assert read_artifact(path).kind == "event-log"


@pytest.mark.parametrize(
    "name",
    [
        "winsock-ok.reg",
        "outlook-profile-cisco.reg",
        "enumprot-ok.txt",
        "enumprot-failed.txt",
        "ehlo-exchange2000.txt",
        "dpmon-notsupported.log",
    ],
)
def test_other_kinds_are_still_theirs(name: str) -> None:
    assert read_artifact(SAMPLES / name).kind != "event-log"


# --- the cut never counts: every prefix of a whole file -------------------------------------------


RECORD_KEYS = ("source", "id", "level", "time", "computer", "user")


def _records(path: Path) -> list[dict] | None:
    try:
        return eventlog.parse(path).details.get("events", [])
    except ArtifactError:
        return None


@settings(FUZZ, max_examples=200)
@given(name=st.sampled_from(sorted(LAYOUTS)), where=st.floats(0, 1))
def test_a_file_cut_anywhere_counts_only_whole_events(tmp_path_factory, name: str, where: float):
    data = LAYOUTS[name]
    folder = tmp_path_factory.mktemp("cut")
    whole = _records(write(folder, data, "whole"))
    assert whole
    cut = _records(write(folder, data[: int(len(data) * where)], "cut"))
    if cut is None:
        return  # refused: nothing whole was left
    assert len(cut) <= len(whole)
    for got, expected in zip(cut, whole, strict=False):
        assert {k: got[k] for k in RECORD_KEYS} == {k: expected[k] for k in RECORD_KEYS}
    messages = [e.get("message") for e in cut]
    expected = [e.get("message") for e in whole[: len(cut)]]
    if FORMAT_OF[name] in ("savedlog", "csvexport"):
        assert messages == expected  # each event ends with a line end: what is counted is whole
    elif FORMAT_OF[name] == "details" and len(cut) > 1:
        assert messages == expected  # the XML after each description tells a cut one
    else:  # a paste cut in its last description cannot be told from a whole one
        assert messages[:-1] == expected[:-1]
        if messages:  # its text begins the whole one, but for its last line, which is cut
            text = messages[-1] or ""  # (and may end in half a character)
            whole_lines = text.rsplit("\n", 1)[0] if "\n" in text else text[:-1]
            assert (expected[-1] or "").startswith(whole_lines)


@settings(FUZZ, max_examples=300)
@given(data=mutated(seeds=list(LAYOUTS.values())))
def test_damaged_layouts_fail_cleanly(tmp_path_factory, data: bytes) -> None:
    parse_or_refuse(tmp_path_factory.mktemp("bad") / "fuzz", data)


CELLS = st.text(alphabet=st.sampled_from(["a", "é", ",", '"', "\n", " ", "\t", "x"]), max_size=8)


@settings(FUZZ, max_examples=300)
@given(table=st.lists(st.lists(CELLS, min_size=1, max_size=7), min_size=1, max_size=6),
       piece=st.sampled_from([1, 2, 3, 7, 65536]))  # fmt: skip
def test_rows_are_what_pythons_csv_wrote(tmp_path_factory, monkeypatch, table, piece) -> None:
    """Any table the csv module writes (Windows line ends) reads back, read in any piece size."""
    monkeypatch.setattr(delimited, "PIECE", piece)
    table = [row for row in table if row != [""]]  # csv writes a lone empty cell as a blank line
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table)
    path = write(tmp_path_factory.mktemp("csv"), out.getvalue().encode("utf-8"), "t.csv")
    with open_text(path) as stream:
        got = list(delimited.rows(stream, ","))
    assert [row.fields for row in got] == table
    assert all(row.ended and not row.open_quote and row.stray is None for row in got)
    assert [row.count for row in got] == [len(row) for row in table]


# --- one pass over each line: long lines, the 9671 account ----------------------------------------


def test_a_line_longer_than_the_cap_is_kept_in_part_and_the_next_line_numbered(tmp_path):
    path = write(tmp_path, b"a" * (FIELD_CAP * 3 + 7) + b"\r\nsecond\r\nthird")
    with open_text(path) as stream:
        got = [(n, len(text), ended) for n, text, ended in capped_lines(stream)]
    assert got == [(1, FIELD_CAP, True), (2, 6, True), (3, 5, False)]


def test_a_huge_line_of_spaces_in_a_paste_reads(tmp_path: Path) -> None:
    """A 160 KB line took 84 s when a regular expression backtracked over its spaces."""
    spaces = " " * 160_000
    text = classic_en().replace("Computer:\tDC-VERTON", f"Computer:\tDC{spaces}x")
    text = text.replace("User SYSTEM has", f"User {spaces}SYSTEM{spaces}has")
    artifact = eventlog.parse(write(tmp_path, encoded(text, "utf-8", "\r\n")))
    assert artifact.summary()["facts"]["event.msexchangeis-9671.count"] == 1
    assert artifact.details["events"][1]["computer"] == "DC"  # the line's first 64 Ki characters


OLD_ACCOUNT = re.compile(
    r"\bUser\s+(.{1,256}?)\s+has\s+exceeded\s+the\s+allowed\s+maximum", re.IGNORECASE
)
WORDS = ["User", "user", "SYSTEM", "CONTOSO\\jdoe", "has", "exceeded", "the", "allowed",
         "maximum", "has exceeded the allowed maximum", "xUser", "of", "8."]  # fmt: skip


@settings(FUZZ, max_examples=400)
@given(st.lists(st.sampled_from(WORDS), max_size=14))
def test_the_account_is_the_one_the_old_expression_found(words: list[str]) -> None:
    """The linear search finds what the backtracking expression did, on texts where it was fast."""
    text = " ".join(words)
    old = OLD_ACCOUNT.search(text)
    assert account_named(text) == (" ".join(old.group(1).split()) if old else None)


def test_the_account_with_odd_spacing() -> None:
    assert account_named("User\tCONTOSO\\jdoe\r\n has exceeded the allowed maximum") == (
        "CONTOSO\\jdoe"
    )
    assert account_named("User has exceeded the allowed maximum") is None
    assert account_named("User " + "x" * 300 + " has exceeded the allowed maximum") is None


# --- end to end: a partial file is a warning, a wholly cut one exit 2 -----------------------------


def test_diagnose_reads_a_cut_paste_with_a_warning_and_refuses_an_empty_cut(tmp_path: Path):
    text = details_en()
    cut = write(tmp_path, encoded(text[: text.index("<Data>SYSTEM")], "utf-16", "\r\n"), "cut.txt")
    result = CliRunner().invoke(main, ["diagnose", "--format", "json", str(cut)])
    assert result.exit_code in (0, 1), result.stderr
    assert "kbassist: warning: " in result.stderr and "cut.txt" in result.stderr
    assert "Line 28: the file ends inside event 2" in result.stderr
    only = write(tmp_path, encoded(text[: text.index("Description:")], "utf-8", "\r\n"), "o.txt")
    result = CliRunner().invoke(main, ["diagnose", str(only)])
    assert result.exit_code == 2
    assert f"{only}:1: truncated: the file ends inside event 1" in result.stderr


# --- the benchmark's files are the real formats ---------------------------------------------


@pytest.mark.parametrize("layout", [*BENCH.LAYOUTS, "huge-line"])
def test_the_benchmark_generates_each_layout_as_its_reader_knows_it(tmp_path, layout) -> None:
    path = tmp_path / layout
    if layout == "huge-line":
        BENCH.generate_huge_line(path, 0.2)
    else:
        BENCH.generate(path, layout, 0.05)
    expected = {
        "classic-en": classic.LAYOUT,
        "classic-fr": classic.LAYOUT,
        "huge-line": classic.LAYOUT,
        "details-en": details.LAYOUT,
        "saved-csv": savedlog,
        "saved-tsv": savedlog,
        "vista-csv": csvexport,
    }[layout]
    assert eventlog._format(head_of(path)) is expected
    artifact = eventlog.parse(path)
    assert artifact.warnings == []
    facts = artifact.summary()["facts"]
    assert facts["event.msexchangeis-9671.count"] >= 1
    assert facts["event.msexchangeis-9671.configured-max"] == 8
    if layout != "huge-line":
        assert facts["event.smtpsvc-4000.guid-domain"] is True
