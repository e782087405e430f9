"""The SMTP probe against real servers on loopback: aiosmtpd answering like Exchange 2000
or bare Windows 2000 SMTP, and scripted servers for what aiosmtpd will not say.

Nothing leaves loopback: names that must not resolve are answered by a patched
getaddrinfo, since this machine's resolver would ask a DNS server elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbassist.evidence import smtp_transcript
from kbassist.probes import run_all, run_probes
from kbassist.probes.base import ProbeResult
from kbassist.probes.smtp import FIREWALL_NOTE, MASKED_BANNER_NOTE, MAX_LINE, SmtpProbe

from .conftest import SAMPLES
from .servers import (
    BANNER,
    EXCHANGE,
    HOST,
    VERBS,
    Peer,
    ScriptedServer,
    ehlo_reply,
    free_port,
)

KEYWORDS = list(dict.fromkeys(v.split()[0].split("=")[0].upper() for v in VERBS))
FAST = 0.5  # the probe timeout for cases that must wait it out


def probe(port: int, timeout: float = 2.0, host: str = HOST) -> ProbeResult:
    """One run with nothing around it, so an exception would surface here."""
    return asyncio.run(SmtpProbe(host, port, timeout=timeout).run())


def sample_facts(name: str) -> dict[str, object]:
    artifact = smtp_transcript.parse(SAMPLES / name)
    return {o.fact: o.value for o in artifact.observations}


# --- aiosmtpd, answering EHLO as the article shows -------------------------------------


def test_exchange2000_lists_both_verbs(smtpd):
    handler, port = smtpd(VERBS + EXCHANGE)
    result = probe(port)
    assert result.status == "ok" and result.exit_code == 0
    assert result.name == "smtp" and result.target == f"{HOST}:{port}"
    assert result.message == (
        f"{HOST}:{port}: EHLO lists XEXCH50 and X-LINK2STATE: Exchange 2000's SMTP service answers"
    )
    assert result.facts == {
        "smtp.banner": BANNER,
        "smtp.banner-version": "5.0.2195.1600",
        "smtp.ehlo-keywords": [*KEYWORDS, *EXCHANGE],
        "smtp.xexch50": True,
        "smtp.x-link2state": True,
    }
    assert handler.ehlo == ["kbassist"]
    assert handler.quits == 1


def test_reads_like_the_transcript_reader(smtpd):
    """A probed session and the pasted one of the same server give the same facts."""
    _, exchange = smtpd(VERBS + EXCHANGE)
    _, windows = smtpd(VERBS)
    assert probe(exchange).facts == sample_facts("ehlo-exchange2000.txt")
    assert probe(windows).facts == sample_facts("ehlo-windows2000-smtp.txt")


def test_windows2000_dll_is_a_fault(smtpd):
    handler, port = smtpd(VERBS)
    result = probe(port)
    assert result.status == "fault" and result.exit_code == 1
    assert result.message == (
        f"{HOST}:{port}: EHLO lacks XEXCH50 and X-LINK2STATE: the Windows 2000 SMTP DLL "
        "appears to answer instead of Exchange 2000's (KB 279616)"
    )
    assert result.facts["smtp.ehlo-keywords"] == KEYWORDS
    assert result.facts["smtp.xexch50"] is False
    assert result.facts["smtp.x-link2state"] is False
    assert result.facts["smtp.banner-version"] == "5.0.2195.1600"
    assert handler.quits == 1


def test_one_verb_missing_is_a_fault(smtpd):
    _, port = smtpd([*VERBS, "XEXCH50"])
    result = probe(port)
    assert result.status == "fault"
    assert "EHLO lacks X-LINK2STATE:" in result.message
    assert result.facts["smtp.xexch50"] is True
    assert result.facts["smtp.x-link2state"] is False


def test_lower_case_verbs(smtpd):
    _, port = smtpd([v.lower() for v in VERBS + EXCHANGE])
    result = probe(port)
    assert result.status == "ok"
    assert result.facts["smtp.ehlo-keywords"] == [*KEYWORDS, *EXCHANGE]


def test_another_smtp_server(smtpd):
    """aiosmtpd's own reply: no Exchange verbs, and its final '250 HELP' is a keyword."""
    _, port = smtpd(None)
    result = probe(port)
    assert result.status == "fault"
    assert "HELP" in result.facts["smtp.ehlo-keywords"]
    assert result.facts["smtp.xexch50"] is False


