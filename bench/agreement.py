"""The benchmarks' correctness gate: no timing of an engine that answers wrongly.

Every engine the bench times (durable_rules through its Host API, CLIPS through
clipspy) must fire exactly the rules and disjuncts the reference evaluator fires.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kbassist.engine.compiler import CompiledRule
from kbassist.engine.reference import ReferenceBackend


class Disagreement(AssertionError):
    """An engine and the reference evaluator fired different rules or disjuncts."""


class CheckedBackend:
    """Answers as the reference evaluator does, after checking that ``backend`` agrees."""

    name = "checked"

    def __init__(self, backend: Any):
        self.backend = backend
        self.reference = ReferenceBackend()
        self.calls = 0

    def fire(self, rules: Iterable[CompiledRule], case: Mapping[str, Any]) -> dict[int, list[int]]:
        rules = list(rules)
        want = self.reference.fire(rules, case)
        got = self.backend.fire(rules, case)
        self.calls += 1
        if got != want:
            raise Disagreement(
                f"{self.backend.name} and the reference differ on rules "
                f"{[r.index for r in rules]} for inputs {dict(case)!r}: "
                f"{self.backend.name} fired {got}, the reference {want}"
            )
        return want

    def close(self) -> None:
        pass


def check_agreement(pack: Any, backend: Any, cases: Iterable[Any], what_ifs: bool = False) -> int:
    """Raise Disagreement unless ``backend`` fires as the reference on ``cases``; count the calls.

    Per case: every level on the case's own inputs (what the bench times), the
    reasoner's run (findings fed to later levels) and, with ``what_ifs``, a full
    run for every what-if answer that ranking the next questions tries.
    """
    from kbassist.case import normalise, with_answer
    from kbassist.engine.reasoner import askable, candidate_values, run

    checked = CheckedBackend(backend)
    for case in cases:
        inputs = normalise(case, pack)
        for level in pack.compiled.levels:
            checked.fire(level, inputs)
        outcome = run(pack, checked, case)
        if what_ifs:
            for question in askable(pack, case, outcome.inputs):
                for value in candidate_values(pack, question):
                    run(pack, checked, with_answer(case, question, value))
    return checked.calls


def pack_test_cases(diagnoser: Any) -> list[Any]:
    """The bundled pack's own test cases (rules/*/tests), built as ``pack test`` builds them."""
    from kbassist.authoring.cases import build_case, case_dirs, read_case
    from kbassist.pack.loader import bundled_pack_dirs

    folders = [f for pack_dir in bundled_pack_dirs() for f in case_dirs(pack_dir)]
    return [build_case(diagnoser, read_case(folder, diagnoser.pack)) for folder in folders]
