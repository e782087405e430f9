"""Compile a validated pack's rules into the form both evaluators run.

A rule's condition tree becomes:

* ``tree``: the same tree with normalised literal values (the reference
  evaluator walks it as written), and
* ``disjuncts``: its disjunctive normal form with negations pushed onto the
  literals (the durable_rules backend turns each disjunct into one rule, so a
  firing names exactly the conditions that held).

Rules are also put into levels: a rule that reads a finding runs after every
rule that can conclude that finding.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from itertools import product
from typing import TYPE_CHECKING, Any

from ..errors import Problem
from ..pack.model import AllOf, AnyOf, FactRef, Leaf, NotOf
from ..values import parse_version

if TYPE_CHECKING:
    from .whatif import Plan

MAX_DISJUNCTS = 64  # also what one durable ruleset can run (durable_backend.RULESET_LIMIT)


@dataclass(frozen=True)
class Slot:
    """One input that rules read: ``answer:ID``, ``fact:NAME`` or ``finding:ID``."""

    key: str
    type: str  # yesno, choice, text, version, bool, int, str, list, finding
    role: str = "detail"

    @property
    def kind(self) -> str:
        return self.key.split(":", 1)[0]

    @property
    def name(self) -> str:
        return self.key.split(":", 1)[1]


@dataclass(frozen=True)
class Ref:
    """A literal's value that is another slot's value (a fact compared with a fact)."""

    slot: str


@dataclass(frozen=True)
class Lit:
    """A test of one slot. ``negated`` flips it; a missing slot fails every un-negated test.

    With a :class:`Ref` value the test reads two slots, and fails unless both are known.
    """

    slot: str
    op: str  # present, eq, in, lt, le, gt, ge, contains
    value: Any
    negated: bool = False

    def flipped(self) -> Lit:
        return Lit(self.slot, self.op, self.value, not self.negated)

    @property
    def slots(self) -> tuple[str, ...]:
        """Every slot the test reads."""
        if isinstance(self.value, Ref):
            return (self.slot, self.value.slot)
        return (self.slot,)


Tree = tuple  # ("all", [..]) | ("any", [..]) | ("not", tree) | ("lit", Lit)


@dataclass(frozen=True)
class CompiledRule:
    index: int
    id: str
    target: str
    target_kind: str  # cause | finding
    certainty: float  # signed: negative counts against
    tree: Tree
    disjuncts: tuple[tuple[Lit, ...], ...]
    level: int
    because: Any  # LocalText | None


@dataclass
class CompiledPack:
    slots: dict[str, Slot]
    rules: list[CompiledRule]

    @cached_property
    def levels(self) -> list[list[CompiledRule]]:
        depth = max((r.level for r in self.rules), default=0)
        return [[r for r in self.rules if r.level == lvl] for lvl in range(depth + 1)]

    @cached_property
    def plan(self) -> Plan:
        """The rules as literal bits and readers per slot: what what-if answers evaluate."""
        from .whatif import Plan

        return Plan(self.rules)


def normalise_literal(slot: Slot, op: str, value: Any) -> Any:
    """The engine-side form of a literal value, matching :func:`kbassist.case` inputs."""
    from ..values import clamp_int, clean_text

    def one(v: Any) -> Any:
        if slot.type == "yesno":
            return "yes" if v is True or str(v).lower() == "yes" else "no"
        if slot.type == "bool":
            return bool(v)
        if slot.type == "int":
            return clamp_int(v)
        if slot.type == "version" and op in ("lt", "le", "gt", "ge", "eq", "in"):
            try:
                return parse_version(str(v))
            except ValueError:
                return clean_text(str(v))  # a special word such as 'none'
        if isinstance(v, str):
            return clean_text(v)  # bounded like every input; over-long literals are rejected
        return v

    if op == "in":
        return frozenset(one(v) for v in value)
    if op == "present":
        return True
    return one(value)


class Compiler:
    def __init__(self, slots: dict[str, Slot]):
        self.slots = slots
        self.problems: list[Problem] = []

    def tree(self, cond: Any) -> Tree:
        if isinstance(cond, AllOf):
            return ("all", [self.tree(c) for c in cond.all])
        if isinstance(cond, AnyOf):
            return ("any", [self.tree(c) for c in cond.any])
        if isinstance(cond, NotOf):
            return ("not", self.tree(cond.not_))
        assert isinstance(cond, Leaf)
        key = f"{cond.subject_kind}:{cond.subject}"
        slot = self.slots[key]
        op = "eq" if cond.op == "is" else cond.op
        if op == "present":
            lit = Lit(key, "present", True, negated=cond.value is False)
        elif isinstance(cond.value, FactRef):
            lit = Lit(key, op, Ref(f"fact:{cond.value.fact}"))
        else:
            lit = Lit(key, op, normalise_literal(slot, op, cond.value))
        return ("lit", lit)


def to_dnf(tree: Tree, negate: bool = False) -> list[tuple[Lit, ...]]:
    """Disjunctive normal form with negations pushed onto literals."""
    kind = tree[0]
    if kind == "lit":
        lit: Lit = tree[1]
        return [(lit.flipped() if negate else lit,)]
    if kind == "not":
        return to_dnf(tree[1], not negate)
    conjunctive = (kind == "all") != negate
    parts = [to_dnf(child, negate) for child in tree[1]]
    if not conjunctive:
        return [d for part in parts for d in part]
    out = []
    for combo in product(*parts):
        merged: list[Lit] = []
        for disjunct in combo:
            merged.extend(lit for lit in disjunct if lit not in merged)
        out.append(tuple(merged))
        if len(out) > MAX_DISJUNCTS:
            break
    return out


def compile_rules(pack: Any, slots: dict[str, Slot]) -> tuple[CompiledPack, list[tuple]]:
    """Compile ``pack.rules``; returns the compiled pack and (path, message) problems."""
    compiler = Compiler(slots)
    problems: list[tuple] = []
    finding_level: dict[str, int] = {}
    staged = []
    for index, rule in enumerate(pack.rules):
        path = ("rules", index, "when")
        tree = compiler.tree(rule.when)
        disjuncts = to_dnf(tree)
        if len(disjuncts) > MAX_DISJUNCTS:
            problems.append((path, f"rule {rule.id!r} expands to more than {MAX_DISJUNCTS} cases"))
            continue
        for disjunct in disjuncts:
            for lit in disjunct:
                slot = slots[lit.slot]
                if lit.negated and lit.op == "contains" and slot.type != "list":
                    problems.append(
                        (path, f"rule {rule.id!r}: a negated 'contains' on text is not supported")
                    )
            if rule.concludes and not any(
                not lit.negated and slots[lit.slot].role != "symptom" for lit in disjunct
            ):
                problems.append(
                    (
                        path,
                        f"rule {rule.id!r} would conclude {rule.target!r} from the reported "
                        "symptom alone; add a condition on other answers or evidence",
                    )
                )
                break
        staged.append((index, rule, tree, tuple(disjuncts)))

    # Levels: a rule reading findings runs after the rules that conclude them.
    reads = {
        index: {
            lit.slot.split(":", 1)[1] for d in dis for lit in d if lit.slot.startswith("finding:")
        }
        for index, _, _, dis in staged
    }
    level: dict[int, int] = {}
    for _ in range(len(staged) + 1):
        changed = False
        for index, rule, _, _ in staged:
            lvl = 1 + max((finding_level.get(f, -1) for f in reads[index]), default=-1)
            if level.get(index) != lvl:
                level[index] = lvl
                changed = True
            if rule.target in {s.split(":", 1)[1] for s in slots if s.startswith("finding:")}:
                finding_level[rule.target] = max(finding_level.get(rule.target, 0), lvl)
        if not changed:
            break
    else:
        problems.append((("rules",), "findings depend on each other in a cycle"))

    findings = {key.split(":", 1)[1] for key in slots if key.startswith("finding:")}
    compiled = [
        CompiledRule(
            index=index,
            id=rule.id,
            target=rule.target,
            target_kind="finding" if rule.target in findings else "cause",
            certainty=rule.signed_certainty,
            tree=tree,
            disjuncts=disjuncts,
            level=level.get(index, 0),
            because=rule.because,
        )
        for index, rule, tree, disjuncts in staged
    ]
    # The engine's own limits (nesting, fields per fact), so a pack that cannot
    # run fails validation rather than a diagnosis.
    from .durable_backend import rule_problems

    for index, message in rule_problems(slots, compiled):
        problems.append((("rules", index, "when"), message))
    return CompiledPack(slots=slots, rules=compiled), problems
