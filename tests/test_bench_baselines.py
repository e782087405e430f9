"""The batch bench's durable baseline (bench/durable_host.py) answers as kbassist does.

The bench divides kbassist's time per case by this baseline's, so it must run
the very same rules: durable_rules through its Python Host API, fed the same
rulesets and facts as kbassist's native driver, must fire what the reference
evaluator fires, and the bench's gate must catch it when it does not.
"""

from __future__ import annotations

import pytest

from kbassist.api import Diagnoser

from .bench_modules import load
from .test_engine_oracle import PACK

gate = load("agreement")
host = load("durable_host")


@pytest.fixture(scope="module")
def cases() -> list:
    return gate.pack_test_cases(Diagnoser(PACK))


def test_the_host_api_baseline_fires_as_the_reference(cases):
    backend = host.HostDurableBackend(PACK.compiled.slots, PACK.compiled.rules)
    checked = gate.check_agreement(PACK, backend, cases, what_ifs=True)
    assert checked > 100


def test_the_gate_catches_a_baseline_that_misses_a_rule(cases):
    class Forgetful(host.HostDurableBackend):
        def _matches(self, handle, fact):
            return [name for name in super()._matches(handle, fact) if name.startswith("kb")]

    backend = Forgetful(PACK.compiled.slots, PACK.compiled.rules)
    with pytest.raises(gate.Disagreement, match="differ on rules"):
        gate.check_agreement(PACK, backend, cases)
