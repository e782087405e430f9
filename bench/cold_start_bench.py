"""Benchmark: what a ticket hook pays per call, next to starting Python at all.

Times, interleaved in one run, fresh processes of `python -c pass`,
`kbassist --help` and `kbassist diagnose` on one artifact; prints medians.

    .venv/bin/python bench/cold_start_bench.py [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "samples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    commands = {
        "python_pass": [sys.executable, "-c", "pass"],
        "kbassist_help": [sys.executable, "-m", "kbassist", "--help"],
        "diagnose_one_artifact": [
            sys.executable,
            "-m",
            "kbassist",
            "diagnose",
            str(SAMPLE / "winsock-orphan-transport.reg"),
            "--format",
            "json",
        ],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    medians = {name: round(statistics.median(t), 3) for name, t in times.items()}
    print(json.dumps({"runs": args.runs, "median_s": medians}, indent=2))


if __name__ == "__main__":
    main()