def test_firewall_note_in_both_languages(smtpd):
    for verbs in (VERBS + EXCHANGE, VERBS):
        _, port = smtpd(verbs)
        result = probe(port)
        assert result.notes == [FIREWALL_NOTE]
        english, french = result.to_dict("en")["notes"][0], result.to_dict("fr")["notes"][0]
        assert "fixup smtp" in english and "not proof" in english
        assert french.startswith("Un pare-feu qui inspecte SMTP")
        assert "ne prouvent rien" in french


def test_details_hold_the_raw_lines(smtpd):
    _, port = smtpd(VERBS + EXCHANGE)
    details = probe(port).details
    assert details["address"] == f"{HOST}:{port}"
    assert details["banner"] == [f"220 {BANNER}"]
    assert details["ehlo"] == ehlo_reply(VERBS + EXCHANGE)
    assert details["quit"][0].startswith("221 2.0.0")


def test_through_the_runner_with_others(smtpd):
    _, exchange = smtpd(VERBS + EXCHANGE)
    _, windows = smtpd(VERBS)
    probes = [SmtpProbe(HOST, p, timeout=2) for p in (exchange, windows, free_port())]
    results = run_probes(probes)
    assert [r.status for r in results] == ["ok", "fault", "unreachable"]
    assert [r.exit_code for r in results] == [0, 1, 2]
    assert all(0 < r.elapsed < 2 for r in results)
    assert results[0].observations()[0].source == "probe:smtp"


# --- scripted servers, for replies aiosmtpd cannot give ---------------------------------


async def exchange_session(peer: Peer) -> None:
    """Exchange 2000 word for word: 220, EHLO reply ending '250 OK', 221 to QUIT."""
    await peer.say(f"220 {BANNER}")
    if (await peer.hear()).upper().startswith("EHLO"):
        await peer.say(*ehlo_reply(VERBS + EXCHANGE))
    if (await peer.hear()).upper() == "QUIT":
        await peer.say("221 2.0.0 mail01.contoso.com Service closing transmission channel")


def test_scripted_exchange_session(serve):
    server = serve(exchange_session)
    result = probe(server.port)
    assert result.status == "ok"
    assert result.facts == sample_facts("ehlo-exchange2000.txt")
    assert server.heard == ["EHLO kbassist", "QUIT"]
    assert server.hung_up.wait(2)


def test_multi_line_greeting(serve):
    async def script(peer: Peer) -> None:
        await peer.say(f"220-{BANNER}", "220-more text", "220 ESMTP")
        await peer.hear()
        await peer.say(*ehlo_reply(VERBS + EXCHANGE))
        await peer.hear()
        await peer.say("221 bye")

    result = probe(serve(script).port)
    assert result.status == "ok"
    assert result.facts["smtp.banner"] == BANNER
    assert result.details["banner"] == [f"220-{BANNER}", "220-more text", "220 ESMTP"]


def test_helo_name_is_sent(serve):
    server = serve(exchange_session)
    asyncio.run(SmtpProbe(HOST, server.port, timeout=2, helo_name="helpdesk.contoso.com").run())
    assert server.heard[0] == "EHLO helpdesk.contoso.com"


@pytest.mark.parametrize(
    "greeting",
    ["421 4.3.2 Service not available, closing transmission channel", "554 No SMTP service here"],
)
def test_greeting_that_turns_sessions_away(serve, greeting):
    async def script(peer: Peer) -> None:
        await peer.say(greeting)
        await peer.hear()
        await peer.say("221 bye")

    server = serve(script)
    result = probe(server.port)
    assert result.status == "unreachable" and result.exit_code == 2
    assert result.message == f"{HOST}:{server.port}: the server turns sessions away: {greeting}"
    assert result.facts == {} and result.notes == []
    assert server.heard == ["QUIT"]  # RFC 5321: QUIT after a 554 greeting


