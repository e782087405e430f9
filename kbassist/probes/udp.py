"""UDP probes: does a datagram from the Exchange server reach the client, and what answers?

Exchange 2000 announces new mail with an 8-byte UDP datagram sent from a
dynamic port on the server to the port the client registered (1024-65535,
KB 264035). Three probes check that path from both ends:

- ``udp-listen`` runs on the client and waits for datagrams carrying a nonce;
- ``udp-send`` runs on the server and sends them;
- ``udp-refused`` sends to one port and tells an ICMP "port unreachable"
  (the host answered; normal for a client that restarted without logging off,
  KB 159302) from a reply and from silence (dropped on the path).

Silence is never reported as success. The nonce keeps stray traffic on the
port from passing for the test's datagrams.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import re
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..evidence.base import Note
from ..i18n import Message, located, msg
from .base import ProbeResult, Status

MAGIC = b"KBASSIST1"
_NONCE = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Windows reports an ICMP port unreachable on a UDP socket as WSAECONNRESET.
_REFUSED = (ConnectionRefusedError, ConnectionResetError)
_UNREACHABLE_ERRNOS = frozenset(
    getattr(errno, name)
    for name in ("EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "EADDRNOTAVAIL")
    if hasattr(errno, name)
)
_MAX_DATAGRAM = 65535


# -- payload -------------------------------------------------------------------------------


def new_nonce() -> str:
    """A short random token that both ends quote, so stray datagrams do not count."""
    return secrets.token_hex(4)


def check_nonce(nonce: str) -> str:
    """The nonce unchanged; ValueError unless it is 1-64 of ``A-Z a-z 0-9 . _ -``."""
    if not _NONCE.fullmatch(nonce):
        raise ValueError(
            msg("nonce {nonce!r}: use 1-64 letters, digits, '.', '_' or '-'", nonce=nonce)
        )
    return nonce


def make_payload(nonce: str, seq: int) -> bytes:
    """``KBASSIST1 <nonce> <seq>``: readable in a capture, and easy to tell from other traffic."""
    return b"%s %s %d" % (MAGIC, nonce.encode("ascii"), seq)


def parse_payload(data: bytes) -> tuple[str, int] | None:
    """(nonce, seq) of a kbassist datagram; None for anything else."""
    parts = data.split(b" ")
    if len(parts) != 3 or parts[0] != MAGIC or not parts[2].isdigit():
        return None
    try:
        return parts[1].decode("ascii"), int(parts[2])
    except UnicodeDecodeError:
        return None


# -- shared helpers ------------------------------------------------------------------------


def format_target(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def plain_address(address: str) -> str:
    """'::ffff:10.0.0.5' -> '10.0.0.5', so a dual-stack listener reports what people type."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ip)


class _Unusable(Exception):
    """The target cannot be used; carries the status and the message for the result."""

    def __init__(self, status: Status, message: Message):
        super().__init__(message)
        self.status, self.message = status, message


def _os_error(exc: OSError, doing: Message) -> _Unusable:
    """An OSError while talking to the target: unreachable for routing errors, else error."""
    message = located(doing, exc.strerror or str(exc))
    return _Unusable("unreachable" if exc.errno in _UNREACHABLE_ERRNOS else "error", message)


