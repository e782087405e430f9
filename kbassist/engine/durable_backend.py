"""The only module that touches durable_rules.

kbassist drives durable_rules' native engine (the ``durable_rules_engine``
extension that durable's Python ``Host`` wraps) directly: create a ruleset
from its JSON, assert a fact, read back the names of the rules that matched,
retract the fact. The ``Host`` layer adds, per fired rule, a Python closure,
a promise, a JSON round trip of the session state and a timer-capable action
protocol that kbassist never needs; skipping it makes a case about 2.7 times
cheaper (bench/batch_bench.py measures both side by side).

durable_rules 2.0.28 has sharp edges, handled here and nowhere else:

* ``Host()`` starts timer threads that fire actions late and crash under
  threads: no host is created, and no Python code runs inside the engine.
* A fact no rule handles leaves a session that ``delete_state`` then crashes
  on (a segfault): every ruleset has a guard rule that matches every case,
  so every session is handled and can be deleted.
* A ruleset holds at most 1024 open sessions, and making one allocates and
  initialises its index tables (about 356 KiB for the bundled pack), which
  glibc may map and unmap on every case: each ruleset keeps one session, and
  each case's fact is asserted, read and retracted, leaving it empty for the
  next case (a fixed fact id makes a leftover fact an error, not a silent
  match). On any error the session is deleted, so the next case starts afresh.
* ``post`` fires one rule: cases are asserted as facts, so every rule fires.
* ``$neq`` fails on a missing field, its regex dialect is not PCRE, integers
  beyond int64 and floats like ``1e-05`` break its JSON: inputs arrive
  normalised (:mod:`kbassist.values`), missing fields are tested explicitly,
  and the pack format has no floats in conditions.
* Its regexes cannot be trusted with a text ``contains``: some texts are
  refused (error 503 for the 8 characters 'abaabbaa', or any 1823), some
  compile and then never match (36 characters of a and b). A text
  ``contains`` is decided in Python when the case's fact is built, exactly as
  the reference evaluator decides it, and the rule tests a 0/1 field.
* One rule's condition may nest at most 15 ``$and``/``$or`` groups (error
  113), one fact may hold at most 255 properties (error 302), and at most 65
  actions may fire for one fact (error 303, or an abort from heap
  corruption): conditions are kept flat, a version is two integers, rules
  are split over rulesets of at most 64 durable rules whose fact carries
  only the fields they read, and :func:`rule_problems` rejects the rare rule
  that still cannot fit, so the pack fails validation instead of a
  diagnosis failing later.
* Strings of 64 KiB or more are mangled (16-bit lengths):
  :func:`kbassist.values.clean_text` bounds every text value.
* On Python 3.12+ its Python package floods DeprecationWarnings: silenced at
  import (the native engine itself raises none).

durable_rules is imported on first use, so compiling and validating packs
does not pay for loading it.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import threading
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from ..values import version_key
from .compiler import CompiledRule, Lit, Ref, Slot

GROUP_LIMIT = 15  # nested $and/$or groups in one durable rule, the top level included
FIELD_LIMIT = 250  # fields of one case fact; durable allows 255, sid, id and kb take three
# Rules (disjuncts) in one ruleset. More than 65 actions firing for one fact is
# error 303 or, with many rules registered, heap corruption that aborts the process.
RULESET_LIMIT = 64

_GUARD = "kbassist_guard"
_MARK = "kb"  # every case fact carries kb=1; the guard rule matches on it
_SID = "kbassist"  # the one session each ruleset keeps
_FACT_ID = "case"  # the id of the one fact it ever holds

Test = dict[str, Any]


@functools.cache
def native() -> Any:
    """durable_rules' native engine module (its Python package is never imported)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import durable_rules_engine
    return durable_rules_engine


# --- translation of compiled rules to durable's JSON -----------------------------------


