"""What-if answers, evaluated incrementally over the truth of each literal.

Ranking questions asks, for every unanswered question and each answer worth
trying, how much the outcome would change. Re-running the whole pack for each
of those cost far more than the diagnosis itself. Two facts make it cheap:

* Rules read inputs only through their literals, so a case is, to the rules,
  one integer: bit *n* set when literal *n* holds (:class:`Plan` numbers them
  once per pack). A disjunct holds when its bits are all set.
* One answer changes one slot, so only that slot's literal bits change (and
  which bits an answer sets is known per pack, not per case), only the rules
  that read that slot can fire differently, and after them only the rules
  that read a finding whose certainty moved.

So :class:`WhatIf` starts from the outcome of the real run and re-evaluates
exactly those rules with bit tests, with the reference semantics (which tests
prove equal to the durable backend's). Its scores equal a full re-run's; a
test checks that against the exhaustive ranking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .certainty import combine
from .compiler import CompiledRule, Lit
from .reference import holds

if TYPE_CHECKING:
    from ..pack.loader import Pack
    from .reasoner import Outcome

Effect = tuple[float, int] | None  # a rule's (certainty, disjunct index), None if silent


class Plan:
    """A compiled pack seen as bits: its literals numbered, each disjunct a mask."""

    def __init__(self, rules: Iterable[CompiledRule]):
        rules = list(rules)
        numbers: dict[Lit, int] = {}
        for rule in rules:
            for disjunct in rule.disjuncts:
                for lit in disjunct:
                    numbers.setdefault(lit, len(numbers))
        self.lits: list[Lit] = list(numbers)
        self.on_slot: dict[str, list[int]] = {}
        # Literals comparing two facts depend on both: worked out per case in truth().
        # What-ifs try answers, never facts, so these bits never change in a what-if.
        self.pairs: list[int] = []
        for lit, n in numbers.items():
            if len(lit.slots) > 1:
                self.pairs.append(n)
            else:
                self.on_slot.setdefault(lit.slot, []).append(n)
        self.slot_mask = {slot: _bits(ns) for slot, ns in self.on_slot.items()}
        self.pair_mask = _bits(self.pairs)
        # A missing slot fails every test, so exactly the negated literals hold.
        self.absent = _bits(n for lit, n in numbers.items() if lit.negated) & ~self.pair_mask
        self.rules = {r.index: r for r in rules}
        self.needs = {
            r.index: tuple(_bits(numbers[lit] for lit in d) for d in r.disjuncts) for r in rules
        }
        # The findings whose certainty bounds each disjunct's premise: MYCIN's 'and' is
        # the minimum of them, 1.0 when there are none.
        self.premises = {
            r.index: tuple(
                tuple(
                    lit.slot[8:] for lit in d if lit.slot.startswith("finding:") and not lit.negated
                )
                for d in r.disjuncts
            )
            for r in rules
        }
        self.depth = max((r.level for r in rules), default=0) + 1
        readers: dict[str, list[set[int]]] = {}
        for rule in rules:
            for slot in {s for d in rule.disjuncts for lit in d for s in lit.slots}:
                levels = readers.setdefault(slot, [set() for _ in range(self.depth)])
                levels[rule.level].add(rule.index)
        # slot -> per level, the rules that read it: who can change when it does
        self.readers = {
            s: tuple(tuple(sorted(lv)) for lv in levels) for s, levels in readers.items()
        }
        self.finding_slot = {
            r.target: f"finding:{r.target}" for r in rules if r.target_kind == "finding"
        }
        # finding slot -> bits of its literals when the finding (does not, does) hold
        self.finding_bits = {
            slot: (self.slot_bits(slot, None), self.slot_bits(slot, True))
            for slot in self.on_slot
            if slot.startswith("finding:")
        }
        self.rule_mask = {index: _or(needs) for index, needs in self.needs.items()}
        self._relevant: dict[str, int] = {}
        # (slot, bits tried, the case's relevant bits) -> score; see WhatIf.change
        self.scores: dict[tuple[str, int, int], float] = {}
        self.best_scores: dict[tuple[str, int], float] = {}  # see WhatIf.best
        self._known_bits: dict[tuple[str, type, Any], int] = {}  # see truth()

    def relevant(self, slot: str) -> int:
        """The literals a what-if on ``slot`` can depend on, whatever the case.

        Its score reads the rules that read the slot, every rule with the same
        target (their certainties combine), the findings those rules need or
        conclude (and, in turn, the rules behind those findings and reading them).
        Two cases with the same bits here get the same score for every answer.
        """
        mask = self._relevant.get(slot)
        if mask is None:
            by_target: dict[str, list[int]] = {}
            for rule in self.rules.values():
                by_target.setdefault(rule.target, []).append(rule.index)
            rules: set[int] = set()
            slots: list[str] = [slot]
            targets: list[str] = []
            while slots or targets:
                found: set[int] = set()
                if slots:
                    found.update(i for level in self.readers.get(slots.pop(), ()) for i in level)
                else:
                    found.update(by_target.get(targets.pop(), ()))
                for index in found - rules:
                    rules.add(index)
                    rule = self.rules[index]
                    targets.append(rule.target)
                    if rule.target in self.finding_slot:
                        slots.append(self.finding_slot[rule.target])
                    targets.extend(f for premise in self.premises[index] for f in premise)
            mask = self._relevant[slot] = _or(self.rule_mask[i] for i in rules)
        return mask

    def truth(self, inputs: Mapping[str, Any]) -> int:
        """The bits of the literals that hold for ``inputs``."""
        bits = self.absent
        known = self._known_bits
        for slot, value in inputs.items():
            numbers = self.on_slot.get(slot)
            if numbers is None:
                continue
            if type(value) in _REMEMBERED:  # answers and scalar facts repeat across cases
                key = (slot, type(value), value)
                found = known.get(key)
                if found is None:
                    found = self.slot_bits(slot, value, numbers)
                    if len(known) < BITS_KEPT:
                        known[key] = found
            else:
                found = self.slot_bits(slot, value, numbers)
            bits = (bits & ~self.slot_mask[slot]) | found
        if self.pairs:
            bits |= _bits(n for n in self.pairs if holds(self.lits[n], inputs))
        return bits

    def slot_bits(self, slot: str, value: Any, numbers: list[int] | None = None) -> int:
        """The bits of ``slot``'s literals that hold when it has ``value``."""
        one = {slot: value}
        numbers = self.on_slot.get(slot, []) if numbers is None else numbers
        return _bits(n for n in numbers if holds(self.lits[n], one))


