"""`kbassist diagnose FILE...` over the sample artifacts: evidence meets the rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbassist.cli import main
from kbassist.pack.loader import load_pack

from .conftest import SAMPLES

# The samples README: what each file should conclude (None: nothing). One deliberate
# difference: smtpsvc 4000 events make KB 279616 possible, but only the EHLO test
# shows it (issue 15: a risk factor or a symptom is not proof), so events-smtp.csv
# alone concludes nothing and the report asks for that test.
EXPECTED = {
    "winsock-orphan-transport.reg": ("registry-export", "winsock-transport-mismatch"),
    "winsock-ok.reg": ("registry-export", None),
    "outlook-profile-cisco.reg": ("registry-export", "cisco-vpn-disables-winsock"),
    "event-9671.txt": ("event-log", "notification-registration-limit"),
    "events-smtp.csv": ("event-log", None),
    "enumprot-failed.txt": ("enumprot-output", "winsock-transport-mismatch"),
    "enumprot-ok.txt": ("enumprot-output", None),
    "dpmon-notsupported.log": ("dpmon-log", "winsock-transport-mismatch"),
    "ehlo-windows2000-smtp.txt": ("smtp-transcript", "windows-smtp-dll-in-use"),
    "ehlo-exchange2000.txt": ("smtp-transcript", None),
}


def diagnose(*args: str) -> tuple[int, dict, str]:
    result = CliRunner().invoke(main, ["diagnose", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout) if result.stdout else {}, result.stderr


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_sample_concludes_what_it_should(name, lang):
    kind, cause = EXPECTED[name]
    code, report, err = diagnose(str(SAMPLES / name), "--lang", lang)
    assert err == ""
    (artifact,) = report["artifacts"]
    assert artifact["kind"] == kind and artifact["path"] == str(SAMPLES / name)
    assert artifact["facts"], "every sample holds facts"
    concluded = [c["id"] for c in report["causes"]]
    if cause is None:
        assert (code, concluded) == (0, [])
        return
    assert code == 1 and concluded[0] == cause
    top = report["causes"][0]
    assert top["steps"] and top["verify"]
    # The evidence names the file and line it came from.
    assert any(e["source"].startswith(f"{SAMPLES / name}:") for e in top["evidence"])


def test_artifacts_of_different_kinds_combine():
    def confidence(*names: str) -> float:
        _, report, _ = diagnose(*(str(SAMPLES / n) for n in names))
        return {c["id"]: c["confidence"] for c in report["causes"]}["winsock-transport-mismatch"]

    export = confidence("winsock-orphan-transport.reg")
    enumprot = confidence("enumprot-failed.txt")
    both = confidence("winsock-orphan-transport.reg", "enumprot-failed.txt")
    assert both > max(export, enumprot)


def test_clean_evidence_argues_against_what_it_rules_out():
    _, report, _ = diagnose(str(SAMPLES / "ehlo-exchange2000.txt"))
    ruled = {r["id"] for r in report["ruled_out"]}
    assert "windows-smtp-dll-in-use" in ruled


def test_a_bad_file_is_one_line_and_exit_2_but_the_good_ones_still_count(tmp_path: Path):
    bad = tmp_path / "cut.reg"
    bad.write_text('REGEDIT4\n[HKEY_CURRENT_USER\\X]\n"a"=hex:01,\\\n', encoding="ascii")
    code, report, err = diagnose(str(SAMPLES / "outlook-profile-cisco.reg"), str(bad))
    assert code == 2
    assert err == f"kbassist: {bad}:3: the file ends inside a value continued with '\\'\n"
    assert [c["id"] for c in report["causes"]] == ["cisco-vpn-disables-winsock"]


def winsock_only_export(tmp_path: Path) -> Path:
    """The Winsock key alone: it lists the transports, it cannot prove one orphaned."""
    multi = ",".join(f"{b:02x}" for b in "Tcpip\0AppleTalk\0\0".encode("utf-16-le"))
    text = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        f"[{SERVICES}\\Winsock\\Parameters]\r\n"
        f'"Transports"=hex(7):{multi}\r\n\r\n'
    )
    path = tmp_path / "winsock-only.reg"
    path.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    return path


SERVICES = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services"


def test_an_export_that_cannot_prove_an_orphan_says_what_to_export(tmp_path: Path):
    path = winsock_only_export(tmp_path)
    for lang, words in [("en", "Export the whole"), ("fr", "Exportez toute la clé")]:
        code, report, _ = diagnose(str(path), "--lang", lang)
        assert code == 0 and report["causes"] == []
        (note,) = report["artifacts"][0]["notes"]
        assert words in note and SERVICES in note
    result = CliRunner().invoke(main, ["diagnose", str(path)])
    assert f"! This export lists the Winsock transports but does not cover {SERVICES}" in (
        result.stdout
    )


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_note_asking_for_the_services_export_carries_its_how_to(tmp_path: Path, lang: str):
    """The how-to is the pack's declaration of the Services export, in every format."""
    declared = {f.id: f for f in load_pack().model.files}["server-services-export"]
    title, how = declared.title.get(lang), declared.how.get(lang)
    assert SERVICES in how and "regedit" in how and ".reg" in how
    path = winsock_only_export(tmp_path)
    _, report, _ = diagnose(str(path), "--lang", lang)
    (artifact,) = report["artifacts"]
    assert artifact["files"] == [
        {"id": "server-services-export", "kind": "registry-export", "title": title, "how": how}
    ]
    label = {"en": "File to send:", "fr": "Fichier à envoyer\u00a0:"}[lang]
    text = CliRunner().invoke(main, ["diagnose", str(path), "--lang", lang]).stdout
    assert f"      {label} {title} [server-services-export]\n        {how}\n" in text
    markdown = (
        CliRunner()
        .invoke(main, ["diagnose", str(path), "--lang", lang, "--format", "markdown"])
        .stdout
    )
    colon = ":" if lang == "en" else "\u00a0:"
    assert f"  - {label} **{title}** (`server-services-export`){colon} {how}\n" in markdown


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_question_a_file_answers_carries_that_files_how_to(lang: str):
    """Mail stuck in a queue: the EHLO question comes with the SMTP session's how-to."""
    pack = load_pack()
    declared = {f.id: f for f in pack.model.files}["server-smtp-session"]
    args = ["--answer", "symptom=mail-stuck-in-queue", "--lang", lang]
    _, report, _ = diagnose(*args)
    questions = {q["id"]: q for q in report["questions"]}
    assert [f["id"] for f in questions["ehlo-shows-exchange-verbs"]["files"]] == [
        "server-smtp-session"
    ]
    (shown,) = questions["ehlo-shows-exchange-verbs"]["files"]
    assert shown["how"] == declared.how.get(lang) and "telnet localhost 25" in shown["how"]
    assert questions["iis-reinstalled-after-exchange"]["files"] == []  # no file answers it
    label = {"en": "File that answers it:", "fr": "Fichier qui y répond\u00a0:"}[lang]
    text = CliRunner().invoke(main, ["diagnose", *args]).stdout
    assert f"      {label} {declared.title.get(lang)} [server-smtp-session]\n" in text
    markdown = CliRunner().invoke(main, ["diagnose", *args, "--format", "markdown"]).stdout
    assert f"  - {label} **{declared.title.get(lang)}** (`server-smtp-session`)" in markdown


def test_terminal_escapes_from_an_artifact_never_reach_the_terminal(tmp_path: Path):
    profile = (
        r"HKEY_CURRENT_USER\Software\Microsoft\Windows NT\CurrentVersion"
        r"\Windows Messaging Subsystem\Profiles"
    )
    text = (
        "REGEDIT4\r\n\r\n"
        f"[{profile}\\Evil\x1b]2;pwned\x07\x1b[31m\\13dbb0c8aa05101a9bb000aa002fc45a]\r\n"
        '"00036618"=hex:01,00,00,00\r\n\r\n'
    )
    path = tmp_path / "evil.reg"
    path.write_bytes(text.encode("cp1252"))
    for fmt in ["text", "markdown"]:
        result = CliRunner().invoke(main, ["diagnose", str(path), "--format", fmt])
        assert result.exit_code == 1
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "Evil" in result.stdout
