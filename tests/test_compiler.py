"""The rule compiler: DNF, levels, the problems it reports, and version bounds.

* ``to_dnf`` pushes ``not`` through ``all``/``any`` (De Morgan) onto literals,
  and the DNF means the same as the tree (checked exhaustively on random trees);
* a rule reading a finding runs at a later level than every rule concluding it;
* ``compile_rules`` rejects a conclusion drawn from the symptom alone, a negated
  ``contains`` on text, findings that depend on each other in a cycle, and rules
  that expand to too many cases;
* versions compare part by part as numbers in both backends (``10.0`` is above
  ``4.0``; the special word ``none`` is below nothing and above nothing).
"""

from __future__ import annotations

from itertools import product
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbassist.case import Case, normalise
from kbassist.engine.compiler import MAX_DISJUNCTS, CompiledPack, Lit, compile_rules, to_dnf
from kbassist.engine.durable_backend import DurableBackend
from kbassist.engine.reasoner import run
from kbassist.engine.reference import ReferenceBackend, evaluate, holds
from kbassist.pack.loader import _slots, load_pack
from kbassist.pack.model import PackModel
from kbassist.values import parse_version

PACK = load_pack()
A, B, C, D = (Lit(f"fact:{name}", "present", True) for name in "abcd")


def no(lit: Lit) -> Lit:
    return lit.flipped()


def leaf(lit: Lit) -> tuple:
    return ("lit", lit)


# --- to_dnf --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        (leaf(A), [(A,)]),
        (("not", leaf(A)), [(no(A),)]),
        (("not", ("not", leaf(A))), [(A,)]),
        (("all", [leaf(A), leaf(B)]), [(A, B)]),
        (("any", [leaf(A), leaf(B)]), [(A,), (B,)]),
        # De Morgan: not(a and b) = not a or not b; not(a or b) = not a and not b.
        (("not", ("all", [leaf(A), leaf(B)])), [(no(A),), (no(B),)]),
        (("not", ("any", [leaf(A), leaf(B)])), [(no(A), no(B))]),
        # Distribution of all over any.
        (
            ("all", [("any", [leaf(A), leaf(B)]), ("any", [leaf(C), leaf(D)])]),
            [(A, C), (A, D), (B, C), (B, D)],
        ),
        # not(a and (b or not c)) = not a or (not b and c)
        (
            ("not", ("all", [leaf(A), ("any", [leaf(B), ("not", leaf(C))])])),
            [(no(A),), (no(B), C)],
        ),
        # not(not(a or b) or c) = (a or b) and not c
        (
            ("not", ("any", [("not", ("any", [leaf(A), leaf(B)])), leaf(C)])),
            [(A, no(C)), (B, no(C))],
        ),
        # A literal repeated in a conjunction appears once; a contradiction is kept as is.
        (("all", [leaf(A), leaf(A), leaf(B)]), [(A, B)]),
        (("all", [leaf(A), ("not", leaf(A))]), [(A, no(A))]),
    ],
)
def test_to_dnf_by_hand(tree, expected):
    assert to_dnf(tree) == expected


def test_to_dnf_stops_soon_after_the_limit():
    tree = ("all", [("any", [leaf(A), leaf(B)])] * 7)  # 2**7 = 128 cases
    assert len(to_dnf(tree)) == MAX_DISJUNCTS + 1


LITS = [A, B, C, D]
trees = st.recursive(
    st.sampled_from(LITS).map(leaf),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: ("all", xs)),
        st.lists(inner, min_size=1, max_size=3).map(lambda xs: ("any", xs)),
        inner.map(lambda x: ("not", x)),
    ),
    max_leaves=8,
)


@settings(max_examples=400)
@given(tree=trees)
def test_dnf_means_the_same_as_the_tree(tree):
    disjuncts = to_dnf(tree)
    assert all(lit.op == "present" for d in disjuncts for lit in d)
    for present in product([False, True], repeat=len(LITS)):
        case = {lit.slot: True for lit, on in zip(LITS, present, strict=True) if on}
        dnf_holds = any(all(holds(lit, case) for lit in d) for d in disjuncts)
        assert dnf_holds == evaluate(tree, case), case


# --- a small pack to compile ------------------------------------------------------------------

TEXT = {"en": "x"}
QUESTIONS = [
    {
        "id": "sym",
        "kind": "choice",
        "role": "symptom",
        "text": TEXT,
        "choices": [{"value": v, "label": TEXT} for v in ("alpha", "beta")],
    },
    {"id": "yn", "kind": "yesno", "text": TEXT},
    {"id": "txt", "kind": "text", "text": TEXT},
    {"id": "ver", "kind": "version", "special": ["none"], "text": TEXT},
]
FACTS = [
    {"name": n, "type": t}
    for n, t in [("a", "bool"), ("b", "bool"), ("banner", "str"), ("names", "list"), ("n", "int")]
]


