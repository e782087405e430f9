"""What a concluded cause's report carries from its article: notes, procedure, what next."""

from __future__ import annotations

import json

import pytest

from kbassist.api import Diagnoser
from kbassist.report.render import to_markdown, to_text

SMTP = {
    "symptom": "mail-stuck-in-queue",
    "iis-reinstalled-after-exchange": "yes",
    "ehlo-shows-exchange-verbs": "no",  # the test that decides KB 279616
}


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser()


def smtp_cause(diagnoser: Diagnoser, lang: str = "en", **more: str):
    report = diagnoser.diagnose(diagnoser.case(answers={**SMTP, **more}), lang)
    (cause,) = [c for c in report.causes if c.id == "windows-smtp-dll-in-use"]
    return report, cause


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_json_report_carries_each_steps_notes(diagnoser: Diagnoser, lang: str) -> None:
    report, _cause = smtp_cause(diagnoser, lang)
    data = json.loads(report.to_json())
    (cause,) = [c for c in data["causes"] if c["id"] == "windows-smtp-dll-in-use"]
    assert [item["step"] for item in cause["fix"]] == cause["steps"]  # steps: as in schema 1
    notes = [item["notes"] for item in cause["fix"]]
    assert notes[:8] == [[]] * 8
    (cluster,) = notes[8]
    assert "ResetMessageStatus" in cluster and "cluster" in cluster
    assert not any("cluster" in step for step in cause["steps"])
    assert any("Phatq.dll" in note for note in cause["fix_notes"])
    assert cause["fix_because"] is None
    assert cause["fix_section"] == "kb279616#fix-reset-message-status"


def test_text_and_markdown_show_a_note_under_its_step(diagnoser: Diagnoser) -> None:
    report, cause = smtp_cause(diagnoser)
    note = cause.fix[8].notes[0]
    text = to_text(report).splitlines()
    step = text.index("    9. Delete the ResetMessageStatus value.")
    assert text[step + 1] == f"       Note: {note}"
    assert any(line == f"    ! {cause.fix_notes[0]}" for line in text)
    markdown = to_markdown(report).splitlines()
    step = markdown.index("9. Delete the ResetMessageStatus value.")
    assert markdown[step + 1] == f"   > **Note:** {note}"
    assert f"> {cause.fix_notes[0]}" in markdown


def test_french_renderings_label_the_note_in_french(diagnoser: Diagnoser) -> None:
    report, cause = smtp_cause(diagnoser, "fr")
    assert f"       Remarque\u00a0: {cause.fix[8].notes[0]}" in to_text(report).splitlines()
    assert f"   > **Remarque\u00a0:** {cause.fix[8].notes[0]}" in to_markdown(report)


def test_an_answer_chooses_the_already_reinstalled_procedure(diagnoser: Diagnoser) -> None:
    report, usual = smtp_cause(diagnoser)
    assert usual.fix_section == "kb279616#fix-reset-message-status"
    assert [q.id for q in report.questions] == ["exchange-already-reinstalled"]
    report, chosen = smtp_cause(diagnoser, **{"exchange-already-reinstalled": "yes"})
    assert chosen.fix_section == "kb279616#fix-already-reinstalled"
    assert chosen.steps[0] == "Stop the SMTP service: net stop SMTPSVC."
    assert chosen.fix_title.startswith("Fix: Exchange 2000 was already reinstalled")
    assert chosen.fix_because and "already reinstalled" in chosen.fix_because
    assert "Chosen because: " + chosen.fix_because in to_text(report)
    assert report.questions == []
    _report, no = smtp_cause(diagnoser, **{"exchange-already-reinstalled": "no"})
    assert no.fix_section == usual.fix_section and no.fix_because is None


def test_the_procedure_question_waits_for_the_smtp_cause(diagnoser: Diagnoser) -> None:
    report = diagnoser.diagnose(diagnoser.case(answers={"symptom": "mail-stuck-in-queue"}))
    assert "exchange-already-reinstalled" not in [q.id for q in report.questions]


def _pack_with(tmp_path, old: str, new: str):
    import shutil
    from pathlib import Path

    from kbassist.errors import PackError
    from kbassist.pack.loader import load_pack

    root = Path(__file__).resolve().parents[1]
    shutil.copytree(root / "rules" / "exchange", tmp_path / "pack")
    shutil.copytree(root / "articles", tmp_path / "articles")
    pack_file = tmp_path / "pack" / "pack.yaml"
    text = pack_file.read_text(encoding="utf-8").replace("../../articles", "../articles")
    assert old in text
    pack_file.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(PackError) as info:
        load_pack([tmp_path / "pack"])
    return str(info.value)


def test_validation_refuses_a_fix_when_section_that_does_not_exist(tmp_path) -> None:
    message = _pack_with(tmp_path, "section: fix-already-reinstalled", "section: fix-nowhere")
    assert "article 'kb279616' (en) has no section 'fix-nowhere'" in message
    assert "article 'kb279616' (fr) has no section 'fix-nowhere'" in message
