"""CLIPS, through clipspy, running kbassist's compiled rules: the comparison issue 7 asks for.

Bench-only (not part of the kbassist package, which must not need clipspy). It
answers ``fire(rules, inputs)`` exactly like ``DurableBackend`` and
``ReferenceBackend``: which rules fire and, per rule, which DNF disjuncts hold.

The translation keeps the reference evaluator's meaning (kbassist.engine.reference):

* One deftemplate ``kbcase`` with a multislot per input slot. A present value is
  a type tag and its fields: ``str "x"``, ``int 5``, ``bool TRUE``, ``ver 3 6 3 0``,
  ``list "a" "b"``; a missing slot is empty. The tag makes every test as
  type-strict as Python's (``1`` is not ``TRUE``, ``"x"`` is not the list
  ``["x"]``) and keeps an empty list present.
* Each disjunct is a defrule on that one fact: an un-negated literal is a pattern
  that matches only when the slot is present and its test holds, a negated one
  is ``(not <that pattern>)``, so a missing slot fails the literal before the
  negation, as in the reference. Versions compare as four integers in order.
* Literal strings are written into the rule source quoted, with ``\\`` and ``"``
  escaped; case values never become source text: they are passed as values.
* A rule's first pattern names its rule set (a level), so one environment holds
  every level and only the asked one can fire. Its action appends (rule,
  disjunct) to a global; one deffunction per rule set does reset, assert, run
  and returns that global, so a case costs one call from Python.

Why a deffunction rather than ``Template.assert_fact``: a fact that clipspy
hands back to Python is never freed after ``reset`` (clipspy 1.0.6: about 1.6 kB
a case), so on that path each case runs slower than the one before; see
``test_cases_leave_no_garbage`` in tests/test_clips_bench.py.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

import clips

from kbassist.engine.compiler import CompiledRule, Lit, Slot

TEMPLATE = "kbcase"
SET_SLOT = "kbset"
FIRED = "kbfired"  # the global holding rule, disjunct, rule, disjunct, ...

STR, INT, BOOL, VER, LIST = (clips.Symbol(t) for t in ("str", "int", "bool", "ver", "list"))
_TAG_OF = {str: STR, int: INT, bool: BOOL}  # one-field values; exact types, as in Python
_ORDER = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}


def quote(text: str) -> str:
    """A CLIPS string literal for ``text``: only backslash and double quote need escaping."""
    if "\0" in text:
        raise ValueError("CLIPS strings cannot hold NUL")  # normalised inputs never do
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def atom(value: Any) -> str:
    """Source text of one field, typed exactly as :func:`encode` passes it."""
    kind = type(value)
    if kind is str:
        return quote(value)
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    raise ValueError(f"no CLIPS field for {value!r}")


def fields(value: Any) -> str:
    """The pattern constraint matching exactly ``value`` (its tag, then its fields)."""
    if type(value) is tuple:
        return " ".join(["ver", *(atom(p) for p in value)])
    if type(value) in (list, frozenset, set):
        return " ".join(["list", *(atom(v) for v in _items(value))])
    tag = _TAG_OF.get(type(value))
    if tag is None:
        raise ValueError(f"no CLIPS field for {value!r}")
    return f"{tag} {atom(value)}"


def encode(value: Any) -> tuple:
    """A case value as the multifield the template holds (see the module docstring)."""
    kind = type(value)
    if kind is tuple:
        return (VER, *value)
    if kind in (list, frozenset, set):
        return (LIST, *_items(value))
    tag = _TAG_OF.get(kind)
    if tag is None:
        raise ValueError(f"no CLIPS field for {value!r}")
    return (tag, value)


def _items(value: Any) -> list:
    return list(value) if type(value) is list else sorted(value)


def _read(rules: Iterable[CompiledRule]) -> tuple[str, ...]:
    """The slots that ``rules`` test, sorted: the arguments of their set's deffunction."""
    return tuple(sorted({lit.slot for rule in rules for d in rule.disjuncts for lit in d}))


def _lexicographic(op: str, names: list[str], bound: tuple[int, ...]) -> str:
    """A CLIPS test that the fields bound to ``names`` compare to ``bound`` like tuples do."""
    strict = "<" if op in ("lt", "le") else ">"
    test = f"({_ORDER[op]} {names[-1]} {bound[-1]})"
    for name, part in zip(reversed(names[:-1]), reversed(bound[:-1]), strict=True):
        test = f"(or ({strict} {name} {part}) (and (= {name} {part}) {test}))"
    return test


