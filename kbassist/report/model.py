"""The report: what ``diagnose`` prints and the Python API returns.

The JSON report (CONTRACT.md) is this model's serialisation. Fields named in
the contract keep their names and meaning; the others are additions.

Plain dataclasses rather than pydantic models: kbassist builds every report
itself, so there is nothing to validate, and a batch builds a few dozen of these
objects per case. pydantic still writes the JSON (its Rust serialiser, through a
TypeAdapter made on first use), so ``Any`` values serialise as they always have.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pydantic import TypeAdapter

SCHEMA_VERSION = 1


@dataclass(slots=True, kw_only=True)
class EvidenceItem:
    fact: str
    value: Any
    source: str  # file:line, answer:ID or probe:NAME


@dataclass(slots=True, kw_only=True)
class RuleTrace:
    """One rule that fired: its share of the certainty and the conditions that held."""

    rule: str
    certainty: float
    because: str | None = None
    conditions: list[str]


@dataclass(slots=True, kw_only=True)
class FixStep:
    """One step of the fix with the notes the article attaches to it."""

    step: str
    notes: list[str] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class CauseReport:
    id: str
    confidence: float  # in (0, 1]: concluded causes only
    title: str
    summary: str
    severity: Literal["fault", "informational"]
    articles: list[str]
    evidence: list[EvidenceItem]
    steps: list[str]
    verify: str
    fix_section: str  # article#section
    explanation: list[RuleTrace]
    # Additions to schema 1: ``steps`` stays the step texts alone.
    fix: list[FixStep] = field(default_factory=list)  # the same steps, each with its notes
    fix_notes: list[str] = field(default_factory=list)  # notes on the whole procedure
    fix_title: str = ""  # the procedure chosen: its section's title
    fix_because: str | None = None  # why that procedure, when an answer chose it
    if_not_fixed: str | None = None  # what to check next when the fix did not work
    escalate: str | None = None  # what to send when escalating


@dataclass(slots=True, kw_only=True)
class OpenCause:
    """Still possible, not concluded: part of the explanation, not a finding."""

    id: str
    title: str
    confidence: float
    explanation: list[RuleTrace] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class RuledOut:
    id: str
    reason: str
    confidence: float
    explanation: list[RuleTrace] = field(default_factory=list)


@dataclass(slots=True, kw_only=True)
class ChoiceReport:
    value: str
    label: str


@dataclass(slots=True, kw_only=True)
class FileReport:
    """A file of the pack that would give what is asked: what it is and how to make it."""

    id: str  # the file's id in the pack
    kind: str  # its artifact kind
    title: str
    how: str  # where to go, which key, log or command, which format


@dataclass(slots=True, kw_only=True)
class QuestionReport:
    id: str
    text: str
    help: str | None = None
    kind: str
    choices: list[ChoiceReport] = field(default_factory=list)
    usefulness: float
    files: list[FileReport] = field(default_factory=list)  # files that answer it instead


@dataclass(slots=True, kw_only=True)
class ArtifactReport:
    path: str
    kind: str
    facts: dict[str, Any]
    notes: list[str] = field(default_factory=list)  # e.g. what to export next
    warnings: list[str] = field(default_factory=list)  # what could not be read in a partial file
    events: list[dict[str, Any]] = field(default_factory=list)  # event logs only
    files: list[FileReport] = field(default_factory=list)  # the files its notes ask for


@dataclass(slots=True, kw_only=True)
class ProbeReport:
    name: str
    target: str
    status: str  # ok, fault, unreachable, error, cancelled
    message: str
    facts: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    elapsed: float
    files: list[FileReport] = field(default_factory=list)  # the files its notes ask for


@dataclass(slots=True, kw_only=True)
class Conflict:
    """An answer that a file or a probe contradicts (report/conflicts.py)."""

    question: str
    answer: str
    fact: str
    value: Any
    source: str  # file:line or probe:NAME
    text: str  # in the report's language


@dataclass(slots=True, kw_only=True)
class Report:
    schema_version: int = SCHEMA_VERSION
    language: str
    pack: str
    causes: list[CauseReport]
    open: list[OpenCause]
    ruled_out: list[RuledOut]
    questions: list[QuestionReport]
    artifacts: list[ArtifactReport]
    probes: list[ProbeReport] = field(default_factory=list)
    answers: dict[str, str | None]
    conflicts: list[Conflict] = field(default_factory=list)

    def to_json(self, indent: int | None = 2) -> str:
        """The JSON report; ``indent=None`` for one line (batch output)."""
        return _adapter().dump_json(self, indent=indent).decode()

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data: what ``json.loads(report.to_json())`` gives."""
        return _adapter().dump_python(self, mode="json")


_ADAPTER: list[TypeAdapter[Report]] = []


def _adapter() -> TypeAdapter[Report]:
    # Made on first use: a report shown as text never needs it, and making it
    # (pydantic builds the serialiser from the annotations) is a cold-start cost.
    if not _ADAPTER:
        from pydantic import TypeAdapter

        _ADAPTER.append(TypeAdapter(Report))
    return _ADAPTER[0]
