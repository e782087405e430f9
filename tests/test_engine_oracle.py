"""The durable_rules backend agrees with the plain-Python reference evaluator.

For the same normalised input mapping, ``DurableBackend.fire`` and
``ReferenceBackend.fire`` must name exactly the same rules and, for each rule,
the same disjuncts. This is checked with hypothesis

* on the bundled pack, rule level by rule level, and for whole cases run through
  the reasoner (same certainties, same what-if questions, same JSON report), and
* on randomly generated packs whose conditions use every operator the pack
  format allows on every kind of input,

and one test pushes thousands of cases through a single backend, which only
works if every durable_rules session is deleted after use (a ruleset holds at
most 1024 open sessions).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, reject, settings
from hypothesis import strategies as st

from kbassist.case import Case, Observation, parse_answer
from kbassist.engine.compiler import CompiledPack, Lit, Slot, compile_rules
from kbassist.engine.durable_backend import DurableBackend
from kbassist.engine.reasoner import rank_questions, run
from kbassist.engine.reference import ReferenceBackend, holds
from kbassist.pack.checks import ALLOWED, check_conditions
from kbassist.pack.loader import _slots, load_pack
from kbassist.pack.model import PackModel
from kbassist.report.build import build_report
from kbassist.values import CONTAINS_FORBIDDEN, INT_MAX, INT_MIN, clean_text, contains_problem

PACK = load_pack()
REFERENCE = ReferenceBackend()

# --- value strategies shared by both halves ----------------------------------------------

INT_EDGES = [INT_MIN, INT_MIN + 1, -(2**53) - 1, -(2**31), -1, 0, 1, 2**31, 2**53 + 1, INT_MAX - 1]
INT_EDGES.append(INT_MAX)
ints = st.one_of(st.integers(INT_MIN, INT_MAX), st.sampled_from(INT_EDGES), st.integers(-3, 3))
# Characters durable_rules' JSON and regex handling could trip over, plus ordinary ones.
TRICKY = list("ab AB\t\n\"'\\%^]-.*+?|()${}[,:/éÉßİ😀日\u200b\u0301")
raw_text = st.one_of(
    st.text(max_size=12),
    st.text(alphabet=st.sampled_from(TRICKY), max_size=8),
)
clean_texts = raw_text.map(clean_text)
versions = st.tuples(*[st.integers(0, 10)] * 4)


def value_strategy(slot: Slot, special: list[str], choices: list[str], *, empty_lists=True):
    """Normalised inputs of a slot's type, as :func:`kbassist.case.normalise` makes them."""
    if slot.type == "yesno":
        return st.sampled_from(["yes", "no"])
    if slot.type == "choice":
        return st.sampled_from(choices)
    if slot.type == "version":
        return st.one_of(versions, st.sampled_from(special)) if special else versions
    if slot.type in ("text", "str"):
        return clean_texts
    if slot.type == "int":
        return ints
    if slot.type == "bool":
        return st.booleans()
    if slot.type == "list":
        items = st.lists(clean_texts, min_size=0 if empty_lists else 1, max_size=4)
        return items.map(lambda xs: sorted(set(xs)))
    assert slot.type == "finding"
    return st.just(True)


def assert_same_firing(durable: DurableBackend, rules: list, inputs: dict[str, Any]) -> dict:
    expected = REFERENCE.fire(rules, inputs)
    got = durable.fire(rules, inputs)
    assert set(got) == set(expected), f"rules fired differ for {inputs!r}"
    assert got == expected, f"disjuncts differ for {inputs!r}"
    return expected


# --- a) the bundled pack ----------------------------------------------------------------


@pytest.fixture(scope="module")
def durable() -> DurableBackend:
    """One backend for the module: its rulesets are registered once and reused."""
    return DurableBackend(PACK.compiled.slots, PACK.compiled.rules)


def _bundled_slot_strategy(slot: Slot):
    question = PACK.questions.get(slot.name) if slot.kind == "answer" else None
    special = list(question.special) if question else []
    choices = [c.value for c in question.choices] if question else []
    return value_strategy(slot, special, choices)


bundled_inputs = st.fixed_dictionaries(
    {},
    optional={key: _bundled_slot_strategy(slot) for key, slot in PACK.compiled.slots.items()},
)


@settings(max_examples=2000, deadline=None)
@given(inputs=bundled_inputs)
def test_bundled_pack_levels_fire_the_same_rules(durable, inputs):
    for level in PACK.compiled.levels:
        assert_same_firing(durable, level, inputs)


