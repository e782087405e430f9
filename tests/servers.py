"""Servers on loopback for the probe tests and the probe benchmark's test twin.

aiosmtpd answering EHLO as the KB 279616 transcripts show (``smtpd``), and
scripted asyncio servers for what aiosmtpd will not say (``serve``).
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Awaitable, Callable, Iterator

import pytest
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
BANNER_REST = (
    "Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 ready at  Thu, 16 Nov 2000 12:25:39 -0600"
)
BANNER = f"mail01.contoso.com {BANNER_REST}"
VERBS = ["TURN", "ATRN", "SIZE", "ETRN", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES", "8bitmime"]
VERBS += ["BINARYMIME", "CHUNKING", "VRFY", "X-EXPS GSSAPI NTLM LOGIN", "X-EXPS=LOGIN"]
VERBS += ["AUTH GSSAPI NTLM LOGIN", "AUTH=LOGIN"]
EXCHANGE = ["XEXCH50", "X-LINK2STATE"]


def ehlo_reply(verbs: list[str]) -> list[str]:
    """The reply of KB 279616, greeting line first and '250 OK' last."""
    return ["250-mail01.contoso.com Hello [127.0.0.1]", *(f"250-{v}" for v in verbs), "250 OK"]


def free_port() -> int:
    """A loopback port nothing listens on (bound, read, closed)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Handler:
    """aiosmtpd hooks: EHLO answered with ``verbs``; what the client sent, recorded."""

    def __init__(self, verbs: list[str] | None):
        self.verbs = verbs
        self.ehlo: list[str] = []
        self.quits = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.ehlo.append(hostname)
        session.host_name = hostname
        return responses if self.verbs is None else ehlo_reply(self.verbs)

    async def handle_QUIT(self, server, session, envelope):
        self.quits += 1
        return "221 2.0.0 mail01.contoso.com Service closing transmission channel"


@pytest.fixture
def smtpd() -> Iterator[Callable[[list[str] | None], tuple[Handler, int]]]:
    """Start aiosmtpd with the Exchange 2000 banner; ``None`` keeps aiosmtpd's own EHLO."""
    controllers: list[Controller] = []

    def start(verbs: list[str] | None) -> tuple[Handler, int]:
        handler = Handler(verbs)
        port = free_port()
        controller = Controller(
            handler,
            hostname=HOST,
            port=port,
            server_hostname="mail01.contoso.com",  # also spares aiosmtpd a getfqdn() lookup
            ident=BANNER_REST,
            ready_timeout=5.0,
        )
        controller.start()
        controllers.append(controller)
        return handler, port

    yield start
    for controller in controllers:
        controller.stop()


class Peer:
    """The server's side of one connection, as a script sees it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, heard: list):
        self.reader, self.writer, self.heard = reader, writer, heard

    async def say(self, *lines: str | bytes) -> None:
        for line in lines:
            self.writer.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")
        await self.writer.drain()

    async def hear(self) -> str:
        line = (await self.reader.readline()).decode("latin-1").rstrip("\r\n")
        self.heard.append(line)
        return line


Script = Callable[[Peer], Awaitable[None]]


class ScriptedServer:
    """A loopback TCP server on its own loop in a thread, running ``script`` per connection."""

    def __init__(self, script: Script):
        self.script = script
        self.heard: list[str] = []
        self.connected = threading.Event()
        self.hung_up = threading.Event()  # the client closed its end
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> int:
        self.thread.start()
        assert self.ready.wait(5)
        return self.port

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._serve, HOST, 0))
        self.port = server.sockets[0].getsockname()[1]
        self.ready.set()
        self.loop.run_forever()
        server.close()
        tasks = asyncio.all_tasks(self.loop)
        for task in tasks:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self.loop.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connected.set()
        try:
            await self.script(Peer(reader, writer, self.heard))
            while await reader.read(4096):  # until the client hangs up
                pass
            self.hung_up.set()
        except ConnectionError:
            self.hung_up.set()
        finally:
            writer.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Script], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script: Script) -> ScriptedServer:
        server = ScriptedServer(script)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
