"""The interactive session the TUI sits on: answers, files, probes, save and resume, replay."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbassist.cli import main
from kbassist.errors import InputError
from kbassist.i18n import msg
from kbassist.probes.base import ProbeResult
from kbassist.session import Session

from .conftest import SAMPLES


@pytest.fixture
def session(diagnoser) -> Session:
    return Session(diagnoser)


def causes(session: Session) -> dict[str, float]:
    return {c.id: c.confidence for c in session.report().causes}


def test_the_interview_follows_the_engine(session):
    assert session.next_question().id == "symptom"
    session.answer("symptom", "new-mail-delayed")
    first = session.next_question().id
    assert first != "symptom"
    session.answer("cisco-vpn-version", "3.6.3")
    session.answer("mail-shows-after-folder-switch", "yes")
    assert "cisco-vpn-disables-winsock" in causes(session)
    asked = {q.id for q in session.report().questions}
    assert not asked & set(session.answers)


def test_changing_an_earlier_answer_updates_everything(session):
    session.answer("cisco-vpn-version", "3.6.3")
    session.answer("mail-shows-after-folder-switch", "yes")
    assert "cisco-vpn-disables-winsock" in causes(session)
    session.answer("cisco-vpn-version", "none")
    assert "cisco-vpn-disables-winsock" not in causes(session)
    assert "cisco-vpn-disables-winsock" in {r.id for r in session.report().ruled_out}
    session.forget("cisco-vpn-version")
    assert "cisco-vpn-version" in {q.id for q in session.report().questions}


def test_a_bad_answer_changes_nothing(session):
    session.answer("symptom", "new-mail-delayed")
    with pytest.raises(InputError, match="not one of"):
        session.answer("symptom", "printer-on-fire")
    assert session.answers == {"symptom": "new-mail-delayed"}


def test_a_bad_file_is_kept_with_its_line_and_the_rest_goes_on(session, tmp_path):
    bad = tmp_path / "cut.reg"
    bad.write_text('REGEDIT4\n[HKEY_CURRENT_USER\\X]\n"a"=hex:01,\\\n', encoding="ascii")
    good = session.add_file(SAMPLES / "outlook-profile-cisco.reg")
    refused = session.add_file(bad)
    assert good.artifact is not None and good.problem is None
    assert refused.artifact is None
    assert str(refused.problem) == f"{bad}:3: the file ends inside a value continued with '\\'"
    assert list(causes(session)) == ["cisco-vpn-disables-winsock"]


def test_probe_results_count_as_evidence(session):
    session.add_probe_results(
        [
            ProbeResult(
                "smtp",
                "mail01:25",
                "fault",
                "EHLO lacks XEXCH50",
                facts={
                    "smtp.banner": "mail01 Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600",
                    "smtp.banner-version": "5.0.2195.1600",
                    "smtp.xexch50": False,
                    "smtp.x-link2state": False,
                },
            )
        ]
    )
    assert "windows-smtp-dll-in-use" in causes(session)
    assert session.report().probes[0].status == "fault"


def test_a_probe_note_asking_for_a_file_brings_its_how_to_and_is_saved(
    session, diagnoser, tmp_path
):
    from kbassist.probes.smtp import FIREWALL_NOTE

    result = ProbeResult("smtp", "mail01:25", "ok", "EHLO lists both", notes=[FIREWALL_NOTE])
    session.add_probe_results([result])
    (probe,) = session.report().probes
    assert [f.id for f in probe.files] == ["server-smtp-session"]
    saved = tmp_path / "s.json"
    session.save(saved)
    resumed = Session.load(saved, diagnoser)
    assert resumed.probes[0].notes == [FIREWALL_NOTE]
    assert resumed.report().probes == session.report().probes


def test_language_switch_keeps_the_work(session):
    session.answer("cisco-vpn-version", "3.6.3")
    session.answer("mail-shows-after-folder-switch", "yes")
    english = session.report().causes[0].title
    session.set_language("fr")
    report = session.report()
    assert report.language == "fr" and report.causes[0].title != english
    assert session.answers == {
        "cisco-vpn-version": "3.6.3",
        "mail-shows-after-folder-switch": "yes",
    }


def test_save_and_resume_give_the_same_report(session, diagnoser, tmp_path):
    session.set_language("fr")
    session.answer("symptom", "new-mail-delayed")
    session.answer("firewall-between-server-and-client", "unknown")
    session.add_file(SAMPLES / "enumprot-failed.txt")
    session.add_file(tmp_path / "gone.txt")
    session.add_probe_results([ProbeResult("udp-refused", "pc:3333", "ok", "icmp", {"x": 1})])
    saved = tmp_path / "ticket-4711.kbassist.json"
    session.save(saved)
    resumed = Session.load(saved, diagnoser)
    assert resumed.report() == session.report()
    assert resumed.answers == session.answers and resumed.lang == "fr"
    assert [str(f.problem) for f in resumed.files if f.problem] == [
        f"{tmp_path / 'gone.txt'}: no such file"
    ]


def test_a_resumed_session_speaks_french_where_it_can(session, diagnoser, tmp_path):
    """The file format is unchanged: a probe's message is saved as its English string (and
    resumed as such); a refused file is read again, so its line is said in French anew."""
    session.add_file(tmp_path / "gone.txt")
    reason = msg("no answer within {seconds:g} s", seconds=1.5)
    session.add_probe_results([ProbeResult("tcp", "pc:3333", "unreachable", reason)])
    saved = tmp_path / "s.json"
    session.save(saved)
    assert json.loads(saved.read_text(encoding="utf-8"))["probes"][0]["message"] == (
        "no answer within 1.5 s"
    )
    resumed = Session.load(saved, diagnoser)
    (probe,) = resumed.probes
    assert type(probe.message) is str and probe.text("fr") == "no answer within 1.5 s"
    assert session.probes[0].text("fr") == "aucune réponse en 1.5 s"
    (entry,) = resumed.files
    assert entry.problem is not None
    assert entry.problem.text("fr") == f"{tmp_path / 'gone.txt'}\u00a0: fichier introuvable"


def test_a_damaged_session_file_is_one_line(diagnoser, tmp_path):
    path = tmp_path / "s.json"
    for text, words in [
        ("{", "not a kbassist session"),
        ('{"kbassist_session": 9}', "version 1"),
        ('{"kbassist_session": 1, "answers": {"nope": "yes"}}', "unknown question id 'nope'"),
    ]:
        path.write_text(text, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            Session.load(path, diagnoser)
        (problem,) = caught.value.problems
        assert problem.file == str(path) and words in problem.message


def test_the_session_replays_as_a_diagnose_run(session):
    session.answer("symptom", "new-mail-delayed")
    session.answer("udp-packets-seen-at-client", "unknown")
    session.add_file(SAMPLES / "winsock-orphan-transport.reg")
    session.add_file(SAMPLES / "enumprot-failed.txt")
    command = shlex.split(session.diagnose_command())
    assert command[:2] == ["kbassist", "diagnose"]
    result = CliRunner().invoke(main, [*command[1:], "--format", "json"])
    replayed = json.loads(result.stdout)
    expected = json.loads(session.report().to_json())
    assert replayed == expected


def test_a_missing_session_file(diagnoser, tmp_path: Path):
    with pytest.raises(InputError, match="no such file"):
        Session.load(tmp_path / "nope.json", diagnoser)
