"""`kbassist probe ...`: one live check from the command line, and the probes of `diagnose`.

The exit code is the worst of the results: 0 nothing wrong, 1 the check
found the fault, 2 the target could not be used (or the probe cannot run
here). Progress goes to stderr; stdout holds only the result.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .errors import InputError, Problem

if TYPE_CHECKING:  # kept out of the import path: `kbassist --help` must start fast
    from click.decorators import FC

    from .probes.base import Probe, ProbeResult

P = TypeVar("P")


def target(text: str, option: str, default_port: int | None = None) -> tuple[str, int]:
    from .probes.base import split_target

    try:
        return split_target(text, default_port)
    except ValueError as exc:
        raise InputError(Problem(option, str(exc))) from None


def exit_code(results: Sequence[ProbeResult]) -> int:
    codes = {r.exit_code for r in results}
    return 2 if 2 in codes else 1 if 1 in codes else 0


def render(results: Sequence[ProbeResult], fmt: str, lang: str = "en") -> str:
    from .report.render import safe

    if fmt == "json":
        dicts = [r.to_dict(lang) for r in results]
        return json.dumps(dicts[0] if len(dicts) == 1 else dicts, indent=2, ensure_ascii=False)
    out: list[str] = []
    for r in results:
        out.append(f"{r.name} {safe(r.target)}: {r.status}")
        out.append(f"  {safe(r.message)}")
        out += [f"  {safe(k)} = {safe(_show(v))}" for k, v in r.facts.items()]
        out += [f"  note: {safe(note.text(lang))}" for note in r.notes]
    return "\n".join(out)


def _show(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


def _progress(event: object) -> None:
    from .probes.runner import ProbeEvent

    assert isinstance(event, ProbeEvent)
    if event.kind == "started":
        click.echo(
            f"kbassist: {event.probe.name} {event.probe.target}: "
            f"checking (up to {event.probe.timeout:g} s)...",
            err=True,
        )


def run_and_print(probes: Sequence[Probe], fmt: str) -> None:
    """Run, print the results, and exit; a target that cannot be used is also a stderr line."""
    from .probes.runner import run_probes
    from .report.render import safe

    results = run_probes(probes, _progress if sys.stderr.isatty() else None)
    click.echo(render(results, fmt))
    for result in results:
        if result.exit_code == 2:
            click.echo(f"kbassist: {result.name}: {safe(result.message)}", err=True)
    sys.exit(exit_code(results))


_FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


def _timeout(default: float) -> Callable[[FC], FC]:
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0.1, max=3600),
        default=default,
        show_default=True,
        help="Seconds before giving up.",
    )


@click.group()
def probe() -> None:
    """Run one live check, as the articles ask an administrator to do by hand."""


@probe.command("smtp")
@click.argument("host")
@click.option("--port", type=click.IntRange(1, 65535), default=25, show_default=True)
@_timeout(10)
@_FORMAT
def smtp(host: str, port: int, timeout: float, fmt: str) -> None:
    """Connect, read the banner, send EHLO: are X-LINK2STATE and XEXCH50 listed? (KB 279616)"""
    from .probes.smtp import SmtpProbe

    run_and_print([SmtpProbe(host, port, timeout=timeout)], fmt)


@probe.command("tcp")
@click.argument("host")
@click.argument("ports", nargs=-1, required=True, type=click.IntRange(1, 65535))
@_timeout(5)
@_FORMAT
def tcp(host: str, ports: tuple[int, ...], timeout: float, fmt: str) -> None:
    """Is each TCP port open, refused, filtered (no answer) or unreachable?"""
    from .probes.tcp import TcpProbe

    run_and_print([TcpProbe(host, port, timeout=timeout) for port in ports], fmt)


@probe.command("registry")
@_FORMAT
def registry(fmt: str) -> None:
    """Read the keys the registry-export reader reads, from this machine (Windows)."""
    from .probes.registry import RegistryProbe

    run_and_print([RegistryProbe()], fmt)


@probe.command("udp-listen")
@click.option("--port", type=click.IntRange(1024, 65535), required=True, help="UDP port.")
@click.option("--bind", default="0.0.0.0", show_default=True, help="Local address to listen on.")
@click.option("--nonce", help="The sender's nonce (default: a new one, printed to stderr).")
@click.option("--expect-from", help="The Exchange server's address; another source hints at NAT.")
@_timeout(60)
@_FORMAT
def udp_listen(
    port: int, bind: str, nonce: str | None, expect_from: str | None, timeout: float, fmt: str
) -> None:
    """On the client: wait for the test datagrams udp-send sends from the server (KB 264035)."""
    from .probes.udp import UdpListenProbe

    probe_ = _checked(
        UdpListenProbe,
        port,
        timeout=timeout,
        bind=bind,
        nonce=nonce,
        expect_from=expect_from,
        on_listening=_tell_sender,
    )
    run_and_print([probe_], fmt)


@probe.command("udp-send")
@click.argument("destination", metavar="HOST:PORT")
@click.option("--count", type=click.IntRange(1, 100), default=3, show_default=True)
@click.option("--nonce", help="The nonce udp-listen printed.")
@_timeout(5)
@_FORMAT
def udp_send(destination: str, count: int, nonce: str | None, timeout: float, fmt: str) -> None:
    """On (or near) the Exchange server: send test datagrams to the client's udp-listen."""
    from .probes.udp import UdpSendProbe

    host, port = target(destination, "HOST:PORT")
    run_and_print(
        [_checked(UdpSendProbe, host, port, count=count, nonce=nonce, timeout=timeout)],
        fmt,
    )


