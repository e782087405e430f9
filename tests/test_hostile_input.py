"""Hostile input: special files and alias bombs are refused at once, in one line.

Each run is a real ``kbassist`` process under a timeout: a FIFO that blocked an
open, or an alias bomb that grew without bound, fails the test by timing out
or by hitting the memory limit, never by hanging the suite. Nothing here
asserts a speed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from kbassist.errors import InputError
from kbassist.safefile import read_regular

from .conftest import SAMPLES

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 60  # seconds: only reached when something blocks
MEMORY = 1 << 30  # bytes of address space a run may have: an alias bomb needs far more

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def kbassist(*args: str, stdin: bytes = b"", memory: bool = False) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "KBASSIST_NO_CACHE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "kbassist", *args],
        input=stdin,
        capture_output=True,
        timeout=TIMEOUT,
        env=env,
        preexec_fn=_limit_memory if memory else None,
    )
    return proc.returncode, proc.stdout.decode(), proc.stderr.decode()


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "events.txt"
    os.mkfifo(path)
    return path


SPECIAL = ["fifo", "/dev/zero"]


def special(which: str, fifo: Path) -> str:
    return str(fifo) if which == "fifo" else which


def why(which: str) -> str:
    if which == "fifo":
        return "is a pipe (FIFO), not a regular file: save it to a file first"
    return "is a device, not a regular file"


@pytest.mark.parametrize("which", SPECIAL)
@pytest.mark.parametrize(
    "args",
    [
        ("diagnose", "{}"),
        ("diagnose", "--answers", "{}"),
        ("diagnose", "--batch", "{}"),
        ("tui", "--resume", "{}"),
    ],
    ids=["artifact", "answer-file", "batch-file", "session"],
)
def test_a_special_file_is_refused_in_one_line(which, args, fifo):
    path = special(which, fifo)
    code, _, err = kbassist(*(a.format(path) for a in args))
    assert code == 2
    assert err.splitlines() == [f"kbassist: {path}: {why(which)}"]
    assert "Traceback" not in err


@pytest.mark.parametrize("which", SPECIAL)
def test_a_special_pack_file_is_refused_in_one_line(which, tmp_path, fifo):
    pack = tmp_path / "pack"
    pack.mkdir()
    if which == "fifo":
        os.mkfifo(pack / "pack.yaml")
    else:
        (pack / "pack.yaml").symlink_to(which)
    code, _, err = kbassist("diagnose", "--pack", str(pack))
    assert code == 2
    assert err.splitlines() == [f"kbassist: {pack / 'pack.yaml'}: {why(which)}"]


@pytest.mark.parametrize("which", SPECIAL)
def test_special_artifacts_inside_batch_cases_are_errors_of_that_case(which, fifo):
    path = special(which, fifo)
    line = {"id": "T-1", "artifacts": [path, str(SAMPLES / "winsock-orphan-transport.reg")]}
    code, out, err = kbassist(
        "diagnose", "--batch", "-", "--jobs", "1", stdin=json.dumps(line).encode() + b"\n"
    )
    assert code == 2 and err == ""
    (result,) = [json.loads(x) for x in out.splitlines()]
    assert result["exit"] == 2
    assert result["errors"] == [f"{path}: {why(which)}"]
    # the good file was still read
    assert [a["kind"] for a in result["report"]["artifacts"]] == ["registry-export"]


def test_batch_input_from_stdin_is_still_read():
    line = {"id": "T-2", "answers": {"symptom": "new-mail-delayed"}}
    code, out, _ = kbassist(
        "diagnose", "--batch", "-", "--jobs", "1", stdin=json.dumps(line).encode()
    )
    assert code in (0, 1)
    assert json.loads(out)["id"] == "T-2"


TUI_ADD = """
import asyncio, sys
from pathlib import Path
from kbassist.tui.app import KbassistApp
from textual.widgets import Input

async def main():
    app = KbassistApp()
    async with app.run_test(size=(100, 34)) as pilot:
        await pilot.pause()
        await pilot.press("f2")
        await pilot.pause()
        field = app.query_one("#file-path", Input)
        field.focus()
        field.value = sys.argv[1]
        await pilot.press("enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        (entry,) = app.session.files
        print(entry.problem)
        await pilot.press("ctrl+q")

asyncio.run(main())
"""


@pytest.mark.parametrize("which", SPECIAL)
def test_the_tui_refuses_a_special_file_without_freezing(which, fifo):
    path = special(which, fifo)
    env = {**os.environ, "PYTHONPATH": str(REPO), "KBASSIST_NO_CACHE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", TUI_ADD, path],
        capture_output=True,
        timeout=TIMEOUT,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert proc.stdout.decode().splitlines() == [f"{path}: {why(which)}"]


def test_read_regular_bounds_the_size(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: b\n" * 300)
    assert read_regular(big, 1500) == b"a: b\n" * 300
    with pytest.raises(InputError, match="too large"):
        read_regular(big, 1499)


def test_an_oversized_answer_file_is_one_line(tmp_path):
    big = tmp_path / "answers.yaml"
    big.write_bytes(b"# padding\r\n" * (1 << 17))  # 1.4 MB of comments: over 1 MB
    code, _, err = kbassist("diagnose", "--answers", str(big))
    assert code == 2
    assert err.splitlines() == [f"kbassist: {big}: too large: more than 1 MB"]
