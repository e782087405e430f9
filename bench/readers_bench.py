"""Benchmark: each artifact reader's throughput at 1, 10 and 100 MB (flat means linear).

For each reader (``registry-export``, ``event-log`` in its wevtutil XML form,
``enumprot-output``, ``dpmon-log``, ``smtp-transcript``) it generates valid
input as the real program writes it, at each size, then times
``kbassist.evidence.read_artifact`` (detection and parsing, what the CLI
runs) in a fresh process per run, so each run's peak memory (max RSS) is its
own. Prints a table of median MB/s per size, the throughput at each size over
the smallest's (1.0 everywhere means time grows linearly with size; well under
1.0 means super-linear), and peak memory at the largest; then the same
figures as one JSON object (for bench/run_all.py).

    .venv/bin/python bench/readers_bench.py [--sizes 1,10,100] [--runs 3]
        [--readers registry-export,event-log] [--keep DIR]

The generated files: a Services export in regedit's order (UTF-16LE, CRLF),
Winsock transports and their keys among thousands of services; wevtutil
``/f:xml`` events (UTF-8); EnumProt runs appended with ``>>``; a DPMon trace
of logon calls with a notification registration now and then; telnet SMTP
sessions one after another. Each file ends as its program ends one.
"""

from __future__ import annotations

import argparse
import codecs
import json
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

MB = 1_000_000
SERVICES = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services"
EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"


# --- generators: an opening, a body repeated to the size, a closing ------------------------


def regedit_hex(prefix: str, data: bytes) -> str:
    """``prefix`` and hex data as regedit writes them: ``,\\``, CRLF and two spaces of indent
    after the comma that reaches column 77 (tests/artifacts.py writes .reg files with it)."""
    out, column = [prefix], len(prefix)
    for i, byte in enumerate(data):
        out.append(f"{byte:02x}")
        if i == len(data) - 1:
            break
        out.append(",")
        column += 3
        if column >= 77:
            out.append("\\\r\n  ")
            column = 2
    return "".join(out)


def _registry() -> tuple[str, Callable[[int], str], str]:
    helper = "%SystemRoot%\\System32\\wshtcpip.dll\0".encode("utf-16-le")
    mapping = bytes(range(48))

    image = regedit_hex('"ImagePath"=hex(2):', "system32\\drivers\\x.sys\0".encode("utf-16-le"))
    winsock = "\r\n".join(
        [regedit_hex('"HelperDllName"=hex(2):', helper), regedit_hex('"Mapping"=hex:', mapping)]
    )

    def service(name: str) -> str:
        key = f"{SERVICES}\\{name}"
        return (
            f"\r\n[{key}]\r\n"
            f'"DisplayName"="{name}"\r\n"ErrorControl"=dword:00000001\r\n'
            f'"Start"=dword:00000003\r\n"Type"=dword:00000001\r\n{image}\r\n'
            f"\r\n[{key}\\Parameters]\r\n"
            f'"EnableDeadGWDetect"=dword:00000001\r\n'
            f"\r\n[{key}\\Parameters\\Winsock]\r\n{winsock}\r\n"
            f'"MaxSockaddrLength"=dword:00000010\r\n'
        )

    names = "".join(f"{n}\0" for n in ["Tcpip", "NetBT", "AppleTalk"]).encode("utf-16-le")
    transports = regedit_hex('"Transports"=hex(7):', names + b"\0\0")
    opening = f"Windows Registry Editor Version 5.00\r\n\r\n[{SERVICES}]\r\n{service('NetBT')}"
    # Services Svc00000000... sort between NetBT and Tcpip, as regedit writes them; AppleTalk,
    # listed in Transports, has no key: the reader proves it missing once past its place.
    closing = (
        f"{service('Tcpip')}\r\n[{SERVICES}\\Winsock]\r\n"
        f"\r\n[{SERVICES}\\Winsock\\Parameters]\r\n{transports}\r\n\r\n"
    )
    return opening, lambda i: service(f"Svc{i:08d}"), closing