async def _resolve(host: str, port: int, timeout: float) -> tuple[int, Any]:
    """(family, sockaddr) for a UDP target, IPv4 first (the listener binds 0.0.0.0 by default)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_DGRAM), max(timeout, 0.01)
        )
    except socket.gaierror as exc:
        message = msg("name {host!r} not found: {error}", host=host, error=exc.strerror)
        raise _Unusable("unreachable", message) from exc
    except TimeoutError as exc:
        message = msg("name {host!r}: no answer within {seconds:g} s", host=host, seconds=timeout)
        raise _Unusable("unreachable", message) from exc
    except (OSError, UnicodeError, ValueError) as exc:  # e.g. a label longer than 63 chars
        message = msg("name {host!r} cannot be looked up: {error}", host=host, error=str(exc))
        raise _Unusable("unreachable", message) from exc
    if not infos:
        raise _Unusable("unreachable", msg("name {host!r} has no address", host=host))
    infos.sort(key=lambda info: info[0] != socket.AF_INET)
    return infos[0][0], infos[0][4]


def _connected_socket(family: int, sockaddr: Any, target: str) -> socket.socket:
    """A non-blocking UDP socket connected to the target, so ICMP errors come back to it."""
    sock = socket.socket(family, socket.SOCK_DGRAM)
    try:
        sock.setblocking(False)
        sock.connect(sockaddr)  # no packet: only picks the route and the local address
    except OSError as exc:
        sock.close()
        raise _os_error(exc, msg("cannot send to {target}", target=target)) from exc
    return sock


async def _await_answer(sock: socket.socket, wait: float) -> bytes | None:
    """A datagram from the peer, None after ``wait`` seconds; an ICMP error raises."""
    if wait <= 0:
        return None
    loop = asyncio.get_running_loop()
    try:
        return await asyncio.wait_for(loop.sock_recv(sock, _MAX_DATAGRAM), wait)
    except TimeoutError:
        return None


def _check_port(port: int, lowest: int) -> int:
    if not lowest <= port <= 65535:
        raise ValueError(msg("UDP port {port} is not {lowest}-65535", port=port, lowest=lowest))
    return port


def _positive(name: str, value: float) -> float:
    if not value > 0:
        raise ValueError(msg("{name} must be > 0, not {value}", name=name, value=value))
    return value


# -- udp-listen ----------------------------------------------------------------------------


@dataclass
class _Arrival:
    delay: float
    address: str
    port: int
    seq: int


@dataclass
class _Collector(asyncio.DatagramProtocol):
    """Counts datagrams: kbassist ones with our nonce, and everything else (ignored)."""

    nonce: str
    want: int
    start: float
    arrivals: list[_Arrival] = field(default_factory=list)
    ignored: int = 0
    enough: asyncio.Event = field(default_factory=asyncio.Event)

    def datagram_received(self, data: bytes, addr: Any) -> None:
        parsed = parse_payload(data)
        if parsed is None or parsed[0] != self.nonce:
            self.ignored += 1
            return
        delay = time.monotonic() - self.start
        self.arrivals.append(_Arrival(delay, plain_address(addr[0]), addr[1], parsed[1]))
        if len(self.arrivals) >= self.want:
            self.enough.set()

    def error_received(self, exc: Exception) -> None:
        """An unconnected listener sends nothing, so ICMP errors here are not ours."""


NO_DATAGRAM = Note(
    en=(
        "Nothing arrived. Check that 'kbassist probe udp-send' ran on the Exchange server, "
        "to this port and with this nonce, while this probe listened. If it did, a router or "
        "firewall drops UDP from the server: allow UDP from the server to this client, ports "
        "above 1024 on both sides (KB 264035)."
    ),
    fr=(
        "Rien n'est arrivé. Vérifiez que «\u00a0kbassist probe udp-send\u00a0» a été lancé sur "
        "le serveur Exchange, vers ce port et avec ce nonce, pendant que cette sonde écoutait. "
        "Si c'est le cas, un routeur ou un pare-feu bloque l'UDP venant du serveur\u00a0: "
        "autorisez l'UDP du serveur vers ce client, ports supérieurs à 1024 des deux côtés "
        "(KB 264035)."
    ),
)


def nat_note(seen: str, expected: str) -> Note:
    return Note(
        en=(
            f"The datagrams came from {seen}, not from the server's address {expected}: a device "
            "between them probably translates addresses (NAT), or the server sent from another "
            "of its addresses. Outlook registers its own address and port for notifications, so "
            "check that the server can reach them as registered."
        ),
        fr=(
            f"Les datagrammes venaient de {seen} et non de l'adresse du serveur "
            f"{expected}\u00a0: un équipement placé entre eux traduit probablement les adresses "
            "(NAT), ou le serveur a émis depuis une autre de ses adresses. Outlook inscrit sa "
            "propre adresse et son port pour les notifications\u00a0: vérifiez que le serveur "
            "peut les joindre tels qu'inscrits."
        ),
    )


class UdpListenProbe:
    """Run on the client: are datagrams from the server's ``udp-send`` received here?

    Once the socket is bound, ``bound_port`` holds the real port (useful with port 0),
    ``listening`` is set and ``on_listening`` is called, so the sender can start then.
    """

    name = "udp-listen"
    # The facts it can report (pack lint KB204 reads them).
    FACTS: ClassVar[tuple[str, ...]] = (
        "udp.datagrams-received",
        "udp.source-address",
        "udp.nat-suspected",
    )

    def __init__(
        self,
        port: int,
        timeout: float = 30.0,
        bind: str = "0.0.0.0",
        nonce: str | None = None,
        expect_from: str | None = None,
        want: int = 1,
        *,
        on_listening: Callable[[UdpListenProbe], None] | None = None,
    ):
        self.port = _check_port(port, 0)
        self.timeout = _positive("timeout", timeout)
        self.bind = bind
        self.nonce = check_nonce(nonce) if nonce is not None else new_nonce()
        self.expect_from = expect_from
        if want < 1:
            raise ValueError(msg("{name} must be >= 1, not {value}", name="want", value=want))
        self.want = want
        self.on_listening = on_listening
        self.target = format_target(bind, port)
        self.bound_port: int | None = None
        self.listening = asyncio.Event()

    def sender_command(self, this_host: str) -> str:
        """What to run on the server, once listening."""
        port = self.bound_port if self.bound_port is not None else self.port
        return f"kbassist probe udp-send {format_target(this_host, port)} --nonce {self.nonce}"

    async def run(self) -> ProbeResult:
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        collector = _Collector(self.nonce, self.want, started)
        try:
            transport, _ = await loop.create_datagram_endpoint(
                lambda: collector, local_addr=(self.bind, self.port)
            )
        except (OSError, OverflowError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            message = msg(
                "cannot listen on UDP {target}: {error}", target=self.target, error=reason
            )
            return self._result("error", message, started, details={"nonce": self.nonce})
        # Resolve the server's name while listening, not after: the verdict must not overrun.
        expected = asyncio.ensure_future(_addresses_of(self.expect_from, self.timeout))
        try:
            self.bound_port = transport.get_extra_info("sockname")[1]
            self.target = format_target(self.bind, self.bound_port)
            self.listening.set()
            if self.on_listening is not None:
                self.on_listening(self)
            await self._wait(collector, expected, started)
        finally:
            transport.close()
            expected.cancel()
        resolved = expected.result() if expected.done() and not expected.cancelled() else None
        return self._verdict(collector, resolved, started)

    async def _wait(
        self, collector: _Collector, expected: asyncio.Future[Any], started: float
    ) -> None:
        """Until ``want`` datagrams or the timeout; then a little longer for the name, if any."""
        remaining = self.timeout - (time.monotonic() - started)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(collector.enough.wait(), max(remaining, 0))
        grace = max(started + self.timeout + 0.5 - time.monotonic(), 0.01)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(expected), grace)

    def _verdict(
        self, collector: _Collector, expected: set[str] | None, started: float
    ) -> ProbeResult:
        details: dict[str, Any] = {
            "nonce": self.nonce,
            "bound-port": self.bound_port,
            "received": len(collector.arrivals),
            "ignored": collector.ignored,
        }
        if not collector.arrivals:
            return self._silence(collector.ignored, details, started)
        first = collector.arrivals[0]
        sources = sorted({format_target(a.address, a.port) for a in collector.arrivals})
        details |= {
            "first-arrival-s": round(first.delay, 3),
            "source-port": first.port,
            "sources": sources,
            "sequences": [a.seq for a in collector.arrivals],
        }
        facts: dict[str, Any] = {
            "udp.datagrams-received": True,
            "udp.source-address": first.address,
        }
        message = msg(
            "received {count} datagram(s) from {source} after {seconds:.2f} s",
            count=len(collector.arrivals),
            source=format_target(first.address, first.port),
            seconds=first.delay,
        )
        if len(collector.arrivals) < self.want:
            message = msg(
                "{message} ({want} wanted; some were lost or not sent)",
                message=message,
                want=self.want,
            )
        notes: list[Note] = []
        if self.expect_from is not None:
            nat = self._nat_check(first.address, expected, details)
            if nat is not None:
                facts["udp.nat-suspected"] = nat
            if nat:
                message = msg(
                    "{message}; not from {host}: NAT between server and client?",
                    message=message,
                    host=self.expect_from,
                )
                notes.append(nat_note(first.address, self.expect_from))
        return self._result("ok", message, started, facts, details, notes)

    def _silence(self, ignored: int, details: dict[str, Any], started: float) -> ProbeResult:
        message = msg(
            "nothing arrived on UDP port {port} within {seconds:g} s: a router "
            "or firewall drops UDP from the server, or the sender did not run",
            port=self.bound_port,
            seconds=self.timeout,
        )
        if ignored:
            message = msg(
                "{message} ({count} datagram(s) without this nonce ignored)",
                message=message,
                count=ignored,
            )
        facts = {"udp.datagrams-received": False}
        return self._result("fault", message, started, facts, details, [NO_DATAGRAM])

    def _nat_check(
        self, seen: str, expected: set[str] | None, details: dict[str, Any]
    ) -> bool | None:
        """True when the sender's address is not ``expect_from``; None if that cannot be told."""
        if expected is None:
            details["expect-from-unresolved"] = self.expect_from
            return None
        details["expect-from"] = sorted(expected)
        return seen not in expected

    def _result(
        self,
        status: Status,
        message: Message,
        started: float,
        facts: dict[str, Any] | None = None,
        details: dict[str, Any] | None = None,
        notes: list[Note] | None = None,
    ) -> ProbeResult:
        return ProbeResult(
            self.name,
            self.target,
            status,
            message,
            facts or {},
            details or {},
            notes or [],
            time.monotonic() - started,
        )


