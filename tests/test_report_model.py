"""The report objects: plain data the caller owns, serialised as the contract says."""

from __future__ import annotations

import json

import pytest

from kbassist.api import Diagnoser

ANSWERS = {
    "symptom": "new-mail-delayed",
    "mail-shows-after-folder-switch": "yes",
    "cisco-vpn-version": "3.6.3",
}


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_reports_of_one_case_share_no_lists(diagnoser: Diagnoser, lang: str) -> None:
    # The builder keeps per-pack texts (steps, conditions, choices); a caller that edits
    # one report must not edit the next one.
    case = diagnoser.case(answers=ANSWERS)
    first, second = diagnoser.diagnose(case, lang), diagnoser.diagnose(case, lang)
    assert first == second and first.causes and first.questions
    before = second.to_json()
    cause, question = first.causes[0], first.questions[0]
    cause.steps.append("edited")
    cause.articles.clear()
    cause.explanation[0].conditions.append("edited")
    question.choices.clear()
    for item in first.open + first.ruled_out:
        for trace in item.explanation:
            trace.conditions.clear()
    assert second.to_json() == before
    assert diagnoser.diagnose(case, lang).to_json() == before


def test_json_forms_agree(diagnoser: Diagnoser) -> None:
    report = diagnoser.diagnose(diagnoser.case(answers=ANSWERS))
    one_line = report.to_json(indent=None)
    assert "\n" not in one_line
    assert json.loads(one_line) == json.loads(report.to_json()) == report.to_dict()
    data = report.to_dict()
    assert data["schema_version"] == 1
    assert [c["id"] for c in data["causes"]] == [c.id for c in report.causes]
    assert all(0 < c["confidence"] <= 1 for c in data["causes"])


@pytest.mark.parametrize(("lang", "label"), [("en", "partly read:"), ("fr", "lu en partie\u00a0:")])
def test_a_partly_read_file_carries_its_warnings_into_every_form(
    diagnoser: Diagnoser, lang: str, label: str
) -> None:
    from pathlib import Path

    from kbassist.evidence.base import Artifact, Note
    from kbassist.report.render import to_markdown, to_text

    artifact = Artifact(Path("app.evtx"), "event-log")
    artifact.warnings.append(Note(en="chunk 3 skipped\x1b[2J", fr="bloc 3 ignoré\x1b[2J"))
    case = diagnoser.case()
    case.artifacts.append(artifact.summary())
    report = diagnoser.diagnose(case, lang=lang)
    words = "chunk 3 skipped" if lang == "en" else "bloc 3 ignoré"
    assert report.artifacts[0].warnings == [f"{words}\x1b[2J"]
    assert json.loads(report.to_json())["artifacts"][0]["warnings"] == [f"{words}\x1b[2J"]
    text = to_text(report)
    assert f"{label} {words}" in text and "\x1b" not in text  # never raw to a terminal
    assert words in to_markdown(report) and "\x1b" not in to_markdown(report)
