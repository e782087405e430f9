"""Benchmark: reading a full-size registry export.

Generates a UTF-16LE ``.reg`` file of about 200 MB (a full HKLM export's
size: many keys no rule reads, plus the Winsock, Services and profile keys
the pack needs), then times, side by side in one run:

* floor: just decoding the file and splitting it into lines, and
* parse: ``kbassist.evidence.registry.parse`` (the reader the CLI uses),

each in a fresh process so its peak memory (max RSS) is its own. Prints
medians, throughput in MB/s, the ratio parse/floor and peak memory.

    .venv/bin/python bench/registry_bench.py [--mb 200] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import codecs
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

SERVICES = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services"


def _hex(data: bytes) -> str:
    pairs = [f"{b:02x}" for b in data]
    rows = [",".join(pairs[i : i + 25]) for i in range(0, len(pairs), 25)]
    return ",\\\r\n  ".join(rows)


def _filler_key(i: int) -> str:
    clsid = f"{{{i:08X}-0000-4000-8000-00000000{i % 9999:04d}}}"
    if i % 2:  # half of a full HKLM export is SYSTEM, every key inside a control set
        key = rf"{SERVICES}\Service{i}\Parameters\{clsid}"
    else:
        key = rf"HKEY_LOCAL_MACHINE\SOFTWARE\Classes\CLSID\{clsid}"
    blob = _hex(bytes((i + j) % 256 for j in range(96)))
    multi = _hex("".join(f"Item{j}\0" for j in range(4)).encode("utf-16-le") + b"\0\0")
    return (
        f"[{key}]\r\n"
        f'@="Component {i}"\r\n'
        f'"ThreadingModel"="Both"\r\n'
        f'"Version"=dword:{i:08x}\r\n'
        f'"Data"=hex:{blob}\r\n'
        f'"Names"=hex(7):{multi}\r\n\r\n'
        f"[{key}\\InprocServer32]\r\n"
        f'@="C:\\\\Windows\\\\System32\\\\component{i}.dll"\r\n\r\n'
    )


def generate(path: Path, megabytes: int) -> None:
    transports = _hex("Tcpip\0NetBT\0AppleTalk\0".encode("utf-16-le") + b"\0\0")
    head = (
        "Windows Registry Editor Version 5.00\r\n\r\n"
        "[HKEY_LOCAL_MACHINE]\r\n\r\n[HKEY_LOCAL_MACHINE\\SYSTEM]\r\n\r\n"
        f"[{SERVICES}]\r\n\r\n[{SERVICES}\\Winsock\\Parameters]\r\n"
        f'"Transports"=hex(7):{transports}\r\n\r\n'
        f"[{SERVICES}\\Tcpip]\r\n\r\n[{SERVICES}\\NetBT]\r\n\r\n"
    )
    target = megabytes * 1024 * 1024
    with path.open("wb") as out:
        out.write(codecs.BOM_UTF16_LE + head.encode("utf-16-le"))
        i = 0
        while out.tell() < target:
            chunk = "".join(_filler_key(i + j) for j in range(2000))
            out.write(chunk.encode("utf-16-le"))
            i += 2000


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
from kbassist.evidence import registry
start = time.perf_counter()
artifact = registry.parse(Path(sys.argv[1]))
assert artifact.summary()["facts"]["winsock.orphan-transports"] == ["AppleTalk"]
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
        [sys.executable, "-c", wrapper, str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024  # seconds, MiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="directory for the generated file")
    args = parser.parse_args()
    directory = args.keep or Path(tempfile.mkdtemp(prefix="kbassist-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"hklm-{args.mb}mb.reg"
    if not path.exists():
        generate(path, args.mb)
    size = path.stat().st_size / 1e6
    results: dict[str, list[tuple[float, float]]] = {"floor": [], "parse": []}
    for _ in range(args.runs):  # interleaved, so both see the same machine state
        results["floor"].append(run(FLOOR, path))
        results["parse"].append(run(PARSE, path))
    summary = {}
    for name, samples in results.items():
        seconds = statistics.median(s for s, _ in samples)
        summary[name] = {
            "median_s": round(seconds, 3),
            "mb_per_s": round(size / seconds, 1),
            "peak_mib": round(max(m for _, m in samples), 1),
        }
    summary["file_mb"] = round(size, 1)
    summary["parse_speed_vs_floor"] = round(
        summary["floor"]["median_s"] / summary["parse"]["median_s"], 3
    )
    print(json.dumps(summary, indent=2))
    if not args.keep:
        path.unlink()


if __name__ == "__main__":
    main()
