"""Benchmark: `kbassist diagnose --batch` with one process and with every core.

Generates cases from the sample artifacts and answers in tests/data/samples
(each case: a few answers and zero to two artifacts, seeded), then times, side
by side in one run (medians of --runs):

* batch_jobs_1: ``kbassist diagnose --batch FILE --jobs 1`` (in-process, no pool),
* batch_jobs_N: the same with ``--jobs <cores>`` (worker processes),

each a fresh process writing to /dev/null, process start-up included, over a
backlog of --batch-cases (default 10000); and, over the first --cases (default
2000) already read and normalised (no artifact reading, no report), interleaved
run by run:

* raw_durable_host: the compiled rules in durable_rules used through its own Python
  API (``Host.assert_fact`` then ``retract_fact`` in one session per ruleset, a
  Python action per matched rule; bench/durable_host.py), over every rule level,
  once per case: the raw engine as documented,
* raw_durable: the same rulesets through ``DurableBackend.fire``, which drives
  durable's native engine directly, as kbassist does,
* raw_reference: the same with ``ReferenceBackend``,
* raw_clips: the same with CLIPS through clipspy (bench/clips_backend.py), the
  comparison issue 7 asks for; skipped, saying why, when clipspy is not installed;

and, over the same cases with their files already read:

* in_process: ``Diagnoser.diagnose(case).to_json(indent=None)``, i.e. the engine
  run plus kbassist's reasoning, question ranking and the one-line JSON report a
  batch writes: the kbassist layer's cost,
* in_process_clips: the very same with CLIPS under it: the clipspy version.

Before anything is timed, CLIPS and the Host path must fire exactly the rules and
disjuncts the reference evaluator fires on every case and level (for CLIPS also
through the reasoner, what-ifs included for the bundled pack's test cases; see
bench/agreement.py); otherwise the bench prints the first difference and exits 1,
publishing no timing of wrong answers.

Prints µs per case, cases/s, the jobs-N/jobs-1 speed-up, the batch overhead over
the raw engines and the engines' ratios (all per case), as JSON.

    .venv/bin/python bench/batch_bench.py [--cases 2000] [--batch-cases 10000]
                                          [--runs 3] [--jobs N]
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
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "tests" / "data" / "samples"
WHAT_IF_CASES = 200  # generated cases whose what-if questions the CLIPS gate also checks

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


def prepare_raw(cases: list[dict]) -> tuple[Any, list[Any], list[dict[str, Any]]]:
    """The pack, the cases as the Diagnoser builds them, and their normalised inputs."""
    from kbassist.api import Diagnoser
    from kbassist.case import normalise

    diagnoser = Diagnoser()
    built = [diagnoser.case(answers=c["answers"], artifacts=c["artifacts"]) for c in cases]
    return diagnoser, built, [normalise(case, diagnoser.pack) for case in built]


def checked_clips_backend(diagnoser: Any, built: list[Any]) -> tuple[Any, int] | str:
    """A CLIPS backend that agrees with the reference evaluator and how many fire calls
    showed it; the reason why not when clipspy is missing. Exits on any disagreement."""
    try:
        import clips  # noqa: F401
    except ImportError as exc:
        return f"clipspy is not installed ({exc}); pip install -e '.[bench]'"
    from agreement import Disagreement, check_agreement, pack_test_cases
    from clips_backend import ClipsBackend

    pack = diagnoser.pack
    backend = ClipsBackend(pack.compiled.slots, pack.compiled.rules)
    try:
        checked = check_agreement(pack, backend, built)
        checked += check_agreement(
            pack, backend, [*pack_test_cases(diagnoser), *built[:WHAT_IF_CASES]], what_ifs=True
        )
    except Disagreement as exc:
        raise SystemExit(f"raw_clips: no timing of wrong answers: {exc}") from None
    return backend, checked


def checked_host_backend(diagnoser: Any, built: list[Any]) -> Any:
    """durable_rules through its Python Host API, once it agrees with the reference."""
    from agreement import Disagreement, check_agreement
    from durable_host import HostDurableBackend

    pack = diagnoser.pack
    backend = HostDurableBackend(pack.compiled.slots, pack.compiled.rules)
    try:
        check_agreement(pack, backend, built)
    except Disagreement as exc:
        raise SystemExit(f"raw_durable_host: no timing of wrong answers: {exc}") from None
    return backend


def time_raw(
    pack: Any, inputs: list[dict[str, Any]], runs: int, extra: dict[str, Any]
) -> dict[str, float]:
    """Median seconds per backend for every case through every level, runs interleaved."""
    from kbassist.engine.durable_backend import DurableBackend
    from kbassist.engine.reference import ReferenceBackend

    backends = {
        "raw_durable": DurableBackend(pack.compiled.slots, pack.compiled.rules),
        "raw_reference": ReferenceBackend(),
        **extra,
    }
    levels = pack.compiled.levels
    for backend in backends.values():
        for level in levels:  # register rulesets outside the timing
            backend.fire(level, inputs[0])
    samples: dict[str, list[float]] = {name: [] for name in backends}
    for _ in range(runs):  # interleaved, so drift hits every engine alike
        for name, backend in backends.items():
            start = time.perf_counter()
            for case_inputs in inputs:
                for level in levels:
                    backend.fire(level, case_inputs)
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in samples.items()}


def time_in_process(diagnosers: dict[str, Any], built: list[Any], runs: int) -> dict[str, float]:
    """Median seconds for kbassist's own work on the same cases, files already read: the
    engine run plus reasoning, question ranking and the JSON report, per engine under
    it (runs interleaved)."""
    for diagnoser in diagnosers.values():
        for case in built[:50]:
            diagnoser.diagnose(case).to_json(indent=None)
    samples: dict[str, list[float]] = {name: [] for name in diagnosers}
    for _ in range(runs):
        for name, diagnoser in diagnosers.items():
            start = time.perf_counter()
            for case in built:
                diagnoser.diagnose(case).to_json(indent=None)
            samples[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in samples.items()}


def in_process_diagnosers(diagnoser: Any, extra: dict[str, Any]) -> dict[str, Any]:
    """kbassist as shipped and, when clipspy is there, the same kbassist on CLIPS:
    'the clipspy version', whose per-case time the issue's target compares with."""
    from kbassist.api import Diagnoser

    diagnosers = {"in_process": diagnoser}
    if "raw_clips" in extra:
        on_clips = Diagnoser(diagnoser.pack)
        on_clips.backend = extra["raw_clips"]
        diagnosers["in_process_clips"] = on_clips
    return diagnosers


