"""Which facts the live probes can report, without running any: for ``pack lint`` (KB204).

Each probe class declares ``FACTS``: fact names, or ``fnmatch`` patterns for
the facts named after their target (``tcp.port-*``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from .registry import RegistryProbe
from .smtp import SmtpProbe
from .tcp import TcpProbe
from .udp import UdpListenProbe, UdpRefusedProbe, UdpSendProbe

PROBES = (SmtpProbe, TcpProbe, UdpListenProbe, UdpSendProbe, UdpRefusedProbe, RegistryProbe)


def probes_yielding(fact: str) -> list[str]:
    """The names of the probes that can report ``fact``."""
    return [p.name for p in PROBES if any(fnmatchcase(fact, pattern) for pattern in p.FACTS)]