async def _addresses_of(host: str | None, timeout: float) -> set[str] | None:
    """The addresses a name or literal stands for; None when absent or not resolved."""
    if host is None:
        return None
    try:
        return {plain_address(str(ipaddress.ip_address(host)))}
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, None, type=socket.SOCK_DGRAM), timeout
        )
    except (OSError, TimeoutError, UnicodeError):
        return None
    # A family this Python cannot decode comes back as (family number, raw bytes).
    hosts = (info[4][0] for info in infos)
    found = {plain_address(host) for host in hosts if isinstance(host, str)}
    return found or None


# -- udp-send ------------------------------------------------------------------------------


@dataclass
class _SendLog:
    sent: int = 0
    refused: int = 0
    replies: int = 0


class UdpSendProbe:
    """Run on the server: send ``count`` nonce-stamped datagrams to the client's listener."""

    name = "udp-send"
    # No facts: the listener reports what arrived; the sender only what it sent.
    FACTS: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        host: str,
        port: int,
        count: int = 3,
        interval: float = 0.2,
        nonce: str | None = None,
        timeout: float = 5.0,
    ):
        self.host = host
        self.port = _check_port(port, 1)
        if count < 1:
            raise ValueError(msg("{name} must be >= 1, not {value}", name="count", value=count))
        if interval < 0:
            raise ValueError(
                msg("{name} must be >= 0, not {value}", name="interval", value=interval)
            )
        self.count, self.interval = count, interval
        self.nonce = check_nonce(nonce) if nonce is not None else new_nonce()
        self.timeout = _positive("timeout", timeout)
        self.target = format_target(host, port)

    async def run(self) -> ProbeResult:
        started = time.monotonic()
        deadline = started + self.timeout
        log = _SendLog()
        details: dict[str, Any] = {"nonce": self.nonce}
        try:
            family, sockaddr = await _resolve(self.host, self.port, self.timeout)
            sock = _connected_socket(family, sockaddr, self.target)
            try:
                details["local-address"], details["local-port"] = sock.getsockname()[:2]
                await self._send_all(sock, log, deadline)
            finally:
                sock.close()
        except _Unusable as exc:
            details |= {"sent": log.sent, "refused": log.refused}
            return self._result(exc.status, exc.message, started, details)
        details |= {"sent": log.sent, "refused": log.refused, "replies": log.replies}
        return self._result("ok", self._message(log), started, details)

    async def _send_all(self, sock: socket.socket, log: _SendLog, deadline: float) -> None:
        """Send one datagram per ``interval``, noticing ICMP refusals in between."""
        for seq in range(1, self.count + 1):
            if seq > 1 and time.monotonic() >= deadline:
                return
            await self._send_one(sock, make_payload(self.nonce, seq), log)
            # After the last one, wait a little anyway: a refusal takes a round trip.
            pause = self.interval if seq < self.count else max(self.interval, 0.1)
            await self._watch(sock, min(pause, deadline - time.monotonic()), log)

    async def _send_one(self, sock: socket.socket, payload: bytes, log: _SendLog) -> None:
        loop = asyncio.get_running_loop()
        for _ in range(2):  # a refusal pending from the last datagram fails this send once
            try:
                await loop.sock_sendall(sock, payload)
            except _REFUSED:
                log.refused += 1
                continue
            except OSError as exc:
                raise _os_error(exc, self._failed()) from exc
            log.sent += 1
            return

    async def _watch(self, sock: socket.socket, wait: float, log: _SendLog) -> None:
        """Spend ``wait`` seconds reading what comes back: refusals and replies."""
        end = time.monotonic() + wait
        while (left := end - time.monotonic()) > 0:
            try:
                answer = await _await_answer(sock, left)
            except _REFUSED:
                log.refused += 1
                continue
            except OSError as exc:
                raise _os_error(exc, self._failed()) from exc
            if answer is None:
                return
            log.replies += 1

    def _failed(self) -> Message:
        return msg("sending to {target} failed", target=self.target)

    def _message(self, log: _SendLog) -> Message:
        message = msg(
            "sent {count} datagram(s) to {target} with nonce {nonce}",
            count=log.sent,
            target=self.target,
            nonce=self.nonce,
        )
        if log.sent < self.count:
            message = msg(
                "{message} ({count} asked; {seconds:g} s timeout reached)",
                message=message,
                count=self.count,
                seconds=self.timeout,
            )
        if log.refused:
            message = msg(
                "{message}; the far end answered ICMP port unreachable {count} time(s): "
                "nothing listens on that port",
                message=message,
                count=log.refused,
            )
        return message

    def _result(
        self, status: Status, message: Message, started: float, details: dict[str, Any]
    ) -> ProbeResult:
        elapsed = time.monotonic() - started
        return ProbeResult(self.name, self.target, status, message, {}, details, [], elapsed)