def test_silent_server_times_out(serve):
    async def script(peer: Peer) -> None:
        await peer.reader.read()  # accepts and never speaks

    server = serve(script)
    [result] = run_probes([SmtpProbe(HOST, server.port, timeout=FAST)])
    assert result.status == "unreachable"
    assert result.message == f"{HOST}:{server.port}: no SMTP greeting within 0.5 s"
    assert FAST <= result.elapsed < FAST + 0.5
    assert server.heard == []  # not SMTP: no QUIT sent
    assert server.hung_up.wait(2)


def test_no_reply_to_ehlo_times_out(serve):
    async def script(peer: Peer) -> None:
        await peer.say(f"220 {BANNER}")
        await peer.hear()
        await peer.say("250-mail01.contoso.com Hello [127.0.0.1]", "250-SIZE")  # and stalls

    server = serve(script)
    [result] = run_probes([SmtpProbe(HOST, server.port, timeout=FAST)])
    assert result.status == "unreachable"
    assert result.message.endswith(": no complete reply to EHLO within 0.5 s")
    assert result.facts["smtp.banner-version"] == "5.0.2195.1600"
    assert "smtp.xexch50" not in result.facts
    assert result.elapsed < FAST + 0.5


def test_no_reply_to_quit_does_not_change_the_result(serve):
    async def script(peer: Peer) -> None:
        await peer.say(f"220 {BANNER}")
        await peer.hear()
        await peer.say(*ehlo_reply(VERBS))
        await peer.hear()
        await peer.reader.read()  # QUIT unanswered

    server = serve(script)
    [result] = run_probes([SmtpProbe(HOST, server.port, timeout=1.0)])
    assert result.status == "fault"
    assert server.heard[-1] == "QUIT"
    assert result.elapsed < 1.0  # QUIT waits at most 0.5 s, within the timeout
    assert "quit" not in result.details


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        (b"SSH-2.0-OpenSSH_8.9p1\r\n", "'SSH-2.0-OpenSSH_8.9p1' instead of the SMTP greeting"),
        (b"HTTP/1.1 400 Bad Request\r\n\r\n", "'HTTP/1.1 400 Bad Request'"),
        (b"\x00\xff\xfe\x01garbage\r\n", "'\ufffd\xff\xfe\ufffdgarbage'"),  # Latin-1, defused
    ],
)
def test_not_smtp(serve, said, shown):
    async def script(peer: Peer) -> None:
        await peer.say(said)

    server = serve(script)
    result = probe(server.port)
    assert result.status == "unreachable"
    assert result.message.startswith(f"{HOST}:{server.port}: not an SMTP server: ")
    assert shown in result.message
    assert server.heard == []


def test_greeting_with_another_code(serve):
    async def script(peer: Peer) -> None:
        await peer.say("250 hello?")

    server = serve(script)
    result = probe(server.port)
    assert result.status == "unreachable"
    assert result.message.endswith("not an SMTP greeting: '250 hello?'")
    assert server.hung_up.wait(2) and server.heard == []


def test_closed_before_greeting(serve):
    async def script(peer: Peer) -> None:
        peer.writer.close()

    result = probe(serve(script).port)
    assert result.status == "unreachable"
    assert result.message.endswith(": connection closed before the SMTP greeting")


def test_endless_line_is_bounded(serve):
    async def script(peer: Peer) -> None:
        await peer.say(b"220 ")
        for _ in range(10_000):  # 640 MB if nobody stopped reading
            await peer.say(b"A" * 65536)

    server = serve(script)
    [result] = run_probes([SmtpProbe(HOST, server.port, timeout=5)])
    assert result.status == "unreachable"
    assert result.message.endswith(f"not an SMTP server: a line longer than {MAX_LINE} bytes")
    assert result.elapsed < 1
    assert server.heard == []


def test_endless_reply_is_bounded(serve):
    async def script(peer: Peer) -> None:
        while True:
            await peer.say(*["220-" + "B" * 200] * 100)

    [result] = run_probes([SmtpProbe(HOST, serve(script).port, timeout=5)])
    assert result.status == "unreachable"
    assert result.message.endswith("the SMTP greeting goes on past 100 lines")
    assert result.elapsed < 1


def test_mixed_codes_in_one_reply(serve):
    async def script(peer: Peer) -> None:
        await peer.say("220-mail01", "250 ESMTP")

    result = probe(serve(script).port)
    assert result.message.endswith("not an SMTP server: codes 220 and 250 in one reply")


