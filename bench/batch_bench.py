"""Benchmark: `kbassist diagnose --batch` with one process and with every core.

Generates N cases (default 2000) from the sample artifacts and answers in
tests/data/samples (each case: a few answers and zero to two artifacts, seeded),
then times, side by side in one run (medians of --runs):

* batch_jobs_1: ``kbassist diagnose --batch FILE --jobs 1`` (in-process, no pool),
* batch_jobs_N: the same with ``--jobs <cores>`` (worker processes),

each a fresh process writing to /dev/null, process start-up included; and, over
the same cases already read and normalised (no artifact reading, no report):

* raw_durable: ``DurableBackend.fire`` over every rule level, once per case,
* raw_reference: the same with ``ReferenceBackend``.

Prints cases/s, the jobs-N/jobs-1 speed-up and the batch overhead over the raw
engine, as JSON.

    .venv/bin/python bench/batch_bench.py [--cases 2000] [--runs 3] [--jobs N]
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
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "data" / "samples"

ANSWER_CHOICES = {
    "symptom": [
        "new-mail-delayed",
        "mail-stuck-in-queue",
        "registration-event",
        "icmp-port-unreachable",
        "other",
    ],
    "mail-shows-after-folder-switch": ["yes", "no", "unknown"],
    "cisco-vpn-version": ["3.6.3", "4.0.1", "none", "unknown"],
    "firewall-between-server-and-client": ["yes", "no"],
    "udp-packets-seen-at-client": ["yes", "no"],
    "client-rebooted-without-logoff": ["yes", "no"],
    "iis-reinstalled-after-exchange": ["yes", "no"],
}


def make_cases(count: int, seed: int = 7) -> list[dict]:
    import yaml

    rng = random.Random(seed)
    artifacts = sorted(
        str(p) for p in SAMPLES.iterdir() if p.is_file() and p.suffix not in (".md", ".yaml")
    )
    sample_answers = yaml.safe_load(
        (SAMPLES / "answers-new-mail-delayed.yaml").read_text(encoding="utf-8")
    )
    cases = []
    for i in range(count):
        if i % 5 == 0:
            answers = dict(sample_answers)
        else:
            keys = rng.sample(sorted(ANSWER_CHOICES), rng.randint(0, 3))
            answers = {k: rng.choice(ANSWER_CHOICES[k]) for k in keys}
        files = rng.sample(artifacts, rng.randint(0, 2))
        cases.append({"id": i, "answers": answers, "artifacts": files})
    return cases


def time_cli(path: Path, jobs: int) -> float:
    command = [sys.executable, "-m", "kbassist", "diagnose", "--batch", str(path)]
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "--jobs", str(jobs)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"batch run failed ({done.returncode}): {done.stderr.decode()}")
    return elapsed


def time_raw(cases: list[dict], runs: int) -> dict[str, float]:
    from kbassist.api import Diagnoser
    from kbassist.case import normalise
    from kbassist.engine.durable_backend import DurableBackend
    from kbassist.engine.reference import ReferenceBackend

    diagnoser = Diagnoser()
    pack = diagnoser.pack
    inputs = []
    for spec in cases:
        case = diagnoser.case(answers=spec["answers"], artifacts=spec["artifacts"])
        inputs.append(normalise(case, pack))
    levels = pack.compiled.levels
    out = {}
    for name, backend in (
        ("raw_durable", DurableBackend(pack.compiled.slots, pack.compiled.rules)),
        ("raw_reference", ReferenceBackend()),
    ):
        for level in levels:  # register rulesets outside the timing
            backend.fire(level, inputs[0])
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            for case_inputs in inputs:
                for level in levels:
                    backend.fire(level, case_inputs)
            samples.append(time.perf_counter() - start)
        out[name] = statistics.median(samples)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    cases = make_cases(args.cases)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.jsonl"
        path.write_text("".join(json.dumps(c) + "\n" for c in cases), encoding="utf-8")
        one, many = [], []
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            one.append(time_cli(path, 1))
            many.append(time_cli(path, args.jobs))
    timings = {
        "batch_jobs_1": statistics.median(one),
        f"batch_jobs_{args.jobs}": statistics.median(many),
        **time_raw(cases, args.runs),
    }
    n = args.cases
    print(
        json.dumps(
            {
                "cases": n,
                "runs": args.runs,
                "cores": os.cpu_count(),
                "seconds": {k: round(v, 3) for k, v in timings.items()},
                "cases_per_s": {k: round(n / v, 1) for k, v in timings.items()},
                f"speedup_jobs_{args.jobs}_over_jobs_1": round(
                    timings["batch_jobs_1"] / timings[f"batch_jobs_{args.jobs}"], 2
                ),
                "batch_jobs_1_over_raw_durable": round(
                    timings["batch_jobs_1"] / timings["raw_durable"], 1
                ),
                "raw_durable_over_raw_reference": round(
                    timings["raw_durable"] / timings["raw_reference"], 2
                ),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
