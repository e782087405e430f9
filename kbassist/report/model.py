"""The report: what ``diagnose`` prints and the Python API returns.

The JSON report (CONTRACT.md) is this model's serialisation. Fields named in
the contract keep their names and meaning; the others are additions.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

SCHEMA_VERSION = 1


class EvidenceItem(BaseModel):
    fact: str
    value: Any
    source: str  # file:line, answer:ID or probe:NAME


class RuleTrace(BaseModel):
    """One rule that fired: its share of the certainty and the conditions that held."""

    rule: str
    certainty: float
    because: str | None = None
    conditions: list[str]


class CauseReport(BaseModel):
    id: str
    confidence: float = Field(gt=0.0, le=1.0)
    title: str
    summary: str
    severity: Literal["fault", "informational"]
    articles: list[str]
    evidence: list[EvidenceItem]
    steps: list[str]
    verify: str
    fix_section: str  # article#section
    explanation: list[RuleTrace]


class OpenCause(BaseModel):
    """Still possible, not concluded: part of the explanation, not a finding."""

    id: str
    title: str
    confidence: float
    explanation: list[RuleTrace] = Field(default_factory=list)


class RuledOut(BaseModel):
    id: str
    reason: str
    confidence: float
    explanation: list[RuleTrace] = Field(default_factory=list)


class ChoiceReport(BaseModel):
    value: str
    label: str


class QuestionReport(BaseModel):
    id: str
    text: str
    help: str | None = None
    kind: str
    choices: list[ChoiceReport] = Field(default_factory=list)
    usefulness: float


class ArtifactReport(BaseModel):
    path: str
    kind: str
    facts: dict[str, Any]
    notes: list[str] = Field(default_factory=list)  # e.g. what to export next
    events: list[dict[str, Any]] = Field(default_factory=list)  # event logs only


class ProbeReport(BaseModel):
    name: str
    target: str
    status: str  # ok, fault, unreachable, error, cancelled
    message: str
    facts: dict[str, Any]
    details: dict[str, Any] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    elapsed: float


class Report(BaseModel):
    schema_version: int = SCHEMA_VERSION
    language: str
    pack: str
    causes: list[CauseReport]
    open: list[OpenCause]
    ruled_out: list[RuledOut]
    questions: list[QuestionReport]
    artifacts: list[ArtifactReport]
    probes: list[ProbeReport] = Field(default_factory=list)
    answers: dict[str, str | None]

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)
