"""Event Viewer text as people paste it, built byte by byte as Windows writes it.

The facts read from event 9671's message: its account and its configured
maximum, found in one pass over the text, and never from a cut sentence.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbassist.evidence import ArtifactError, eventlog
from kbassist.evidence.base import Head
from kbassist.evidence.eventlog.collect import account_named
from kbassist.evidence.textfile import HEAD_BYTES, decode_head

from .test_evidence_eventlog import FUZZ, GUID_DOMAIN, MAX_TEXT

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


# --- cut pastes -----------------------------------------------------------------------------


def _facts_and_warnings(path: Path) -> tuple[dict, list[str]]:
    artifact = eventlog.parse(path)
    return artifact.summary()["facts"], [w.en for w in artifact.warnings]


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


# --- one pass over each line: long lines, the 9671 account ----------------------------------------


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
