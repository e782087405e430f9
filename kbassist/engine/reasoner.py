"""Reasoning over a case: levels of rules, certainty factors, what-if questions.

A backend (durable_rules, or the reference evaluator) only says which rules
fire. Everything else is here, shared by both: findings feed later levels,
certainties combine per conclusion, and each unanswered question is scored
by how much its possible answers would change the outcome (see whatif.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..case import Case, normalise, slot_value
from ..pack.loader import Pack
from ..values import VERSION_PARTS
from .certainty import combine, status
from .compiler import CompiledRule, Lit, Tree
from .reference import evaluate
from .whatif import WhatIf


class Backend(Protocol):
    name: str

    def fire(self, rules: Any, case: Any) -> dict[int, list[int]]: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Contribution:
    rule: CompiledRule
    certainty: float  # signed, after scaling by the premise's certainty
    disjunct: tuple[Lit, ...]  # the conditions that held
    number: int  # its index in rule.disjuncts


@dataclass
class Outcome:
    inputs: dict[str, Any]
    certainty: dict[str, float] = field(default_factory=dict)  # causes and findings
    contributions: dict[str, list[Contribution]] = field(default_factory=dict)

    def status(self, cause: str, pack: Pack) -> str:
        thresholds = pack.thresholds
        return status(self.certainty.get(cause, 0.0), thresholds.conclude, thresholds.rule_out)


def run(pack: Pack, backend: Backend, case: Case) -> Outcome:
    inputs = normalise(case, pack)
    outcome = Outcome(inputs=inputs)
    contributions = outcome.contributions
    plan = pack.compiled.plan
    rules, premises = plan.rules, plan.premises
    threshold = pack.thresholds.finding
    finding_cf: dict[str, float] = {}  # a finding no rule has concluded yet is 0.0
    for level in pack.compiled.levels:
        fired = backend.fire(level, inputs)
        concluded: set[str] = set()
        for index in sorted(fired):  # rule order, which the explanations keep
            rule = rules[index]
            best, cf = _best_disjunct(premises[index], fired[index], finding_cf)
            if cf > 0.0:
                contributions.setdefault(rule.target, []).append(
                    Contribution(rule, rule.certainty * cf, rule.disjuncts[best], best)
                )
                if rule.target_kind == "finding":
                    concluded.add(rule.target)
        # Later levels read the findings this one concluded; no other certainty moved.
        for finding in concluded:
            cf = finding_cf[finding] = combine(c.certainty for c in contributions[finding])
            if cf >= threshold:
                inputs[f"finding:{finding}"] = True
            else:
                inputs.pop(f"finding:{finding}", None)
    for target, found in contributions.items():
        outcome.certainty[target] = combine(c.certainty for c in found)
    return outcome


def _best_disjunct(
    premises: tuple[tuple[str, ...], ...], disjuncts: list[int], finding_cf: dict[str, float]
) -> tuple[int, float]:
    """The firing disjunct with the strongest premise (MYCIN: 'and' is min)."""
    best = -1
    best_cf = -1.0
    for index in disjuncts:
        findings = premises[index]
        cf = min([finding_cf.get(f, 0.0) for f in findings]) if findings else 1.0
        if cf > best_cf:
            best, best_cf = index, cf
    return best, best_cf


# --- which question next -------------------------------------------------------------


def candidate_values(pack: Pack, question_id: str) -> list[str]:
    """Answers worth trying for a what-if: every choice, or the boundaries rules use."""
    cached = pack._candidates.get(question_id)
    if cached is None:
        cached = pack._candidates[question_id] = _candidate_values(pack, question_id)
    return cached


def _candidate_bits(pack: Pack, question_id: str) -> list[int]:
    """The distinct literal bits the candidates set (once per pack): the rules cannot
    tell apart two answers that set the same bits, so each is tried once."""
    key = f"bits:{question_id}"
    cached = pack._candidates.get(key)
    if cached is None:
        question = pack.questions[question_id]
        slot = f"answer:{question_id}"
        plan = pack.compiled.plan
        bits = [
            plan.slot_bits(slot, slot_value(question, v))
            for v in candidate_values(pack, question_id)
        ]
        cached = pack._candidates[key] = list(dict.fromkeys(bits))
    return cached


def _candidate_values(pack: Pack, question_id: str) -> list[str]:
    question = pack.questions[question_id]
    if question.kind == "yesno":
        return ["yes", "no"]
    if question.kind == "choice":
        return [c.value for c in question.choices]
    slot = f"answer:{question_id}"
    values: list[str] = list(question.special)
    for rule in pack.compiled.rules:
        for disjunct in rule.disjuncts:
            for lit in disjunct:
                if lit.slot != slot or lit.op == "present":
                    continue
                literals = lit.value if lit.op == "in" else [lit.value]
                for value in literals:
                    if isinstance(value, tuple):
                        values.append(".".join(map(str, value)))
                        values.append(_just_below(value))
                        values.append(_just_above(value))
                    elif isinstance(value, str):
                        values.append(value)
    if question.kind == "text":
        values.append("\u2009")  # an answer no rule mentions
    return list(dict.fromkeys(v for v in values if v))


def _just_below(version: tuple[int, ...]) -> str:
    parts = list(version)
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] > 0:
            parts[i] -= 1
            parts[i + 1 :] = [999999] * (VERSION_PARTS - i - 1)
            return ".".join(map(str, parts))
    return ""


def _just_above(version: tuple[int, ...]) -> str:
    parts = list(version)
    parts[-1] += 1
    return ".".join(map(str, parts))


def askable(pack: Pack, case: Case, inputs: dict[str, Any]) -> list[str]:
    """Unanswered questions whose 'ask_when' holds and that no evidence already covers."""
    observed = {o.fact for o in case.observations}
    asking = _Asking.of(pack)
    out = []
    for question_id, covered_by, condition in asking.questions:
        if case.answered(question_id):
            continue
        if not observed.isdisjoint(covered_by):
            continue
        if condition is not None and not asking.holds(condition, inputs):
            continue
        out.append(question_id)
    return out


ASKS_KEPT = 1 << 14  # remembered ask_when results per pack, at most


class _Asking:
    """Per pack: each question's 'ask_when' and the slots it reads.

    A condition's truth depends only on those slots' values, which repeat from
    case to case (a symptom, a yes or no), so results are remembered by them.
    """

    def __init__(self, pack: Pack):
        self.questions: list[tuple[str, frozenset[str], tuple[int, Tree, list[str]] | None]] = []
        for number, question in enumerate(pack.model.questions):
            condition = None
            if question.ask_when is not None:
                tree = pack.compiled_condition(question.ask_when)
                condition = (number, tree, sorted({s for lit in _lits(tree) for s in lit.slots}))
            self.questions.append((question.id, frozenset(question.covered_by), condition))
        self.known: dict[tuple[Any, ...], bool] = {}

    @classmethod
    def of(cls, pack: Pack) -> _Asking:
        found: _Asking | None = pack._derived.get("asking")
        if found is None:
            found = pack._derived["asking"] = cls(pack)
        return found

    def holds(self, condition: tuple[int, Tree, list[str]], inputs: dict[str, Any]) -> bool:
        number, tree, slots = condition
        values = [inputs.get(slot) for slot in slots]
        if not all(type(v) in _KEYED for v in values):  # e.g. a list fact: not hashable
            return evaluate(tree, inputs)
        key = (number, *[(type(v), v) for v in values])
        found = self.known.get(key)
        if found is None:
            found = evaluate(tree, inputs)
            if len(self.known) < ASKS_KEPT:
                self.known[key] = found
        return found


_KEYED = frozenset({str, tuple, bool, int, type(None)})


def _lits(tree: Tree) -> list[Lit]:
    kind = tree[0]
    if kind == "lit":
        return [tree[1]]
    if kind == "not":
        return _lits(tree[1])
    return [lit for child in tree[1] for lit in _lits(child)]


FIX_CHOICE_USEFULNESS = 0.01  # after every question that can change a certainty


def _fix_choosers(pack: Pack) -> dict[str, set[str]]:
    """Question id -> the causes whose ``fix_when`` reads its answer."""
    found: dict[str, set[str]] | None = pack._derived.get("fix-choosers")
    if found is None:
        found = {}
        for cause in pack.model.causes:
            for choice in cause.fix_when:
                for lit in _lits(pack.compiled_condition(choice.when)):
                    kind, _sep, name = lit.slot.partition(":")
                    if kind == "answer":
                        found.setdefault(name, set()).add(cause.id)
        pack._derived["fix-choosers"] = found
    return found


def rank_questions(pack: Pack, case: Case, now: Outcome) -> list[tuple[str, float]]:
    """Unanswered questions that could change the outcome, most useful first.

    A question's score is the largest change any of its candidate answers would
    make: the causes' certainties moved, plus one for each status that flips.
    An unanswered symptom comes first whatever its score: it decides which other
    questions are worth asking at all (their ``ask_when``), as a caller expects.
    """
    whatif = WhatIf(pack, now)
    scored = []
    chooses = _fix_choosers(pack)
    concluded = {c for c, cf in now.certainty.items() if cf >= pack.thresholds.conclude}
    for question_id in askable(pack, case, now.inputs):
        best = whatif.best(f"answer:{question_id}", _candidate_bits(pack, question_id))
        if best <= 1e-9 and not concluded.isdisjoint(chooses.get(question_id, ())):
            best = FIX_CHOICE_USEFULNESS  # it changes the fix of a concluded cause
        if best > 1e-9:
            scored.append((question_id, best))
    order = pack.question_order
    questions = pack.questions
    scored.sort(
        key=lambda item: (
            questions[item[0]].role != "symptom",
            -round(item[1], 9),
            order[item[0]],
        )
    )
    return scored