class _Fields:
    """Names of the fact properties that hold each slot."""

    def __init__(self, slots: Mapping[str, Slot], rules: Iterable[CompiledRule] = ()):
        self.slots = dict(slots)
        self.base = {key: f"s{i}" for i, key in enumerate(sorted(slots))}
        # A text 'contains' is decided in Python, as the reference does, and carried
        # as a 0/1 field: durable's regexes are wrong or refused for many texts
        # (error 503 for 'abaabbaa'; no match for some 36-character texts).
        self.texts: dict[str, dict[str, str]] = {}  # slot -> literal -> field
        for rule in rules:
            for disjunct in rule.disjuncts:
                for lit in disjunct:
                    if lit.op == "contains" and self.slots[lit.slot].type != "list":
                        own = self.texts.setdefault(lit.slot, {})
                        own.setdefault(str(lit.value), f"{self.base[lit.slot]}_c{len(own)}")

    def of(self, slot: str) -> tuple[str, ...]:
        base = self.base[slot]
        kind = self.slots[slot].type
        if kind == "version":  # text form (or a special word such as 'none'), then the parts
            return (base, f"{base}_hi", f"{base}_lo")
        if kind == "list":
            return (base, f"{base}_n")
        return (base, *self.texts.get(slot, {}).values())

    def disjunct(self, disjunct: Iterable[Lit]) -> Test:
        tests: list[Test] = [{_MARK: 1}]
        for lit in disjunct:
            tests.extend(self.lit(lit))
        return {"$and": tests}

    def lit(self, lit: Lit) -> list[Test]:
        """Tests that, ANDed together, hold exactly when ``lit`` holds."""
        kind = self.slots[lit.slot].type
        field = self.base[lit.slot]
        exists: Test = {"$ex": {field: 1}}
        missing: Test = {"$nex": {field: 1}}
        if lit.op == "present":
            return [missing if lit.negated else exists]
        if isinstance(lit.value, Ref):
            return self._compare(lit, kind)
        if kind == "version" and lit.op in _DURABLE_OP:
            if not isinstance(lit.value, tuple):  # a word has no order: only its negation holds
                return [] if lit.negated else [{"$ex": {field: 1}}, {"$nex": {field: 1}}]
            alts = _version_alternatives(field, lit.op, version_key(lit.value), lit.negated)
            if lit.negated:  # also holds for a missing slot or a special word
                return [{"$or": [{"$nex": {f"{field}_hi": 1}}, *alts]}]
            return [{"$ex": {f"{field}_hi": 1}}, *alts] if len(alts) == 1 else [{"$or": alts}]
        if lit.op == "contains":
            if kind == "list":
                if lit.negated:  # $iall is false on an empty list, hence the count
                    empty = {f"{field}_n": 0}
                    every = {"$iall": {field: {"$neq": {"$i": lit.value}}}}
                    return [{"$or": [missing, empty, every]}]
                return [{"$iany": {field: {"$eq": {"$i": lit.value}}}}]
            return [{self.texts[lit.slot][str(lit.value)]: 1}]
        if lit.op == "in":
            values = sorted(lit.value, key=repr)
            if lit.negated:
                nots: list[Test] = []
                for value in values:
                    nots.extend(self._differs(lit.slot, value))
                return [{"$or": [missing, {"$and": nots} if len(nots) > 1 else nots[0]]}]
            equal = [self._equals(lit.slot, value) for value in values]
            return equal[0] if len(equal) == 1 else [{"$or": [_all(e) for e in equal]}]
        if lit.op == "eq":
            if lit.negated:
                return [{"$or": [missing, *self._differs(lit.slot, lit.value)]}]
            return self._equals(lit.slot, lit.value)
        op = _COMPLEMENT[lit.op] if lit.negated else lit.op
        test = {_DURABLE_OP[op]: {field: lit.value}}
        return [{"$or": [missing, test]}] if lit.negated else [exists, test]

    def _compare(self, lit: Lit, kind: str) -> list[Test]:
        """A slot compared with another slot's value (``{"$m": field}``, same fact).

        durable's answer when the other field is missing is erratic (``$lte``
        holds, ``$lt`` does not): both are tested for presence explicitly.
        """
        assert isinstance(lit.value, Ref)
        left, right = self.base[lit.slot], self.base[lit.value.slot]
        op = _NEGATION[lit.op] if lit.negated else lit.op
        if kind == "version":
            alts = _version_pair(left, right, op)
            left, right = f"{left}_hi", f"{right}_hi"  # a special word has no parts
        elif op == "eq":
            alts = [{left: {"$m": right}}]
        else:
            alts = [{_PAIR_OP[op]: {left: {"$m": right}}}]
        test = alts[0] if len(alts) == 1 else {"$or": alts}
        if lit.negated:
            return [{"$or": [{"$nex": {left: 1}}, {"$nex": {right: 1}}, test]}]
        return [{"$ex": {left: 1}}, {"$ex": {right: 1}}, test]

    def _equals(self, slot: str, value: Any) -> list[Test]:
        field = self.base[slot]
        if isinstance(value, tuple):
            hi, lo = version_key(value)
            return [{f"{field}_hi": hi}, {f"{field}_lo": lo}]
        return [{field: value}]

    def _differs(self, slot: str, value: Any) -> list[Test]:
        """Tests that hold when a *present* slot is not ``value``."""
        field = self.base[slot]
        if isinstance(value, tuple):  # a special word has no parts ($neq needs the field)
            hi, lo = version_key(value)
            high, low = f"{field}_hi", f"{field}_lo"
            return [{"$or": [{"$nex": {high: 1}}, {"$neq": {high: hi}}, {"$neq": {low: lo}}]}]
        return [{"$neq": {field: value}}]


