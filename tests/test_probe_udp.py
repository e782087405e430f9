"""UDP probes on loopback: real sockets, real ICMP refusals, silence never counted as success."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from kbassist.probes import ProbeEvent, run_all, run_probes
from kbassist.probes.udp import (
    UdpListenProbe,
    UdpRefusedProbe,
    UdpSendProbe,
    _addresses_of,
    make_payload,
    parse_payload,
    plain_address,
)

LOOPBACK = "127.0.0.1"


def run(coro):  # one fresh loop per test: nothing leaks between tests
    return asyncio.run(coro)


@contextmanager
def bound_socket(host: str = LOOPBACK) -> Iterator[socket.socket]:
    """A UDP socket that holds a port and never reads or answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    try:
        yield sock
    finally:
        sock.close()


def closed_port() -> int:
    with bound_socket() as sock:
        return sock.getsockname()[1]


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((host, port))
    except OSError:
        return False
    finally:
        sock.close()
    return True


async def listen_and_send(
    listener: UdpListenProbe, *senders: UdpSendProbe | bytes
) -> tuple[object, list[object]]:
    """Start ``listener``, send once it is bound (raw bytes or probes), return both results."""
    task = asyncio.create_task(listener.run())
    bound = asyncio.create_task(listener.listening.wait())
    await asyncio.wait({task, bound}, timeout=2, return_when=asyncio.FIRST_COMPLETED)
    bound.cancel()
    if not listener.listening.is_set():  # it could not bind: nothing to send to
        return await task, []
    sent = []
    for sender in senders:
        if isinstance(sender, bytes):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.sendto(sender, (LOOPBACK, listener.bound_port))
        else:
            sender.port = listener.bound_port
            sender.target = f"{sender.host}:{sender.port}"
            sent.append(await sender.run())
    return await task, sent


class FakeEcho(asyncio.DatagramProtocol):
    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        self.transport.sendto(b"echo " + data, addr)


# -- payload ----------------------------------------------------------------------------------


def test_payload_round_trip_and_rejects_other_traffic():
    assert make_payload("ab12", 3) == b"KBASSIST1 ab12 3"
    assert parse_payload(make_payload("ab12", 3)) == ("ab12", 3)
    for other in (b"", b"\x00" * 8, b"KBASSIST1 ab12", b"KBASSIST1 ab12 x", b"KBASSIST2 ab12 1"):
        assert parse_payload(other) is None


@pytest.mark.parametrize("bad", ["", "two words", "é", "x" * 65])
def test_bad_nonce_is_refused_up_front(bad):
    with pytest.raises(ValueError, match="nonce"):
        UdpListenProbe(0, nonce=bad)
    with pytest.raises(ValueError, match="nonce"):
        UdpSendProbe(LOOPBACK, 9, nonce=bad)


def test_bad_numbers_are_refused_up_front():
    with pytest.raises(ValueError, match="want"):
        UdpListenProbe(0, want=0)
    with pytest.raises(ValueError, match="count"):
        UdpSendProbe(LOOPBACK, 9, count=0)
    with pytest.raises(ValueError, match="port"):
        UdpRefusedProbe(LOOPBACK, 0)
    with pytest.raises(ValueError, match="timeout"):
        UdpRefusedProbe(LOOPBACK, 9, timeout=0)


def test_ipv4_mapped_addresses_are_shown_plain():
    assert plain_address("::ffff:10.0.0.5") == "10.0.0.5"
    assert plain_address("::1") == "::1"
    assert plain_address("not an address") == "not an address"


def test_an_address_this_python_cannot_decode_is_no_address(monkeypatch):
    # A Python built without IPv6 gives an AF_INET6 address as (family, raw bytes):
    # its family number is no address of the server's (it read as 0.0.0.10).
    raw = (socket.AF_INET6, socket.SOCK_DGRAM, 17, "", (int(socket.AF_INET6), b"\x00" * 24))
    real = (socket.AF_INET, socket.SOCK_DGRAM, 17, "", (LOOPBACK, 0))

    def hosts_file(host, *args, **kwargs):  # no DNS query leaves the test
        return [raw, real] if host == "mail01.test" else [raw]

    monkeypatch.setattr(socket, "getaddrinfo", hosts_file)
    assert run(_addresses_of("mail01.test", 3)) == {LOOPBACK}
    assert run(_addresses_of("v6only.test", 3)) is None


# -- udp-listen + udp-send ----------------------------------------------------------------------


