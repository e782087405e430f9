"""Conditions in plain words, for explanations and reviewer docs.

``answer symptom is mail-stuck-in-queue AND fact winsock.orphan-count > 0``
reads the same in a terminal and in Markdown, without YAML.
"""

from __future__ import annotations

from typing import Any

from ..engine.compiler import Lit, Ref, Tree

_OPS = {"eq": "is", "in": "is one of", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_NEGATED = {"eq": "is not", "in": "is not one of", "lt": ">=", "le": ">", "gt": "<=", "ge": "<"}


def show_value(value: Any) -> str:
    if isinstance(value, tuple):  # a version, without the padding zeros: 4.0, 3.6.3
        parts = list(value)
        while len(parts) > 2 and parts[-1] == 0:
            parts.pop()
        return ".".join(str(p) for p in parts)
    if isinstance(value, frozenset | set | list):
        return ", ".join(sorted(show_value(v) for v in value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def subject(slot: str) -> str:
    kind, name = slot.split(":", 1)
    return f"{kind} {name}"


def literal(lit: Lit) -> str:
    """One test: ``fact winsock.orphan-count > 0``, ``finding registration-failed``."""
    who = subject(lit.slot)
    if lit.slot.startswith("finding:"):
        return f"NOT {who}" if lit.negated else who
    if lit.op == "present":
        return f"{who} is missing" if lit.negated else f"{who} is given"
    if lit.op == "contains":
        return f"{who} {'does not contain' if lit.negated else 'contains'} {lit.value!r}"
    ops = _NEGATED if lit.negated else _OPS
    if isinstance(lit.value, Ref):
        return f"{who} {ops[lit.op]} {subject(lit.value.slot)}"
    return f"{who} {ops[lit.op]} {show_value(lit.value)}"


def condition(tree: Tree, top: bool = True) -> str:
    """A whole condition on one line; nested groups get parentheses."""
    kind = tree[0]
    if kind == "lit":
        return literal(tree[1])
    if kind == "not":
        return f"NOT ({condition(tree[1])})"
    joiner = " AND " if kind == "all" else " OR "
    text = joiner.join(condition(child, top=False) for child in tree[1])
    return text if top or len(tree[1]) == 1 else f"({text})"


def inputs(tree: Tree) -> list[str]:
    """The inputs a condition reads, in order of first use (``answer:x``, ``fact:y``)."""
    if tree[0] == "lit":
        return list(tree[1].slots)
    children = [tree[1]] if tree[0] == "not" else tree[1]
    return list(dict.fromkeys(slot for child in children for slot in inputs(child)))