def _witness(disjunct: tuple[Lit, ...], slots: dict[str, Slot]) -> dict[str, Any]:
    """An input under which every literal of ``disjunct`` holds (negated ones: slot absent)."""
    sample = {
        "yesno": "yes",
        "choice": "x",
        "version": (1, 0, 0, 0),
        "text": "x",
        "str": "x",
        "int": 0,
        "bool": True,
        "list": ["x"],
        "finding": True,
    }
    inputs: dict[str, Any] = {}
    for lit in disjunct:
        if lit.negated:
            continue
        kind = slots[lit.slot].type
        value = lit.value
        if lit.op == "present":
            value = sample[kind]
        elif lit.op == "in":
            value = sorted(value, key=repr)[0]
        elif lit.op == "contains":
            value = [value] if kind == "list" else f"<{value}>"
        elif lit.op in ("lt", "gt"):
            step = -1 if lit.op == "lt" else 1
            if isinstance(value, tuple):
                value = (*value[:3], value[3] + 1) if step > 0 else _version_below(value)
            else:
                value += step
        inputs[lit.slot] = value
    return inputs


def _version_below(version: tuple[int, ...]) -> tuple[int, ...]:
    parts = list(version)
    i = max(i for i, p in enumerate(parts) if p > 0)
    parts[i] -= 1
    parts[i + 1 :] = [10] * (len(parts) - i - 1)
    return tuple(parts)


def test_every_bundled_disjunct_fires_in_both_backends(durable):
    """Guards the random tests against vacuity: each compiled disjunct can fire in durable."""
    slots = PACK.compiled.slots
    for level in PACK.compiled.levels:
        for rule in level:
            for index, disjunct in enumerate(rule.disjuncts):
                inputs = _witness(disjunct, slots)
                assert all(holds(lit, inputs) for lit in disjunct), (rule.id, inputs)
                fired = assert_same_firing(durable, level, inputs)
                assert index in fired.get(rule.index, []), (rule.id, index, inputs)


# Whole cases: answers as a user gives them, observations as evidence reports them.


def _answer_strategy(question):
    if question.kind == "yesno":
        raw = st.sampled_from(["yes", "no", "Y", "n", "TRUE", "false", "unknown"])
    elif question.kind == "choice":
        raw = st.sampled_from([c.value for c in question.choices] + ["Unknown"])
    else:  # version
        numbers = st.lists(st.integers(0, 12), min_size=1, max_size=4).map(
            lambda parts: ".".join(map(str, parts))
        )
        decorated = st.tuples(
            st.sampled_from(["", "v", " "]), numbers, st.sampled_from(["", " (build 5)", "-beta"])
        )
        raw = st.one_of(
            st.sampled_from(["3.9.9", "4.0", "4.0.0.1", "10.0", "3.10", "0"]),
            decorated.map("".join),
            st.sampled_from([*question.special, "unknown"]),
        )
    return raw.map(lambda value: parse_answer(question, value))


def _fact_strategy(kind: str):
    if kind == "int":
        return st.one_of(ints, st.integers(-3, 3).map(str))
    if kind == "bool":
        return st.booleans()
    if kind == "list":
        return st.lists(raw_text, max_size=3)
    if kind == "version":
        return st.sampled_from(["3.6.3", "4.0", "10.1.2"])
    return raw_text


observation = st.one_of(
    *[
        st.builds(
            Observation,
            st.just(name),
            _fact_strategy(decl.type),
            st.sampled_from(["probe:x", "export.reg:12", "app.evtx:3"]),
        )
        for name, decl in PACK.facts.items()
    ],
    st.builds(Observation, st.just("not.in.this.pack"), st.integers(), st.just("probe:y")),
)
bundled_cases = st.builds(
    Case,
    answers=st.fixed_dictionaries(
        {}, optional={q.id: _answer_strategy(q) for q in PACK.model.questions}
    ),
    observations=st.lists(observation, max_size=6),
)


