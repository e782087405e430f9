"""Benchmark: a batch's memory stays flat however many cases stream through it.

Feeds ``kbassist diagnose --batch - --jobs 1`` a stream of generated cases on
its standard input (answers only, from the bundled pack's questions, seeded;
nothing is held in memory on this side) and reads the process's resident set
size (VmRSS, /proc) after every tenth of the run. A batch that kept anything
per case (reports, sessions, unbounded memos) would grow with the count; the
figure that counts is the growth from the first tenth to the end.

    .venv/bin/python bench/memory_bench.py [--cases 1000000]

Linux only (it reads /proc); elsewhere it says so and measures nothing.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import threading
from pathlib import Path

from batch_bench import ANSWER_CHOICES


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    raise RuntimeError("no VmRSS line")


def feed(stdin, count: int) -> None:
    rng = random.Random(11)
    keys = sorted(ANSWER_CHOICES)
    try:
        for i in range(count):
            chosen = rng.sample(keys, rng.randint(0, 4))
            answers = {k: rng.choice(ANSWER_CHOICES[k]) for k in chosen}
            stdin.write((json.dumps({"id": i, "answers": answers}) + "\n").encode())
    finally:
        stdin.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)  # the "a million"
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        print(json.dumps({"skipped": "needs /proc (Linux)"}))
        return
    command = [sys.executable, "-m", "kbassist", "diagnose", "--batch", "-", "--jobs", "1"]
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    writer = threading.Thread(target=feed, args=(process.stdin, args.cases), daemon=True)
    writer.start()
    step = max(1, args.cases // 10)
    samples: dict[str, float] = {}
    assert process.stdout is not None
    for done, _line in enumerate(process.stdout, 1):
        if done % step == 0:
            samples[str(done)] = rss_mib(process.pid)
    process.wait()
    writer.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"batch run failed ({process.returncode})")
    values = list(samples.values())
    print(
        json.dumps(
            {
                "cases": args.cases,
                "rss_mib_after_cases": samples,
                "growth_first_tenth_to_end_mib": round(values[-1] - values[0], 1),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
