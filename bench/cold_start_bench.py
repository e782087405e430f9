"""Benchmark: what a ticket hook pays per call, next to starting Python at all.

Times, interleaved in one run, fresh processes of `python -c pass`,
`kbassist --help` and `kbassist diagnose` on one artifact; prints medians.
`diagnose` runs with the pack cache filled, as every call after the first
one of an install does, and with the cache off (the first call's cost).
The cache is a temporary one, never the user's.

kbassist's bytecode is compiled first, as pip does when it installs the wheel
(and Python on a checkout's first run, unless PYTHONDONTWRITEBYTECODE is set,
as it is on some CI machines): a hook pays for loading, not for compiling the
source on every call. ``bytecode_compiled`` in the output says it was done.

    .venv/bin/python bench/cold_start_bench.py [--runs 9]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "tests" / "data" / "samples"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    diagnose = [
        sys.executable,
        "-m",
        "kbassist",
        "diagnose",
        str(SAMPLE / "winsock-orphan-transport.reg"),
        "--format",
        "json",
    ]
    commands = {
        "python_pass": ([sys.executable, "-c", "pass"], {}),
        "kbassist_help": ([sys.executable, "-m", "kbassist", "--help"], {}),
        "diagnose_one_artifact": (diagnose, {}),
        "diagnose_no_pack_cache": (diagnose, {"KBASSIST_NO_CACHE": "1"}),
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    compiled = compile_bytecode()
    with tempfile.TemporaryDirectory(prefix="kbassist-bench-cache-") as cache:
        base = {**os.environ, "KBASSIST_CACHE_DIR": cache}
        base.pop("KBASSIST_NO_CACHE", None)
        subprocess.run(diagnose, env=base, stdout=subprocess.DEVNULL, check=False)  # fill it
        for _ in range(args.runs):
            for name, (command, env) in commands.items():
                start = time.perf_counter()
                subprocess.run(
                    command,
                    env={**base, **env},
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=False,
                )
                times[name].append(time.perf_counter() - start)
    medians = {name: round(statistics.median(t), 3) for name, t in times.items()}
    report = {"runs": args.runs, "bytecode_compiled": compiled, "median_s": medians}
    print(json.dumps(report, indent=2))


def compile_bytecode() -> bool:
    """Write the kbassist package's .pyc files, as installing the wheel would."""
    import compileall

    import kbassist

    return compileall.compile_dir(Path(kbassist.__file__).parent, quiet=1)


if __name__ == "__main__":
    main()