def alternatives(lit: Lit, slot_type: str, var: str) -> list[str]:
    """Multislot constraints, one of which matches exactly when the un-negated ``lit`` holds.

    ``var`` prefixes the variables, which must differ between the patterns of one
    rule (a shared name would join them).
    """
    op, want = lit.op, lit.value
    if op == "present":
        return ["? $?"]
    if op == "eq":
        return [fields(want)]
    if op == "in":
        scalars: dict[str, list[str]] = {}
        others = []
        for value in sorted(want, key=repr):
            tag = _TAG_OF.get(type(value))
            if tag is None:
                others.append(fields(value))
            else:
                scalars.setdefault(tag, []).append(atom(value))
        return [f"{tag} {'|'.join(atoms)}" for tag, atoms in scalars.items()] + others
    if op == "contains":
        if slot_type == "list":  # an element of the list
            return [f"list $? {atom(want)} $?"]
        if want == "":  # Python: '' is in every string
            return ["str ?"]
        return [f"str ?{var}&:(str-index {quote(want)} ?{var})"]
    if op in _ORDER:
        if type(want) is int:
            return [f"int ?{var}&:({_ORDER[op]} ?{var} {want})"]
        if type(want) is str:  # byte order of UTF-8 is code point order
            return [f"str ?{var}&:({_ORDER[op]} (str-compare ?{var} {quote(want)}) 0)"]
        if type(want) is tuple and all(type(p) is int for p in want):
            names = [f"?{var}_{i}" for i in range(len(want))]
            test = _lexicographic(op, names, want)
            return [" ".join(["ver", *names[:-1], f"{names[-1]}&:{test}"])]
    raise ValueError(f"no CLIPS translation for {op!r} on {want!r}")


class ClipsBackend:
    """Evaluates compiled rules with CLIPS, one environment for the backend, reset per case.

    One thread at a time (the bench has one): the environment holds the case.
    """

    name = "clips"
    _ids = itertools.count(1)

    def __init__(self, slots: Mapping[str, Slot], rules: Iterable[CompiledRule] = ()):
        """Build the template, and a rule set for each level of ``rules`` (so not while timed)."""
        self._slots = dict(slots)
        self._field = {key: f"s{i}" for i, key in enumerate(sorted(self._slots))}
        self._env = clips.Environment()
        multislots = " ".join(f"(multislot {f})" for f in self._field.values())
        self._env.build(f"(deftemplate {TEMPLATE} (slot {SET_SLOT} (type INTEGER)) {multislots})")
        self._env.build(f"(defglobal ?*{FIRED}* = (create$))")
        # rule indices -> (the set's deffunction, the slots its rules read, in argument order)
        self._sets: dict[tuple[int, ...], tuple[Any, tuple[str, ...]]] = {}
        levels: dict[int, list[CompiledRule]] = {}
        for rule in rules:
            levels.setdefault(rule.level, []).append(rule)
        for level in levels.values():
            self._set_for(level)

    def constructs(self, number: int, rules: list[CompiledRule]) -> list[str]:
        """CLIPS source of rule set ``number``: a defrule per disjunct, then its deffunction."""
        out = []
        for rule in rules:
            for d_index, disjunct in enumerate(rule.disjuncts):
                patterns = [f"({TEMPLATE} ({SET_SLOT} {number}))"]
                for l_index, lit in enumerate(disjunct):
                    field = self._field[lit.slot]
                    slot_type = self._slots[lit.slot].type
                    alts = [
                        f"({TEMPLATE} ({field} {c}))"
                        for c in alternatives(lit, slot_type, f"v{l_index}")
                    ]
                    if lit.negated:
                        patterns.extend(f"(not {a})" for a in alts)
                    else:
                        patterns.append(alts[0] if len(alts) == 1 else f"(or {' '.join(alts)})")
                action = f"(bind ?*{FIRED}* (create$ ?*{FIRED}* {rule.index} {d_index}))"
                name = f"kb{number}_{rule.index}_{d_index}"
                out.append(f"(defrule {name} {' '.join(patterns)} => {action})")
        keys = _read(rules)
        params = " ".join(f"?a{i}" for i in range(len(keys)))
        slots = "".join(f" ({self._field[k]} ?a{i})" for i, k in enumerate(keys))
        out.append(
            f"(deffunction kbfire{number} ({params}) (reset) "
            f"(assert ({TEMPLATE} ({SET_SLOT} {number}){slots})) (run) ?*{FIRED}*)"
        )
        return out

    def _set_for(self, rules: list[CompiledRule]) -> tuple[Any, tuple[str, ...]]:
        key = tuple(r.index for r in rules)
        found = self._sets.get(key)
        if found is None:
            number = next(self._ids)
            for construct in self.constructs(number, rules):
                self._env.build(construct)
            found = (self._env.find_function(f"kbfire{number}"), _read(rules))
            self._sets[key] = found
        return found

    def fire(self, rules: Iterable[CompiledRule], case: Mapping[str, Any]) -> dict[int, list[int]]:
        rules = list(rules)
        if not rules:
            return {}
        function, keys = self._set_for(rules)
        args = []
        for key in keys:
            value = case.get(key)
            args.append(() if value is None else encode(value))
        flat = function(*args)
        fired: dict[int, set[int]] = {}
        for rule, disjunct in zip(flat[::2], flat[1::2], strict=True):
            fired.setdefault(rule, set()).add(disjunct)
        return {rule: sorted(ds) for rule, ds in fired.items()}

    def close(self) -> None:
        self._sets.clear()
        self._env.clear()