def ratios(timings: dict[str, float], jobs: int) -> dict[str, float]:
    """The figures that count: each a quotient of two medians of seconds per case
    (> 1: slower)."""

    def over(a: str, b: str, digits: int) -> float:
        return round(timings[a] / timings[b], digits)

    out = {
        f"speedup_jobs_{jobs}_over_jobs_1": over("batch_jobs_1", f"batch_jobs_{jobs}", 2),
        "in_process_over_raw_durable_host": over("in_process", "raw_durable_host", 2),
        "in_process_over_raw_durable": over("in_process", "raw_durable", 2),
        "batch_jobs_1_over_raw_durable_host": over("batch_jobs_1", "raw_durable_host", 1),
        "raw_durable_host_over_raw_durable": over("raw_durable_host", "raw_durable", 2),
        "raw_durable_over_raw_reference": over("raw_durable", "raw_reference", 2),
    }
    if "raw_clips" in timings:
        out["raw_durable_over_raw_clips"] = over("raw_durable", "raw_clips", 2)
        out["raw_clips_over_raw_reference"] = over("raw_clips", "raw_reference", 2)
        out["in_process_over_in_process_clips"] = over("in_process", "in_process_clips", 2)
        out["in_process_over_raw_clips"] = over("in_process", "raw_clips", 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000)
    # A backlog, so that starting Python and the workers is a small share of the run.
    parser.add_argument("--batch-cases", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    cases = make_cases(max(args.cases, args.batch_cases))
    backlog, cases = cases[: args.batch_cases], cases[: args.cases]
    diagnoser, built, inputs = prepare_raw(cases)
    extra: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    clips = checked_clips_backend(diagnoser, built)  # the correctness gate, before any timing
    if isinstance(clips, str):
        skipped["raw_clips"] = clips
        print(f"raw_clips skipped: {clips}", file=sys.stderr)
    else:
        extra["raw_clips"], checked = clips
    extra["raw_durable_host"] = checked_host_backend(diagnoser, built)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "cases.jsonl"
        path.write_text("".join(json.dumps(c) + "\n" for c in backlog), encoding="utf-8")
        one, many = [], []
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            one.append(time_cli(path, 1))
            many.append(time_cli(path, args.jobs))
    timings = {
        "batch_jobs_1": statistics.median(one),
        f"batch_jobs_{args.jobs}": statistics.median(many),
        **time_raw(diagnoser.pack, inputs, args.runs, extra),
        **time_in_process(in_process_diagnosers(diagnoser, extra), built, args.runs),
    }
    counts = {k: args.batch_cases if k.startswith("batch_") else args.cases for k in timings}
    per_case = {k: v / counts[k] for k, v in timings.items()}
    report: dict[str, Any] = {
        "cases": args.cases,
        "batch_cases": args.batch_cases,
        "runs": args.runs,
        "cores": os.cpu_count(),
        "seconds": {k: round(v, 3) for k, v in timings.items()},
        "us_per_case": {k: round(v * 1e6, 1) for k, v in per_case.items()},
        "cases_per_s": {k: round(1 / v, 1) for k, v in per_case.items()},
        **ratios(per_case, args.jobs),
    }
    if extra:
        report["clips_fire_calls_checked"] = checked
    if skipped:
        report["skipped"] = skipped
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
