"""Benchmark: reading SMTP transcripts of 1, 10 and 100 MB, plain text and HTML.

A transcript that size is a PuTTY log appended to for months, or a mail thread
quoted again and again: here, sessions one after another in the layouts they
arrive in (PuTTY headers, telnet's lines, e-mail quoting at several depths,
echoed commands glued to their replies, s_client's handshake), and the same
sessions as the HTML of a forum page (``<pre>``, ``<br>``, entities). The
last session lacks X-LINK2STATE, so the parse must read to the end.

For each size and layout, side by side in one run, each in a fresh process
(its peak memory, max RSS, is its own):

* floor: just decoding the file and splitting it into lines, and
* parse: ``kbassist.evidence.smtp_transcript.parse`` (the reader the CLI uses).

Prints medians, MB/s, the ratio parse/floor and peak memory, per size.

    .venv/bin/python bench/smtp_transcript_bench.py [--mb 1 10 100] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BANNER = (
    "220 mail{n:02d}.contoso.com Microsoft ESMTP MAIL Service, Version: 5.0.2195.6713 "
    "ready at  Thu, 2 Mar 2006 05:01:57 +0100"
)
VERBS = ["TURN", "ATRN", "SIZE", "ETRN", "PIPELINING", "DSN", "ENHANCEDSTATUSCODES"]
VERBS += ["8bitmime", "BINARYMIME", "CHUNKING", "VRFY", "X-EXPS GSSAPI NTLM LOGIN"]
VERBS += ["X-EXPS=LOGIN", "AUTH GSSAPI NTLM LOGIN", "AUTH=LOGIN"]
HANDSHAKE = [
    "CONNECTED(00000003)",
    "depth=0 /CN=mail01.contoso.com",
    "verify return:1",
    "---",
    "Certificate chain",
    " 0 s:/CN=mail01.contoso.com",
    "   i:/CN=mail01.contoso.com",
    "---",
    "Server certificate",
    "-----BEGIN CERTIFICATE-----",
    *["MIICsDCCAhmgAwIBAgIJAK+0bJ7ueDwcMA0GCSqGSIb3DQEBBQUAMEUxCzAJBgNV"] * 12,
    "-----END CERTIFICATE-----",
    "---",
    "SSL handshake has read 1160 bytes and written 332 bytes",
    "---",
    "New, TLSv1/SSLv3, Cipher is RC4-MD5",
    "SSL-Session:",
    "    Protocol  : TLSv1",
    "    Master-Key: 0123456789ABCDEF0123456789ABCDEF",
    "    0000 - 25 0f 3a 9c 5d 40 44 55-66 77 88 99 aa bb cc dd   %.:.]@DUfw......",
    "---",
]


def session(n: int, exchange: bool = True) -> list[str]:
    verbs = [*VERBS, "X-LINK2STATE", "XEXCH50"] if exchange else VERBS
    reply = ["250-mail01.contoso.com Hello [10.0.0.15]", *(f"250-{v}" for v in verbs), "250 OK"]
    lines = [BANNER.format(n=n % 100), "ehlo helpdesk" + reply[0], *reply[1:]]
    lines += ["mail from:<ann@contoso.com>", "250 2.1.0 ann@contoso.com....Sender OK"]
    lines += ["rcpt to:<bob@contoso.com>", "250 2.1.5 bob@contoso.com", "data"]
    lines += ["354 Start mail input; end with <CRLF>.<CRLF>", "Subject: test", "", "."]
    lines += ["250 2.6.0 <ABC@mail01.contoso.com> Queued mail for delivery", "quit"]
    return [*lines, "221 2.0.0 mail01.contoso.com Service closing transmission channel"]


def framed(n: int, exchange: bool = True) -> list[str]:
    """One session in one of the layouts a helpdesk gets, by turns."""
    lines = session(n, exchange)
    kind = n % 4
    if kind == 0:
        return [
            f"=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2006.03.02 05:{n % 60:02d}:57 =~=~=~=~=",
            *lines,
        ]
    if kind == 1:
        return ["Trying 10.0.0.5...", "Connected to mail01.", "Escape character is '^]'.", *lines]
    if kind == 2:
        depth = "> " * (1 + n % 3)
        return ["On Thu, Ann Admin wrote:", *(depth + line for line in lines)]
    return [*HANDSHAKE, *lines, "DONE"]


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def generate(path: Path, megabytes: int, html: bool) -> None:
    target = megabytes * 1024 * 1024
    with path.open("w", encoding="utf-8", newline="") as out:
        if html:
            out.write("<!DOCTYPE html>\r\n<html><head><title>Mail stuck</title></head><body>\r\n")
        n = 0
        while out.tell() < target:
            lines = framed(n)
            if html:
                out.write("<div class=post><p>Output:</p><pre>")
                out.write("<br>\r\n".join(escape(line) for line in lines))
                out.write("</pre></div>\r\n")
            else:
                out.write("\r\n".join(lines) + "\r\n")
            n += 1
        last = framed(1, exchange=False)  # telnet, without X-LINK2STATE
        out.write(
            ("<pre>" + "<br>".join(map(escape, last)) + "</pre>") if html else "\r\n".join(last)
        )


FLOOR = """
import sys, time
from pathlib import Path
from kbassist.evidence.textfile import open_text
start = time.perf_counter()
n = 0
with open_text(Path(sys.argv[1])) as stream:
    for line in stream:
        n += 1
print(time.perf_counter() - start)
"""

PARSE = """
import sys, time
from pathlib import Path
from kbassist.evidence import smtp_transcript
start = time.perf_counter()
artifact = smtp_transcript.parse(Path(sys.argv[1]))
facts = artifact.summary()["facts"]
assert facts["smtp.x-link2state"] is False and facts["smtp.banner-version"] == "5.0.2195.6713"
print(time.perf_counter() - start)
"""

MEASURE = """
import resource, sys
exec({code!r})
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run(code: str, path: Path) -> tuple[float, float]:
    wrapper = MEASURE.format(code=code)
    out = subprocess.run(
        [sys.executable, "-c", wrapper, str(path)], check=True, capture_output=True, text=True
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024  # seconds, MiB


def measure(path: Path, runs: int) -> dict:
    size = path.stat().st_size / 1e6
    results: dict[str, list[tuple[float, float]]] = {"floor": [], "parse": []}
    for _ in range(runs):  # interleaved, so both see the same machine state
        results["floor"].append(run(FLOOR, path))
        results["parse"].append(run(PARSE, path))
    summary: dict = {"file_mb": round(size, 1)}
    for name, samples in results.items():
        seconds = statistics.median(s for s, _ in samples)
        summary[name] = {
            "median_s": round(seconds, 3),
            "mb_per_s": round(size / seconds, 1),
            "peak_mib": round(max(m for _, m in samples), 1),
        }
    summary["parse_speed_vs_floor"] = round(
        summary["floor"]["median_s"] / summary["parse"]["median_s"], 3
    )
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="directory for the generated files")
    args = parser.parse_args()
    directory = args.keep or Path(tempfile.mkdtemp(prefix="kbassist-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    summary: dict = {}
    for megabytes in args.mb:
        for layout in ["text", "html"]:
            path = directory / f"transcript-{megabytes}mb.{'htm' if layout == 'html' else 'txt'}"
            if not path.exists():
                generate(path, megabytes, layout == "html")
            summary[f"{layout}_{megabytes}mb"] = measure(path, args.runs)
            if not args.keep:
                path.unlink()
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