def test_latin1_and_control_characters(serve):
    async def script(peer: Peer) -> None:
        await peer.say(b"220 m\xe9l01 \x1b[31mESMTP\r\n")
        await peer.hear()
        await peer.say(*ehlo_reply(EXCHANGE))
        await peer.hear()
        await peer.say("221 bye")

    result = probe(serve(script).port)
    assert result.status == "ok"
    assert result.facts["smtp.banner"] == "m\xe9l01 \ufffd[31mESMTP"


def test_ehlo_refused_helo_accepted(serve):
    """What a Cisco PIX with 'fixup smtp' does: EHLO masked, so refused; HELO passes."""

    async def script(peer: Peer) -> None:
        await peer.say("220 " + "*" * 40 + "2*0*0*2" + "*" * 20)
        await peer.hear()
        await peer.say("500 5.3.3 Unrecognized command")
        await peer.hear()
        await peer.say("250 mail01.contoso.com Hello [127.0.0.1]")
        await peer.hear()
        await peer.say("221 bye")

    server = serve(script)
    result = probe(server.port)
    assert result.status == "unreachable"
    assert "EHLO not supported (500 5.3.3 Unrecognized command), HELO accepted" in result.message
    assert "fixup smtp" in result.message
    assert server.heard == ["EHLO kbassist", "HELO kbassist", "QUIT"]
    assert result.notes == [MASKED_BANNER_NOTE]
    assert "astérisques" in MASKED_BANNER_NOTE.text("fr")
    assert set(result.facts) == {"smtp.banner"}
    assert result.details["helo"] == ["250 mail01.contoso.com Hello [127.0.0.1]"]


def test_ehlo_and_helo_refused(serve):
    async def script(peer: Peer) -> None:
        await peer.say(f"220 {BANNER}")
        await peer.hear()
        await peer.say("502 5.5.2 Command not implemented")
        await peer.hear()
        await peer.say("550 5.7.1 Go away")
        await peer.hear()
        await peer.say("221 bye")

    result = probe(serve(script).port)
    assert result.status == "unreachable"
    assert result.message.endswith(": EHLO and HELO refused: 550 5.7.1 Go away")


def test_ehlo_answered_421(serve):
    async def script(peer: Peer) -> None:
        await peer.say(f"220 {BANNER}")
        await peer.hear()
        await peer.say("421 4.3.2 Shutting down")
        peer.writer.close()  # as RFC 5321 has it after a 421

    server = serve(script)
    result = probe(server.port)
    assert result.status == "unreachable"
    assert result.message.endswith(": EHLO answered '421 4.3.2 Shutting down'")
    assert server.heard == ["EHLO kbassist"]  # no HELO after a temporary refusal


def test_cancelled_probe_closes_its_socket(serve):
    async def script(peer: Peer) -> None:
        await peer.reader.read()

    server = serve(script)

    async def main() -> None:
        task = asyncio.ensure_future(run_all([SmtpProbe(HOST, server.port, timeout=5)]))
        for _ in range(100):
            if server.connected.is_set():
                break
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert server.hung_up.wait(2)


# --- targets that cannot be used --------------------------------------------------------


def test_connection_refused():
    port = free_port()
    result = probe(port)
    assert result.status == "unreachable" and result.exit_code == 2
    assert result.message == f"{HOST}:{port}: connection refused"
    assert result.facts == {} and result.notes == []


@pytest.fixture
def resolver(monkeypatch) -> Iterator[threading.Event]:
    """getaddrinfo fails for *.invalid without asking a DNS server, and hangs for
    hang.invalid until the returned event is set; other names resolve as usual."""
    real = socket.getaddrinfo
    release = threading.Event()

    def fake(host, *args, **kwargs):
        if isinstance(host, str) and host.endswith(".invalid"):
            if host == "hang.invalid":
                release.wait(5)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    yield release
    release.set()


def test_name_not_found(resolver):
    result = probe(25, host="mail01.invalid")
    assert result.status == "unreachable"
    assert result.message == "mail01.invalid:25: name not found"


