"""Benchmark: reading a binary .evtx log, whole and damaged in part.

Writes a log of about 20 MB (the default maximum size of a Windows event log)
with tests/evtxgen.py, then times, side by side in one run:

* floor: the ``evtx`` parser alone in this process, each record's JSON decoded
  (what reading it in-process cost at the least, with no isolation), and
* read: ``kbassist.evidence.eventlog.parse``, the reader the CLI uses: the
  container walk, checksums, and the parser in its own process, chunk by chunk,
* damaged: the same reader on a copy with one record damaged in every tenth
  chunk, so it reads around them and warns.

Prints medians, throughput in MB/s and the ratio read/floor.

    .venv/bin/python bench/evtx_bench.py [--mb 20] [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import struct
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kbassist.evidence import eventlog  # noqa: E402
from tests.evtxgen import (  # noqa: E402
    CHUNK_HEADER_SIZE,
    CHUNK_SIZE,
    FILE_HEADER_SIZE,
    EventSpec,
    build_evtx,
    record_offsets,
)

EVENTS = [
    EventSpec("MSExchangeIS", 9671, qualifiers=49152, user_sid="S-1-5-18", strings=("SYSTEM", "8")),
    EventSpec("smtpsvc", 4000, strings=("_c78290b817c75f4bac724d36582fdeea_D", "DNS")),
    EventSpec("Service Control Manager", 7036, strings=("Print Spooler", "running" * 20)),
    EventSpec("MSExchangeIS", 1000, strings=("x" * 400,)),
]


def generate(megabytes: int) -> bytes:
    sample = build_evtx(EVENTS)
    (free,) = struct.unpack_from("<I", sample, FILE_HEADER_SIZE + 48)  # end of the records
    per_chunk = (CHUNK_SIZE - CHUNK_HEADER_SIZE) * len(EVENTS) // (free - CHUNK_HEADER_SIZE)
    count = megabytes * (1 << 20) // CHUNK_SIZE * per_chunk
    return build_evtx([EVENTS[i % len(EVENTS)] for i in range(count)])


def damage(data: bytes) -> bytes:
    out = bytearray(data)
    offsets = record_offsets(data)
    chunk_of = {rid: (at - FILE_HEADER_SIZE) // CHUNK_SIZE for rid, at in offsets.items()}
    done: set[int] = set()
    for rid, at in sorted(offsets.items()):
        chunk = chunk_of[rid]
        if chunk % 10 == 0 and chunk not in done:
            out[at + 24] = 0xFF  # the record's BinXML no longer starts with a fragment header
            done.add(chunk)
    return bytes(out)


def floor(path: Path) -> int:
    from evtx import PyEvtxParser

    count = 0
    for record in PyEvtxParser(str(path), number_of_threads=1).records_json():
        json.loads(record["data"])  # type: ignore[index]
        count += 1
    return count


def median_time(run: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        whole, hurt = Path(folder) / "whole.evtx", Path(folder) / "damaged.evtx"
        data = generate(args.mb)
        whole.write_bytes(data)
        hurt.write_bytes(damage(data))
        records = floor(whole)
        warnings = eventlog.parse(hurt).warnings
        times = {
            "floor": median_time(lambda: floor(whole), args.runs),
            "read": median_time(lambda: eventlog.parse(whole), args.runs),
            "damaged": median_time(lambda: eventlog.parse(hurt), args.runs),
        }
    size = len(data) / 1e6
    print(
        json.dumps(
            {
                "size_mb": round(size, 1),
                "records": records,
                "median_s": times,
                "mb_per_s": {k: round(size / v, 1) for k, v in times.items()},
                "read_over_floor": round(times["read"] / times["floor"], 2),
                "damaged_warnings": len(warnings),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
