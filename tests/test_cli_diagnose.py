"""`kbassist diagnose` end to end, as a script calls it: answers in, report and exit code out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbassist.cli import main

from .conftest import SAMPLES

CONTRACT_CAUSE_KEYS = {"id", "confidence", "title", "articles", "evidence", "steps", "verify"}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def report(*args: str) -> tuple[int, dict]:
    code, out, err = run("diagnose", "--format", "json", *args)
    assert err == "", err
    return code, json.loads(out)


# An old Cisco VPN client and the notification symptom: the pack's answer-only way
# to conclude (the version alone only makes the cause likely).
OLD_CISCO = [
    "--answer",
    "cisco-vpn-version=3.6.3",
    "--answer",
    "mail-shows-after-folder-switch=yes",
]

# One answer-only case per cause that answers alone can show: (answers, expected cause).
# A blocked UDP path needs a file or a probe besides the answers (a failed registration
# explains missing UDP as well): the pack's own cases cover it.
CASES = [
    (
        ["cisco-vpn-version=3.6.3", "mail-shows-after-folder-switch=yes"],
        "cisco-vpn-disables-winsock",
    ),
    (
        ["symptom=icmp-port-unreachable", "client-rebooted-without-logoff=yes"],
        "push-after-unclean-logoff",
    ),
    (["symptom=registration-event", "event-9671-logged=yes"], "notification-registration-limit"),
    (
        ["symptom=mail-stuck-in-queue", "ehlo-shows-exchange-verbs=no"],
        "windows-smtp-dll-in-use",
    ),
]


@pytest.mark.parametrize(("answers", "cause"), CASES)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_answer_only_cases_conclude_their_cause(answers, cause, lang):
    args = [a for answer in answers for a in ("--answer", answer)]
    code, data = report("--lang", lang, *args)
    assert code == 1
    assert data["schema_version"] == 1 and data["language"] == lang
    assert [c["id"] for c in data["causes"]] == [cause]
    concluded = data["causes"][0]
    assert concluded.keys() >= CONTRACT_CAUSE_KEYS
    assert 0.5 <= concluded["confidence"] <= 1
    assert concluded["steps"] and all(isinstance(s, str) and s for s in concluded["steps"])
    assert concluded["verify"]
    sources = {e["source"] for e in concluded["evidence"]}
    assert sources and all(s.startswith("answer:") for s in sources)


def test_steps_come_from_the_article_in_the_report_language():
    _, en = report(*OLD_CISCO)
    _, fr = report(*OLD_CISCO, "--lang", "fr")
    assert len(en["causes"][0]["steps"]) == len(fr["causes"][0]["steps"]) == 6
    assert en["causes"][0]["steps"] != fr["causes"][0]["steps"]
    assert "Outlook" in fr["causes"][0]["steps"][1]
    assert fr["causes"][0]["title"].startswith("Un ancien client VPN Cisco")


def test_symptom_alone_concludes_nothing_but_opens_questions():
    code, data = report("--answer", "symptom=new-mail-delayed")
    assert code == 0
    assert data["causes"] == []
    asked = [q["id"] for q in data["questions"]]
    assert "symptom" not in asked
    assert {"firewall-between-server-and-client", "cisco-vpn-version"} <= set(asked)
    # Questions about other symptoms are not worth asking.
    assert "iis-reinstalled-after-exchange" not in asked


def test_sample_answer_file_leaves_questions_and_no_firm_cause():
    code, data = report("--answers", str(SAMPLES / "answers-new-mail-delayed.yaml"))
    assert code == 0 and data["causes"] == []
    assert data["questions"], "unanswered questions that could change the result"
    ruled = {r["id"]: r["reason"] for r in data["ruled_out"]}
    assert "cisco-vpn-disables-winsock" in ruled and "Cisco" in ruled["cisco-vpn-disables-winsock"]


def test_questions_are_ordered_by_usefulness():
    _, data = report()
    assert data["questions"][0]["id"] == "symptom"  # the caller's problem first, always
    scores = [q["usefulness"] for q in data["questions"][1:]]
    assert scores == sorted(scores, reverse=True)


def test_evidence_against_rules_out_with_reason():
    _, data = report(
        "--answer", "symptom=new-mail-delayed", "--answer", "udp-packets-seen-at-client=yes"
    )
    ruled = {r["id"]: r["reason"] for r in data["ruled_out"]}
    assert "udp-notifications-blocked" in ruled
    assert "reach the client" in ruled["udp-notifications-blocked"]


def test_command_line_answer_overrides_the_file(tmp_path: Path):
    answers = tmp_path / "a.json"
    answers.write_text(
        json.dumps({"cisco-vpn-version": "3.6.3", "mail-shows-after-folder-switch": "yes"})
    )
    code, _ = report("--answers", str(answers))
    assert code == 1
    code, data = report("--answers", str(answers), "--answer", "cisco-vpn-version=none")
    assert code == 0
    assert "cisco-vpn-disables-winsock" in {r["id"] for r in data["ruled_out"]}


def test_exit_zero_turns_one_into_zero():
    code, _, _ = run("diagnose", *OLD_CISCO, "--exit-zero")
    assert code == 0


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_human_formats_carry_the_fix(fmt):
    code, out, _ = run("diagnose", *OLD_CISCO, "--format", fmt)
    assert code == 1
    assert "00036618" in out and "4.0" in out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--answer", "no-such-question=yes"], "unknown question id 'no-such-question'"),
        (["--answer", "symptom=broken"], "'broken' is not one of"),
        (["--answer", "mail-shows-after-folder-switch=perhaps"], "is not yes, no or unknown"),
        (["--answer", "cisco-vpn-version=three"], "is not a version"),
        (["--answer", "novalue"], "is not ID=VALUE"),
        (["--answers", "/nonexistent/answers.yaml"], "/nonexistent/answers.yaml: no such file"),
    ],
)
def test_bad_answers_are_one_line_and_exit_2(args, expected):
    code, out, err = run("diagnose", *args)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and expected in err


def test_answer_file_errors_name_file_and_line(tmp_path: Path):
    bad = tmp_path / "answers.yaml"
    bad.write_text("symptom: new-mail-delayed\ncisco-vpn-version: 3.6.3\nbogus: yes\n")
    code, _, err = run("diagnose", "--answers", str(bad))
    assert code == 2
    assert err.strip() == f"kbassist: {bad}:3:1: unknown question id 'bogus'"
    broken = tmp_path / "broken.yaml"
    broken.write_text("symptom: [unclosed\n")
    code, _, err = run("diagnose", "--answers", str(broken))
    assert code == 2 and f"{broken}:" in err and "invalid YAML" in err
    listing = tmp_path / "list.yaml"
    listing.write_text("- symptom\n")
    code, _, err = run("diagnose", "--answers", str(listing))
    assert code == 2 and "mapping of question id" in err


def test_unknown_answer_is_accepted_and_not_asked_again():
    code, data = report("--answer", "firewall-between-server-and-client=unknown")
    assert code == 0
    assert "firewall-between-server-and-client" not in [q["id"] for q in data["questions"]]
    assert data["answers"]["firewall-between-server-and-client"] is None


def test_unsupported_artifact_is_exit_2(tmp_path: Path):
    junk = tmp_path / "mystery.bin"
    junk.write_bytes(b"\x00\x01\x02 not a known artifact")
    code, out, err = run("diagnose", "--format", "json", str(junk))
    assert code == 2
    assert err.startswith(f"kbassist: {junk}: unsupported artifact") and err.count("\n") == 1
    assert json.loads(out)["artifacts"] == []  # the report of what could be read


def test_real_process_keeps_stdout_for_the_report_only():
    """Through a real process: JSON on stdout, nothing on stderr, exit code 1."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "kbassist",
            "diagnose",
            *OLD_CISCO,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr == ""
    assert json.loads(proc.stdout)["causes"][0]["id"] == "cisco-vpn-disables-winsock"