def _events() -> tuple[str, Callable[[int], str], str]:
    def event(i: int) -> str:
        source, event_id, data = [
            ("MSExchangeIS", 9671, "<Data>SYSTEM</Data><Data>8</Data>"),
            ("smtpsvc", 4000, "<Data>_c78290b817c75f4bac724d36582fdeea_D</Data>"),
            ("Service Control Manager", 7036, "<Data>Print Spooler</Data><Data>running</Data>"),
        ][i % 3]
        return (
            f"<Event xmlns='{EVENT_NS}'><System><Provider Name='{source}'/>"
            f"<EventID Qualifiers='49152'>{event_id}</EventID><Level>2</Level><Task>6</Task>"
            f"<Keywords>0x80000000000000</Keywords>"
            f"<TimeCreated SystemTime='2006-03-02T05:{i % 60:02d}:57.000000000Z'/>"
            f"<EventRecordID>{i}</EventRecordID><Channel>Application</Channel>"
            f"<Computer>DC-VERTON</Computer><Security/></System>"
            f"<EventData>{data}</EventData></Event>\r\n"
        )

    return "", event, ""


FAILED = "FAILED! Returned 0x80040102\r\n"


def _enumprot() -> tuple[str, Callable[[int], str], str]:
    guids = ["EBDFB267-726B-44D0-8151-991AADA9CC48", "940E55D2-C11F-4FAF-8D9A-DE8420445A8E"]

    def run(i: int) -> str:
        head = 'Testing for "TCPIP Support"!\r\nAF_INET = Family (2)\r\n'
        head += "Calling EnumProtocols() with 2048 byte buffer.\r\n"
        if i % 10 == 9:
            return head + "Error returned!  GetLastError() = 0x2\r\n" + FAILED
        lines = ["1 - Protocol: Family (2) Protocol (0x6) TCP/IP"]
        lines += ["2 - Protocol: Family (2) Protocol (0x11) UDP/IP"]
        lines += [
            f"{n} - Protocol: Family (17) Protocol (0x80000000) "
            f"\\Device\\NetBT_Tcpip_{{{guids[n % 2]}}}"
            for n in range(3, 7)
        ]
        dump = "Dumping available transports [6]\r\n" + "".join(f"{x}\r\n" for x in lines)
        return head + dump + "SUCCEEDED!\r\n"

    return "", run, ""


def _dpmon() -> tuple[str, Callable[[int], str], str]:
    register = "CNCT::EcOpenSocketAndRegisterForNotifications"

    def block(i: int) -> str:
        clock = f"09:{i // 3600 % 60:02d}:{i // 60 % 60:02d}.{i % 1000:03d}"
        lines = [
            f"{clock} [0x0a1c] EMSMDB::EcDoRpc server=EXCH01 ops=12 in=482 out=3094",
            f"{clock} [0x0a1c] MSGSTORE::OpenEntry ec=ecNone (0x0)",
            f"{clock} [0x0b20] MSGSTORE::GetProps ec=ecNotFound (0x8004010F)",
        ] * 60
        if i % 50 == 0:
            lines.append(f"{clock} [0x0a1c] {register}")
            lines.append(f"{clock} [0x0a1c] {register} ec=ecNone (0x0)")
        return "\r\n".join(lines) + "\r\n"

    return "DPMon trace started 03/03/2006 09:14:02\r\n", block, ""


