"""Nothing lost on faults: a failed save keeps the old file; bad session files are one line."""

from __future__ import annotations

import errno
import json
import os
import threading
from pathlib import Path

import pytest

from kbassist.errors import InputError
from kbassist.session import Session

from .conftest import SAMPLES


@pytest.fixture
def session(diagnoser) -> Session:
    s = Session(diagnoser)
    s.answer("symptom", "new-mail-delayed")
    s.add_file(SAMPLES / "winsock-orphan-transport.reg")
    return s


def one_line(path: Path, diagnoser) -> str:
    with pytest.raises(InputError) as caught:
        Session.load(path, diagnoser)
    (problem,) = caught.value.problems
    line = str(problem)
    assert "\n" not in line and len(line) < 300
    return line


def test_a_failing_save_keeps_the_previous_file_whole(session, tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    session.save(path)
    before = path.read_bytes()
    session.answer("symptom", "mail-stuck-in-queue")

    def full_disk(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        session.save(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]  # no temporary left


def test_a_write_failing_midway_keeps_the_previous_file(session, tmp_path, monkeypatch):
    path = tmp_path / "s.json"
    session.save(path)
    before = path.read_bytes()
    real = os.fdopen

    class Half:
        def __init__(self, raw):
            self.raw = raw

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.raw.close()

        def write(self, data: bytes) -> int:
            self.raw.write(data[: len(data) // 2])
            raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fdopen", lambda fd, mode: Half(real(fd, mode)))
    with pytest.raises(OSError):
        session.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]


def test_concurrent_savers_leave_one_valid_file(diagnoser, tmp_path):
    path = tmp_path / "s.json"
    sessions = []
    for value in ("new-mail-delayed", "mail-stuck-in-queue"):
        s = Session(diagnoser)
        s.answer("symptom", value)
        sessions.append(s)
    expected = [json.dumps(s.to_dict(), indent=2) for s in sessions]
    errors: list[BaseException] = []

    def saver(s: Session) -> None:
        try:
            for _ in range(50):
                s.save(path)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=saver, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for _ in range(200):  # a reader meanwhile never sees half a file
        if path.exists():
            assert path.read_text(encoding="utf-8") in expected
    for t in threads:
        t.join()
    assert errors == []
    assert path.read_text(encoding="utf-8") in expected
    assert Session.load(path, diagnoser).answers["symptom"] in (
        "new-mail-delayed",
        "mail-stuck-in-queue",
    )


@pytest.mark.parametrize("keep", [0.25, 0.5, 0.9])
def test_a_truncated_session_is_one_line(session, tmp_path, diagnoser, keep):
    path = tmp_path / "s.json"
    session.save(path)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    assert one_line(path, diagnoser).startswith(f"{path}: not a kbassist session: ")


HOSTILE = [
    {"kbassist_session": 1, "answers": ["symptom"]},
    {"kbassist_session": 1, "answers": {"symptom": {"a": 1}}},
    {"kbassist_session": 1, "answers": {"symptom": "x" * 5_000_000}},
    {"kbassist_session": 1, "files": "a.reg"},
    {"kbassist_session": 1, "files": [42]},
    {"kbassist_session": 1, "files": ["x" * 100_000]},
    {"kbassist_session": 1, "probes": [{"name": "smtp"}]},
    {"kbassist_session": 1, "probes": [{"name": "s", "target": "t", "status": "pwned"}]},
    {"kbassist_session": 1, "probes": ["smtp"]},
    {"kbassist_session": 1, "lang": ["en"]},
    {"kbassist_session": 1, "lang": "de"},
    {"kbassist_session": "1"},
    [1, 2, 3],
]


@pytest.mark.parametrize("data", HOSTILE, ids=range(len(HOSTILE)))
def test_a_hostile_session_is_one_line(data, tmp_path, diagnoser):
    path = tmp_path / "s.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert one_line(path, diagnoser).startswith(f"{path}: ")


def test_a_deeply_nested_session_is_one_line(tmp_path, diagnoser):
    path = tmp_path / "s.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert one_line(path, diagnoser) == f"{path}: not a kbassist session: nested too deeply"


def test_a_saved_session_still_resumes(session, tmp_path, diagnoser):
    path = tmp_path / "s.json"
    session.save(path)
    again = Session.load(path, diagnoser)
    assert again.answers == session.answers
    assert [e.path for e in again.files] == [e.path for e in session.files]
