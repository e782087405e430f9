"""The only module that touches durable_rules.

durable_rules 2.0.28 has sharp edges, handled here and nowhere else:

* ``Host()`` starts timer threads that fire actions late and crash under
  threads: :class:`_SyncHost` never starts them, so actions run inside
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
* On Python 3.12+ it floods DeprecationWarnings: silenced at import.
"""

from __future__ import annotations

import itertools
import threading
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from ..values import contains_regex
from .compiler import CompiledRule, Lit, Slot

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from durable import engine as _durable

_GUARD = "kbassist_guard"
_MARK = "kb"  # every case fact carries kb=1; the guard rule matches on it


class _SyncHost(_durable.Host):
    """A host without the background dispatch threads."""

    def _run(self) -> None:
        return None


class DurableBackend:
    """Evaluates compiled rules with durable_rules, one session per case."""

    name = "durable_rules"
    _ids = itertools.count()

    def __init__(self, slots: Mapping[str, Slot], rules: Iterable[CompiledRule]):
        self._fields = {key: f"s{i}" for i, key in enumerate(sorted(slots))}
        self._slots = dict(slots)
        self._lock = threading.Lock()
        self._fired: list[tuple[int, int]] = []
        self._host = _SyncHost()
        self._rulesets: dict[tuple[int, ...], str] = {}
        self._sessions = itertools.count()
        self._rules = list(rules)

    # --- compilation to durable's JSON ruleset format ---------------------------------

    def _ruleset_for(self, rules: list[CompiledRule]) -> str:
        key = tuple(r.index for r in rules)
        name = self._rulesets.get(key)
        if name is None:
            name = f"kbassist{next(self._ids)}"
            definition: dict[str, Any] = {
                _GUARD: {"all": [{"m": {_MARK: 1}}], "run": _noop},
            }
            for rule in rules:
                for d_index, disjunct in enumerate(rule.disjuncts):
                    tests = [{_MARK: 1}] + [self._lit(lit) for lit in disjunct]
                    definition[f"r{rule.index}_{d_index}"] = {
                        "all": [{"m": {"$and": tests}}],
                        "run": self._recorder(rule.index, d_index),
                    }
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._host.register_rulesets({name: definition})
            self._rulesets[key] = name
        return name

    def _recorder(self, rule: int, disjunct: int):
        def action(_closure: Any) -> None:
            self._fired.append((rule, disjunct))

        return action

    def _lit(self, lit: Lit) -> dict[str, Any]:
        field = self._fields[lit.slot]
        slot = self._slots[lit.slot]
        exists = {"$ex": {field: 1}}
        missing = {"$nex": {field: 1}}
        if lit.op == "present":
            return missing if lit.negated else exists
        if isinstance(lit.value, tuple):  # a version bound
            test = _version_test(field, lit.op, lit.value, lit.negated)
            parts = {"$ex": {f"{field}_0": 1}}
            if lit.negated:
                return {"$or": [{"$nex": {f"{field}_0": 1}}, test]}
            return {"$and": [parts, test]}
        if lit.op == "contains":
            if slot.type == "list":
                if lit.negated:  # $iall is false on an empty list, hence the count
                    empty = {f"{field}_n": 0}
                    return {
                        "$or": [missing, empty, {"$iall": {field: {"$neq": {"$i": lit.value}}}}]
                    }
                return {"$iany": {field: {"$eq": {"$i": lit.value}}}}
            return {"$and": [exists, {"$mt": {field: contains_regex(lit.value)}}]}
        if lit.op == "eq":
            if lit.negated:
                return {"$or": [missing, {"$neq": {field: lit.value}}]}
            return {field: lit.value}
        if lit.op == "in":
            values = sorted(lit.value, key=repr)
            scalars = [v for v in values if not isinstance(v, tuple)]
            versions = [v for v in values if isinstance(v, tuple)]
            alts: list[dict[str, Any]] = [{field: v} for v in scalars]
            alts += [
                {"$and": [{"$ex": {f"{field}_0": 1}}, _version_test(field, "eq", v, False)]}
                for v in versions
            ]
            if lit.negated:
                nots = [{"$neq": {field: v}} for v in scalars]
                nots += [
                    {"$or": [{"$nex": {f"{field}_0": 1}}, _version_test(field, "eq", v, True)]}
                    for v in versions
                ]
                return {"$or": [missing, {"$and": nots}]}
            return {"$or": alts} if len(alts) > 1 else alts[0]
        op = _COMPLEMENT[lit.op] if lit.negated else lit.op
        test = {_DURABLE_OP[op]: {field: lit.value}}
        if lit.negated:
            return {"$or": [missing, test]}
        return {"$and": [exists, test]}

    # --- evaluation ------------------------------------------------------------------

    def _fact(self, case: Mapping[str, Any], sid: str) -> dict[str, Any]:
        fact: dict[str, Any] = {"sid": sid, _MARK: 1}
        for key, value in case.items():
            field = self._fields.get(key)
            if field is None or value is None:
                continue
            if isinstance(value, tuple):
                for i, part in enumerate(value):
                    fact[f"{field}_{i}"] = part
                fact[field] = ".".join(str(p) for p in value)
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
            name = self._ruleset_for(rules)
            sid = str(next(self._sessions))
            self._fired = []
            with warnings.catch_warnings():
                # Its actions call datetime.utcfromtimestamp, deprecated on 3.12+.
                warnings.simplefilter("ignore", DeprecationWarning)
                try:
                    self._host.assert_fact(name, self._fact(case, sid))
                finally:
                    # The guard rule always fires, so the session exists and can be deleted.
                    self._host.delete_state(name, sid)
            fired: dict[int, list[int]] = {}
            for rule, disjunct in self._fired:
                fired.setdefault(rule, []).append(disjunct)
        return {rule: sorted(set(ds)) for rule, ds in fired.items()}

    def close(self) -> None:
        self._rulesets.clear()


def _noop(_closure: Any) -> None:
    return None


_DURABLE_OP = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
_COMPLEMENT = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}


def _version_test(field: str, op: str, bound: tuple[int, ...], negated: bool) -> dict[str, Any]:
    """Lexicographic comparison over the version parts ``field_0 .. field_3``."""
    if negated:
        op = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt", "eq": "ne"}[op]
    names = [f"{field}_{i}" for i in range(len(bound))]
    if op == "eq":
        return {"$and": [{n: b} for n, b in zip(names, bound, strict=True)]}
    if op == "ne":
        return {"$or": [{"$neq": {n: b}} for n, b in zip(names, bound, strict=True)]}
    strict = {"lt": "$lt", "le": "$lt", "gt": "$gt", "ge": "$gt"}[op]
    final = {"lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}[op]
    expr: dict[str, Any] = {final: {names[-1]: bound[-1]}}
    for n, b in zip(reversed(names[:-1]), reversed(bound[:-1]), strict=True):
        expr = {"$or": [{strict: {n: b}}, {"$and": [{n: b}, expr]}]}
    return expr
