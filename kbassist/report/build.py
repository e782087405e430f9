"""Turn an engine outcome into a report in one language."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..case import Case, sources_for
from ..engine.compiler import Lit, Ref
from ..engine.reasoner import Contribution, Outcome
from ..engine.reference import evaluate
from ..i18n import decimal, value_word
from ..pack.loader import Pack
from .conflicts import find_conflicts
from .model import (
    ArtifactReport,
    CauseReport,
    ChoiceReport,
    EvidenceItem,
    FileReport,
    FixStep,
    OpenCause,
    ProbeReport,
    QuestionReport,
    Report,
    RuledOut,
    RuleTrace,
)

_OPS = {
    "en": {
        "eq": ("is", "is not"),
        "in": ("is one of", "is none of"),
        "lt": ("<", "not <"),
        "le": ("≤", "not ≤"),
        "gt": (">", "not >"),
        "ge": ("≥", "not ≥"),
        "present": ("is known", "is not known"),
        "contains": ("contains", "does not contain"),
        "finding": ("holds", "does not hold"),
    },
    "fr": {
        "eq": ("vaut", "ne vaut pas"),
        "in": ("vaut l'un de", "ne vaut aucun de"),
        "lt": ("<", "non <"),
        "le": ("≤", "non ≤"),
        "gt": (">", "non >"),
        "ge": ("≥", "non ≥"),
        "present": ("est connu", "n'est pas connu"),
        "contains": ("contient", "ne contient pas"),
        "finding": ("est établi", "n'est pas établi"),
    },
}

_REASON = {
    "en": "evidence against it: {}",
    "fr": "des éléments l'écartent\u00a0: {}",
}


def _show(value: Any, lang: str = "en") -> str:
    """A condition's value: versions dotted; in French oui/non/inconnu, vrai/faux, ``0,5``."""
    if isinstance(value, tuple):
        parts = list(value)
        while len(parts) > 2 and parts[-1] == 0:
            parts.pop()
        return ".".join(map(str, parts))
    if isinstance(value, frozenset | list | set):
        return ", ".join(sorted(_show(v, lang) for v in value))
    word = value_word(value, lang) if lang != "en" else None
    if word is not None:
        return word
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return decimal(str(value), lang)
    return str(value)


def _tree_lits(tree: Any) -> list[Lit]:
    if tree[0] == "lit":
        return [tree[1]]
    if tree[0] == "not":
        return [lit.flipped() for lit in _tree_lits(tree[1])]
    return [lit for child in tree[1] for lit in _tree_lits(child)]


def describe(lit: Lit, pack: Pack, lang: str) -> str:
    kind, _, name = lit.slot.partition(":")
    ops = _OPS.get(lang, _OPS["en"])
    if kind == "finding":
        title = pack.findings[name].title.get(lang)
        return f"{title} {ops['finding'][int(lit.negated)]}"
    label = name if kind == "fact" else f"{name}"
    if lit.op == "present":
        return f"{label} {ops['present'][int(lit.negated)]}"
    if isinstance(lit.value, Ref):  # another fact: named, its value is in the evidence
        return f"{label} {ops[lit.op][int(lit.negated)]} {lit.value.slot.partition(':')[2]}"
    return f"{label} {ops[lit.op][int(lit.negated)]} {_show(lit.value, lang)}"


def _evidence(
    contributions: list[Contribution], outcome: Outcome, case: Case, seen: set[str] | None = None
) -> list[EvidenceItem]:
    """The answers and observations behind contributions, findings expanded."""
    seen = set() if seen is None else seen
    items: list[EvidenceItem] = []
    keys: set[tuple[str, str, str]] = set()
    for contribution in contributions:
        for lit in contribution.disjunct:
            kind, _, name = lit.slot.partition(":")
            if kind == "finding":
                if lit.negated or name in seen:
                    continue
                seen.add(name)
                inner = [c for c in outcome.contributions.get(name, []) if c.certainty > 0]
                found = _evidence(inner, outcome, case, seen)
            else:
                found = [
                    EvidenceItem(fact=f, value=v, source=s)
                    for slot in lit.slots
                    for f, v, s in sources_for(case, slot)
                ]
            for item in found:
                key = (item.fact, repr(item.value), item.source)
                if key not in keys:
                    keys.add(key)
                    items.append(item)
    return items


