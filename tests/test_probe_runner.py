"""The probe runner: concurrent, bounded, progress reported, cancellable, never loses results."""

from __future__ import annotations

import asyncio

import pytest

from kbassist.probes import ProbeEvent, ProbeResult, run_all, run_probes
from kbassist.probes import runner as runner_module


class Sleeper:
    """A probe that takes ``seconds`` and then reports ``status``."""

    name = "sleeper"

    def __init__(self, seconds: float, status: str = "ok", timeout: float = 5.0):
        self.seconds, self.status, self.timeout = seconds, status, timeout
        self.target = f"{seconds}s"
        self.cancelled = False

    async def run(self) -> ProbeResult:
        try:
            await asyncio.sleep(self.seconds)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return ProbeResult(self.name, self.target, self.status, "done", facts={"x": 1})


class Crasher:
    name, target, timeout = "crasher", "here", 1.0

    async def run(self) -> ProbeResult:
        raise RuntimeError("boom")


class Waiter:
    """Waits for ``event``; run one after the other with its Setter, it would time out."""

    name, target, timeout = "waiter", "event", 2.0

    def __init__(self, event: asyncio.Event):
        self.event = event

    async def run(self) -> ProbeResult:
        await self.event.wait()
        return ProbeResult(self.name, self.target, "ok", "the other probe ran meanwhile")


class Setter:
    name, target, timeout = "setter", "event", 2.0

    def __init__(self, event: asyncio.Event):
        self.event = event

    async def run(self) -> ProbeResult:
        self.event.set()
        return ProbeResult(self.name, self.target, "fault", "set")


def test_probes_run_at_once_and_keep_their_order():
    async def main() -> list[ProbeResult]:
        event = asyncio.Event()
        return await run_all([Waiter(event), Setter(event), Sleeper(0.01)])

    results = asyncio.run(main())
    assert [(r.name, r.status) for r in results] == [
        ("waiter", "ok"),
        ("setter", "fault"),
        ("sleeper", "ok"),
    ]
    assert all(r.elapsed > 0 for r in results)


def test_a_crashing_probe_is_a_result_and_the_others_survive():
    crashed, fine = run_probes([Crasher(), Sleeper(0.01)])
    assert crashed.status == "error" and crashed.message == "probe failed: RuntimeError: boom"
    assert fine.status == "ok" and fine.observations()[0].source == "probe:sleeper"


def test_a_probe_overrunning_its_timeout_is_cut_off(monkeypatch):
    monkeypatch.setattr(runner_module, "GRACE", 0.05)
    (result,) = run_probes([Sleeper(10, timeout=0.1)])
    assert result.status == "unreachable" and result.message == "no answer within 0.1 s"


def test_progress_reports_start_and_finish():
    events: list[ProbeEvent] = []
    run_probes([Sleeper(0.05), Sleeper(0.01)], events.append)
    assert [(e.kind, e.index) for e in events] == [
        ("started", 0),
        ("started", 1),
        ("finished", 1),
        ("finished", 0),
    ]
    assert events[-1].result is not None and events[-1].result.status == "ok"


def test_cancelling_the_run_cancels_every_probe():
    probes = [Sleeper(10), Sleeper(10)]
    events: list[ProbeEvent] = []

    async def main() -> None:
        task = asyncio.ensure_future(run_all(probes, events.append))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert all(p.cancelled for p in probes)
    finished = [e.result.status for e in events if e.kind == "finished" and e.result]
    assert finished == ["cancelled", "cancelled"]


def test_no_probes_no_loop():
    assert run_probes([]) == []
