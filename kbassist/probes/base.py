"""What every live probe shares: its result, its statuses, and how it reports facts.

A probe checks one thing on the network or the local machine, within its own
timeout, and never raises for a target that cannot be used: it returns a
:class:`ProbeResult` whose status says so. Facts it finds go to the engine
with the source ``probe:NAME``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, Protocol

from ..case import Observation
from ..evidence.base import Note
from ..i18n import Message, msg, translated

# ok: the check ran and found nothing wrong; fault: it ran and found the fault;
# unreachable: the target could not be used (refused, timed out, no such name,
# not speaking the protocol); error: the probe could not run here (e.g. needs
# Windows); cancelled: stopped by the caller.
Status = Literal["ok", "fault", "unreachable", "error", "cancelled"]

EXIT_CODES: dict[str, int] = {"ok": 0, "fault": 1, "unreachable": 2, "error": 2, "cancelled": 2}


@dataclass
class ProbeResult:
    name: str  # e.g. "smtp", "tcp", "udp-refused"
    target: str  # e.g. "mail01.contoso.com:25"
    status: Status
    message: str | Message  # one line for a person; str() is English (facts carry the meaning)
    facts: dict[str, Any] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def source(self) -> str:
        return f"probe:{self.name}"

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.status]

    def text(self, lang: str) -> str:
        """The message in ``lang`` (reports and JSON keep it in English)."""
        return translated(self.message, lang)

    def observations(self) -> list[Observation]:
        return [Observation(fact, value, self.source) for fact, value in self.facts.items()]

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "name": self.name,
            "target": self.target,
            "status": self.status,
            "message": str(self.message),
            "facts": dict(self.facts),
            "details": dict(self.details),
            "notes": [note.text(lang) for note in self.notes],
            "elapsed": round(self.elapsed, 3),
        }


class Probe(Protocol):
    """One check. ``run`` returns within about ``timeout`` seconds and never raises
    for a bad target; it may be cancelled (asyncio.CancelledError) at any await."""

    name: str
    target: str
    timeout: float
    # The facts it can report: names, or patterns such as "tcp.port-*" (fnmatch).
    FACTS: ClassVar[tuple[str, ...]]

    async def run(self) -> ProbeResult: ...


def split_target(text: str, default_port: int | None = None) -> tuple[str, int]:
    """'host', 'host:25', '10.0.0.5:25' or '[::1]:25' -> (host, port). ValueError says why.

    Every ValueError of the probes carries a Message, so the UI can say it in French."""
    text = text.strip()
    host, port_text = text, ""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise ValueError(msg("{target!r}: '[' without ']'", target=text))
        host, rest = text[1:end], text[end + 1 :]
        if rest and not rest.startswith(":"):
            raise ValueError(msg("{target!r}: expected ':PORT' after ']'", target=text))
        port_text = rest[1:]
    elif text.count(":") == 1:
        host, port_text = text.split(":")
    if not host:
        raise ValueError(msg("{target!r}: no host", target=text))
    if not port_text:
        if default_port is None:
            raise ValueError(msg("{target!r}: no port (HOST:PORT)", target=text))
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(
            msg("{target!r}: port {port!r} is not 1-65535", target=text, port=port_text)
        )
    return host, int(port_text)


def check_target(host: str, port: int, timeout: float) -> None:
    """The arguments every network probe takes; ValueError (exit 2 at the CLI) says why not."""
    if not host:
        raise ValueError(msg("no host"))
    if not 0 < port < 65536:
        raise ValueError(msg("port {port} is not 1-65535", port=port))
    if timeout <= 0:
        raise ValueError(msg("timeout must be positive"))