@dataclass(frozen=True, slots=True)
class _Fixed:
    """What a concluded cause's report says whatever the case: title, fix, verify."""

    title: str
    summary: str
    severity: Any
    articles: list[str]
    steps: list[str]
    fix: list[tuple[str, list[str]]]  # (step, its notes)
    fix_notes: list[str]
    fix_title: str
    fix_because: str | None
    verify: str
    fix_section: str
    if_not_fixed: str | None
    escalate: str | None


class _Texts:
    """What a report says in one language that no case changes, made once per pack."""

    def __init__(self, pack: Pack, lang: str):
        self.pack, self.lang = pack, lang
        self._conditions: dict[tuple[int, int], list[str]] = {}
        self._questions: dict[str, tuple[dict[str, Any], list[ChoiceReport], list[FileReport]]] = {}
        self._causes: dict[tuple[str, int], _Fixed] = {}
        self._files: dict[str, FileReport] = {}
        self.titles = {cause_id: c.title.get(lang) for cause_id, c in pack.causes.items()}
        self.reason = _REASON.get(lang, _REASON["en"])

    @classmethod
    def of(cls, pack: Pack, lang: str) -> _Texts:
        texts = pack._texts.get(lang)
        if texts is None:
            texts = pack._texts[lang] = cls(pack, lang)
        return texts

    def conditions(self, c: Contribution) -> list[str]:
        key = (c.rule.index, c.number)
        found = self._conditions.get(key)
        if found is None:
            found = [describe(lit, self.pack, self.lang) for lit in c.disjunct]
            self._conditions[key] = found
        return list(found)  # each report owns its lists

    def procedure(self, cause_id: str, inputs: dict[str, Any]) -> int:
        """Which fix a case gets: the first ``fix_when`` that holds (1, 2...), else 0."""
        pack = self.pack
        for number, choice in enumerate(pack.causes[cause_id].fix_when, 1):
            if evaluate(pack.compiled_condition(choice.when), inputs):
                return number
        return 0

    def cause(self, cause_id: str, procedure: int = 0) -> _Fixed:
        found = self._causes.get((cause_id, procedure))
        if found is None:
            pack, lang = self.pack, self.lang
            cause = pack.causes[cause_id]
            article = pack.articles.get(cause.fix.article, lang)
            because = None
            if procedure:
                choice = cause.fix_when[procedure - 1]
                fix = article.sections[choice.section]
                if choice.because is not None:
                    because = choice.because.get(lang)
                else:
                    tree = pack.compiled_condition(choice.when)
                    because = "; ".join(describe(lit, pack, lang) for lit in _tree_lits(tree))
            else:
                fix = article.sections[cause.fix.section]
            verify = pack.articles.get(cause.verify.article, lang).sections[cause.verify.section]
            found = self._causes[(cause_id, procedure)] = _Fixed(
                title=cause.title.get(lang),
                summary=cause.summary.get(lang),
                severity=cause.severity,
                articles=list(cause.articles),
                steps=list(fix.steps),
                fix=[
                    (step, list(fix.step_notes[n]) if n < len(fix.step_notes) else [])
                    for n, step in enumerate(fix.steps)
                ],
                fix_notes=list(fix.notes),
                fix_title=fix.title,
                fix_because=because,
                verify=verify.text,
                fix_section=f"{cause.fix.article}#{fix.anchor}",
                if_not_fixed=self._text(cause.if_not_fixed),
                escalate=self._text(cause.escalate),
            )
        return found

    def _text(self, ref: Any) -> str | None:
        if ref is None:
            return None
        return str(self.pack.articles.get(ref.article, self.lang).sections[ref.section].text)

    def files(self, wants: Iterable[str]) -> list[FileReport]:
        """The pack's files that yield any of the facts ``wants``, in the pack's order."""
        found = []
        for decl in self.pack.files_yielding(wants):
            report = self._files.get(decl.id)
            if report is None:
                report = self._files[decl.id] = FileReport(
                    id=decl.id,
                    kind=decl.kind,
                    title=decl.title.get(self.lang),
                    how=decl.how.get(self.lang),
                )
            found.append(report)
        return found

    def question(self, question_id: str, usefulness: float) -> QuestionReport:
        found = self._questions.get(question_id)
        if found is None:
            q, lang = self.pack.questions[question_id], self.lang
            found = self._questions[question_id] = (
                {
                    "id": q.id,
                    "text": q.text.get(lang),
                    "help": q.help.get(lang) if q.help else None,
                    "kind": q.kind,
                },
                [ChoiceReport(value=c.value, label=c.label.get(lang)) for c in q.choices],
                self.files(q.covered_by),
            )
        fields, choices, files = found
        return QuestionReport(
            **fields, choices=list(choices), usefulness=usefulness, files=list(files)
        )