def test_slow_name_lookup_is_bounded(resolver):
    async def main() -> ProbeResult:
        [result] = await run_all([SmtpProbe("hang.invalid", 25, timeout=0.3)])
        resolver.set()  # let the resolver thread end, so the loop can close
        return result

    result = asyncio.run(main())
    assert result.status == "unreachable"
    assert result.message == "hang.invalid:25: name lookup took longer than 0.3 s"
    assert result.elapsed < 0.8


def test_invalid_host_name_fails_locally():
    result = probe(25, host="a" * 64 + ".example")  # a label over 63 characters
    assert result.status == "unreachable"
    assert result.message.endswith(": not a valid host name")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"host": ""}, "no host"),
        ({"host": "mail01", "port": 0}, "port 0"),
        ({"host": "mail01", "timeout": 0}, "timeout"),
        ({"host": "mail01", "helo_name": "x\r\nRSET"}, "EHLO"),
        ({"host": "mail01", "helo_name": ""}, "EHLO"),
    ],
)
def test_bad_arguments(kwargs, error):
    with pytest.raises(ValueError, match=error):
        SmtpProbe(**kwargs)


def test_ipv6_target_is_bracketed():
    assert SmtpProbe("::1").target == "[::1]:25"


# --- whatever the peer says, a result -------------------------------------------------


@pytest.fixture(scope="module")
def echo_server() -> Iterator[tuple[ScriptedServer, list[bytes]]]:
    """Says ``said[0]`` on connecting and ``said[1]`` after a line heard (or 50 ms of
    silence), then hangs up: every session ends quickly, whatever the bytes."""
    said = [b"", b""]

    async def script(peer: Peer) -> None:
        await peer.say(said[0])
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(peer.hear(), 0.05)
        await peer.say(said[1])
        peer.writer.close()

    server = ScriptedServer(script)
    server.start()
    yield server, said
    server.stop()


LINES = st.one_of(
    st.sampled_from([f"220 {BANNER}", "220-x", "250-XEXCH50", "250 OK", "421 bye", "250-", "500"]),
    st.text(max_size=40),
).map(lambda s: s.encode() + b"\r\n")
PAYLOAD = st.one_of(st.binary(max_size=200), st.lists(LINES, max_size=6).map(b"".join))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(greeting=PAYLOAD, then=PAYLOAD)
def test_any_reply_gives_a_result(echo_server, greeting, then):
    server, said = echo_server
    said[:] = [greeting, then]
    result = probe(server.port, timeout=1.0)
    assert result.status in {"ok", "fault", "unreachable"}
    assert result.message.startswith(f"{HOST}:{server.port}: ")
    assert "\n" not in result.message and "\r" not in result.message


def scripted_probe(serve, greeting: str, verbs: list[str]) -> ProbeResult:
    async def script(peer: Peer) -> None:
        await peer.say(f"220 {greeting}")
        await peer.hear()
        await peer.say(*ehlo_reply(verbs))
        await peer.hear()
        await peer.say("221 2.0.0 bye")

    server = serve(script)
    [result] = run_probes([SmtpProbe(HOST, server.port, timeout=2.0)])
    return result


@pytest.mark.parametrize(
    "greeting",
    [
        # Exchange 2007 and later: no version in the greeting, never X-LINK2STATE.
        "mail02.contoso.com Microsoft ESMTP MAIL Service ready at Tue, 1 Dec 2026 09:14:02 +0100",
        # an IIS 6 relay on Windows Server 2003.
        "relay01.contoso.com Microsoft ESMTP MAIL Service, Version: 6.0.3790.3959 ready at x",
    ],
)
def test_missing_verbs_on_another_microsoft_server_are_no_fault(serve, greeting):
    result = scripted_probe(serve, greeting, [*VERBS, "XEXCH50"])
    assert result.status == "ok" and result.exit_code == 0
    assert "does not apply" in result.message
    assert result.facts["smtp.x-link2state"] is False  # seen, but out of KB 279616's scope


def test_masked_keywords_make_the_check_unusable(serve):
    masked = ["XXXA", "SIZE", "XXXXXXXA", "XXXXXXX", "XXXXXXXXXXXX"]
    result = scripted_probe(serve, BANNER, masked)
    assert result.status == "unreachable" and result.exit_code == 2
    assert result.facts["smtp.ehlo-masked"] is True
    assert "smtp.x-link2state" not in result.facts and "smtp.xexch50" not in result.facts
    assert "server itself" in result.message