def _smtp() -> tuple[str, Callable[[int], str], str]:
    banner = (
        "220 mail01.contoso.com Microsoft ESMTP MAIL Service, Version: 5.0.2195.1600 "
        "ready at  Thu, 16 Nov 2000 12:25:39 -0600\r\n"
    )
    verbs = ["TURN", "ATRN", "SIZE", "ETRN", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES"]
    verbs += ["8bitmime", "BINARYMIME", "CHUNKING", "VRFY", "X-EXPS GSSAPI NTLM LOGIN"]
    verbs += ["AUTH GSSAPI NTLM LOGIN", "AUTH=LOGIN", "XEXCH50", "X-LINK2STATE"]
    ehlo = "250-mail01.contoso.com Hello [10.0.0.15]\r\n" + "".join(f"250-{v}\r\n" for v in verbs)

    def session(i: int) -> str:
        return (
            f"{banner}ehlo helpdesk{i}\r\n{ehlo}250 OK\r\n"
            "mail from:<helpdesk@contoso.com>\r\n250 2.1.0 helpdesk@contoso.com....Sender OK\r\n"
            "rcpt to:<jdoe@contoso.com>\r\n250 2.1.5 jdoe@contoso.com\r\n"
            "rset\r\n250 2.0.0 Resetting\r\n"
            "quit\r\n221 2.0.0 mail01.contoso.com Service closing transmission channel\r\n"
        )

    return "", session, ""


# name -> (generator, codec, the facts a whole file must give: proof the reader read it)
READERS: dict[str, tuple[Callable[[], tuple[str, Callable[[int], str], str]], str, str]] = {
    "registry-export": (_registry, "utf-16-le", "winsock.orphan-transports"),
    "event-log": (_events, "utf-8", "event.msexchangeis-9671.count"),
    "enumprot-output": (_enumprot, "cp1252", "enumprot.failed"),
    "dpmon-log": (_dpmon, "cp1252", "dpmon.registration-refused"),
    "smtp-transcript": (_smtp, "cp1252", "smtp.x-link2state"),
}


def _chunks(body: Callable[[int], str], target: int, codec: str) -> Iterator[bytes]:
    size, i = 0, 0
    while size < target:
        count = 200 if target - size > MB else 1  # whole pieces, close to the size asked
        chunk = "".join(body(i + j) for j in range(count)).encode(codec)
        i += count
        size += len(chunk)
        yield chunk


def generate(reader: str, path: Path, megabytes: float) -> None:
    make, codec, _ = READERS[reader]
    opening, body, closing = make()
    with path.open("wb") as out:
        if codec == "utf-16-le":
            out.write(codecs.BOM_UTF16_LE)
        out.write(opening.encode(codec))
        for chunk in _chunks(body, int(megabytes * MB), codec):
            out.write(chunk)
        out.write(closing.encode(codec))


MEASURE = """
import resource, sys, time
from pathlib import Path
from kbassist.evidence import read_artifact
start = time.perf_counter()
artifact = read_artifact(Path(sys.argv[1]))
seconds = time.perf_counter() - start
assert sys.argv[2] in artifact.summary()["facts"], artifact.summary()["facts"]
print(seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run(path: Path, fact: str) -> tuple[float, float]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path), fact],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024  # seconds, MiB


def table(summary: dict, sizes: list[int]) -> str:
    head = ["reader", *(f"MB/s at {s} MB" for s in sizes)]
    head += [f"{s} MB / {sizes[0]} MB" for s in sizes[1:]]
    head += [f"peak MiB at {sizes[-1]} MB"]
    rows = [head, ["---"] * len(head)]
    for reader, figures in summary["readers"].items():
        speed = figures["mb_per_s"]
        row = [reader, *(f"{speed[str(s)]:.1f}" for s in sizes)]
        row += [f"{figures['ratio'][str(s)]:.2f}" for s in sizes[1:]]
        row += [f"{figures['peak_mib'][str(sizes[-1])]:.1f}"]
        rows.append(row)
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="megabytes, smallest first")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--readers", default=",".join(READERS))
    parser.add_argument("--keep", type=Path, help="directory for the generated files")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    readers = [r for r in args.readers.split(",") if r]
    unknown = [r for r in readers if r not in READERS]
    if unknown:
        parser.error(f"unknown readers: {', '.join(unknown)} (known: {', '.join(READERS)})")
    directory = args.keep or Path(tempfile.mkdtemp(prefix="kbassist-readers-"))
    directory.mkdir(parents=True, exist_ok=True)
    summary: dict = {"sizes_mb": sizes, "runs": args.runs, "readers": {}}
    for reader in readers:
        fact = READERS[reader][2]
        figures: dict[str, dict[str, float]] = {"mb_per_s": {}, "peak_mib": {}, "ratio": {}}
        for size in sizes:
            path = directory / f"{reader}-{size}mb"
            if not path.exists():
                generate(reader, path, size)
            megabytes = path.stat().st_size / MB
            samples = [run(path, fact) for _ in range(args.runs)]
            seconds = statistics.median(s for s, _ in samples)
            figures["mb_per_s"][str(size)] = round(megabytes / seconds, 2)
            figures["peak_mib"][str(size)] = round(max(m for _, m in samples), 1)
            if not args.keep:
                path.unlink()
        base = figures["mb_per_s"][str(sizes[0])]
        figures["ratio"] = {str(s): round(figures["mb_per_s"][str(s)] / base, 3) for s in sizes}
        summary["readers"][reader] = figures
    if not args.keep:
        directory.rmdir()
    print(table(summary, sizes))
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
