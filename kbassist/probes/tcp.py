"""TCP port probe: is anything listening on host:port, and if not, why not.

A refused connection means the host answered (nothing listens, or a firewall
rejects); no answer at all means the packets are dropped (a firewall) or the
host is down. The articles ask for this distinction before blaming a service,
so the fact ``tcp.port-<port>`` is one of ``open``, ``refused``, ``filtered``,
``unreachable``. The resolve-then-connect helpers here are shared with the SMTP
probe, so both describe an unusable target the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

from ..i18n import Message, located, msg
from .base import ProbeResult, Status, check_target

# errno values meaning "the network has no way to that host" (POSIX and Winsock).
_NO_ROUTE = {
    code: reason
    for name, reason in [
        ("EHOSTUNREACH", msg("no route to host")),
        ("WSAEHOSTUNREACH", msg("no route to host")),
        ("ENETUNREACH", msg("network unreachable")),
        ("WSAENETUNREACH", msg("network unreachable")),
    ]
    if (code := getattr(errno, name, None)) is not None
}
_NO_NAME = {
    code
    for name in ("EAI_NONAME", "EAI_NODATA")
    if (code := getattr(socket, name, None)) is not None
}
# When several addresses fail, the most telling failure wins: a refusal proves
# the host is up, a timeout that something drops packets.
_RANK = {"refused": 0, "filtered": 1, "unreachable": 2, None: 3}

Address = tuple[Any, ...]  # a socket address as getaddrinfo gives it
AddrInfo = tuple[int, int, int, str, Address]


class ConnectError(Exception):
    """Why host:port cannot be used: ``state`` is the tcp fact value (None when the
    name did not resolve or the cause is unusual) and ``reason`` a short phrase
    (a Message, or the system's own words for an unusual cause)."""

    def __init__(self, state: str | None, reason: str | Message):
        super().__init__(reason)
        self.state = state
        self.reason = reason


def show_target(host: str, port: int) -> str:
    """'host:25', or '[::1]:25' for an IPv6 address, as people type it."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def show_address(address: Address) -> str:
    return show_target(str(address[0]), int(address[1]))


def slow_lookup(timeout: float) -> Message:
    return msg("name lookup took longer than {seconds:g} s", seconds=timeout)


def no_answer(timeout: float) -> Message:
    """Nothing came back to a connect: the words the TCP and SMTP probes share."""
    return msg(
        "no answer within {seconds:g} s: dropped by a firewall, or the host is down",
        seconds=timeout,
    )


async def resolve(host: str, port: int) -> Sequence[AddrInfo]:
    """The TCP addresses of ``host``; ConnectError when the name does not resolve."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        if exc.errno in _NO_NAME:
            raise ConnectError(None, msg("name not found")) from None
        reason = msg("name lookup failed: {error}", error=exc.strerror or str(exc))
        raise ConnectError(None, reason) from None
    except (UnicodeError, ValueError, TypeError):  # e.g. a label longer than 63 characters
        raise ConnectError(None, msg("not a valid host name")) from None
    if not infos:
        raise ConnectError(None, msg("name not found"))
    return infos


def classify(exc: OSError) -> ConnectError:
    """A connect() failure as a tcp state and a reason."""
    if isinstance(exc, ConnectionRefusedError):
        return ConnectError("refused", msg("connection refused"))
    if isinstance(exc, TimeoutError):
        return ConnectError("filtered", msg("connection timed out"))
    if exc.errno in _NO_ROUTE:
        return ConnectError("unreachable", _NO_ROUTE[exc.errno])
    return ConnectError(None, exc.strerror or str(exc) or type(exc).__name__)


async def connect(
    infos: Iterable[AddrInfo], limit: int = 2**16
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, Address]:
    """Stream to the first address that accepts, tried in order; else the most
    telling failure as ConnectError. ``limit`` bounds a line the reader buffers."""
    loop = asyncio.get_running_loop()
    failures: list[ConnectError] = []
    for family, kind, proto, _, address in infos:
        try:
            sock = socket.socket(family, kind, proto)
        except OSError as exc:  # e.g. no IPv6 on this machine
            failures.append(classify(exc))
            continue
        try:
            sock.setblocking(False)
            await loop.sock_connect(sock, address)
            reader, writer = await asyncio.open_connection(sock=sock, limit=limit)
        except OSError as exc:
            sock.close()
            failures.append(classify(exc))
            continue
        except BaseException:  # cancelled or timed out: leave no socket behind
            sock.close()
            raise
        return reader, writer, address
    raise min(failures, key=lambda failure: _RANK[failure.state])


async def close(writer: asyncio.StreamWriter, wait: float = 0.5) -> None:
    """Close without waiting long on a peer that will not finish the close."""
    writer.close()
    with contextlib.suppress(OSError):  # TimeoutError included
        await asyncio.wait_for(writer.wait_closed(), wait)


class TcpProbe:
    """Connects to host:port once and reports open / refused / filtered / unreachable."""

    name = "tcp"
    # The facts it can report (pack lint KB204 reads them): tcp.port-25 and so on.
    FACTS: ClassVar[tuple[str, ...]] = ("tcp.port-*",)

    def __init__(self, host: str, port: int, timeout: float = 5.0):
        check_target(host, port, timeout)
        self.host = host
        self.port = port
        self.timeout = timeout
        self.target = show_target(host, port)

    @property
    def fact(self) -> str:
        return f"tcp.port-{self.port}"

    async def run(self) -> ProbeResult:
        resolving = True
        try:
            async with asyncio.timeout(self.timeout):
                infos = await resolve(self.host, self.port)
                resolving = False
                _, writer, address = await connect(infos)
        except TimeoutError:
            if resolving:
                return self._result("unreachable", None, slow_lookup(self.timeout))
            return self._result("fault", "filtered", no_answer(self.timeout))
        except ConnectError as exc:
            return self._failure(exc)
        await close(writer)
        shown = show_address(address)
        reason = (
            msg("open")
            if shown == self.target
            else msg("open (connected to {address})", address=shown)
        )
        result = self._result("ok", "open", reason)
        result.details["address"] = shown
        return result

    def _failure(self, exc: ConnectError) -> ProbeResult:
        if exc.state == "refused":
            reason = msg(
                "{reason}: nothing listens on the port, or a firewall rejects it", reason=exc.reason
            )
            return self._result("fault", "refused", reason)
        if exc.state == "filtered":
            reason = msg("{reason}: dropped by a firewall?", reason=exc.reason)
            return self._result("fault", "filtered", reason)
        return self._result("unreachable", exc.state, exc.reason)

    def _result(self, status: Status, state: str | None, reason: str | Message) -> ProbeResult:
        facts = {} if state is None else {self.fact: state}
        return ProbeResult(self.name, self.target, status, located(self.target, reason), facts)
