"""Plain data the screens show, drawn from the session (no widgets here)."""

from __future__ import annotations

from dataclasses import dataclass

from ..report.model import FileReport
from ..session import Session
from .i18n import N_, _

# Contract names (artifact kinds, probe statuses) as the agent reads them.
KIND_LABELS = {
    "registry-export": N_("registry export"),
    "event-log": N_("event log"),
    "enumprot-output": N_("EnumProt output"),
    "dpmon-log": N_("DPMon trace"),
    "smtp-transcript": N_("SMTP transcript"),
}
STATUS_LABELS = {
    "ok": N_("ok"),
    "fault": N_("fault found"),
    "unreachable": N_("target unusable"),
    "error": N_("could not run"),
    "cancelled": N_("cancelled"),
}


def kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def status_label(status: str) -> str:
    return _(STATUS_LABELS[status]) if status in STATUS_LABELS else status


@dataclass(frozen=True)
class QuestionView:
    id: str
    kind: str  # yesno, choice, text, version
    text: str
    help: str | None
    choices: list[tuple[str, str]]  # (value, label)
    current: str | None  # the answer given so far, when changing one
    files: list[FileReport]  # files that answer it instead, with how to make each


def question_view(session: Session, question_id: str) -> QuestionView:
    question = session.diagnoser.pack.questions[question_id]
    lang = session.lang
    return QuestionView(
        id=question.id,
        kind=question.kind,
        text=question.text.get(lang),
        help=question.help.get(lang) if question.help else None,
        choices=[(c.value, c.label.get(lang)) for c in question.choices],
        current=session.answers.get(question_id) if question_id in session.answers else None,
        files=session.question_files(question_id),
    )


def answer_label(session: Session, question_id: str, value: str | None) -> str:
    """A recorded answer as the agent reads it: the choice's label, yes/no, or the text."""
    if value is None:
        return _("don't know")
    question = session.diagnoser.pack.questions[question_id]
    for choice in question.choices:
        if choice.value == value:
            return choice.label.get(session.lang)
    if question.kind == "yesno":
        return _("yes") if value == "yes" else _("no")
    return value


def cause_title(session: Session, cause_id: str) -> str:
    return session.diagnoser.pack.causes[cause_id].title.get(session.lang)


def bar(confidence: float, width: int = 10) -> str:
    """A text confidence bar, ``███████░░░``; negative confidence shows empty."""
    filled = round(max(0.0, min(1.0, confidence)) * width)
    return "█" * filled + "░" * (width - filled)