# -- udp-refused ---------------------------------------------------------------------------

PORT_UNREACHABLE_NOTE = Note(
    en=(
        "The host answered ICMP port unreachable: it is up and the path is open, but nothing "
        "listens on that UDP port. A client that restarted without logging off Outlook answers "
        "the server's notifications this way until the server's session times out; that is "
        "normal (KB 159302)."
    ),
    fr=(
        "L'hôte a répondu ICMP «\u00a0port inaccessible\u00a0»\u00a0: il est joignable et le "
        "chemin est ouvert, mais rien n'écoute sur ce port UDP. Un client redémarré sans fermer "
        "sa session Outlook répond ainsi aux notifications du serveur jusqu'à l'expiration de "
        "la session côté serveur\u202f; c'est normal (KB 159302)."
    ),
)


class UdpRefusedProbe:
    """Send to one UDP port and tell ICMP port unreachable, a reply, and silence apart."""

    name = "udp-refused"
    # The facts it can report (pack lint KB204 reads them).
    FACTS: ClassVar[tuple[str, ...]] = ("udp.icmp-port-unreachable", "udp.reply-received")
    attempts = 3  # a single datagram may be lost; ICMP errors are rate-limited

    def __init__(self, host: str, port: int, timeout: float = 3.0):
        self.host = host
        self.port = _check_port(port, 1)
        self.timeout = _positive("timeout", timeout)
        self.target = format_target(host, port)
        self.nonce = new_nonce()

    async def run(self) -> ProbeResult:
        started = time.monotonic()
        details: dict[str, Any] = {"sent": 0}
        try:
            family, sockaddr = await _resolve(self.host, self.port, self.timeout)
            sock = _connected_socket(family, sockaddr, self.target)
            try:
                details["local-address"], details["local-port"] = sock.getsockname()[:2]
                answer = await self._ask(sock, started, details)
            finally:
                sock.close()
        except _Unusable as exc:
            return self._result(exc.status, exc.message, started, {}, details)
        if answer is None:
            return self._silence(started, details)
        if answer == "refused":
            return self._refused(started, details)
        return self._reply(started, details)

    async def _ask(
        self, sock: socket.socket, started: float, details: dict[str, Any]
    ) -> str | None:
        """'refused', 'reply', or None after silence for the rest of the timeout."""
        loop = asyncio.get_running_loop()
        deadline = started + self.timeout
        for attempt in range(self.attempts):
            try:
                await loop.sock_sendall(sock, make_payload(self.nonce, attempt + 1))
                details["sent"] += 1
                wait = (deadline - time.monotonic()) / (self.attempts - attempt)
                data = await _await_answer(sock, wait)
            except _REFUSED:
                details["answer-after-s"] = round(time.monotonic() - started, 3)
                return "refused"
            except OSError as exc:
                raise _os_error(exc, msg("no way to {target}", target=self.target)) from exc
            if data is not None:
                details["answer-after-s"] = round(time.monotonic() - started, 3)
                details["reply-bytes"] = len(data)
                return "reply"
        return None

    def _refused(self, started: float, details: dict[str, Any]) -> ProbeResult:
        facts = {"udp.icmp-port-unreachable": True, "udp.reply-received": False}
        message = msg(
            "ICMP port unreachable from {target}: the host answered, nothing listens on "
            "that UDP port (normal for a client restarted without logging off, KB 159302)",
            target=self.target,
        )
        return self._result("ok", message, started, facts, details, [PORT_UNREACHABLE_NOTE])

    def _reply(self, started: float, details: dict[str, Any]) -> ProbeResult:
        facts = {"udp.icmp-port-unreachable": False, "udp.reply-received": True}
        message = msg(
            "a datagram came back from {target}: something listens there and replies",
            target=self.target,
        )
        return self._result("ok", message, started, facts, details)

    def _silence(self, started: float, details: dict[str, Any]) -> ProbeResult:
        facts = {"udp.icmp-port-unreachable": False, "udp.reply-received": False}
        message = msg(
            "no answer from {target} within {seconds:g} s to {count} "
            "datagram(s): dropped or filtered on the path (or a listener that does not reply)",
            target=self.target,
            seconds=self.timeout,
            count=details["sent"],
        )
        return self._result("fault", message, started, facts, details)

    def _result(
        self,
        status: Status,
        message: Message,
        started: float,
        facts: dict[str, Any],
        details: dict[str, Any],
        notes: list[Note] | None = None,
    ) -> ProbeResult:
        elapsed = time.monotonic() - started
        return ProbeResult(
            self.name, self.target, status, message, facts, details, notes or [], elapsed
        )