def _summary(outcome) -> dict[str, list[tuple[str, float, tuple[Lit, ...]]]]:
    return {
        target: [(c.rule.id, c.certainty, c.disjunct) for c in contributions]
        for target, contributions in outcome.contributions.items()
    }


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=bundled_cases)
def test_bundled_pack_whole_cases_give_identical_reports(durable, case):
    expected = run(PACK, REFERENCE, case)
    got = run(PACK, durable, case)
    assert got.inputs == expected.inputs
    assert got.certainty == expected.certainty  # exact float equality
    assert _summary(got) == _summary(expected)
    questions = rank_questions(PACK, REFERENCE, case, expected)
    assert rank_questions(PACK, durable, case, got) == questions
    for lang in ("en", "fr"):
        want = build_report(PACK, case, expected, questions, lang).to_json()
        assert build_report(PACK, case, got, questions, lang).to_json() == want


def test_sessions_are_deleted_so_thousands_of_cases_run_through_one_backend():
    """durable_rules allows 1024 open sessions per ruleset; 3000 cases pass only if each is deleted."""
    backend = DurableBackend(PACK.compiled.slots, PACK.compiled.rules)
    level = PACK.compiled.levels[0]
    rng = random.Random(20240601)
    pools = {
        "answer:symptom": [c.value for c in PACK.questions["symptom"].choices],
        "answer:cisco-vpn-version": [(3, 9, 9, 0), (4, 0, 0, 0), (10, 0, 0, 0), "none"],
        "fact:winsock.orphan-count": [INT_MIN, -1, 0, 1, INT_MAX],
        "fact:enumprot.failed": [True, False],
        "fact:udp.datagrams-received": [True, False],
        "answer:firewall-between-server-and-client": ["yes", "no"],
    }
    fired_total = 0
    for _ in range(3000):
        inputs = {key: rng.choice(values) for key, values in pools.items() if rng.random() < 0.7}
        fired = assert_same_firing(backend, level, inputs)
        fired_total += len(fired)
    assert fired_total > 3000  # the cases really exercised rules, not just the guard


# --- b) randomly generated packs ---------------------------------------------------------

EXPRESSION_LIMIT = "error code: 113"  # durable_rules' ERR_EXPRESSION_LIMIT_EXCEEDED
CHOICES = ["alpha", "beta", "gamma"]
SPECIAL = ["none", "later"]
QUESTIONS = [
    {
        "id": "sym",
        "kind": "choice",
        "role": "symptom",
        "choices": [{"value": v, "label": {"en": v}} for v in CHOICES],
    },
    {"id": "yn", "kind": "yesno"},
    {"id": "yn-sym", "kind": "yesno", "role": "symptom"},
    {"id": "txt", "kind": "text"},
    {"id": "ver", "kind": "version", "special": SPECIAL},
]
FACTS = [{"name": f"f.{kind}", "type": kind} for kind in ("bool", "int", "str", "version", "list")]
FINDINGS = ["g1", "g2", "g3"]
CAUSES = ["c1", "c2"]
SUBJECTS = [("answer", q["id"], q["kind"]) for q in QUESTIONS] + [
    ("fact", f["name"], f["type"]) for f in FACTS
]

text_literals = st.one_of(
    st.sampled_from(["a", "b", "ab", "a b", "A", "é", "É", '"', "'", "ß", "ss", "😀", "-", "."]),
    st.text(max_size=4),
)
contains_literals = st.one_of(
    st.sampled_from(["a", "b", "ab", "B A", "é", "ss", "😀", "(", "$", "*", "{1}"]),
    st.text(alphabet=st.characters(exclude_characters=CONTAINS_FORBIDDEN), min_size=1, max_size=5),
).filter(lambda s: contains_problem(s) is None)
version_literals = st.one_of(
    st.lists(st.integers(0, 10), min_size=1, max_size=4).map(lambda p: ".".join(map(str, p))),
    st.integers(0, 10),
)


def _scalar(kind: str, op: str):
    if kind == "yesno":
        return st.sampled_from([True, False, "yes", "no"])
    if kind == "choice":
        return st.sampled_from(CHOICES)
    if kind in ("text", "str"):
        return text_literals
    if kind == "version":
        if op in ("is", "in") and kind == "version":
            return version_literals
        return version_literals
    if kind == "int":
        return ints
    assert kind == "bool"
    return st.booleans()


