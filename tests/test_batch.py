"""`kbassist diagnose --batch`: one case per JSON line in, one result line out, in order."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kbassist.batch import run_batch
from kbassist.cli import main

from .conftest import SAMPLES

ARTIFACTS = sorted(
    str(p) for p in SAMPLES.iterdir() if p.suffix not in (".md", ".yaml") and p.is_file()
)
ANSWERS = yaml.safe_load((SAMPLES / "answers-new-mail-delayed.yaml").read_text(encoding="utf-8"))


def cli(*args: str, input: str | bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["diagnose", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def single(artifacts=(), answers=None, lang="en") -> tuple[int, dict]:
    """The report of the one-case `diagnose --format json` for the same inputs."""
    args = ["--format", "json", "--lang", lang, *artifacts]
    for key, value in (answers or {}).items():
        args += ["--answer", f"{key}={value}"]
    code, out, _ = cli(*args)
    return code, json.loads(out)


def write_cases(tmp_path: Path, lines: list) -> Path:
    path = tmp_path / "cases.jsonl"
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def results(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def sample_cases() -> list[dict]:
    cases: list[dict] = [{"id": f"a{i}", "artifacts": [p]} for i, p in enumerate(ARTIFACTS)]
    cases.append({"id": "answers", "answers": ANSWERS})
    cases.append(
        {
            "id": "fr",
            "answers": {"cisco-vpn-version": "3.6.3", "mail-shows-after-folder-switch": "yes"},
            "lang": "fr",
        }
    )
    cases.append({"id": "both", "answers": ANSWERS, "artifacts": ARTIFACTS[:3]})
    return cases


def test_each_report_equals_the_single_case_report(tmp_path):
    cases = sample_cases()
    code, out, err = cli("--batch", str(write_cases(tmp_path, cases)), "--jobs", "2")
    assert err == ""
    got = results(out)
    assert [r["id"] for r in got] == [c["id"] for c in cases]
    for case, result in zip(cases, got, strict=True):
        want_code, want = single(
            case.get("artifacts", ()), case.get("answers"), case.get("lang", "en")
        )
        assert result["report"] == want, case["id"]
        assert result["exit"] == want_code
        assert set(result) == {"id", "exit", "report"}
    assert code == 1  # the worst case concluded a cause, nothing failed
    assert all("\n" not in line for line in out.splitlines())  # one compact line each


def test_jobs_1_and_jobs_2_write_the_same_lines_in_input_order(tmp_path):
    cases = [dict(c, id=f"{n}-{c['id']}") for n in range(6) for c in sample_cases()]
    path = str(write_cases(tmp_path, cases))
    one = cli("--batch", path, "--jobs", "1")
    two = cli("--batch", path, "--jobs", "2")
    assert one == two
    assert [r["id"] for r in results(two[1])] == [c["id"] for c in cases]


def test_order_is_kept_with_small_chunks_and_many_tasks_in_flight():
    cases = [json.dumps({"id": i, "artifacts": [ARTIFACTS[i % len(ARTIFACTS)]]}) for i in range(60)]
    out = io.StringIO()
    worst = run_batch(iter(cases), out, jobs=2, chunksize=1)
    assert worst == 1
    assert [r["id"] for r in results(out.getvalue())] == list(range(60))


def test_bad_lines_give_their_error_and_the_others_run(tmp_path):
    missing = str(tmp_path / "missing.reg")
    lines = [
        {"id": "ok", "artifacts": [ARTIFACTS[0]]},
        '{"id": "broken", ',
        {"id": "bad-answer", "answers": {"symptom": "printer-on-fire"}},
        {"id": "unknown-question", "answers": {"favourite-colour": "blue"}},
        {"id": "missing", "artifacts": [ARTIFACTS[1], missing]},
        "",
        {"id": "bad-lang", "lang": "de"},
        {"id": "typo", "answer": {}},
        [1, 2],
        {
            "id": "last",
            "answers": {"cisco-vpn-version": "3.6.3", "mail-shows-after-folder-switch": "yes"},
        },
    ]
    code, out, err = cli("--batch", str(write_cases(tmp_path, lines)), "--jobs", "2")
    assert err == ""
    by_id = results(out)
    assert [r["id"] for r in by_id] == [
        "ok",
        None,
        "bad-answer",
        "unknown-question",
        "missing",
        "bad-lang",
        "typo",
        None,
        "last",
    ]  # the blank line gives nothing
    ok, broken, bad_answer, unknown, missing_r, bad_lang, typo, array, last = by_id
    assert ok["exit"] == 1 and ok["report"] == single([ARTIFACTS[0]])[1]
    assert broken["exit"] == 2 and broken["error"].startswith("line 2: not JSON")
    assert bad_answer["exit"] == 2 and "report" not in bad_answer
    assert bad_answer["error"].startswith("line 3: answers: symptom: 'printer-on-fire'")
    assert "unknown question id 'favourite-colour'" in unknown["error"]
    assert unknown["error"].startswith("line 4:")
    # A missing file: the report of what could be read, the error named, exit 2.
    assert missing_r["exit"] == 2
    assert missing_r["errors"] == [f"{missing}: no such file"]
    assert missing_r["report"] == single([ARTIFACTS[1]])[1]
    assert bad_lang["error"] == "line 7: lang: 'de' is not one of en, fr"
    assert "unknown key 'answer'" in typo["error"]
    assert array["error"] == "line 9: a case is a JSON object, got an array"
    assert last["exit"] == 1 and last["report"]["causes"][0]["id"] == "cisco-vpn-disables-winsock"
    assert all("\n" not in r.get("error", "") for r in by_id)
    assert code == 2  # the worst case


def test_exit_code_is_the_worst_case(tmp_path):
    nothing = {"answers": {"symptom": "other"}}
    found = {"answers": {"cisco-vpn-version": "3.6.3", "mail-shows-after-folder-switch": "yes"}}
    bad = {"answers": {"symptom": "nope"}}
    for cases, want, want_zero in [
        ([nothing, nothing], 0, 0),
        ([nothing, found, nothing], 1, 0),
        ([found, bad, nothing], 2, 2),
    ]:
        path = str(write_cases(tmp_path, cases))
        assert cli("--batch", path, "--jobs", "1")[0] == want
        assert cli("--batch", path, "--jobs", "1", "--exit-zero")[0] == want_zero


def test_stdin_input_and_default_language():
    lines = "\n".join(json.dumps(c) for c in sample_cases()[:4]) + "\n"
    code, out, err = cli("--batch", "-", "--lang", "fr", "--jobs", "2", input=lines)
    assert err == ""
    got = results(out)
    assert [r["report"]["language"] for r in got] == ["fr"] * 4
    assert got[0]["report"] == single([ARTIFACTS[0]], lang="fr")[1]
    assert code == 1


def test_a_line_that_is_not_utf8_is_an_error_line():
    data = b'{"id": "\xff"}\n{"id": 2, "answers": {"symptom": "other"}}\n'
    code, out, _ = cli("--batch", "-", "--jobs", "1", input=data)
    first, second = results(out)
    assert first == {"id": None, "exit": 2, "error": "line 1: not UTF-8 text (byte 9)"}
    assert second["exit"] == 0 and code == 2


@pytest.mark.parametrize(
    "extra",
    [
        [ARTIFACTS[0]],
        ["--answer", "symptom=other"],
        ["--answers", str(SAMPLES / "answers-new-mail-delayed.yaml")],
        ["--format", "text"],
        ["--smtp-host", "localhost"],
        ["--probe-timeout", "5"],
    ],
)
def test_options_of_one_case_are_a_usage_error(tmp_path, extra):
    path = str(write_cases(tmp_path, [{"id": 1}]))
    code, out, err = cli("--batch", path, *extra)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith("kbassist: --batch:")


def test_format_json_is_allowed_and_jobs_needs_batch(tmp_path):
    path = str(write_cases(tmp_path, [{"id": 1}]))
    assert cli("--batch", path, "--format", "json", "--jobs", "1")[0] == 0
    code, out, err = cli("--jobs", "2", "--answer", "symptom=other")
    assert code == 2 and out == "" and err == "kbassist: --jobs: only applies with --batch\n"


def test_a_missing_batch_file_is_one_line(tmp_path):
    code, out, err = cli("--batch", str(tmp_path / "none.jsonl"))
    assert code == 2 and out == ""
    assert err == f"kbassist: {tmp_path / 'none.jsonl'}: no such file\n"


def test_a_broken_pack_is_exit_3_before_any_case(tmp_path, pack_copy):
    (pack_copy / "pack.yaml").write_text("id: [", encoding="utf-8")
    path = str(write_cases(tmp_path, [{"id": 1}]))
    code, out, err = cli("--batch", path, "--pack", str(pack_copy), "--jobs", "2")
    assert code == 3 and out == "" and err.startswith("kbassist: ")


def test_the_batch_module_does_not_import_the_ui():
    code = (
        "import sys, kbassist.batch; "
        "assert not any(m.startswith('textual') for m in sys.modules), 'textual'; "
        "assert 'durable_rules_engine' not in sys.modules, 'durable_rules_engine'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_reader_that_stops_early_ends_the_run_quietly(tmp_path, jobs):
    """`kbassist diagnose --batch cases | head -1`: no traceback, the shell's SIGPIPE code."""
    cases = [{"id": i, "answers": {"symptom": "new-mail-delayed"}} for i in range(3000)]
    path = write_cases(tmp_path, cases)
    command = [sys.executable, "-m", "kbassist", "diagnose", "--batch", str(path), "--jobs", jobs]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # as head does once it has its line
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert json.loads(first)["id"] == 0
    assert (code, err) == (141, "")


