"""Live probes: the checks the articles ask an administrator to run by hand.

Each probe module holds one kind of check (``smtp``, ``tcp``, ``udp``,
``registry``); :mod:`.runner` runs several at once with progress and
cancellation. Probes return results, they do not raise for bad targets.
"""

from __future__ import annotations

from .base import EXIT_CODES, Probe, ProbeResult
from .runner import ProbeEvent, run_all, run_probes

__all__ = ["EXIT_CODES", "Probe", "ProbeEvent", "ProbeResult", "run_all", "run_probes"]