@st.composite
def leaves(draw, subjects: list[tuple[str, str, str]], findings: list[str]):
    """One condition on an answer, a fact or (when allowed) a finding."""
    if findings and draw(st.integers(0, 5)) == 0:
        leaf: dict[str, Any] = {"finding": draw(st.sampled_from(findings))}
        if draw(st.booleans()):
            leaf["present"] = draw(st.booleans())
        return leaf
    subject, name, kind = draw(st.sampled_from(subjects))
    op = draw(st.sampled_from(sorted(ALLOWED[kind])))
    if op == "present":
        value: Any = draw(st.booleans())
    elif op == "contains":
        value = draw(contains_literals)
    elif op == "in":
        value = draw(st.lists(_scalar(kind, op), min_size=1, max_size=3))
        if kind == "version" and subject == "answer":
            value += draw(st.lists(st.sampled_from(SPECIAL), max_size=1))
    else:
        value = draw(_scalar(kind, op))
        if kind == "version" and op == "is" and subject == "answer" and draw(st.booleans()):
            value = draw(st.sampled_from(SPECIAL))
    return {subject: name, op: value}


def conditions(subjects: list[tuple[str, str, str]], findings: list[str]):
    return st.recursive(
        leaves(subjects, findings),
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"all": xs}),
            st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"any": xs}),
            inner.map(lambda x: {"not": x}),
        ),
        max_leaves=6,
    )


@st.composite
def rules(draw, index: int, subjects: list[tuple[str, str, str]]):
    target = draw(st.sampled_from(CAUSES + FINDINGS))
    # Rules concluding g2 may read g1, those concluding g3 may read g1 and g2: no cycles.
    readable = FINDINGS[: FINDINGS.index(target)] if target in FINDINGS else FINDINGS
    when = draw(conditions(subjects, readable))
    direction = draw(st.sampled_from(["concludes", "against"]))
    if direction == "concludes" and draw(st.booleans()):
        # A positive, non-symptom condition in every disjunct, so most such rules compile.
        when = {"all": [{"fact": "f.int", "present": True}, when]}
    return {
        "id": f"r{index}",
        direction: target,
        "certainty": draw(st.sampled_from([0.3, 0.9])),
        "when": when,
    }


@st.composite
def random_packs(draw) -> dict[str, Any]:
    count = draw(st.integers(1, 5))
    # A few inputs per pack, so that its rules test the same slots in different ways.
    subjects = draw(st.lists(st.sampled_from(SUBJECTS), min_size=1, max_size=4, unique=True))
    text = {"en": "x"}
    return {
        "pack": {"id": "random", "version": "1", "title": text},
        "questions": [{**q, "text": text} for q in QUESTIONS],
        "facts": FACTS,
        "findings": [{"id": g, "title": text} for g in FINDINGS],
        "causes": [
            {
                "id": c,
                "severity": "fault",
                "title": text,
                "summary": text,
                "articles": ["a"],
                "fix": {"article": "a", "section": "f"},
                "verify": {"article": "a", "section": "v"},
            }
            for c in CAUSES
        ],
        "rules": [draw(rules(i, subjects)) for i in range(count)],
    }


def compile_random(data: dict[str, Any]) -> tuple[CompiledPack, list]:
    model = PackModel.model_validate(data)
    for i, rule in enumerate(model.rules):
        problems = list(check_conditions(model, rule.when, ("rules", i, "when")))
        assert problems == [], problems  # the generator only writes valid literals
    return compile_rules(model, _slots(model))


def _near(lit: Lit, slot: Slot):
    """Inputs that hit or just miss one literal: the interesting boundary values."""
    values = sorted(lit.value, key=repr) if lit.op == "in" else [lit.value]
    out: list[Any] = []
    for value in values:
        if lit.op == "present":
            continue
        if lit.op == "contains":
            if slot.type == "list":
                out.append(st.just(value).map(lambda v: [v]))
                out.append(
                    st.lists(clean_texts, max_size=2).map(lambda xs, v=value: sorted({v, *xs}))
                )
            else:
                out.append(
                    st.tuples(clean_texts, clean_texts).map(
                        lambda ab, v=value: clean_text(ab[0] + v + ab[1])
                    )
                )
                out.append(st.just(value[:-1]))
        elif isinstance(value, tuple):
            out.append(
                st.sampled_from(
                    [
                        value,
                        (*value[:3], value[3] + 1),
                        _version_below(value) if any(value) else value,
                    ]
                )
            )
        elif isinstance(value, int) and not isinstance(value, bool):
            out.append(st.sampled_from([max(INT_MIN, value - 1), value, min(INT_MAX, value + 1)]))
        else:
            out.append(st.just(value))
    return out