@probe.command("udp-refused")
@click.argument("destination", metavar="HOST:PORT")
@_timeout(3)
@_FORMAT
def udp_refused(destination: str, timeout: float, fmt: str) -> None:
    """Does the host answer ICMP port unreachable, or is UDP silently dropped on the way?"""
    from .probes.udp import UdpRefusedProbe

    host, port = target(destination, "HOST:PORT")
    run_and_print([_checked(UdpRefusedProbe, host, port, timeout=timeout)], fmt)


def _tell_sender(probe: Any) -> None:
    """Once listening: what to run on the Exchange server (stderr; stdout is the result)."""
    import socket

    command = probe.sender_command(socket.gethostname())
    click.echo(f"kbassist: listening; on the Exchange server run: {command}", err=True)


def _checked(make: Callable[..., P], *args: Any, **kwargs: Any) -> P:
    """A probe's constructor rejects bad arguments with ValueError: one line, exit 2."""
    try:
        return make(*args, **kwargs)
    except ValueError as exc:
        raise InputError(Problem("probe", str(exc))) from None


def diagnose_probes(
    smtp_host: str | None,
    tcp_targets: Sequence[str],
    udp_refused_targets: Sequence[str],
    udp_listen_port: int | None,
    local_registry: bool,
    timeout: float,
) -> list[Probe]:
    """The probes that `diagnose` options ask for, checked before anything runs.

    Each probe module is imported only when its option is given: they pull in
    asyncio and sockets, which a diagnose from files alone does not need.
    """
    probes: list[Probe] = []
    if smtp_host:
        from .probes.smtp import SmtpProbe

        host, port = target(smtp_host, "--smtp-host", 25)
        probes.append(_checked(SmtpProbe, host, port, timeout=timeout))
    for text in tcp_targets:
        from .probes.tcp import TcpProbe

        host, port = target(text, "--tcp")
        probes.append(_checked(TcpProbe, host, port, timeout=timeout))
    for text in udp_refused_targets:
        from .probes.udp import UdpRefusedProbe

        host, port = target(text, "--udp-refused")
        probes.append(_checked(UdpRefusedProbe, host, port, timeout=timeout))
    if udp_listen_port is not None:
        from .probes.udp import UdpListenProbe

        probes.append(
            _checked(UdpListenProbe, udp_listen_port, timeout=timeout, on_listening=_tell_sender)
        )
    if local_registry:
        from .probes.registry import RegistryProbe

        probes.append(RegistryProbe(timeout=timeout))
    return probes
