"""The only module that touches durable_rules.

durable_rules 2.0.28 has sharp edges, handled here and nowhere else:

* ``Host()`` starts timer threads that fire actions late and crash under
  threads: the host used here never starts them, so actions run inside
  ``assert_fact`` on the caller's thread.
* A fact no rule handles raises and leaves a session that ``delete_state``
  then crashes on (a segfault): every ruleset has a guard rule that matches
  every case, so every session is handled and can be deleted.
* A ruleset holds at most 1024 open sessions: each case gets its own session
  id and its state is always deleted, even on error.
* ``post`` fires one rule: cases are asserted as facts, so every rule fires.
* Ruleset names cannot be registered twice on one host: one host per backend.
* ``$neq`` fails on a missing field, its regex dialect is not PCRE, integers
  beyond int64 and floats like ``1e-05`` break its JSON: inputs arrive
  normalised (:mod:`kbassist.values`), missing fields are tested explicitly,
  and the pack format has no floats in conditions.
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
* On Python 3.12+ it floods DeprecationWarnings: silenced at import and call.

durable_rules is imported on first use, so compiling and validating packs
does not pay for loading it.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import threading
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from ..values import contains_regex, version_key
from .compiler import CompiledRule, Lit, Slot

GROUP_LIMIT = 15  # nested $and/$or groups in one durable rule, the top level included
FIELD_LIMIT = 250  # fields of one case fact; durable allows 255, sid and kb take two
# Rules (disjuncts) in one ruleset. More than 65 actions firing for one fact is
# error 303 or, with many rules registered, heap corruption that aborts the process.
RULESET_LIMIT = 64

_GUARD = "kbassist_guard"
_MARK = "kb"  # every case fact carries kb=1; the guard rule matches on it

Test = dict[str, Any]


@functools.cache
def _host_class() -> type:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from durable import engine as durable_engine

    class SyncHost(durable_engine.Host):
        """A host without the background dispatch threads."""

        def _run(self) -> None:
            return None

    return SyncHost


# --- translation of compiled rules to durable's JSON -----------------------------------


class _Fields:
    """Names of the fact properties that hold each slot."""

    def __init__(self, slots: Mapping[str, Slot]):
        self.slots = dict(slots)
        self.base = {key: f"s{i}" for i, key in enumerate(sorted(slots))}

    def of(self, slot: str) -> tuple[str, ...]:
        base = self.base[slot]
        kind = self.slots[slot].type
        if kind == "version":  # text form (or a special word such as 'none'), then the parts
            return (base, f"{base}_hi", f"{base}_lo")
        if kind == "list":
            return (base, f"{base}_n")
        return (base,)

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
            return [exists, {"$mt": {field: contains_regex(lit.value)}}]
        if lit.op == "in":
            values = sorted(lit.value, key=repr)
            if lit.negated:
                nots: list[Test] = []
                for value in values:
                    nots.extend(self._differs(lit.slot, value))
                return [{"$or": [missing, {"$and": nots} if len(nots) > 1 else nots[0]]}]
            alts = [self._equals(lit.slot, value) for value in values]
            return alts[0] if len(alts) == 1 else [{"$or": [_all(a) for a in alts]}]
        if lit.op == "eq":
            if lit.negated:
                return [{"$or": [missing, *self._differs(lit.slot, lit.value)]}]
            return self._equals(lit.slot, lit.value)
        op = _COMPLEMENT[lit.op] if lit.negated else lit.op
        test = {_DURABLE_OP[op]: {field: lit.value}}
        return [{"$or": [missing, test]}] if lit.negated else [exists, test]

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
    fields = _Fields(slots)
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
        used = {f for d in rule.disjuncts for lit in d for f in fields.of(lit.slot)}
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
    """Evaluates compiled rules with durable_rules, one session per case."""

    name = "durable_rules"
    _ids = itertools.count()

    def __init__(self, slots: Mapping[str, Slot], rules: Iterable[CompiledRule]):
        self._fields = _Fields(slots)
        self._lock = threading.Lock()
        self._fired: list[tuple[int, int]] = []
        self._host = _host_class()()
        # rule indices -> [(ruleset name, fields its fact carries)]
        self._rulesets: dict[tuple[int, ...], list[tuple[str, frozenset[str]]]] = {}
        self._sessions = itertools.count()
        self._rules = list(rules)

    def _rulesets_for(self, rules: list[CompiledRule]) -> list[tuple[str, frozenset[str]]]:
        key = tuple(r.index for r in rules)
        found = self._rulesets.get(key)
        if found is None:
            found = [self._register(part, used) for part, used in self._partition(rules)]
            self._rulesets[key] = found
        return found

    def _partition(self, rules: list[CompiledRule]) -> list[tuple[list[CompiledRule], set[str]]]:
        """Split rules so that no ruleset's fact needs more than FIELD_LIMIT fields."""
        parts: list[tuple[list[CompiledRule], set[str]]] = []
        for rule in rules:
            used = {f for d in rule.disjuncts for lit in d for f in self._fields.of(lit.slot)}
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

    def _register(self, rules: list[CompiledRule], used: set[str]) -> tuple[str, frozenset[str]]:
        name = f"kbassist{next(self._ids)}"
        definition: dict[str, Any] = {_GUARD: {"all": [{"m": {_MARK: 1}}], "run": _noop}}
        for rule in rules:
            for d_index, disjunct in enumerate(rule.disjuncts):
                definition[f"r{rule.index}_{d_index}"] = {
                    "all": [{"m": self._fields.disjunct(disjunct)}],
                    "run": self._recorder(rule.index, d_index),
                }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._host.register_rulesets({name: definition})
        return name, frozenset(used)

    def _recorder(self, rule: int, disjunct: int):
        def action(_closure: Any) -> None:
            self._fired.append((rule, disjunct))

        return action

    def _fact(self, case: Mapping[str, Any], sid: str, used: frozenset[str]) -> dict[str, Any]:
        fact: dict[str, Any] = {"sid": sid, _MARK: 1}
        for key, value in case.items():
            field = self._fields.base.get(key)
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
        return fact

    def fire(self, rules: Iterable[CompiledRule], case: Mapping[str, Any]) -> dict[int, list[int]]:
        rules = list(rules)
        if not rules:
            return {}
        with self._lock:
            self._fired = []
            for name, used in self._rulesets_for(rules):
                self._assert(name, self._fact(case, str(next(self._sessions)), used))
            fired: dict[int, list[int]] = {}
            for rule, disjunct in self._fired:
                fired.setdefault(rule, []).append(disjunct)
        return {rule: sorted(set(ds)) for rule, ds in fired.items()}

    def _assert(self, name: str, fact: dict[str, Any]) -> None:
        with warnings.catch_warnings():
            # Its actions call datetime.utcfromtimestamp, deprecated on 3.12+.
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                self._host.assert_fact(name, fact)
            except BaseException:
                # Keep the real error; the session may never have been created.
                with contextlib.suppress(Exception):
                    self._host.delete_state(name, fact["sid"])
                raise
            # The guard rule always fires, so the session exists and can be deleted.
            self._host.delete_state(name, fact["sid"])

    def close(self) -> None:
        self._rulesets.clear()


def _noop(_closure: Any) -> None:
    return None