def test_round_trip_reports_the_sender_address_and_counts():
    listener = UdpListenProbe(0, timeout=3, bind=LOOPBACK, want=3)
    assert len(listener.nonce) == 8  # generated, for the CLI to print
    sender = UdpSendProbe(LOOPBACK, 1, count=3, interval=0.05, nonce=listener.nonce)
    result, [sent] = run(listen_and_send(listener, sender))

    assert result.status == "ok" and result.exit_code == 0
    assert result.facts == {"udp.datagrams-received": True, "udp.source-address": LOOPBACK}
    assert result.details["received"] == 3 and result.details["ignored"] == 0
    assert result.details["sequences"] == [1, 2, 3]
    assert result.details["source-port"] == sent.details["local-port"]
    assert 0 <= result.details["first-arrival-s"] < 3
    assert result.target == f"{LOOPBACK}:{listener.bound_port}"
    assert "received 3 datagram(s) from 127.0.0.1:" in result.message
    assert result.elapsed < 2.5  # returned once `want` arrived, not at the timeout

    assert sent.status == "ok" and sent.facts == {}
    assert sent.details["sent"] == 3 and sent.details["refused"] == 0
    assert sent.details["nonce"] == listener.nonce
    assert sent.details["local-address"] == LOOPBACK
    assert sent.message.startswith(f"sent 3 datagram(s) to 127.0.0.1:{listener.bound_port}")


def test_sender_command_names_the_bound_port_and_nonce():
    async def scenario():
        listener = UdpListenProbe(0, timeout=0.2, bind=LOOPBACK, nonce="n-1")
        commands = []
        listener.on_listening = lambda probe: commands.append(probe.sender_command("pc01"))
        await listener.run()
        return listener, commands

    listener, commands = run(scenario())
    assert commands == [f"kbassist probe udp-send pc01:{listener.bound_port} --nonce n-1"]


@pytest.mark.parametrize(("expect_from", "suspected"), [("127.0.0.2", True), (LOOPBACK, False)])
def test_nat_suspected_when_the_sender_is_not_the_expected_server(expect_from, suspected):
    listener = UdpListenProbe(0, timeout=3, bind=LOOPBACK, expect_from=expect_from)
    sender = UdpSendProbe(LOOPBACK, 1, count=1, nonce=listener.nonce)
    result, _ = run(listen_and_send(listener, sender))

    assert result.status == "ok"
    assert result.facts["udp.source-address"] == LOOPBACK
    assert result.facts["udp.nat-suspected"] is suspected
    if suspected:
        assert "NAT" in result.message and "127.0.0.2" in result.message
        [note] = result.notes
        assert "NAT" in note.en and "127.0.0.2" in note.en
        assert "traduit probablement les adresses (NAT)" in note.fr
        assert result.to_dict("fr")["notes"] == [note.fr]
    else:
        assert result.notes == [] and "NAT" not in result.message


@pytest.mark.parametrize(("name", "suspected"), [("mail01.test", False), ("gone.test", None)])
def test_expect_from_may_be_a_name(monkeypatch, name, suspected):
    real = socket.getaddrinfo

    def hosts_file(host, *args, **kwargs):  # no DNS query leaves the test
        if host == "mail01.test":
            return real(LOOPBACK, *args, **kwargs)
        if host == "gone.test":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", hosts_file)
    listener = UdpListenProbe(0, timeout=3, bind=LOOPBACK, expect_from=name)
    result, _ = run(listen_and_send(listener, UdpSendProbe(LOOPBACK, 1, nonce=listener.nonce)))

    assert result.status == "ok"
    assert result.facts.get("udp.nat-suspected") is suspected
    if suspected is None:  # cannot tell: say nothing about NAT
        assert result.details["expect-from-unresolved"] == "gone.test"
        assert "NAT" not in result.message
    else:
        assert result.details["expect-from"] == [LOOPBACK]


def test_datagrams_without_our_nonce_are_ignored_and_counted():
    listener = UdpListenProbe(0, timeout=3, bind=LOOPBACK, nonce="right")
    stranger = UdpSendProbe(LOOPBACK, 1, count=2, interval=0.01, nonce="wrong")
    ours = UdpSendProbe(LOOPBACK, 1, count=1, nonce="right")
    result, _ = run(listen_and_send(listener, b"\x00" * 8, stranger, ours))

    assert result.status == "ok"
    assert result.details["received"] == 1 and result.details["ignored"] == 3
    assert result.details["sequences"] == [1]


def test_only_foreign_datagrams_is_still_a_fault():
    listener = UdpListenProbe(0, timeout=0.5, bind=LOOPBACK, nonce="right")
    stranger = UdpSendProbe(LOOPBACK, 1, count=2, interval=0.01, nonce="wrong")
    result, _ = run(listen_and_send(listener, stranger))

    assert result.status == "fault"
    assert result.facts == {"udp.datagrams-received": False}
    assert result.details["ignored"] == 2 and result.details["received"] == 0
    assert "2 datagram(s) without this nonce ignored" in result.message


def test_silence_until_the_timeout_is_a_fault_never_success():
    listener = UdpListenProbe(0, timeout=0.4, bind=LOOPBACK)
    result = run(listener.run())

    assert result.status == "fault" and result.exit_code == 1
    assert result.facts == {"udp.datagrams-received": False}
    assert result.message.startswith(f"nothing arrived on UDP port {listener.bound_port}")
    assert "firewall drops UDP from the server, or the sender did not run" in result.message
    assert result.details["received"] == 0 and result.details["ignored"] == 0
    assert result.elapsed >= 0.4
    [note] = result.notes
    assert "KB 264035" in note.en and "ports supérieurs à 1024" in note.fr


