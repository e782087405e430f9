"""The rule-pack format: pydantic models of what an author writes in YAML.

These models check shape and local constraints only. Cross-references (a rule
naming an unknown fact, a value outside a question's choices) are checked by
:mod:`kbassist.pack.checks`, which sees the whole pack at once.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

LANGUAGES = ("en", "fr")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
FACT_PATTERN = r"^[a-z0-9][a-z0-9_.-]*$"

Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=80)]
FactName = Annotated[str, Field(pattern=FACT_PATTERN, max_length=120)]
Scalar = str | bool | int


class Strict(BaseModel):
    """Base for pack models: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class LocalText(Strict):
    """A string in each supported language; English is required, others fall back to it."""

    en: str
    fr: str | None = None

    def get(self, lang: str) -> str:
        value = getattr(self, lang, None)
        return value if value else self.en

    def languages(self) -> set[str]:
        return {lang for lang in LANGUAGES if getattr(self, lang, None)}


# --- conditions ------------------------------------------------------------------

OPERATORS = ("is", "in", "lt", "le", "gt", "ge", "present", "contains")
COMPARING = ("is", "lt", "le", "gt", "ge")  # the operators whose value may be another fact


class FactRef(Strict):
    """The value of another fact, as the right side of a comparison.

    Evidence sometimes holds both sides of a test: a registry export's limit
    and the limit an event quotes. Both must be known for the test to hold.
    Only facts compare with facts: questions are ranked by trying one answer
    at a time (:mod:`kbassist.engine.whatif`), which a test of two answers
    would defeat.
    """

    fact: FactName


class Leaf(Strict):
    """One test on one input: an answer, a fact from evidence, or an intermediate finding."""

    answer: Id | None = None
    fact: FactName | None = None
    finding: Id | None = None

    is_: Scalar | FactRef | None = Field(default=None, alias="is")
    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    lt: Scalar | FactRef | None = None
    le: Scalar | FactRef | None = None
    gt: Scalar | FactRef | None = None
    ge: Scalar | FactRef | None = None
    present: bool | None = None
    contains: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_subject_one_operator(self) -> Leaf:
        subjects = [s for s in ("answer", "fact", "finding") if getattr(self, s) is not None]
        if len(subjects) != 1:
            raise ValueError("a condition names exactly one of 'answer', 'fact' or 'finding'")
        ops = self.operators()
        if self.finding is not None:
            if ops and ops != ["present"]:
                raise ValueError("a 'finding' condition takes no operator, or only 'present'")
        elif len(ops) != 1:
            raise ValueError(
                f"a condition has exactly one operator ({', '.join(OPERATORS)}); found "
                f"{', '.join(ops) or 'none'}"
            )
        elif isinstance(self.value, FactRef) and self.fact is None:
            raise ValueError("only a 'fact' condition compares with another fact")
        return self

    def operators(self) -> list[str]:
        return [op for op in OPERATORS if self.operand(op) is not None]

    def operand(self, op: str) -> Any:
        return getattr(self, {"is": "is_", "in": "in_"}.get(op, op))

    @property
    def subject_kind(self) -> str:
        return "answer" if self.answer else "fact" if self.fact else "finding"

    @property
    def subject(self) -> str:
        return self.answer or self.fact or self.finding or ""

    @property
    def op(self) -> str:
        ops = self.operators()
        return ops[0] if ops else "present"

    @property
    def value(self) -> Any:
        ops = self.operators()
        return self.operand(ops[0]) if ops else True


class AllOf(Strict):
    all: list[Condition] = Field(min_length=1)


class AnyOf(Strict):
    any: list[Condition] = Field(min_length=1)


class NotOf(Strict):
    not_: Condition = Field(alias="not")


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, BaseModel):
        return type(value).__name__.lower()
    if not isinstance(value, dict):
        return None
    for key, tag in (("all", "allof"), ("any", "anyof"), ("not", "notof")):
        if key in value:
            return tag
    return "leaf"


Condition = Annotated[
    Annotated[AllOf, Tag("allof")]
    | Annotated[AnyOf, Tag("anyof")]
    | Annotated[NotOf, Tag("notof")]
    | Annotated[Leaf, Tag("leaf")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message="a condition is a mapping: all / any / not, "
        "or answer / fact / finding",
    ),
]

AllOf.model_rebuild()
AnyOf.model_rebuild()
NotOf.model_rebuild()


# --- pack parts ----------------------------------------------------------------------


class Choice(Strict):
    value: Id
    label: LocalText


class Question(Strict):
    """Something the agent can ask the user."""

    id: Id
    kind: Literal["yesno", "choice", "text", "version"]
    role: Literal["symptom", "risk-factor", "detail"] = Field(
        default="detail",
        description="symptom: what the user reports; risk-factor: makes a cause possible "
        "but does not show it (e.g. 'was IIS reinstalled after Exchange?'); detail: the rest.",
    )
    text: LocalText
    help: LocalText | None = None
    choices: list[Choice] = Field(default_factory=list)
    special: list[Id] = Field(
        default_factory=list,
        description="For version questions: words accepted besides a version, e.g. 'none'.",
    )
    ask_when: Condition | None = None
    covered_by: list[FactName] = Field(
        default_factory=list,
        description="Facts that answer this question: when evidence provides one, it is not asked.",
    )

    @model_validator(mode="after")
    def _choices_fit_kind(self) -> Question:
        if self.kind == "choice" and not self.choices:
            raise ValueError("a choice question needs 'choices'")
        if self.kind != "choice" and self.choices:
            raise ValueError(f"only choice questions take 'choices' (this one is {self.kind})")
        if self.special and self.kind != "version":
            raise ValueError("only version questions take 'special' words")
        values = [c.value for c in self.choices]
        if len(set(values)) != len(values):
            raise ValueError("choice values must be unique")
        return self


