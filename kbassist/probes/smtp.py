"""SMTP probe: which SMTP service answers on port 25 (KB 279616).

It does what the article asks an administrator to type, ``telnet host 25`` then
``EHLO``: Exchange 2000's SMTP service lists ``XEXCH50`` and ``X-LINK2STATE``,
the plain Windows 2000 SMTP DLL does not, and the banner version is the same for
both, so only the verbs tell. Replies are read with the transcript reader's
functions so that a probed session and a pasted one give the same facts.

The server is untrusted: lines, replies and the whole exchange are bounded, and
anything that is not SMTP makes the target unusable for this check (status
``unreachable``) rather than a verdict about Exchange.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from ..evidence.base import Note
from ..evidence.smtp_transcript import (
    VERB_FACTS,
    banner_version,
    ehlo_keywords,
    is_windows_2000_smtp,
    masked_keywords,
    reply_line,
    verb_facts,
)
from ..i18n import Message, located, msg
from .base import ProbeResult, Status, check_target
from .tcp import (
    ConnectError,
    close,
    connect,
    no_answer,
    resolve,
    show_address,
    show_target,
    slow_lookup,
)

MAX_LINE = 4096  # bytes in one reply line (RFC 5321 allows 512)
MAX_REPLY_LINES = 100  # lines in one reply (an Exchange 2000 EHLO reply has 19)
MAX_REPLY_BYTES = 32 * 1024
QUIT_WAIT = 0.5  # at most this long for the reply to QUIT, within the timeout

_HELO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9.:\-\[\]]*")

FIREWALL_NOTE = Note(
    en="A firewall that inspects SMTP (e.g. Cisco PIX/ASA 'fixup smtp' or 'inspect esmtp') "
    "can hide EHLO keywords it does not know, so verbs missing when seen through one are "
    "not proof: check again from the server's side of the firewall, or on the server "
    "itself (telnet localhost 25).",
    fr="Un pare-feu qui inspecte SMTP (par exemple Cisco PIX/ASA «\u00a0fixup smtp\u00a0» "
    "ou «\u00a0inspect esmtp\u00a0») peut masquer les mots-clés EHLO qu'il ne connaît "
    "pas\u00a0: des verbes absents vus à travers lui ne prouvent rien. Refaites le test "
    "depuis le côté serveur du pare-feu, ou sur le serveur lui-même (telnet localhost 25).",
)
MASKED_BANNER_NOTE = Note(
    en="The greeting is masked with asterisks, the mark of a Cisco PIX 'fixup smtp' "
    "(Mailguard) between here and the server: it also blocks EHLO.",
    fr="L'accueil est masqué par des astérisques, signe d'un Cisco PIX avec "
    "«\u00a0fixup smtp\u00a0» (Mailguard) entre ce poste et le serveur\u00a0: il bloque "
    "aussi EHLO.",
)


class NotSmtp(Exception):
    """The peer answered, but not as an SMTP server would."""

    def __init__(self, reason: Message):
        super().__init__(reason)
        self.reason = reason


@dataclass
class Reply:
    code: str
    lines: list[str] = field(default_factory=list)  # as received, decoded
    texts: list[str] = field(default_factory=list)  # after the code

    @property
    def first(self) -> str:
        return self.lines[0]


def decode(raw: bytes) -> str:
    """One line as text: UTF-8, else Latin-1; control characters made harmless to print."""
    raw = raw.rstrip(b"\r\n")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return "".join(
        "\ufffd" if unicodedata.category(ch) == "Cc" and ch != "\t" else ch for ch in text
    )


def shorten(text: str, width: int = 60) -> str:
    return repr(text if len(text) <= width else text[:width] + "...")


async def read_reply(reader: asyncio.StreamReader, what: Message) -> Reply:
    """One complete reply (``ddd-`` lines then ``ddd ``); NotSmtp for anything else."""
    reply: Reply | None = None
    size = 0
    while True:
        try:
            raw = await reader.readline()
        except ValueError:  # the stream's limit: no line end within MAX_LINE bytes
            reason = msg("not an SMTP server: a line longer than {limit} bytes", limit=MAX_LINE)
            raise NotSmtp(reason) from None
        if not raw:
            raise NotSmtp(msg("connection closed before {what}", what=what))
        size += len(raw)
        line = decode(raw)
        parsed = reply_line(line)
        if parsed is None:
            reason = msg(
                "not an SMTP server: {line} instead of {what}", line=shorten(line), what=what
            )
            raise NotSmtp(reason)
        if reply is None:
            reply = Reply(parsed.code)
        elif parsed.code != reply.code:
            reason = msg(
                "not an SMTP server: codes {first} and {second} in one reply",
                first=reply.code,
                second=parsed.code,
            )
            raise NotSmtp(reason)
        reply.lines.append(line)
        reply.texts.append(parsed.text)
        if not parsed.more:
            return reply
        if len(reply.lines) >= MAX_REPLY_LINES or size >= MAX_REPLY_BYTES:
            reason = msg(
                "not an SMTP server: {what} goes on past {count} lines",
                what=what,
                count=len(reply.lines),
            )
            raise NotSmtp(reason)


def is_masked(text: str) -> bool:
    """Cisco PIX Mailguard replaces most of the greeting with asterisks."""
    return text.count("*") >= 8 and text.count("*") * 2 >= len(text)


class SmtpProbe:
    """Connects, reads the greeting, sends EHLO, and looks for Exchange 2000's verbs."""

    name = "smtp"

    def __init__(
        self, host: str, port: int = 25, timeout: float = 10.0, helo_name: str = "kbassist"
    ):
        check_target(host, port, timeout)
        if not _HELO_NAME.fullmatch(helo_name):
            raise ValueError(msg("{name!r} is not a host name to send with EHLO", name=helo_name))
        self.host = host
        self.port = port
        self.timeout = timeout
        self.helo_name = helo_name
        self.target = show_target(host, port)

    async def run(self) -> ProbeResult:
        session = _Session(self)
        deadline = asyncio.get_running_loop().time() + self.timeout
        try:
            try:
                async with asyncio.timeout_at(deadline):
                    result = await session.talk()
            except TimeoutError:
                result = session.result("unreachable", session.timed_out())
            except (ConnectError, NotSmtp) as exc:
                result = session.result("unreachable", exc.reason)
            except OSError as exc:  # e.g. reset by the peer half-way
                error = exc.strerror or str(exc) or type(exc).__name__
                reason = msg("{error} while waiting for {what}", error=error, what=session.what)
                result = session.result("unreachable", reason)
            await session.quit(deadline)
        finally:
            session.abort()
        return result


