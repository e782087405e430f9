"""What-if answers, evaluated incrementally.

Ranking questions asks, for every unanswered question and each answer worth
trying, how much the outcome would change. Re-running the whole pack for each
of those (about 28 runs a case for the bundled pack) cost far more than the
diagnosis itself. One answer only changes one slot, so only the rules that read
that slot can fire differently, and after them only the rules that read a
finding whose certainty moved. This module re-evaluates exactly those, starting
from the outcome of the real run, with the reference semantics (which tests
prove equal to the durable backend's). Its scores equal a full re-run's; a test
checks that against the exhaustive ranking.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .certainty import combine
from .compiler import CompiledRule, Lit
from .reference import holds

if TYPE_CHECKING:
    from ..pack.loader import Pack
    from .reasoner import Outcome

Effect = tuple[float, tuple[Lit, ...]] | None  # a rule's (certainty, disjunct), None if silent


@dataclass(frozen=True)
class Readers:
    """For each slot, the rules that read it, by level: who can change when it does."""

    by_slot: dict[str, tuple[frozenset[int], ...]]
    rules: dict[int, CompiledRule]
    depth: int

    @classmethod
    def of(cls, compiled: Any) -> Readers:  # a CompiledPack
        depth = max((r.level for r in compiled.rules), default=0) + 1
        sets: dict[str, list[set[int]]] = {}
        for rule in compiled.rules:
            for disjunct in rule.disjuncts:
                for lit in disjunct:
                    levels = sets.setdefault(lit.slot, [set() for _ in range(depth)])
                    levels[rule.level].add(rule.index)
        by_slot = {slot: tuple(frozenset(s) for s in levels) for slot, levels in sets.items()}
        return cls(by_slot, {r.index: r for r in compiled.rules}, depth)


def premise(disjunct: tuple[Lit, ...], finding_cf: Mapping[str, float]) -> float:
    """How certain a firing disjunct's premise is: its weakest finding (MYCIN: 'and' is min)."""
    return min(
        (
            finding_cf.get(lit.slot[8:], 0.0)
            for lit in disjunct
            if lit.slot.startswith("finding:") and not lit.negated
        ),
        default=1.0,
    )


def effect(
    rule: CompiledRule, inputs: Mapping[str, Any], finding_cf: Mapping[str, float]
) -> Effect:
    """What one rule contributes now: its strongest firing disjunct, scaled."""
    best: tuple[Lit, ...] | None = None
    best_cf = -1.0
    for disjunct in rule.disjuncts:
        if not all(holds(lit, inputs) for lit in disjunct):
            continue
        cf = premise(disjunct, finding_cf)
        if cf > best_cf:
            best, best_cf = disjunct, cf
    if best is None or best_cf <= 0.0:
        return None
    return rule.certainty * best_cf, best


class WhatIf:
    """The outcome of one real run, ready to answer 'and if slot S were V?' cheaply."""

    def __init__(self, pack: Pack, now: Outcome):
        self.pack = pack
        self.readers: Readers = pack.compiled.readers
        self.inputs = now.inputs
        self.certainty = now.certainty
        self.effects: dict[int, Effect] = {}
        self.by_target: dict[str, dict[int, float]] = {}
        for target, contributions in now.contributions.items():
            per_rule = self.by_target.setdefault(target, {})
            for c in contributions:
                self.effects[c.rule.index] = (c.certainty, c.disjunct)
                per_rule[c.rule.index] = c.certainty

    def change(self, slot: str, value: Any) -> float:
        """How much the causes would move if ``slot`` held ``value`` (see reasoner._change)."""
        pack, readers = self.pack, self.readers
        inputs = dict(self.inputs)
        inputs[slot] = value
        finding_cf = {f: self.certainty.get(f, 0.0) for f in pack.findings}
        dirty = {slot}
        changed: dict[int, Effect] = {}
        moved: dict[str, float] = {}  # target -> its new certainty
        for level in range(readers.depth):
            touched: set[int] = set()
            for name in dirty:
                levels = readers.by_slot.get(name)
                if levels:
                    touched |= levels[level]
            if not touched:
                continue
            targets = set()
            for index in touched:
                rule = readers.rules[index]
                new = effect(rule, inputs, finding_cf)
                if new != self.effects.get(index):
                    changed[index] = new
                    targets.add(rule.target)
            for target in targets:
                moved[target] = self._certainty(target, changed)
                if target in pack.findings and moved[target] != finding_cf[target]:
                    finding_cf[target] = moved[target]
                    key = f"finding:{target}"
                    if moved[target] >= pack.thresholds.finding:
                        inputs[key] = True
                    else:
                        inputs.pop(key, None)
                    dirty.add(key)
        return self._score(moved)

    def _certainty(self, target: str, changed: Mapping[int, Effect]) -> float:
        values = dict(self.by_target.get(target, {}))
        for index, new in changed.items():
            if self.readers.rules[index].target != target:
                continue
            if new is None:
                values.pop(index, None)
            else:
                values[index] = new[0]
        return combine(values.values())

    def _score(self, moved: Mapping[str, float]) -> float:
        pack = self.pack
        score = 0.0
        for cause in pack.causes:  # pack order, as a full re-run sums them
            if cause not in moved:
                continue
            before = self.certainty.get(cause, 0.0)
            after = moved[cause]
            score += abs(after - before)
            if _status(after, pack) != _status(before, pack):
                score += 1.0
        return score


def _status(cf: float, pack: Pack) -> str:
    if cf >= pack.thresholds.conclude:
        return "concluded"
    if cf <= pack.thresholds.rule_out:
        return "ruled_out"
    return "open"