class FactDecl(Strict):
    """A fact that evidence (artifacts, probes) can provide."""

    name: FactName
    type: Literal["bool", "int", "str", "version", "list"]
    help: LocalText | None = None


# The artifact kinds kbassist reads (docs/interface.md): each reader in kbassist.evidence
# declares its ``KIND`` with this type, and a test keeps the two lists equal.
ArtifactKind = Literal[
    "registry-export", "event-log", "enumprot-output", "dpmon-log", "smtp-transcript"
]


class FileDecl(Strict):
    """A file the pack can read: which kind, which facts it yields, and how to make it.

    Two files of one kind (two registry keys) are two entries. Reports attach a
    file's ``how`` to every question its facts answer (``covered_by``).
    """

    id: Id
    kind: ArtifactKind = Field(description="The artifact kind its reader recognises.")
    facts: list[FactName] = Field(
        min_length=1, description="Declared facts this file yields when it is sent."
    )
    title: LocalText = Field(description="What the file is, e.g. 'the server's Services key'.")
    how: LocalText = Field(
        description="How to make it: where (server or client), which key, log or command, "
        "and which format to save."
    )


class Finding(Strict):
    """An intermediate conclusion that other rules can build on."""

    id: Id
    title: LocalText


class SectionRef(Strict):
    article: Id
    section: Id


class FixChoice(Strict):
    """Another procedure of the fix's article, chosen when a condition holds."""

    when: Condition
    section: Id = Field(description="A section of the fix's article, with its own steps.")
    because: LocalText | None = Field(
        default=None, description="Why this procedure; default: the condition, in words."
    )


class Cause(Strict):
    id: Id
    severity: Literal["fault", "informational"]
    title: LocalText
    summary: LocalText
    articles: list[Id] = Field(min_length=1)
    fix: SectionRef
    fix_when: list[FixChoice] = Field(
        default_factory=list,
        description="Other procedures of the fix's article: the first whose 'when' holds "
        "replaces 'fix'.",
    )
    verify: SectionRef
    if_not_fixed: SectionRef | None = Field(
        default=None, description="What to check next when the fix did not work."
    )
    escalate: SectionRef | None = Field(default=None, description="What to send when escalating.")


SOURCE_REF_PATTERN = re.compile(r"^([a-z0-9][a-z0-9-]*)#([a-z0-9][a-z0-9-]*)$")


class RuleReview(Strict):
    """Why a rule is right: where it comes from, what else fits, why this certainty.

    Every part is optional here so a review can be written a piece at a time;
    ``pack lint`` (KB303) flags a review that is not complete.
    """

    source: str | None = Field(
        default=None,
        min_length=1,
        description="'article#section' of this pack's articles (checked), or free text "
        "naming an outside source.",
    )
    others: LocalText | None = Field(
        default=None,
        description="What else produces the same evidence, and why it does not apply "
        "or how the pack guards against it.",
    )
    certainty: LocalText | None = Field(
        default=None, description="Why the certainty is what it is."
    )

    @property
    def section_ref(self) -> SectionRef | None:
        """The article section ``source`` names, or None when it is free text."""
        match = SOURCE_REF_PATTERN.match(self.source or "")
        return SectionRef(article=match[1], section=match[2]) if match else None


class Rule(Strict):
    """Conditions that support (``concludes``) or count against (``against``) a conclusion."""

    id: Id
    concludes: Id | None = None
    against: Id | None = None
    certainty: float = Field(gt=0.0, le=1.0)
    when: Condition
    because: LocalText | None = None
    review: RuleReview | None = Field(
        default=None,
        description="Why the rule is right; pack lint (KB303) asks every rule for one.",
    )

    @model_validator(mode="after")
    def _one_direction(self) -> Rule:
        if (self.concludes is None) == (self.against is None):
            raise ValueError("a rule has exactly one of 'concludes' or 'against'")
        return self

    @field_validator("certainty")
    @classmethod
    def _two_decimals(cls, value: float) -> float:
        # Certainties are shown to people and combined exactly; keep them simple.
        if round(value, 2) != value:
            raise ValueError("certainty has at most two decimals")
        return value

    @property
    def target(self) -> str:
        return self.concludes or self.against or ""

    @property
    def signed_certainty(self) -> float:
        return self.certainty if self.concludes else -self.certainty


class Thresholds(Strict):
    conclude: float = Field(default=0.5, gt=0.0, le=1.0)
    rule_out: float = Field(default=-0.5, ge=-1.0, lt=0.0)
    finding: float = Field(default=0.2, gt=0.0, le=1.0)


class PackInfo(Strict):
    id: Id
    version: str
    title: LocalText
    articles_dir: str = "articles"


class PackModel(Strict):
    """The whole of a ``pack.yaml``."""

    pack: PackInfo
    thresholds: Thresholds = Field(default_factory=Thresholds)
    questions: list[Question] = Field(default_factory=list)
    facts: list[FactDecl] = Field(default_factory=list)
    files: list[FileDecl] = Field(
        default_factory=list, description="The files the pack can read, each declared once."
    )
    findings: list[Finding] = Field(default_factory=list)
    causes: list[Cause] = Field(min_length=1)
    rules: list[Rule] = Field(min_length=1)
