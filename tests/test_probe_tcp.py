"""The TCP probe on loopback: an open port, a closed one, one whose SYNs are dropped.

Routes and names that would need the network are produced by patching the one
call that would use it (sock_connect, getaddrinfo), so nothing leaves loopback.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import threading
from collections.abc import Iterator

import pytest

from kbassist.probes import run_all, run_probes
from kbassist.probes.base import ProbeResult
from kbassist.probes.tcp import TcpProbe, show_target

HOST = "127.0.0.1"


def probe(port: int, timeout: float = 2.0, host: str = HOST) -> ProbeResult:
    """One run with nothing around it, so an exception would surface here."""
    return asyncio.run(TcpProbe(host, port, timeout=timeout).run())


def closed_port() -> int:
    """A loopback port nothing listens on (bound, read, closed)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@pytest.fixture
def listening() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.fixture
def dropping() -> Iterator[int]:
    """A port whose accept queue is full: Linux drops further SYNs, as a firewall would."""
    with socket.socket() as server, socket.socket() as queued:
        server.bind((HOST, 0))
        server.listen(0)
        port = server.getsockname()[1]
        queued.connect((HOST, port))  # fills the queue; never accepted
        with socket.socket() as check:
            check.settimeout(0.2)
            try:
                check.connect((HOST, port))
            except TimeoutError:
                yield port
                return
        pytest.skip("this system answers SYNs beyond a full accept queue")


def test_open(listening):
    result = probe(listening)
    assert result.status == "ok" and result.exit_code == 0
    assert result.name == "tcp" and result.target == f"{HOST}:{listening}"
    assert result.message == f"{HOST}:{listening}: open"
    assert result.facts == {f"tcp.port-{listening}": "open"}
    assert result.details == {"address": f"{HOST}:{listening}"}
    assert result.observations()[0].source == "probe:tcp"


def test_refused():
    port = closed_port()
    result = probe(port)
    assert result.status == "fault" and result.exit_code == 1
    assert result.facts == {f"tcp.port-{port}": "refused"}
    assert result.message == (
        f"{HOST}:{port}: connection refused: nothing listens on the port, or a firewall rejects it"
    )


def test_filtered(dropping):
    [result] = run_probes([TcpProbe(HOST, dropping, timeout=0.5)])
    assert result.status == "fault" and result.exit_code == 1
    assert result.facts == {f"tcp.port-{dropping}": "filtered"}
    assert result.message == (
        f"{HOST}:{dropping}: no answer within 0.5 s: dropped by a firewall, or the host is down"
    )
    assert 0.5 <= result.elapsed < 1.0


@pytest.mark.parametrize(
    ("code", "reason"),
    [(errno.EHOSTUNREACH, "no route to host"), (errno.ENETUNREACH, "network unreachable")],
)
def test_no_route(monkeypatch, code, reason):
    """The kernel's answer to an unroutable address, given without sending anything."""

    async def unroutable(self, sock, address):
        raise OSError(code, reason)

    loop = asyncio.new_event_loop()  # the class asyncio.run will use
    loop.close()
    monkeypatch.setattr(type(loop), "sock_connect", unroutable)
    result = probe(25, host="192.0.2.1")
    assert result.status == "unreachable" and result.exit_code == 2
    assert result.facts == {"tcp.port-25": "unreachable"}
    assert result.message == f"192.0.2.1:25: {reason}"


class Resolver:
    """getaddrinfo from a table (nothing asks a DNS server): names in ``table`` get
    its entries, *.invalid fails, hang.invalid hangs until ``release`` is set."""

    def __init__(self) -> None:
        self.table: dict[str, list] = {}
        self.release = threading.Event()


@pytest.fixture
def resolver(monkeypatch) -> Iterator[Resolver]:
    real = socket.getaddrinfo
    resolver = Resolver()
    table, release = resolver.table, resolver.release

    def fake(host, port, *args, **kwargs):
        if host in table:
            return table[host]
        if isinstance(host, str) and host.endswith(".invalid"):
            if host == "hang.invalid":
                release.wait(5)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    yield resolver
    release.set()


def test_name_not_found(resolver):
    result = probe(25, host="mail01.invalid")
    assert result.status == "unreachable" and result.exit_code == 2
    assert result.facts == {}
    assert result.message == "mail01.invalid:25: name not found"


def test_slow_name_lookup_is_not_filtered(resolver):
    async def main() -> ProbeResult:
        [result] = await run_all([TcpProbe("hang.invalid", 25, timeout=0.3)])
        resolver.release.set()  # let the resolver thread end, so the loop can close
        return result

    result = asyncio.run(main())
    assert result.status == "unreachable"
    assert result.facts == {}
    assert result.message == "hang.invalid:25: name lookup took longer than 0.3 s"
    assert result.elapsed < 0.8


def test_invalid_name_fails_locally():
    result = probe(25, host="a" * 64 + ".example")  # a label over 63 characters
    assert result.status == "unreachable"
    assert result.message.endswith(": not a valid host name")


def test_first_address_that_answers(resolver, listening):
    """A name with several addresses: a refusing one, then one that accepts."""
    closed = closed_port()
    tcp = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "")
    resolver.table["mail01.contoso.test"] = [(*tcp, (HOST, closed)), (*tcp, (HOST, listening))]
    result = probe(25, host="mail01.contoso.test")
    assert result.status == "ok"
    assert result.facts == {"tcp.port-25": "open"}
    assert result.message == f"mail01.contoso.test:25: open (connected to {HOST}:{listening})"


def test_all_addresses_refuse(resolver):
    tcp = (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "")
    resolver.table["mail01.contoso.test"] = [(*tcp, (HOST, closed_port())) for _ in range(2)]
    result = probe(25, host="mail01.contoso.test")
    assert result.status == "fault"
    assert result.facts == {"tcp.port-25": "refused"}


def test_concurrent_probes_take_as_long_as_the_slowest(listening, dropping):
    probes = [TcpProbe(HOST, port, timeout=0.5) for port in (listening, closed_port(), dropping)]
    results = run_probes(probes)
    assert [r.status for r in results] == ["ok", "fault", "fault"]
    assert [next(iter(r.facts.values())) for r in results] == ["open", "refused", "filtered"]
    assert max(r.elapsed for r in results) < 1.0


def test_ipv6_loopback():
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        server = socket.socket(socket.AF_INET6)
        server.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    with server:
        server.listen(1)
        port = server.getsockname()[1]
        result = probe(port, host="::1")
    assert result.target == f"[::1]:{port}"
    assert result.status == "ok"
    assert result.details["address"] == f"[::1]:{port}"


def test_show_target():
    assert show_target("mail01", 25) == "mail01:25"
    assert show_target("fe80::1", 135) == "[fe80::1]:135"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"host": "", "port": 25}, "no host"),
        ({"host": "mail01", "port": 0}, "port 0"),
        ({"host": "mail01", "port": 65536}, "port 65536"),
        ({"host": "mail01", "port": 25, "timeout": -1}, "timeout"),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(ValueError, match=error):
        TcpProbe(**kwargs)
