"""Running probes concurrently, each bounded by its own timeout, with progress.

``run_all`` is the async core (the terminal UI awaits it on its own loop and
cancels the task to stop); ``run_probes`` is the blocking form for the CLI.
A run takes about as long as its slowest probe, and a probe that crashes or
overruns becomes a result, never an exception that loses the others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

from ..i18n import msg
from .base import Probe, ProbeResult

# Beyond its own timeout, how long a probe may take to notice and return.
GRACE = 1.0


@dataclass(frozen=True)
class ProbeEvent:
    kind: Literal["started", "finished"]
    index: int
    probe: Probe
    result: ProbeResult | None = None


Progress = Callable[[ProbeEvent], None]


async def _one(index: int, probe: Probe, progress: Progress | None) -> ProbeResult:
    if progress:
        progress(ProbeEvent("started", index, probe))
    start = time.monotonic()
    try:
        result = await asyncio.wait_for(probe.run(), probe.timeout + GRACE)
    except TimeoutError:
        reason = msg("no answer within {seconds:g} s", seconds=probe.timeout)
        result = ProbeResult(probe.name, probe.target, "unreachable", reason)
    except asyncio.CancelledError:
        result = ProbeResult(probe.name, probe.target, "cancelled", msg("cancelled"))
        if progress:
            progress(ProbeEvent("finished", index, probe, result))
        raise
    except Exception as exc:  # a bug in a probe must not lose the other results
        reason = msg("probe failed: {error}", error=f"{type(exc).__name__}: {exc}")
        result = ProbeResult(probe.name, probe.target, "error", reason)
    result.elapsed = time.monotonic() - start
    if progress:
        progress(ProbeEvent("finished", index, probe, result))
    return result


async def run_all(probes: Sequence[Probe], progress: Progress | None = None) -> list[ProbeResult]:
    """Results in the order of ``probes``. Cancelling the awaiting task cancels them all."""
    tasks = [asyncio.ensure_future(_one(i, p, progress)) for i, p in enumerate(probes)]
    try:
        return list(await asyncio.gather(*tasks))
    except asyncio.CancelledError:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def run_probes(probes: Sequence[Probe], progress: Progress | None = None) -> list[ProbeResult]:
    if not probes:
        return []
    return asyncio.run(run_all(probes, progress))
