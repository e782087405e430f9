"""The reference evaluator: the rules' meaning in plain Python.

It walks each rule's condition tree as written (not the DNF the durable
backend runs), so agreement between the two checks the compiler as well as
the engine. Tests use it as the oracle; it is also what explanations use to
say which conditions of a rule failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .compiler import CompiledRule, Lit, Ref, Tree


def holds(lit: Lit, case: Mapping[str, Any]) -> bool:
    want = lit.value
    if isinstance(want, Ref):
        want = case.get(want.slot)
        result = want is not None and _test(lit.op, want, case.get(lit.slot))
    else:
        result = _test(lit.op, want, case.get(lit.slot))
    return not result if lit.negated else result


def _test(op: str, want: Any, value: Any) -> bool:
    if value is None:
        return False
    if op == "present":
        return True
    if op == "contains":
        return want in value  # substring of a string, or element of a list
    if op == "eq":
        return type(value) is type(want) and value == want
    if op == "in":
        return any(type(value) is type(w) and value == w for w in want)
    if type(value) is not type(want):
        return False  # e.g. the special word 'none' against a version bound
    if op == "lt":
        return value < want
    if op == "le":
        return value <= want
    if op == "gt":
        return value > want
    if op == "ge":
        return value >= want
    raise ValueError(f"unknown operator {op!r}")


def evaluate(tree: Tree, case: Mapping[str, Any]) -> bool:
    kind = tree[0]
    if kind == "lit":
        return holds(tree[1], case)
    if kind == "not":
        return not evaluate(tree[1], case)
    if kind == "all":
        return all(evaluate(child, case) for child in tree[1])
    return any(evaluate(child, case) for child in tree[1])


class ReferenceBackend:
    """Same interface as the durable backend: which rules and disjuncts fire."""

    name = "reference"

    def fire(self, rules: Iterable[CompiledRule], case: Mapping[str, Any]) -> dict[int, list[int]]:
        fired: dict[int, list[int]] = {}
        for rule in rules:
            if evaluate(rule.tree, case):
                # Which disjuncts hold, for the explanation; the tree decided firing.
                fired[rule.index] = [
                    i for i, d in enumerate(rule.disjuncts) if all(holds(lit, case) for lit in d)
                ]
        return fired

    def close(self) -> None:
        pass