def _all(tests: list[Test]) -> Test:
    return tests[0] if len(tests) == 1 else {"$and": tests}


_DURABLE_OP = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
_COMPLEMENT = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}
_NEGATION = {**_COMPLEMENT, "eq": "ne"}  # for two present values
_PAIR_OP = {**_DURABLE_OP, "ne": "$neq"}


def _version_pair(left: str, right: str, op: str) -> list[Test]:
    """Alternatives (ORed) comparing two present versions, each stored as (hi, lo)."""
    hi = {f"{left}_hi": {"$m": f"{right}_hi"}}
    lo = {f"{left}_lo": {"$m": f"{right}_lo"}}
    if op == "eq":
        return [{"$and": [hi, lo]}]
    if op == "ne":
        return [{"$neq": hi}, {"$neq": lo}]
    strict = "$lt" if op in ("lt", "le") else "$gt"
    return [{strict: hi}, {"$and": [hi, {_DURABLE_OP[op]: lo}]}]


def _version_alternatives(field: str, op: str, bound: tuple[int, int], negated: bool) -> list[Test]:
    """Alternatives (ORed) comparing a present version ``(hi, lo)`` with ``bound``."""
    if negated:
        op = _COMPLEMENT[op]
    hi, lo = bound
    high, low = f"{field}_hi", f"{field}_lo"
    if (op == "lt" or op == "ge") and lo == 0:  # the low half never decides: one test
        return [{_DURABLE_OP[op]: {high: hi}}]
    strict = "$lt" if op in ("lt", "le") else "$gt"
    return [{strict: {high: hi}}, {"$and": [{high: hi}, {_DURABLE_OP[op]: {low: lo}}]}]


def groups(test: Any) -> int:
    """How many ``$and``/``$or`` groups a durable condition nests (its limit is GROUP_LIMIT)."""
    if isinstance(test, dict):
        own = sum(1 for key in test if key in ("$and", "$or"))
        return own + sum(groups(v) for v in test.values())
    if isinstance(test, list):
        return sum(groups(v) for v in test)
    return 0


def rule_problems(
    slots: Mapping[str, Slot], rules: Iterable[CompiledRule]
) -> list[tuple[int, str]]:
    """(rule index, message) for each rule durable_rules could not register or run."""
    rules = list(rules)
    fields = _Fields(slots, rules)
    problems = []
    for rule in rules:
        for disjunct in rule.disjuncts:
            count = groups(fields.disjunct(disjunct))
            if count > GROUP_LIMIT:
                problems.append(
                    (
                        rule.index,
                        f"rule {rule.id!r} is too deeply nested for the rules engine ({count} "
                        f"any/all/not groups in one case, at most {GROUP_LIMIT}); split it "
                        "into several rules",
                    )
                )
                break
        used = {f for d in rule.disjuncts for lit in d for s in lit.slots for f in fields.of(s)}
        if len(used) > FIELD_LIMIT:
            problems.append(
                (
                    rule.index,
                    f"rule {rule.id!r} reads {len(used)} engine fields, at most {FIELD_LIMIT}",
                )
            )
    return problems


# --- evaluation ------------------------------------------------------------------------


