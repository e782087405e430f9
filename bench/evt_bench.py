"""Benchmark: reading legacy ``.evt`` logs of 1, 10 and 100 MB.

Generates, with the test suite's writer of the event log service
(tests/evtgen.py), an Application log of each size that has wrapped once
(records split across the end of the file, padding, the oldest overwritten),
with the events an Exchange 2000 server logs. Then times, side by side in one
run, each in a fresh process so its peak memory (max RSS) is its own:

* floor: just reading the file, in 1 MiB blocks, and
* parse: ``kbassist.evidence.eventlog.parse`` (the reader the CLI uses).

Prints medians, throughput in MB/s and peak memory per size. Linear time shows
as the same MB/s at every size; bounded memory as the same peak.

    .venv/bin/python bench/evt_bench.py [--mb 1 10 100] [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.evtgen import WARNING, EvtEvent, EvtWriter, event_id  # noqa: E402

INFORMATION = 0x4


def events(seed: int = 2006) -> object:
    """An Exchange 2000 server's Application log, endlessly: mostly routine, some 4000 and 9671."""
    rng = random.Random(seed)
    n = 0
    while True:
        n += 1
        pick = rng.random()
        if pick < 0.02:
            yield EvtEvent(
                "MSExchangeIS", event_id(9671), user_sid="S-1-5-18", strings=("SYSTEM", "8")
            )
        elif pick < 0.10:
            domain = "_c78290b817c75f4bac724d36582fdeea_D" if n % 5 == 0 else f"contoso{n}.com"
            yield EvtEvent(
                "smtpsvc",
                event_id(4000, severity=2),
                WARNING,
                strings=(domain, "Unable to bind to the destination server in DNS."),
                data=bytes(rng.randrange(256) for _ in range(4)),
            )
        elif pick < 0.55:
            yield EvtEvent(
                "Service Control Manager",
                event_id(7036, severity=1),
                INFORMATION,
                strings=(f"Service {n % 40}", "running" if n % 2 else "stopped"),
            )
        else:
            yield EvtEvent(
                "MSExchangeIS Mailbox Store",
                event_id(1221, severity=1),
                INFORMATION,
                category=6,
                strings=("First Storage Group\\Mailbox Store (EXCH01)", str(rng.randrange(10**6))),
            )


def generate(path: Path, megabytes: int) -> None:
    size = megabytes * 1024 * 1024
    writer = EvtWriter(max_size=size)
    source = iter(events())
    while not writer.flags & 0x2 or writer.live[0].offset < size // 4:  # wrapped, a quarter over
        writer.write(next(source))  # type: ignore[call-overload]
    path.write_bytes(writer.file())


FLOOR = """
import sys, time
start = time.perf_counter()
with open(sys.argv[1], "rb") as handle:
    while handle.read(1 << 20):
        pass
print(time.perf_counter() - start)
"""

PARSE = """
import sys, time
from pathlib import Path
from kbassist.evidence import eventlog
start = time.perf_counter()
artifact = eventlog.parse(Path(sys.argv[1]))
seconds = time.perf_counter() - start
facts = artifact.summary()["facts"]
assert facts["event.smtpsvc-4000.guid-domain"] is True and not artifact.warnings, facts
assert facts["event.msexchangeis-9671.configured-max"] == 8, facts
print(seconds)
"""

MEASURE = """
import resource, sys
exec({code!r})
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def run(code: str, path: Path) -> tuple[float, float]:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    out = subprocess.run(
        [sys.executable, "-c", MEASURE.format(code=code), str(path)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    ).stdout.split()
    return float(out[0]), int(out[1]) / 1024  # seconds, MiB


def main() -> None:
    if sys.argv[1:2] == ["--generate"]:
        generate(Path(sys.argv[2]), int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="directory for the generated files")
    args = parser.parse_args()
    directory = args.keep or Path(tempfile.mkdtemp(prefix="kbassist-bench-"))
    directory.mkdir(parents=True, exist_ok=True)
    figures: dict[str, dict[str, float]] = {
        key: {} for key in ("file_mb", "parse_median_s", "parse_mb_per_s", "parse_peak_mib")
    }
    figures |= {"floor_mb_per_s": {}, "parse_speed_vs_floor": {}}
    for megabytes in args.mb:
        path = directory / f"AppEvent-{megabytes}mb.evt"
        if not path.exists():
            # In a child: Linux carries a process's peak RSS over to the children it starts,
            # so the generator's memory would show in every measurement after it.
            subprocess.run(
                [sys.executable, __file__, "--generate", str(path), str(megabytes)], check=True
            )
        size = path.stat().st_size / 1e6
        floor, parse = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine state
            floor.append(run(FLOOR, path))
            parse.append(run(PARSE, path))
        label = f"{megabytes} MB"
        floor_s = statistics.median(s for s, _ in floor)
        parse_s = statistics.median(s for s, _ in parse)
        figures["file_mb"][label] = round(size, 1)
        figures["parse_median_s"][label] = round(parse_s, 3)
        figures["parse_mb_per_s"][label] = round(size / parse_s, 1)
        figures["parse_peak_mib"][label] = round(max(m for _, m in parse), 1)
        figures["floor_mb_per_s"][label] = round(size / floor_s, 1)
        figures["parse_speed_vs_floor"][label] = round(floor_s / parse_s, 4)
        if not args.keep:
            path.unlink()
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