def random_inputs(compiled: CompiledPack):
    """Inputs for a generated pack, often built from its own literals so rules fire."""
    lits = [lit for rule in compiled.rules for d in rule.disjuncts for lit in d]
    optional = {}
    for key, slot in compiled.slots.items():
        special = SPECIAL if key == "answer:ver" else []
        empty = True  # empty lists included: a negated list 'contains' holds on []
        base = value_strategy(slot, special, CHOICES, empty_lists=empty)
        near = [s for lit in lits if lit.slot == key for s in _near(lit, slot)]
        if slot.type == "list" and not empty:
            near = [s.filter(bool) for s in near]
        optional[key] = st.one_of(base, st.one_of(*near)) if near else base
    return st.fixed_dictionaries({}, optional=optional)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(data=random_packs(), draw=st.data())
def test_random_packs_fire_the_same_rules(data, draw):
    compiled, problems = compile_random(data)
    assume(not problems)
    durable = DurableBackend(compiled.slots, compiled.rules)
    groups = [*compiled.levels, compiled.rules]
    try:
        for rules_ in groups:  # registers each ruleset once
            durable.fire(rules_, {})
    except Exception as exc:
        # durable_rules rejects a rule with too many nested tests: see the xfail test below.
        if EXPRESSION_LIMIT not in str(exc):
            raise
        reject()
    for inputs in draw.draw(st.lists(random_inputs(compiled), min_size=1, max_size=8)):
        for rules_ in groups:
            assert_same_firing(durable, rules_, inputs)


def test_negated_list_contains_holds_on_an_empty_list():
    data = {
        "pack": {"id": "p", "version": "1", "title": {"en": "x"}},
        "facts": [{"name": "orphans", "type": "list"}],
        "causes": [
            {
                "id": "c",
                "severity": "fault",
                "title": {"en": "x"},
                "summary": {"en": "x"},
                "articles": ["a"],
                "fix": {"article": "a", "section": "f"},
                "verify": {"article": "a", "section": "v"},
            }
        ],
        "rules": [
            {
                "id": "r",
                "concludes": "c",
                "certainty": 0.5,
                "when": {
                    "all": [
                        {"fact": "orphans", "present": True},
                        {"not": {"fact": "orphans", "contains": "tcpip"}},
                    ]
                },
            }
        ],
    }
    compiled, problems = compile_random(data)
    assert problems == []
    durable = DurableBackend(compiled.slots, compiled.rules)
    inputs = {"fact:orphans": []}
    assert REFERENCE.fire(compiled.rules, inputs) == {0: [0]}
    assert durable.fire(compiled.rules, inputs) == {0: [0]}


@pytest.mark.xfail(
    strict=True,
    reason="compile_rules accepts a disjunct with a version range and one more comparison, "
    "but durable_rules cannot register it (error 113, ERR_EXPRESSION_LIMIT_EXCEEDED): "
    "DurableBackend.fire raises instead of evaluating the rule",
)
def test_version_range_with_one_more_comparison_is_evaluated():
    data = {
        "pack": {"id": "p", "version": "1", "title": {"en": "x"}},
        "questions": [{"id": "cisco-vpn-version", "kind": "version", "text": {"en": "?"}}],
        "facts": [{"name": "outlook.disable-winsock", "type": "int"}],
        "causes": [
            {
                "id": "c",
                "severity": "fault",
                "title": {"en": "x"},
                "summary": {"en": "x"},
                "articles": ["a"],
                "fix": {"article": "a", "section": "f"},
                "verify": {"article": "a", "section": "v"},
            }
        ],
        "rules": [
            {
                "id": "r",
                "concludes": "c",
                "certainty": 0.5,
                "when": {
                    "all": [
                        {"answer": "cisco-vpn-version", "ge": "3.0"},
                        {"answer": "cisco-vpn-version", "lt": "4.0"},
                        {"fact": "outlook.disable-winsock", "gt": 0},
                    ]
                },
            }
        ],
    }
    compiled, problems = compile_random(data)
    assert problems == []  # the pack is valid as far as the loader can tell
    durable = DurableBackend(compiled.slots, compiled.rules)
    inputs = {"answer:cisco-vpn-version": (3, 6, 3, 0), "fact:outlook.disable-winsock": 1}
    assert REFERENCE.fire(compiled.rules, inputs) == {0: [0]}
    assert durable.fire(compiled.rules, inputs) == {0: [0]}