def compile_pack(*rules: dict[str, Any]) -> tuple[CompiledPack, list[str]]:
    data = {
        "pack": {"id": "p", "version": "1", "title": TEXT},
        "questions": QUESTIONS,
        "facts": FACTS,
        "findings": [{"id": g, "title": TEXT} for g in ("f1", "f2")],
        "causes": [
            {
                "id": "cause",
                "severity": "fault",
                "title": TEXT,
                "summary": TEXT,
                "articles": ["a"],
                "fix": {"article": "a", "section": "f"},
                "verify": {"article": "a", "section": "v"},
            }
        ],
        "rules": [{"id": f"r{i}", "certainty": 0.5, **rule} for i, rule in enumerate(rules)],
    }
    model = PackModel.model_validate(data)
    compiled, problems = compile_rules(model, _slots(model))
    return compiled, [message for _, message in problems]


# --- levels ----------------------------------------------------------------------------------


def test_a_rule_reading_a_finding_runs_after_the_rules_concluding_it():
    # Listed readers first, so the levels cannot come from the order of the rules.
    compiled, problems = compile_pack(
        {"concludes": "cause", "when": {"finding": "f2"}},
        {"concludes": "f2", "when": {"all": [{"finding": "f1"}, {"fact": "b", "is": True}]}},
        {"against": "cause", "when": {"not": {"finding": "f1"}}},
        {"concludes": "f1", "when": {"fact": "a", "is": True}},
        {"concludes": "cause", "when": {"fact": "a", "is": True}},
    )
    assert problems == []
    assert {r.id: r.level for r in compiled.rules} == {"r0": 2, "r1": 1, "r2": 1, "r3": 0, "r4": 0}
    assert [[r.id for r in level] for level in compiled.levels] == [
        ["r3", "r4"],
        ["r1", "r2"],
        ["r0"],
    ]
    assert {r.id: r.target_kind for r in compiled.rules}["r1"] == "finding"
    assert {r.id: r.target_kind for r in compiled.rules}["r0"] == "cause"


def test_bundled_pack_levels_respect_findings():
    compiled = PACK.compiled
    concluding: dict[str, list[int]] = {}
    for rule in compiled.rules:
        if rule.target_kind == "finding":
            concluding.setdefault(rule.target, []).append(rule.level)
    readers = 0
    for rule in compiled.rules:
        read = {
            lit.slot.split(":")[1]
            for d in rule.disjuncts
            for lit in d
            if lit.slot.startswith("finding:")
        }
        for finding in read:
            readers += 1
            assert rule.level > max(concluding[finding]), (rule.id, finding)
    assert readers >= 4  # the bundled pack does build on its findings


def test_findings_in_a_cycle_are_rejected():
    _, problems = compile_pack(
        {"concludes": "f1", "when": {"all": [{"finding": "f2"}, {"fact": "a", "is": True}]}},
        {"concludes": "f2", "when": {"all": [{"finding": "f1"}, {"fact": "b", "is": True}]}},
    )
    assert any("cycle" in p for p in problems), problems


def test_a_finding_built_on_itself_is_rejected():
    _, problems = compile_pack(
        {"concludes": "f1", "when": {"all": [{"finding": "f1"}, {"fact": "a", "is": True}]}},
    )
    assert any("cycle" in p for p in problems), problems


# --- problems ------------------------------------------------------------------------------

SYMPTOM = {"answer": "sym", "is": "alpha"}
DETAIL = {"answer": "yn", "is": "yes"}


@pytest.mark.parametrize(
    "rule",
    [
        {"concludes": "cause", "when": SYMPTOM},
        # One way to fire is the symptom alone.
        {"concludes": "cause", "when": {"any": [SYMPTOM, DETAIL]}},
        # A negated condition is not evidence for the conclusion.
        {"concludes": "cause", "when": {"all": [SYMPTOM, {"not": DETAIL}]}},
        {"concludes": "f1", "when": {"answer": "sym", "in": ["alpha", "beta"]}},
    ],
)
def test_concluding_from_the_symptom_alone_is_rejected(rule):
    _, problems = compile_pack(rule)
    assert any("symptom alone" in p for p in problems), problems


@pytest.mark.parametrize(
    "rule",
    [
        {"concludes": "cause", "when": {"all": [SYMPTOM, DETAIL]}},
        {"against": "cause", "when": SYMPTOM},  # ruling out from the symptom is fine
        {"concludes": "cause", "when": {"all": [SYMPTOM, {"fact": "a", "present": True}]}},
    ],
)
def test_symptom_with_other_evidence_is_accepted(rule):
    assert compile_pack(rule)[1] == []