def test_a_batch_keeps_nothing_per_case():
    """Memory stays flat over any number of cases: once every answer pattern and file
    has been seen (memos are per pack and bounded), more cases allocate nothing that
    stays. 90 cases, with files, repeated 12 times: what is still allocated after the
    last round is what was allocated after the third, give or take Python's own
    bounded free lists (about 25 KiB; keeping one small list per case is 90 KiB)."""
    import gc
    import random
    import tracemalloc

    rng = random.Random(5)
    questions = sorted(ANSWERS)
    cases = []
    for i in range(90):
        keys = rng.sample(questions, rng.randint(0, len(questions)))
        files = rng.sample(ARTIFACTS, rng.randint(0, 2))
        cases.append({"id": i, "answers": {k: ANSWERS[k] for k in keys}, "artifacts": files})
    lines = [json.dumps(case) for case in cases] * 12
    traced: dict[int, int] = {}

    class Sink(io.StringIO):
        written = 0

        def write(self, text: str) -> int:
            self.written += 1
            if self.written in (3 * len(cases), len(lines)):
                gc.collect()  # garbage not yet collected is not memory kept
                traced[self.written] = tracemalloc.get_traced_memory()[0]
            return len(text)

    tracemalloc.start()
    try:
        assert run_batch(lines, Sink(), jobs=1) in (0, 1, 2)
    finally:
        tracemalloc.stop()
    after_three, after_all = traced[3 * len(cases)], traced[len(lines)]
    assert after_all - after_three < 64 * 1024, (after_three, after_all)


def test_with_one_job_each_line_comes_back_while_the_input_is_still_open():
    """A hook that keeps the batch running, writes a case and waits for its line."""
    import os
    import selectors

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # as a hook runs it
    process = subprocess.Popen(
        [sys.executable, "-m", "kbassist", "diagnose", "--batch", "-", "--jobs", "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    assert process.stdin is not None and process.stdout is not None
    try:
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            for ticket in ("T-1", "T-2"):
                case = {
                    "id": ticket,
                    "answers": {
                        "cisco-vpn-version": "3.6.3",
                        "mail-shows-after-folder-switch": "yes",
                    },
                }
                process.stdin.write((json.dumps(case) + "\n").encode())
                process.stdin.flush()
                assert selector.select(timeout=60), f"no line for {ticket} within 60 s"
                line = json.loads(process.stdout.readline())
                assert line["id"] == ticket and line["exit"] == 1
        process.stdin.close()
        assert process.wait(timeout=60) == 1
    finally:
        process.kill()