SCORES_KEPT = 1 << 16  # remembered what-if scores per pack, at most
BITS_KEPT = 1 << 14  # remembered (slot, value) -> literal bits per pack, at most
_REMEMBERED = frozenset({str, tuple, bool, int})  # hashable input values, compared by value
_NONE: tuple[tuple[int, ...], ...] = ((),) * 64  # the readers of a slot no rule reads


def _or(masks: Iterable[int]) -> int:
    out = 0
    for mask in masks:
        out |= mask
    return out


def _bits(numbers: Iterable[int]) -> int:
    out = 0
    for n in numbers:
        out |= 1 << n
    return out


class WhatIf:
    """The outcome of one real run, ready to answer 'and if slot S were V?' cheaply."""

    def __init__(self, pack: Pack, now: Outcome):
        self.pack = pack
        self.plan: Plan = pack.compiled.plan
        thresholds = pack.thresholds
        self.conclude, self.rule_out = thresholds.conclude, thresholds.rule_out
        self.finding_threshold = thresholds.finding
        self.causes = list(pack.causes)  # pack order, as a full re-run sums them
        self.truth = self.plan.truth(now.inputs)
        self.certainty = now.certainty
        self.finding_cf = {f: now.certainty.get(f, 0.0) for f in pack.findings}
        self.effects: dict[int, Effect] = {}
        self.by_target: dict[str, dict[int, float]] = {}
        for target, contributions in now.contributions.items():
            per_rule = self.by_target.setdefault(target, {})
            for c in contributions:
                self.effects[c.rule.index] = (c.certainty, c.number)
                per_rule[c.rule.index] = c.certainty

    def best(self, slot: str, candidates: list[int]) -> float:
        """The largest :meth:`change` of any candidate's bits but the current ones.

        Remembered like a change, by the slot's own bits and the bits its scores
        depend on, so a repeated answer pattern costs one lookup per question.
        """
        plan = self.plan
        own = plan.slot_mask.get(slot, 0)
        key = (slot, self.truth & (plan.relevant(slot) | own))
        found = plan.best_scores.get(key)
        if found is None:
            current = self.truth & own
            found = max(
                (self.change(slot, bits) for bits in candidates if bits != current),
                default=0.0,  # no answer the rules would notice
            )
            if len(plan.best_scores) >= SCORES_KEPT:
                plan.best_scores.clear()
            plan.best_scores[key] = found
        return found

    def change(self, slot: str, bits: int) -> float:
        """How much the causes would move if ``slot``'s literals held exactly ``bits``.

        ``bits`` is ``plan.slot_bits(slot, value)`` for the answer tried. Scores are
        remembered per pack by what they depend on (:meth:`Plan.relevant`): a batch of
        tickets asks the same what-ifs of the same few answer patterns again and again.
        """
        plan = self.plan
        key = (slot, bits, self.truth & plan.relevant(slot))
        score = plan.scores.get(key)
        if score is None:
            if len(plan.scores) >= SCORES_KEPT:  # keep memory flat over any run
                plan.scores.clear()
            score = plan.scores[key] = self._change(slot, bits)
        return score

    def _change(self, slot: str, bits: int) -> float:
        plan = self.plan
        truth = (self.truth & ~plan.slot_mask.get(slot, 0)) | bits
        finding_cf = self.finding_cf
        effects = self.effects
        dirty = [slot]
        changed: dict[int, Effect] = {}
        moved: dict[str, float] = {}  # target -> its new certainty
        for level in range(plan.depth):
            if len(dirty) == 1:
                touched: Iterable[int] = plan.readers.get(dirty[0], _NONE)[level]
            else:
                touched = set().union(*(plan.readers.get(n, _NONE)[level] for n in dirty))
            targets = set()
            for index in touched:
                new = self._effect(index, truth, finding_cf)
                if new != effects.get(index):
                    changed[index] = new
                    targets.add(plan.rules[index].target)
            for target in targets:
                cf = moved[target] = self._certainty(target, changed)
                key = plan.finding_slot.get(target)
                if key is not None and cf != finding_cf[target]:
                    if finding_cf is self.finding_cf:
                        finding_cf = dict(finding_cf)
                    finding_cf[target] = cf
                    if key in plan.finding_bits:  # else no rule reads it
                        held = cf >= self.finding_threshold
                        truth = (truth & ~plan.slot_mask[key]) | plan.finding_bits[key][held]
                        dirty.append(key)
        return self._score(moved)

    def _effect(self, index: int, truth: int, finding_cf: Mapping[str, float]) -> Effect:
        """What one rule contributes: its strongest holding disjunct, scaled."""
        best = -1
        best_cf = -1.0
        premises = self.plan.premises[index]
        for d, need in enumerate(self.plan.needs[index]):
            if truth & need != need:
                continue
            findings = premises[d]
            cf = min([finding_cf.get(f, 0.0) for f in findings]) if findings else 1.0
            if cf > best_cf:
                best, best_cf = d, cf
        if best < 0 or best_cf <= 0.0:
            return None
        return self.plan.rules[index].certainty * best_cf, best

    def _certainty(self, target: str, changed: Mapping[int, Effect]) -> float:
        values = dict(self.by_target.get(target, ()))
        rules = self.plan.rules
        for index, new in changed.items():
            if rules[index].target != target:
                continue
            if new is None:
                values.pop(index, None)
            else:
                values[index] = new[0]
        return combine(values.values())

    def _score(self, moved: Mapping[str, float]) -> float:
        score = 0.0
        for cause in self.causes:
            if cause not in moved:
                continue
            before = self.certainty.get(cause, 0.0)
            after = moved[cause]
            score += abs(after - before)
            if self._status(after) != self._status(before):
                score += 1.0
        return score

    def _status(self, cf: float) -> int:
        return 1 if cf >= self.conclude else (-1 if cf <= self.rule_out else 0)
