"""The SMTP transcript reader: the greeting and the EHLO verbs, however the session was saved."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbassist.evidence import read_artifact, smtp_transcript
from kbassist.evidence.base import Artifact

from . import artifacts
from .artifacts import SAVED_AS as ENCODINGS
from .artifacts import error_of as shared_error_of
from .artifacts import head_of, parse_or_none, salted_file, shuffled_text, write_lines
from .conftest import SAMPLES

MINE = {"ehlo-exchange2000.txt", "ehlo-windows2000-smtp.txt"}
OTHERS = sorted(p.name for p in SAMPLES.iterdir() if p.name not in MINE | {"README.md"})

BANNER = (
    "mail01.contoso.com Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 "
    "ready at  Thu, 16 Nov 2000 12:25:39 -0600"
)
VERBS = ["TURN", "ATRN", "SIZE", "ETRN", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "8bitmime"]
VERBS += ["BINARYMIME", "CHUNKING", "VRFY", "X-EXPS GSSAPI NTLM LOGIN", "X-EXPS=LOGIN"]
VERBS += ["AUTH GSSAPI NTLM LOGIN", "AUTH=LOGIN"]
EXCHANGE = ["XEXCH50", "X-LINK2STATE"]
KEYWORDS = list(dict.fromkeys(v.split()[0].split("=")[0].upper() for v in VERBS))


def ehlo_response(verbs: list[str], last: str = "OK") -> list[str]:
    return ["250-mail01.contoso.com Hello [10.0.0.15]", *(f"250-{v}" for v in verbs), f"250 {last}"]


def session(verbs: list[str], echo: str | None = "ehlo helpdesk") -> list[str]:
    client = [echo] if echo else []
    return [f"220 {BANNER}", *client, *ehlo_response(verbs), "quit", "221 2.0.0 bye"]


def write(tmp_path: Path, lines: list[str], encoding: str = "ansi", end: str = "\r\n") -> Path:
    return write_lines(tmp_path / "telnet.txt", lines, encoding, end)


def facts(artifact: Artifact) -> dict[str, tuple[object, int]]:
    """fact -> (value, line); each fact is observed once per transcript."""
    out = {o.fact: (o.value, int(o.source.rsplit(":", 1)[1])) for o in artifact.observations}
    assert len(out) == len(artifact.observations)
    return out


def error_of(path: Path) -> tuple[str, int | None]:
    return shared_error_of(smtp_transcript.parse, path)


def test_sample_exchange2000():
    artifact = smtp_transcript.parse(SAMPLES / "ehlo-exchange2000.txt")
    assert artifact.kind == "smtp-transcript"
    assert facts(artifact) == {
        "smtp.banner": (BANNER, 1),
        "smtp.banner-version": ("5.0.2195.1600", 1),
        "smtp.ehlo-keywords": ([*KEYWORDS, *EXCHANGE], 3),
        "smtp.xexch50": (True, 19),
        "smtp.x-link2state": (True, 20),
    }


def test_sample_windows2000_dll():
    got = facts(smtp_transcript.parse(SAMPLES / "ehlo-windows2000-smtp.txt"))
    assert got["smtp.ehlo-keywords"] == (KEYWORDS, 3)
    assert got["smtp.xexch50"] == (False, 19)
    assert got["smtp.x-link2state"] == (False, 19)
    assert got["smtp.banner-version"] == ("5.0.2195.1600", 1)


@pytest.mark.parametrize("name", sorted(MINE))
def test_detects_own_samples(name):
    assert smtp_transcript.detect(head_of((SAMPLES / name).read_bytes()))
    assert read_artifact(SAMPLES / name).kind == smtp_transcript.KIND


@pytest.mark.parametrize("name", OTHERS)
def test_leaves_other_kinds_alone(name):
    assert not smtp_transcript.detect(head_of((SAMPLES / name).read_bytes()))


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("end", ["\r\n", "\n"])
def test_every_encoding(tmp_path, encoding, end):
    path = write(tmp_path, ["", "", *session(VERBS + EXCHANGE)], encoding, end)
    assert smtp_transcript.detect(head_of(path.read_bytes()))
    got = facts(smtp_transcript.parse(path))
    assert got["smtp.banner"] == (BANNER, 3)
    assert got["smtp.xexch50"] == (True, 21)
    assert got["smtp.x-link2state"] == (True, 22)


def test_lower_case_verbs_and_command(tmp_path):
    verbs = [v.lower() for v in VERBS + EXCHANGE]
    got = facts(smtp_transcript.parse(write(tmp_path, session(verbs, echo="EHLO x"))))
    assert got["smtp.ehlo-keywords"][0] == [*KEYWORDS, *EXCHANGE]
    assert got["smtp.xexch50"][0] is True and got["smtp.x-link2state"][0] is True


def test_no_echo_of_the_ehlo_command(tmp_path):
    path = write(tmp_path, session(VERBS, echo=None), "utf-16le-bom")
    assert read_artifact(path).kind == smtp_transcript.KIND
    got = facts(smtp_transcript.parse(path))
    assert got["smtp.ehlo-keywords"] == (KEYWORDS, 2)
    assert got["smtp.xexch50"] == (False, 18)


@pytest.mark.parametrize(("server", "client"), [("S: ", "C: "), ("<<< ", ">>> ")])
def test_prefixed_lines(tmp_path, server, client):
    lines = [f"{server}220 {BANNER}", f"{client}EHLO helpdesk"]
    lines += [f"{server}{line}" for line in ehlo_response(EXCHANGE)]
    lines += [f"{client}QUIT", f"{server}221 bye"]
    path = write(tmp_path, lines, end="\n")
    assert smtp_transcript.detect(head_of(path.read_bytes()))
    assert facts(smtp_transcript.parse(path)) == {
        "smtp.banner": (BANNER, 1),
        "smtp.banner-version": ("5.0.2195.1600", 1),
        "smtp.ehlo-keywords": (EXCHANGE, 3),
        "smtp.xexch50": (True, 4),
        "smtp.x-link2state": (True, 5),
    }


def test_last_of_two_ehlo_responses(tmp_path):
    lines = [f"220 {BANNER}", "EHLO a", *ehlo_response(["STARTTLS", "SIZE"])]
    lines += ["STARTTLS", "220 2.0.0 SMTP server ready", "EHLO a"]
    lines += ehlo_response(["SIZE", *EXCHANGE, "AUTH GSSAPI NTLM"])
    got = facts(smtp_transcript.parse(write(tmp_path, lines)))
    assert got["smtp.banner"] == (BANNER, 1)
    assert got["smtp.ehlo-keywords"] == (["SIZE", *EXCHANGE, "AUTH"], 10)
    assert got["smtp.xexch50"] == (True, 12)


def test_final_keyword_line_counts_unless_ok(tmp_path):
    lines = [f"220 {BANNER}", "ehlo x", *ehlo_response(["SIZE"], last="X-LINK2STATE")]
    got = facts(smtp_transcript.parse(write(tmp_path, lines)))
    assert got["smtp.ehlo-keywords"] == (["SIZE", "X-LINK2STATE"], 3)
    assert got["smtp.x-link2state"] == (True, 5)
    assert got["smtp.xexch50"] == (False, 5)


def test_one_line_ehlo_response_has_no_keywords(tmp_path):
    lines = [f"220 {BANNER}", "EHLO x", "250 mail01.contoso.com Hello [10.0.0.15]"]
    got = facts(smtp_transcript.parse(write(tmp_path, lines)))
    assert got["smtp.ehlo-keywords"] == ([], 3)
    assert got["smtp.xexch50"] == (False, 3)


@pytest.mark.parametrize(
    "after",
    [
        ["HELO x", "250 mail01.contoso.com Hello [10.0.0.15]"],
        ["250 2.1.0 Sender OK"],  # a one-line 250 with no echoed EHLO
        ["EXPN staff", "250-Ann <ann@contoso.com>", "250 Bob <bob@contoso.com>"],
    ],
)
def test_other_250_replies_are_not_ehlo_responses(tmp_path, after):
    artifact = smtp_transcript.parse(write(tmp_path, [f"220 {BANNER}", *after]))
    assert set(facts(artifact)) == {"smtp.banner", "smtp.banner-version"}
    assert "EHLO" in artifact.notes[0].en


def test_banner_only(tmp_path):
    artifact = smtp_transcript.parse(write(tmp_path, ["220 mx.example.org ESMTP", "quit"]))
    assert facts(artifact) == {"smtp.banner": ("mx.example.org ESMTP", 1)}


def test_ehlo_without_banner(tmp_path):
    path = write(tmp_path, ["ehlo x", *ehlo_response(["SIZE"])])
    assert smtp_transcript.detect(head_of(path.read_bytes()))
    assert facts(smtp_transcript.parse(path)) == {
        "smtp.ehlo-keywords": (["SIZE"], 2),
        "smtp.xexch50": (False, 4),
        "smtp.x-link2state": (False, 4),
    }


@pytest.mark.parametrize(("keep", "seen"), [(3, 0), (10, 7), (20, 17)])
def test_a_cut_ehlo_response_is_partial_and_proves_no_verb_missing(tmp_path, keep, seen):
    artifact = smtp_transcript.parse(write(tmp_path, session(VERBS + EXCHANGE)[:keep]))
    got = facts(artifact)
    listed = [*KEYWORDS, *EXCHANGE][:seen]
    assert got["smtp.ehlo-keywords"] == (listed, 3)
    assert got["smtp.banner-version"] == ("5.0.2195.1600", 1)
    # What the cut reply lists is offered; what it does not list may be in the lost lines.
    assert {f: v for f, (v, _) in got.items() if f in smtp_transcript.VERB_FACTS} == (
        {"smtp.xexch50": True, "smtp.x-link2state": True} if keep == 20 else {}
    )
    (warning,) = artifact.warnings
    assert f"stops at line {keep} before its last line" in warning.en
    assert f"s'arrête à la ligne {keep}" in warning.fr


def test_ehlo_response_interrupted(tmp_path):
    lines = [f"220 {BANNER}", "ehlo x", *ehlo_response(VERBS)[:5], "quit", "221 bye"]
    artifact = smtp_transcript.parse(write(tmp_path, lines))
    assert facts(artifact)["smtp.ehlo-keywords"] == (KEYWORDS[:4], 3)
    assert not set(facts(artifact)) & set(smtp_transcript.VERB_FACTS)
    assert "line 7" in artifact.warnings[0].en


def test_nothing_smtp_in_it(tmp_path):
    message, line = error_of(write(tmp_path, ["quit", "250 OK"]))
    assert "no SMTP greeting" in message and line is None


SNIPPETS = [*session(VERBS + EXCHANGE), "250-", "250", "220-", "S: 250-", ">>> EHLO", "EHLO"]
# How transcripts arrive: quoted, in HTML, from telnet, PuTTY and openssl s_client.
SNIPPETS += ["> 250-SIZE", ">> > 250 OK", "<pre>", "</pre>", "<br>", "&lt;", "&#50;&#53;&#48;"]
SNIPPETS += ["<p class=MsoNormal>250-X-LINK2STATE<o:p></o:p></p>", "<!--", "-->", "<script>"]
SNIPPETS += ["Trying 10.0.0.5...", "Connected to mail01.", "Escape character is '^]'."]
SNIPPETS += ["ehlo x250-mail01 Hello", "quit221 bye", "Connection to host lost.", "...", "[snip]"]
SNIPPETS += ["=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2006.03.02 05:01:57 =~=~=~=~=~=~=~=~=~=~=~="]
SNIPPETS += ["ehlp\b \bo x", "\x1b[1m250-DSN\x1b[0m", "CONNECTED(00000003)", "---", "closed"]
SNIPPETS += ["-----BEGIN CERTIFICATE-----", "MIIB5zCCAVCgAwIBAgIJAKx5", "-----END CERTIFICATE-----"]
SNIPPETS += ["SSL-Session:", "    Protocol  : TLSv1", "    0000 - 25 0f", "read R BLOCK"]


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
    artifact = parse_or_none(smtp_transcript.parse, path)
    if artifact is not None:
        got = facts(artifact)
        assert "smtp.banner" in got or "smtp.ehlo-keywords" in got


# What Cisco ASA's ESMTP inspection leaves of keywords it does not allow: X runs.
MASKED = ["XXXA", "SIZE", "PIPELINING", "XXXXXXXA", "XXXXXXXB", "AUTH=LOGIN", "XXXXXXX"]


def test_masked_keywords_are_unknown_not_missing(tmp_path):
    artifact = smtp_transcript.parse(write(tmp_path, session(MASKED)))
    seen = facts(artifact)
    assert seen["smtp.ehlo-masked"][0] is True
    assert seen["smtp.ehlo-masked"][1] == 4  # the first masked keyword's line
    assert "smtp.x-link2state" not in seen and "smtp.xexch50" not in seen
    assert any("masked" in note.en and "masqués" in note.fr for note in artifact.notes)


def test_a_masked_reply_still_shows_the_verbs_it_lists(tmp_path):
    seen = facts(smtp_transcript.parse(write(tmp_path, session([*MASKED, "X-LINK2STATE"]))))
    assert seen["smtp.x-link2state"][0] is True
    assert "smtp.xexch50" not in seen


def test_exchange_verbs_are_not_masks():
    assert smtp_transcript.masked_keywords(["XEXCH50", "X-LINK2STATE", "X-EXPS", "XSHADOW"]) == []
    assert smtp_transcript.masked_keywords(["XXXXXXXA", "****", "xxxxxxx"]) == [
        "XXXXXXXA",
        "****",
        "xxxxxxx",
    ]


@pytest.mark.parametrize(
    ("version", "windows_2000"),
    [("5.0.2195.1600", True), ("5.0.2195.6713", True), ("6.0.3790.3959", False), (None, False)],
)
def test_only_windows_2000_smtp_is_in_scope(version, windows_2000):
    assert smtp_transcript.is_windows_2000_smtp(version) is windows_2000


# --- a cut transcript: a verb is missing only from a whole reply ------------------------------


@pytest.mark.parametrize("sample", sorted(MINE))
@pytest.mark.parametrize("encoding", ["as-is", "utf-16le-bom"])
def test_a_transcript_cut_anywhere_never_loses_a_verb(tmp_path, sample, encoding):
    """A cut before X-LINK2STATE once read as 'not offered': KB 279616 concluded on a cut."""
    data = (SAMPLES / sample).read_bytes()
    if encoding != "as-is":
        data = ENCODINGS[encoding](data.decode("cp1252"))
    whole = facts(smtp_transcript.parse(SAMPLES / sample))
    path = tmp_path / "cut.txt"
    unit = 2 if encoding != "as-is" else 1
    for cut, artifact in artifacts.parsed_cuts(smtp_transcript.parse, data, path, unit):
        got = facts(artifact)
        for fact in ["smtp.xexch50", "smtp.x-link2state", "smtp.banner-version"]:
            if fact in got:
                assert got[fact] == whole[fact], (len(cut), fact)


def test_a_whole_last_line_without_its_line_break_is_fine_when_not_read(tmp_path):
    path = tmp_path / "pasted.txt"
    path.write_bytes("\r\n".join(session(VERBS + EXCHANGE)).encode("cp1252"))  # ends "221 bye"
    artifact = smtp_transcript.parse(path)
    assert facts(artifact)["smtp.x-link2state"][0] is True and artifact.warnings == []


@pytest.mark.parametrize("name", sorted(artifacts.hostile_lines()))
def test_hostile_lines_finish(tmp_path, name):
    line = artifacts.hostile_lines()[name]
    lines = [f"220 {line}", f"ehlo {line}", f"250-{line}", f"250-Version: {line}", "250 OK", line]
    parse_or_none(smtp_transcript.parse, write(tmp_path, lines))