class DurableBackend:
    """Evaluates compiled rules with durable_rules, one fact at a time per ruleset."""

    name = "durable_rules"
    _ids = itertools.count()

    def __init__(self, slots: Mapping[str, Slot], rules: Iterable[CompiledRule]):
        self._fields = _Fields(slots, list(rules))
        self._lock = threading.Lock()
        # rule indices -> [(ruleset handle, fields its fact carries)]
        self._rulesets: dict[tuple[int, ...], list[tuple[Any, frozenset[str]]]] = {}
        self._actions: dict[str, tuple[int, int] | None] = {
            _GUARD: None
        }  # name -> (rule, disjunct)
        self._by_object: dict[int, tuple[Any, list[tuple[Any, frozenset[str]]]]] = {}

    def _rulesets_for(self, rules: list[CompiledRule]) -> list[tuple[Any, frozenset[str]]]:
        # A pack's levels are the same list objects on every call: look those up by
        # identity (holding the list keeps its id from being reused) before hashing.
        seen = self._by_object.get(id(rules))
        if seen is not None and seen[0] is rules:
            return seen[1]
        key = tuple([r.index for r in rules])
        found = self._rulesets.get(key)
        if found is None:
            found = [self._register(part, used) for part, used in self._partition(rules)]
            self._rulesets[key] = found
        if len(self._by_object) < 64:
            self._by_object[id(rules)] = (rules, found)
        return found

    def _partition(self, rules: list[CompiledRule]) -> list[tuple[list[CompiledRule], set[str]]]:
        """Split rules so that no ruleset's fact needs more than FIELD_LIMIT fields."""
        parts: list[tuple[list[CompiledRule], set[str]]] = []
        for rule in rules:
            used = {
                f
                for d in rule.disjuncts
                for lit in d
                for s in lit.slots
                for f in self._fields.of(s)
            }
            if (
                parts
                and len(parts[-1][1] | used) <= FIELD_LIMIT
                and sum(len(r.disjuncts) for r in parts[-1][0]) + len(rule.disjuncts)
                <= RULESET_LIMIT
            ):
                parts[-1][0].append(rule)
                parts[-1][1].update(used)
            else:
                parts.append(([rule], used))
        return parts

    def _register(self, rules: list[CompiledRule], used: set[str]) -> tuple[Any, frozenset[str]]:
        definition: dict[str, Any] = {_GUARD: {"all": [{"m": {_MARK: 1}}]}}
        for rule in rules:
            for d_index, disjunct in enumerate(rule.disjuncts):
                name = f"r{rule.index}_{d_index}"
                definition[name] = {"all": [{"m": self._fields.disjunct(disjunct)}]}
                self._actions[name] = (rule.index, d_index)
        return self._create(f"kbassist{next(self._ids)}", definition), frozenset(used)

    def _create(self, name: str, definition: dict[str, Any]) -> Any:
        return native().create_ruleset(name, json.dumps(definition, ensure_ascii=False))

    def _fact(self, case: Mapping[str, Any], used: frozenset[str]) -> dict[str, Any]:
        fact: dict[str, Any] = {"sid": _SID, "id": _FACT_ID, _MARK: 1}
        base = self._fields.base
        base_texts = self._fields.texts
        for key, value in case.items():
            field = base.get(key)
            if field is None or value is None or field not in used:
                continue
            if isinstance(value, tuple):
                fact[field] = ".".join(str(p) for p in value)
                fact[f"{field}_hi"], fact[f"{field}_lo"] = version_key(value)
            elif isinstance(value, list | frozenset | set):
                fact[field] = sorted(value)
                fact[f"{field}_n"] = len(value)
            else:
                fact[field] = value
                for text, flag in base_texts.get(key, {}).items():
                    if flag in used:
                        fact[flag] = int(isinstance(value, str) and text in value)
        return fact

    def fire(self, rules: Iterable[CompiledRule], case: Mapping[str, Any]) -> dict[int, list[int]]:
        if not isinstance(rules, list):
            rules = list(rules)
        if not rules:
            return {}
        fired: dict[int, list[int]] = {}
        with self._lock:
            for handle, used in self._rulesets_for(rules):
                names = self._matches(handle, self._fact(case, used))
                for name in names:
                    if name not in self._actions:
                        raise RuntimeError(f"durable_rules fired an unknown rule {name!r}")
                    hit = self._actions[name]
                    if hit is not None:
                        fired.setdefault(hit[0], []).append(hit[1])
        return {rule: sorted(set(ds)) for rule, ds in fired.items()}

    def _matches(self, handle: Any, fact: dict[str, Any]) -> list[str]:
        """The names of the rules ``fact`` matched; the fact is retracted after."""
        engine = native()
        text = json.dumps(fact, ensure_ascii=False)
        names = []
        try:
            code, state = engine.assert_fact(handle, text)
            # 1: nothing matched, which the guard rule rules out; 2: the last case's
            # fact is still there (an id seen before).
            if code != 0:
                raise RuntimeError(f"durable_rules did not take the case (code {code})")
            started = engine.start_action_for_state(handle, state)
            message = started[1] if started else None
            while message:  # '{"<rule name>":{"m":{...}}}', one per rule that matched
                names.append(message[2 : message.index('"', 2)])
                message = engine.complete_and_start_action(handle, state)
            code, _ = engine.retract_fact(handle, text)
            if code != 0:
                raise RuntimeError(f"durable_rules kept the case (code {code})")
        except BaseException:
            # Start the next case from a new session. The guard rule matched any
            # fact that got in, so the session can be deleted (or never existed).
            with contextlib.suppress(Exception):
                engine.delete_state(handle, fact["sid"])
            raise
        return names

    def close(self) -> None:
        """Free the native rulesets; the backend registers them again if used after."""
        with self._lock:
            for parts in self._rulesets.values():
                for handle, _ in parts:
                    native().delete_ruleset(handle)
            self._rulesets.clear()
            self._by_object.clear()
