"""What ``pack validate`` accepts, ``diagnose`` runs: the engine never refuses a valid pack.

durable_rules' regexes, which a text ``contains`` once compiled to, are refused
for many texts (error 503 for the 8 characters 'abaabbaa', or any 1823
characters) and silently never match some others (36 characters of a and b):
a text ``contains`` is now decided in Python, as the reference does, and
carried to durable as a 0/1 field. The property: a random pack either fails
validation with a problem, or every one of its rulesets registers and random
cases fire the same rules in both backends.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbassist.engine.compiler import compile_rules
from kbassist.engine.durable_backend import DurableBackend
from kbassist.engine.reference import ReferenceBackend
from kbassist.pack.checks import check_conditions
from kbassist.pack.loader import _slots
from kbassist.pack.model import PackModel
from kbassist.values import CONTAINS_FORBIDDEN, contains_problem

from .test_engine_oracle import _random_base, inputs_for, pack_data, random_packs

REFERENCE = ReferenceBackend()

# Long texts, in the shapes that make durable's automaton grow fastest.
long_texts = st.one_of(
    st.text(st.sampled_from("ab"), min_size=200, max_size=2500),
    st.text(st.sampled_from("ab .é€"), min_size=200, max_size=2500),
    st.tuples(st.text(st.sampled_from("abc"), min_size=1, max_size=6), st.integers(50, 900)).map(
        lambda t: (t[0] * t[1])[:3000]
    ),
    st.text(
        st.characters(exclude_categories=["Cs"], exclude_characters=CONTAINS_FORBIDDEN),
        min_size=1,
        max_size=40,
    ),
).filter(lambda s: contains_problem(s) is None)


def validate(data: dict[str, Any]) -> tuple[Any, list[Any]]:
    """What load_pack checks, short of articles: the model, literals, and compiling."""
    model = PackModel.model_validate(data)
    problems: list[Any] = []
    for i, rule in enumerate(model.rules):
        problems += list(check_conditions(model, rule.when, ("rules", i, "when")))
    compiled, compile_problems = compile_rules(model, _slots(model))
    return compiled, problems + compile_problems


@st.composite
def packs_with_long_texts(draw) -> dict[str, Any]:
    data = draw(random_packs())
    for _ in range(draw(st.integers(0, 2))):
        text = draw(long_texts)
        data["rules"].append(
            {
                "id": f"long{len(data['rules'])}",
                "concludes": "c1",
                "certainty": 0.9,
                "when": {
                    "all": [{"fact": "f.int", "present": True}, {"fact": "f.str", "contains": text}]
                },
            }
        )
    return data


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=packs_with_long_texts(), draw=st.data())
def test_a_pack_that_validates_always_runs(data, draw):
    compiled, problems = validate(data)
    if problems:
        return  # refused at validation, with its line: never at diagnose time
    durable = DurableBackend(compiled.slots, compiled.rules)
    try:
        groups = [*compiled.levels, compiled.rules]
        for rules in groups:
            durable.fire(rules, {})  # registers every ruleset: must not raise
        cases = st.lists(inputs_for(compiled, _random_base(compiled)), min_size=1, max_size=5)
        for inputs in draw.draw(cases):
            for rules in groups:
                assert durable.fire(rules, inputs) == REFERENCE.fire(rules, inputs)
    finally:
        durable.close()


@pytest.mark.parametrize(
    "text",
    [("ab " * 700)[:1823], "abaabbaa", "abaabbbaabbaabaababbabaabbbaabbaabab", "a" * 255],
    ids=["1823-characters", "error-503", "no-match-36", "a-255"],
)
def test_texts_durable_could_not_match_validate_and_fire(text):
    rule = {
        "id": "long",
        "concludes": "c1",
        "certainty": 0.9,
        "when": {"all": [{"fact": "f.int", "present": True}, {"fact": "f.str", "contains": text}]},
    }
    compiled, problems = validate(pack_data([rule]))
    assert problems == []
    durable = DurableBackend(compiled.slots, compiled.rules)
    try:
        for value, fires in [(text, True), (f"x {text} y", True), (text[:-1], False)]:
            inputs = {"fact:f.int": 0, "fact:f.str": value}
            expected = {0: [0]} if fires else {}
            assert REFERENCE.fire(compiled.rules, inputs) == expected
            assert durable.fire(compiled.rules, inputs) == expected
    finally:
        durable.close()