def files_yielding(pack: Pack, facts: Iterable[str], lang: str) -> list[FileReport]:
    """The pack's files that yield any of ``facts``, as a report shows them in ``lang``."""
    return _Texts.of(pack, lang).files(facts)


def _traces(contributions: list[Contribution], texts: _Texts) -> list[RuleTrace]:
    ordered = sorted(contributions, key=lambda c: (-abs(c.certainty), c.rule.index))
    lang = texts.lang
    return [
        RuleTrace(
            rule=c.rule.id,
            certainty=round(c.certainty, 4),
            because=c.rule.because.get(lang) if c.rule.because else None,
            conditions=texts.conditions(c),
        )
        for c in ordered
    ]


def build_report(
    pack: Pack,
    case: Case,
    outcome: Outcome,
    questions: list[tuple[str, float]],
    lang: str,
) -> Report:
    texts = _Texts.of(pack, lang)
    conclude, rule_out = pack.thresholds.conclude, pack.thresholds.rule_out
    causes: list[CauseReport] = []
    open_causes: list[OpenCause] = []
    ruled_out: list[RuledOut] = []
    for cause_id in pack.causes:
        certainty = outcome.certainty.get(cause_id, 0.0)
        cf = round(certainty, 4)
        contributions = outcome.contributions.get(cause_id, [])
        traces = _traces(contributions, texts) if contributions else []
        if certainty >= conclude:
            fixed = texts.cause(cause_id, texts.procedure(cause_id, outcome.inputs))
            causes.append(
                CauseReport(
                    id=cause_id,
                    confidence=min(cf, 1.0),
                    title=fixed.title,
                    summary=fixed.summary,
                    severity=fixed.severity,
                    articles=list(fixed.articles),
                    evidence=_evidence(
                        [c for c in contributions if c.certainty > 0], outcome, case
                    ),
                    steps=list(fixed.steps),
                    verify=fixed.verify,
                    fix_section=fixed.fix_section,
                    explanation=traces,
                    fix=[FixStep(step=step, notes=list(notes)) for step, notes in fixed.fix],
                    fix_notes=list(fixed.fix_notes),
                    fix_title=fixed.fix_title,
                    fix_because=fixed.fix_because,
                    if_not_fixed=fixed.if_not_fixed,
                    escalate=fixed.escalate,
                )
            )
        elif certainty <= rule_out:
            against = [t for t in traces if t.certainty < 0]
            reasons = [t.because or "; ".join(t.conditions) for t in against]
            ruled_out.append(
                RuledOut(
                    id=cause_id,
                    reason=texts.reason.format(" / ".join(reasons)),
                    confidence=cf,
                    explanation=traces,
                )
            )
        else:
            open_causes.append(
                OpenCause(
                    id=cause_id, title=texts.titles[cause_id], confidence=cf, explanation=traces
                )
            )
    causes.sort(key=lambda c: (-c.confidence, c.id))
    open_causes.sort(key=lambda c: (-c.confidence, c.id))
    return Report(
        language=lang,
        pack=pack.model.pack.id,
        causes=causes,
        open=open_causes,
        ruled_out=ruled_out,
        questions=[texts.question(qid, round(score, 4)) for qid, score in questions],
        artifacts=[
            ArtifactReport(
                path=a["path"],
                kind=a["kind"],
                facts=dict(a["facts"]),
                notes=[note[lang] for note in a.get("notes", [])],
                warnings=[note[lang] for note in a.get("warnings", [])],
                events=list(a.get("events", ())),
                files=texts.files(f for note in a.get("notes", []) for f in note.get("wants", ())),
            )
            for a in case.artifacts
        ],
        probes=[
            ProbeReport(
                **result.to_dict(lang),
                files=texts.files(f for note in result.notes for f in note.wants),
            )
            for result in case.probes
        ],
        answers=dict(case.answers),
        conflicts=find_conflicts(pack, case, lang),
    )
