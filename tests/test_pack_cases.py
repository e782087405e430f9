"""`kbassist pack test` and `pack explain`: a pack's own cases through the real Diagnoser."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from click.testing import CliRunner

from kbassist.authoring.cases import case_dirs, read_case
from kbassist.cli import main
from kbassist.pack.loader import bundled_pack_dirs, load_pack

from .conftest import SAMPLES


def run(*args: str):
    return CliRunner().invoke(main, ["pack", *args])


def add_case(pack_dir: Path, name: str, text: str, *samples: str) -> Path:
    folder = pack_dir / "tests" / name
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text(text, encoding="utf-8")
    for sample in samples:
        shutil.copy(SAMPLES / sample, folder)
    return folder / "case.yaml"


def test_bundled_cases_pass_and_cover_every_cause():
    result = run("test")
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.stdout
    pack = load_pack()
    cases = [read_case(d, pack) for d in case_dirs(bundled_pack_dirs()[0])]
    concluded = {c for case in cases for c in case.model.expect.concluded or []}
    assert concluded == set(pack.causes)
    assert any(case.model.expect.concluded == [] for case in cases)
    # the artifacts ship inside the case folders, not in tests/data
    assert all((case.folder / name).is_file() for case in cases for name in case.model.artifacts)


def test_failing_case_prints_difference_and_explanation(pack_copy: Path):
    add_case(
        pack_copy,
        "wrong",
        "artifacts: [winsock-ok.reg]\n"
        "expect:\n  concluded: [winsock-transport-mismatch]\n"
        "  ruled_out: [push-after-unclean-logoff]\n",
        "winsock-ok.reg",
    )
    add_case(
        pack_copy,
        "right",
        "artifacts: [winsock-ok.reg]\nexpect: {concluded: []}\n",
        "winsock-ok.reg",
    )
    result = run("test", str(pack_copy))
    assert result.exit_code == 1
    assert "ok   right" in result.stdout and "FAIL wrong" in result.stdout
    assert "expected concluded, but not: winsock-transport-mismatch" in result.stdout
    assert "expected ruled out, but not: push-after-unclean-logoff" in result.stdout
    assert "cause winsock-transport-mismatch: ruled out (certainty -0.80)" in result.stdout
    assert "against complete-export-without-orphans (-0.80): fired, -0.80" in result.stdout
    assert "1 passed, 1 failed" in result.stderr


def test_pack_without_cases_passes(pack_copy: Path):
    result = run("test", str(pack_copy))
    assert result.exit_code == 0
    assert "no test cases" in result.stderr


def test_bad_case_files_are_pack_errors_with_a_line(pack_copy: Path):
    file = add_case(pack_copy, "bad", "answers: {}\nexpect:\n  concluded: [no-such-cause]\n")
    result = run("test", str(pack_copy))
    assert result.exit_code == 3
    assert result.stderr.strip() == f"kbassist: {file}:3:15: unknown cause 'no-such-cause'"
    file.write_text("artifacts: [missing.reg]\nexpectation: {}\n", encoding="utf-8")
    result = run("test", str(pack_copy))
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"kbassist: {file}:2:1: expectation: unknown key"
    file.write_text("answers: {no-such-question: yes}\n", encoding="utf-8")
    result = run("test", str(pack_copy))
    assert result.exit_code == 3
    assert result.stderr.strip() == f"kbassist: {file}:1:11: unknown question id 'no-such-question'"
    assert "Traceback" not in result.output
    file.write_text("artifacts: [missing.reg]\n", encoding="utf-8")
    result = run("test", str(pack_copy))
    assert result.exit_code == 3
    assert f"{file}:1:" in result.stderr and "no file 'missing.reg'" in result.stderr


def test_explain_one_cause_condition_by_condition():
    result = run("explain", "firewall-drops-udp", "--cause", "udp-notifications-blocked")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("cause udp-notifications-blocked: concluded (certainty +0.54)")
    # scaled by the certainty of its finding (no UDP: 0.9 from the capture)
    assert "for firewall-no-udp-server-transports-fine (+0.60): fired, +0.54" in out
    assert "finding udp-missing: held" in out
    assert "fact dpmon.registration-refused is false: lacked its input (no fact given)" in out
    assert "for firewall-and-no-udp (+0.45): did not fire" in out
    assert "against no-firewall-on-path (-0.50): did not fire" in out
    assert "answer firewall-between-server-and-client is no: failed (value seen: yes)" in out
    assert "cause winsock" not in out


def test_explain_by_folder_lists_every_cause(pack_copy: Path):
    folder = bundled_pack_dirs()[0] / "tests" / "event-9671"
    result = run("explain", str(folder))
    assert result.exit_code == 0, result.output
    assert "cause notification-registration-limit: concluded (certainty +0.85)" in result.stdout
    assert result.stdout.count("\ncause ") == len(load_pack().causes) - 1


def test_explain_bad_input_is_one_line_exit_2():
    result = run("explain", "no-such-case")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "no such test case" in result.stderr
    result = run("explain", "event-9671", "--cause", "nope")
    assert result.exit_code == 2
    assert "no cause or finding 'nope'" in result.stderr


def test_case_yaml_files_are_plain_yaml():
    for folder in case_dirs(bundled_pack_dirs()[0]):
        assert isinstance(yaml.safe_load((folder / "case.yaml").read_text()), dict)