def test_port_in_use_is_an_error_not_a_fault():
    with bound_socket() as taken:
        port = taken.getsockname()[1]
        listener = UdpListenProbe(port, timeout=1, bind=LOOPBACK)
        result = run(listener.run())

    assert result.status == "error" and result.exit_code == 2
    assert result.message.startswith(f"cannot listen on UDP 127.0.0.1:{port}")
    assert "in use" in result.message
    assert result.facts == {}  # says nothing about the path
    assert listener.bound_port is None and not listener.listening.is_set()


def test_dual_stack_listener_reports_ipv4_senders_plainly():
    if not socket.has_ipv6:  # pragma: no cover
        pytest.skip("this Python has no IPv6 support")
    listener = UdpListenProbe(0, timeout=3, bind="::")
    result, _ = run(listen_and_send(listener, UdpSendProbe(LOOPBACK, 1, nonce=listener.nonce)))
    if result.status == "error":  # pragma: no cover - IPv6 disabled in the kernel
        pytest.skip(f"cannot listen on '::' here: {result.message}")
    assert result.status == "ok"
    assert result.facts["udp.source-address"] == LOOPBACK  # not ::ffff:127.0.0.1
    assert result.target == f"[::]:{listener.bound_port}"


def test_runner_runs_listener_and_sender_together():
    port = closed_port()
    listener = UdpListenProbe(port, timeout=3, bind=LOOPBACK)
    sender = UdpSendProbe(LOOPBACK, port, count=5, interval=0.1, nonce=listener.nonce)
    heard, sent = run_probes([listener, sender])

    assert heard.status == "ok" and heard.facts["udp.datagrams-received"] is True
    assert sent.status == "ok" and sent.details["sent"] == 5


def test_cancelling_the_runner_closes_the_listening_socket():
    events: list[ProbeEvent] = []

    async def scenario():
        listener = UdpListenProbe(0, timeout=30, bind=LOOPBACK)
        task = asyncio.create_task(run_all([listener], events.append))
        await asyncio.wait_for(listener.listening.wait(), 2)
        assert not port_is_free(listener.bound_port)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return listener

    listener = run(scenario())
    assert port_is_free(listener.bound_port)
    assert [e.kind for e in events] == ["started", "finished"]
    assert events[-1].result.status == "cancelled"


# -- udp-send on its own ------------------------------------------------------------------------


def test_send_to_a_closed_port_still_sends_but_says_nothing_listens():
    port = closed_port()
    result = run(UdpSendProbe(LOOPBACK, port, count=2, interval=0.1).run())

    assert result.status == "ok"
    assert result.details["sent"] == 2 and result.details["refused"] >= 1
    assert "ICMP port unreachable" in result.message and "nothing listens" in result.message


def test_names_that_do_not_resolve_are_unreachable(monkeypatch):
    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)  # no DNS query leaves the test
    for probe in (UdpSendProbe("nowhere.test", 4000), UdpRefusedProbe("nowhere.test", 4000)):
        result = run(probe.run())
        assert result.status == "unreachable", probe.name
        assert result.message == "name 'nowhere.test' not found: Name or service not known"
        assert result.facts == {}


# -- udp-refused --------------------------------------------------------------------------------


def test_closed_port_answers_icmp_port_unreachable():
    port = closed_port()
    result = run(UdpRefusedProbe(LOOPBACK, port, timeout=2).run())

    assert result.status == "ok"
    assert result.facts == {"udp.icmp-port-unreachable": True, "udp.reply-received": False}
    assert result.message.startswith(f"ICMP port unreachable from 127.0.0.1:{port}")
    assert "KB 159302" in result.message
    assert result.details["sent"] == 1 and result.elapsed < 1
    [note] = result.notes
    assert "normal (KB 159302)" in note.en and "c'est normal (KB 159302)" in note.fr


def test_a_listener_that_replies_is_told_apart():
    async def scenario():
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(FakeEcho, local_addr=(LOOPBACK, 0))
        try:
            port = transport.get_extra_info("sockname")[1]
            return await UdpRefusedProbe(LOOPBACK, port, timeout=2).run()
        finally:
            transport.close()

    result = run(scenario())
    assert result.status == "ok"
    assert result.facts == {"udp.icmp-port-unreachable": False, "udp.reply-received": True}
    assert result.details["reply-bytes"] > len(b"echo ")
    assert "something listens there and replies" in result.message


def test_an_open_port_that_never_answers_is_silence_and_a_fault():
    with bound_socket() as quiet:
        port = quiet.getsockname()[1]
        result = run(UdpRefusedProbe(LOOPBACK, port, timeout=0.6).run())
        assert len(quiet.recv(100)) > 0  # the datagrams did arrive: the port is open, just mute

    assert result.status == "fault" and result.exit_code == 1
    assert result.facts == {"udp.icmp-port-unreachable": False, "udp.reply-received": False}
    assert "no answer" in result.message
    assert "dropped or filtered on the path (or a listener that does not reply)" in result.message
    assert result.details["sent"] == UdpRefusedProbe.attempts
    assert 0.6 <= result.elapsed < 1.5
