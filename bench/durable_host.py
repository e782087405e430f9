"""durable_rules through its own Python API (``durable.engine.Host``): the raw-engine baseline.

kbassist's :class:`~kbassist.engine.durable_backend.DurableBackend` talks to the
native engine directly. This bench-only subclass registers the very same rulesets
(same JSON, same guard rule, same fact per case) through durable's documented
Python layer instead, where each matched rule runs a Python action, so the bench
can show what that layer costs and what "durable_rules used as documented" costs
per case. Its background timer threads are never started (see durable_backend).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

from kbassist.engine.compiler import CompiledRule, Slot
from kbassist.engine.durable_backend import DurableBackend


def _host() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from durable import engine

    class SyncHost(engine.Host):
        """A host without the background dispatch threads."""

        def _run(self) -> None:
            return None

    return SyncHost()


class HostDurableBackend(DurableBackend):
    """The same rulesets, asserted with ``Host.assert_fact``; matches recorded by actions."""

    name = "durable_rules (Host API)"

    def __init__(self, slots: Mapping[str, Slot], rules: Iterable[CompiledRule]):
        super().__init__(slots, rules)
        self._host = _host()
        self._names: list[str] = []

    def _create(self, name: str, definition: dict[str, Any]) -> Any:
        with_actions = {
            rule: {**body, "run": self._recorder(rule)} for rule, body in definition.items()
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self._host.register_rulesets({name: with_actions})
        return name

    def _recorder(self, rule: str) -> Any:
        def action(_closure: Any) -> None:
            self._names.append(rule)

        return action

    def _matches(self, handle: Any, fact: dict[str, Any]) -> list[str]:
        # Like DurableBackend: one session per ruleset, the fact retracted after each
        # case (a session per case, deleted after, costs the Host 2-3x more).
        self._names = []
        with warnings.catch_warnings():
            # Its actions call datetime.utcfromtimestamp, deprecated on 3.12+.
            warnings.simplefilter("ignore", DeprecationWarning)
            try:
                self._host.assert_fact(handle, fact)
                self._host.retract_fact(handle, fact)
            except BaseException:
                with contextlib.suppress(Exception):
                    self._host.delete_state(handle, fact["sid"])
                raise
        return self._names

    def close(self) -> None:
        self._rulesets.clear()  # a Host cannot unregister a ruleset
        self._by_object.clear()