class _Session:
    """One conversation: where it got to, what it saw, and how to end it politely."""

    def __init__(self, probe: SmtpProbe):
        self.probe = probe
        self.step = "resolve"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.smtp = False  # the peer has sent an SMTP reply: it deserves a QUIT
        self.between = False  # at a reply boundary, so the reply to QUIT can be read
        self.facts: dict[str, Any] = {}
        self.details: dict[str, Any] = {}
        self.notes: list[Note] = []

    @property
    def what(self) -> Message:
        if self.step == "greeting":
            return msg("the SMTP greeting")
        return msg("the reply to {command}", command=self.step.upper())

    async def talk(self) -> ProbeResult:
        infos = await resolve(self.probe.host, self.probe.port)
        self.step = "connect"
        self.reader, self.writer, address = await connect(infos, limit=MAX_LINE)
        self.details["address"] = show_address(address)
        self.step = "greeting"
        greeting = await self.read("banner")
        if greeting.code != "220":
            return self.turned_away(greeting)
        self.observe_greeting(greeting)
        self.step = "ehlo"
        ehlo = await self.command(f"EHLO {self.probe.helo_name}", "ehlo")
        if ehlo.code == "250":
            return self.verdict(ehlo)
        if ehlo.code.startswith("5"):
            return await self.without_ehlo(ehlo)
        return self.result("unreachable", msg("EHLO answered {reply}", reply=shorten(ehlo.first)))

    async def read(self, detail: str) -> Reply:
        assert self.reader is not None
        self.between = False
        reply = await read_reply(self.reader, self.what)
        self.smtp = self.between = True
        self.details[detail] = reply.lines
        return reply

    async def command(self, line: str, detail: str) -> Reply:
        assert self.writer is not None
        self.writer.write(line.encode("ascii") + b"\r\n")
        await self.writer.drain()
        return await self.read(detail)

    def turned_away(self, greeting: Reply) -> ProbeResult:
        if greeting.code[0] in "45":
            reason = msg("the server turns sessions away: {reply}", reply=greeting.first)
            return self.result("unreachable", reason)
        self.smtp = False  # a reply, but no greeting: not worth a QUIT
        raise NotSmtp(msg("not an SMTP greeting: {reply}", reply=shorten(greeting.first)))

    def observe_greeting(self, greeting: Reply) -> None:
        self.facts["smtp.banner"] = greeting.texts[0]
        version = banner_version(greeting.texts)
        if version:
            self.facts["smtp.banner-version"] = version
        if is_masked(greeting.texts[0]):
            self.notes.append(MASKED_BANNER_NOTE)

    async def without_ehlo(self, ehlo: Reply) -> ProbeResult:
        """EHLO refused: HELO tells a server that speaks only old SMTP (or a firewall
        that lets only old SMTP through) from one that refuses this client."""
        self.step = "helo"
        helo = await self.command(f"HELO {self.probe.helo_name}", "helo")
        if helo.code != "250":
            return self.result(
                "unreachable", msg("EHLO and HELO refused: {reply}", reply=helo.first)
            )
        return self.result(
            "unreachable",
            msg(
                "EHLO not supported ({reply}), HELO accepted: no EHLO verbs to check; "
                "the server or a firewall's SMTP inspection (e.g. PIX 'fixup smtp') hides them",
                reply=ehlo.first,
            ),
        )

    def verdict(self, ehlo: Reply) -> ProbeResult:
        keywords = list(ehlo_keywords(ehlo.texts))
        self.facts["smtp.ehlo-keywords"] = keywords
        self.facts.update(verb_facts(keywords))
        self.notes.insert(0, FIREWALL_NOTE)
        missing = [verb for verb in VERB_FACTS.values() if verb not in keywords]
        if not missing:
            return self.result(
                "ok",
                msg("EHLO lists XEXCH50 and X-LINK2STATE: Exchange 2000's SMTP service answers"),
            )
        if masked_keywords(keywords):
            self.facts["smtp.ehlo-masked"] = True
            return self.result(
                "unreachable",
                msg(
                    "EHLO keywords are masked ({keywords}), as a firewall's SMTP inspection "
                    "does: run the check on the server itself (telnet localhost 25)",
                    keywords=", ".join(masked_keywords(keywords)),
                ),
            )
        version = self.facts.get("smtp.banner-version")
        if not is_windows_2000_smtp(version if isinstance(version, str) else None):
            # Exchange 2003 and later, IIS 6 relays and other servers never list these
            # verbs: their absence there says nothing about KB 279616.
            return self.result(
                "ok",
                msg(
                    "EHLO lacks Exchange 2000's verbs, but the greeting is not Windows 2000's "
                    "SMTP service (Version: 5.0.2195.x): KB 279616 does not apply to this server"
                ),
            )
        verbs: str  # a Message, or the one verb as it is
        if len(missing) > 1:
            verbs = msg("{first} and {last}", first=", ".join(missing[:-1]), last=missing[-1])
        else:
            verbs = missing[0]
        return self.result(
            "fault",
            msg(
                "EHLO lacks {verbs}: the Windows 2000 SMTP DLL appears to answer "
                "instead of Exchange 2000's (KB 279616)",
                verbs=verbs,
            ),
        )

    def timed_out(self) -> Message:
        limit = self.probe.timeout
        if self.step == "resolve":
            return slow_lookup(limit)
        if self.step == "connect":
            return no_answer(limit)
        if self.step == "greeting":
            return msg("no SMTP greeting within {seconds:g} s", seconds=limit)
        return msg(
            "no complete reply to {command} within {seconds:g} s",
            command=self.step.upper(),
            seconds=limit,
        )

    def result(self, status: Status, reason: str | Message) -> ProbeResult:
        probe = self.probe
        message = located(probe.target, reason)
        return ProbeResult(
            probe.name, probe.target, status, message, self.facts, self.details, self.notes
        )

    async def quit(self, deadline: float) -> None:
        """Best effort, within what is left of the timeout: a result never waits on it."""
        writer, reader = self.writer, self.reader
        if writer is None or reader is None:
            return
        loop = asyncio.get_running_loop()
        left = deadline - loop.time()
        if self.smtp:
            with contextlib.suppress(OSError, NotSmtp):  # TimeoutError is an OSError
                writer.write(b"QUIT\r\n")
                if self.between and left > 0:
                    async with asyncio.timeout(min(QUIT_WAIT, left)):
                        await writer.drain()
                        quit_reply = msg("the reply to {command}", command="QUIT")
                        self.details["quit"] = (await read_reply(reader, quit_reply)).lines
        await close(writer, max(0.0, min(0.5, deadline - loop.time())))

    def abort(self) -> None:
        """On cancellation too: never leave the socket open."""
        if self.writer is not None and not self.writer.is_closing():
            self.writer.close()
