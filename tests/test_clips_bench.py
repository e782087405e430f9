"""The benchmark's CLIPS backend (bench/clips_backend.py) fires as the reference evaluator does.

The batch benchmark publishes CLIPS's speed only if CLIPS answers right; these
tests hold its translation to the reference evaluator's meaning: the bundled
pack's own cases with every what-if, the bench's generated cases, every
disjunct of the bundled pack, hypothesis inputs on the bundled pack and on
random packs using every operator, and literals that need escaping. They need
clipspy (the 'bench' extra) and are skipped without it.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kbassist.api import Diagnoser
from kbassist.engine.reference import ReferenceBackend, holds
from kbassist.values import contains_problem

from .bench_modules import load
from .test_engine_oracle import (
    PACK,
    _bundled_base,
    _random_base,
    compile_pack,
    edge,
    inputs_for,
    pack_data,
    random_packs,
)

pytest.importorskip("clips", reason="clipspy is not installed (pip install -e '.[bench]')")

REFERENCE = ReferenceBackend()


cb = load("clips_backend")
gate = load("agreement")


@pytest.fixture(scope="module")
def clips_backend():
    return cb.ClipsBackend(PACK.compiled.slots, PACK.compiled.rules)


@pytest.fixture(scope="module")
def diagnoser() -> Diagnoser:
    return Diagnoser(PACK)


def same_firing(backend: Any, rules: list, inputs: dict[str, Any]) -> dict:
    expected = REFERENCE.fire(rules, inputs)
    assert backend.fire(rules, inputs) == expected, f"for {inputs!r}"
    return expected


def test_bundled_pack_cases_agree_with_every_what_if(clips_backend, diagnoser):
    cases = gate.pack_test_cases(diagnoser)
    assert len(cases) >= 10
    assert gate.check_agreement(PACK, clips_backend, cases, what_ifs=True) > 100


def test_bench_cases_agree(clips_backend, diagnoser):
    bench = load("batch_bench")
    specs = bench.make_cases(150)
    cases = [diagnoser.case(answers=s["answers"], artifacts=s["artifacts"]) for s in specs]
    assert gate.check_agreement(PACK, clips_backend, cases) == 150 * 2 * len(PACK.compiled.levels)


class Nothing(cb.ClipsBackend):
    def fire(self, rules, case):
        super().fire(rules, case)
        return {}


class OneRuleLess(cb.ClipsBackend):
    def fire(self, rules, case):
        fired = super().fire(rules, case)
        return {rule: ds for rule, ds in fired.items() if rule != min(fired)}


class OneDisjunctMore(cb.ClipsBackend):
    def fire(self, rules, case):
        fired = super().fire(rules, case)
        return {rule: [*ds, 63] for rule, ds in fired.items()}


@pytest.mark.parametrize("wrong", [Nothing, OneRuleLess, OneDisjunctMore])
def test_a_wrong_answer_is_caught(diagnoser, wrong):
    """The gate compares whole fired dicts: a rule or a disjunct too few or too many fails it."""
    cases = gate.pack_test_cases(diagnoser)
    with pytest.raises(gate.Disagreement, match=r"clips fired \{.*\}, the reference \{"):
        gate.check_agreement(PACK, wrong(PACK.compiled.slots), cases)


def test_every_bundled_disjunct_fires(clips_backend):
    """Each disjunct of the bundled pack can fire in CLIPS (no vacuous agreement)."""
    sample = {"yesno": "yes", "choice": "other", "version": (1, 0, 0, 0), "text": "x"}
    sample |= {"str": "x", "int": 0, "bool": True, "list": ["x"], "finding": True}
    for level in PACK.compiled.levels:
        for rule in level:
            for index, disjunct in enumerate(rule.disjuncts):
                inputs = {}
                for lit in disjunct:
                    slot = PACK.compiled.slots[lit.slot]
                    if not lit.negated:
                        inputs[lit.slot] = edge(lit, slot, sample[slot.type])
                assert all(holds(lit, inputs) for lit in disjunct), (rule.id, inputs)
                assert index in same_firing(clips_backend, level, inputs).get(rule.index, [])


@settings(max_examples=400, deadline=None)
@given(inputs=inputs_for(PACK.compiled, _bundled_base()))
def test_bundled_pack_levels_fire_the_same_rules(clips_backend, inputs):
    for level in PACK.compiled.levels:
        same_firing(clips_backend, level, inputs)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=random_packs(), draw=st.data())
def test_random_packs_fire_the_same_rules(data, draw):
    compiled, problems = compile_pack(data)
    assume(not problems)
    backend = cb.ClipsBackend(compiled.slots, compiled.rules)
    cases = st.lists(inputs_for(compiled, _random_base(compiled)), min_size=2, max_size=10)
    for inputs in draw.draw(cases):
        for rules in [*compiled.levels, compiled.rules]:
            same_firing(backend, rules, inputs)


ESCAPES = ['a"b', "a\\b", 'a\\"b', "\\", '"', 'x") (assert (y', "; comment", "é😀", ""]


@pytest.mark.parametrize("text", ESCAPES)
def test_literals_are_escaped_not_interpreted(text):
    """Quotes, backslashes and CLIPS syntax in a literal match themselves and nothing else."""
    rules = [{"id": "is", "against": "c1", "certainty": 0.5, "when": {"answer": "txt", "is": text}}]
    if contains_problem(text) is None:
        has = {"fact": "f.str", "contains": text}
        rules.append({"id": "has", "against": "c2", "certainty": 0.5, "when": has})
    compiled, problems = compile_pack(pack_data(rules))
    assert problems == []
    backend = cb.ClipsBackend(compiled.slots, compiled.rules)
    near = [text, f"<{text}>", text.replace("\\", "\\\\"), text.replace('"', '\\"'), "y"]
    for value in near:
        fired = same_firing(backend, compiled.rules, {"answer:txt": value, "fact:f.str": value})
        assert (0 in fired) == (value == text)
        assert (1 in fired) == (len(rules) == 2 and text in value)


def test_types_are_strict_and_missing_fails_before_negation():
    """True is not 1, 'x' is not ['x'], an empty list is present, 'none' has no order."""
    facts = [{"name": n, "type": t} for n, t in (("b", "bool"), ("n", "int"), ("l", "list"))]
    questions = [{"id": "ver", "kind": "version", "special": ["none"]}]
    whens = {
        "b": {"fact": "b", "is": True},
        "n": {"fact": "n", "is": 1},
        "l": {"fact": "l", "present": True},
        "v": {"answer": "ver", "lt": "4.0"},
        "nv": {"not": {"answer": "ver", "ge": "4"}},
    }
    rules = [{"id": k, "against": "c1", "certainty": 0.5, "when": w} for k, w in whens.items()]
    compiled, problems = compile_pack(pack_data(rules, questions, facts))
    assert problems == []
    backend = cb.ClipsBackend(compiled.slots, compiled.rules)
    cases = [
        {"fact:b": 1, "fact:n": True, "fact:l": [], "answer:ver": "none"},
        {"fact:b": True, "fact:n": 1, "fact:l": ["x"], "answer:ver": (3, 99, 0, 0)},
        {"fact:b": "true", "fact:n": "1", "answer:ver": (4, 0, 0, 0)},
        {},
    ]
    expected = [{2: [0], 4: [0]}, {0: [0], 1: [0], 2: [0], 3: [0], 4: [0]}, {}, {4: [0]}]
    for inputs, want in zip(cases, expected, strict=True):
        assert same_firing(backend, compiled.rules, inputs) == want


def test_cases_leave_no_garbage(clips_backend, diagnoser):
    """CLIPS's memory is the same after 1000 more cases: no case slows down the next."""
    bench = load("batch_bench")
    specs = bench.make_cases(200)
    cases = [diagnoser.case(answers=s["answers"], artifacts=s["artifacts"]) for s in specs]
    gate.check_agreement(PACK, clips_backend, cases)
    before = clips_backend._env.eval("(mem-used)")
    for _ in range(5):
        gate.check_agreement(PACK, clips_backend, cases)
    assert clips_backend._env.eval("(mem-used)") == before