@pytest.mark.parametrize(
    "negated",
    [
        {"not": {"answer": "txt", "contains": "vpn"}},
        {"not": {"fact": "banner", "contains": "esmtp"}},
        {"not": {"any": [DETAIL, {"fact": "banner", "contains": "esmtp"}]}},
    ],
)
def test_negated_contains_on_text_is_rejected(negated):
    _, problems = compile_pack({"concludes": "cause", "when": {"all": [DETAIL, negated]}})
    assert any("negated 'contains'" in p for p in problems), problems


def test_contains_on_text_and_negated_contains_on_a_list_are_accepted():
    when = {
        "all": [
            {"answer": "txt", "contains": "vpn"},
            {"not": {"fact": "names", "contains": "tcpip"}},
        ]
    }
    # Twice negated is positive again.
    twice = {"all": [DETAIL, {"not": {"not": {"fact": "banner", "contains": "esmtp"}}}]}
    _, problems = compile_pack(
        {"concludes": "cause", "when": when}, {"against": "cause", "when": twice}
    )
    assert problems == []


def test_a_rule_expanding_to_too_many_cases_is_rejected():
    pair = {"any": [DETAIL, {"fact": "a", "is": True}]}
    _, problems = compile_pack({"concludes": "cause", "when": {"all": [pair] * 7}})
    assert any(f"more than {MAX_DISJUNCTS}" in p for p in problems), problems


# --- versions in both backends ---------------------------------------------------------------


@pytest.fixture(scope="module")
def backends():
    return [ReferenceBackend(), DurableBackend(PACK.compiled.slots, PACK.compiled.rules)]


def _rule(rule_id: str):
    return next(r for r in PACK.compiled.rules if r.id == rule_id)


@pytest.mark.parametrize(
    ("answer", "older", "newer_or_none"),
    [
        ("3.9.9", True, None),
        ("3.10", True, None),  # 3.10 < 4.0 as numbers
        ("v3.6.3 (build 5)", True, None),
        ("0.9", True, None),
        ("4", False, "ge"),
        ("4.0", False, "ge"),
        ("4.0.0.1", False, "ge"),
        ("10.0", False, "ge"),  # not compared as text ("10.0" < "4.0")
        ("none", False, "eq"),
    ],
)
def test_cisco_vpn_version_around_4_0(backends, answer, older, newer_or_none):
    old = _rule("old-cisco-vpn-client")  # lt 4.0 (and the symptom not known)
    against = {"eq": _rule("no-cisco-vpn"), "ge": _rule("recent-cisco-vpn")}
    assert [lit.op for d in against["eq"].disjuncts for lit in d if not lit.negated] == ["eq"]
    assert [lit.op for d in against["ge"].disjuncts for lit in d if not lit.negated] == ["ge"]
    inputs = normalise(Case(answers={"cisco-vpn-version": answer}), PACK)
    for backend in backends:
        fired = backend.fire([old, *against.values()], inputs)
        assert (old.index in fired) == older, backend.name
        for op, rule in against.items():
            assert (rule.index in fired) == (op == newer_or_none), (backend.name, op)
    cf = run(PACK, backends[1], Case(answers={"cisco-vpn-version": answer})).certainty
    expected = {None: 0.45, "eq": -0.5, "ge": -0.3}[newer_or_none]
    assert cf["cisco-vpn-disables-winsock"] == pytest.approx(expected)


@pytest.mark.parametrize(
    ("op", "fires_for"),
    [
        ("lt", {"3.9.9", "3.10"}),
        ("le", {"3.9.9", "3.10", "4.0", "4.0.0.0"}),
        ("gt", {"4.0.0.1", "10.0"}),
        ("ge", {"4.0", "4.0.0.0", "4.0.0.1", "10.0"}),
        ("is", {"4.0", "4.0.0.0"}),
    ],
)
def test_every_version_comparison_around_a_bound(op, fires_for):
    answers = ["3.9.9", "3.10", "4.0", "4.0.0.0", "4.0.0.1", "10.0", "none"]
    test = {"answer": "ver", op: "4.0"}
    positive, problems = compile_pack({"concludes": "cause", "when": {"all": [DETAIL, test]}})
    negated, more = compile_pack({"concludes": "cause", "when": {"all": [DETAIL, {"not": test}]}})
    assert problems == more == []
    for compiled, want in ((positive, fires_for), (negated, set(answers) - fires_for)):
        backends = [ReferenceBackend(), DurableBackend(compiled.slots, compiled.rules)]
        for answer in answers:
            version = answer if answer == "none" else parse_version(answer)
            inputs = {"answer:yn": "yes", "answer:ver": version}
            for backend in backends:
                fired = bool(backend.fire(compiled.rules, inputs))
                assert fired == (answer in want), (op, answer, backend.name)
