"""An interactive diagnosis session: what the terminal UI holds, free of any UI.

A session is a sequence of answers, files and probe results; the report is
always recomputed from all of them, so changing an earlier answer updates
everything downstream. It saves to a small JSON file and resumes from it,
and it can say which ``kbassist diagnose`` command reproduces it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from .api import Diagnoser
from .case import Case, set_answer
from .errors import InputError, Problem
from .evidence import Artifact, Note, read_artifact
from .i18n import msg
from .probes.base import ProbeResult, Status
from .report.build import files_yielding
from .report.model import FileReport, QuestionReport, Report
from .report.render import to_markdown
from .safefile import SESSION_LIMIT, read_regular

SESSION_VERSION = 1
MAX_TEXT = 4096  # an answer or a file name: longer is not something kbassist saved


@dataclass
class FileEntry:
    """A file the user sent: read (``artifact``) or refused (``problem``)."""

    path: Path
    artifact: Artifact | None = None
    problem: Problem | None = None


@dataclass
class Session:
    diagnoser: Diagnoser
    lang: str = "en"
    answers: dict[str, str | None] = field(default_factory=dict)  # in the order given
    files: list[FileEntry] = field(default_factory=list)
    probes: list[ProbeResult] = field(default_factory=list)
    _report: Report | None = field(default=None, repr=False)

    # --- changes ------------------------------------------------------------------------

    def answer(self, question_id: str, raw: Any) -> None:
        """Record (or change) an answer; InputError says why a value is not accepted."""
        probe_case = Case()
        set_answer(probe_case, self.diagnoser.pack, question_id, raw, Problem("answer", ""))
        self.answers.pop(question_id, None)  # a changed answer moves to the end
        self.answers[question_id] = probe_case.answers[question_id]
        self._report = None

    def forget(self, question_id: str) -> None:
        self.answers.pop(question_id, None)
        self._report = None

    def add_file(self, path: Path) -> FileEntry:
        """Read a file; a file that cannot be used is kept with its one-line problem."""
        entry = FileEntry(Path(path))
        try:
            entry.artifact = read_artifact(entry.path)
        except InputError as error:
            entry.problem = error.problems[0]
        self.files.append(entry)
        self._report = None
        return entry

    def remove_file(self, index: int) -> None:
        del self.files[index]
        self._report = None

    def add_probe_results(self, results: list[ProbeResult]) -> None:
        self.probes.extend(results)
        self._report = None

    def set_language(self, lang: str) -> None:
        if lang != self.lang:
            self.lang = lang
            self._report = None

    # --- what the engine says -----------------------------------------------------------

    def case(self) -> Case:
        case = Case(answers=dict(self.answers))
        for entry in self.files:
            if entry.artifact is not None:
                case.observations.extend(entry.artifact.observations)
                case.artifacts.append(entry.artifact.summary())
        self.diagnoser.add_probe_results(case, self.probes)
        return case

    def report(self) -> Report:
        if self._report is None:
            self._report = self.diagnoser.diagnose(self.case(), lang=self.lang)
        return self._report

    def next_question(self) -> QuestionReport | None:
        """The question that matters most now; None when no answer could change anything."""
        questions = self.report().questions
        return questions[0] if questions else None

    def question_files(self, question_id: str) -> list[FileReport]:
        """The files that answer a question, with how to make each (as in the report)."""
        pack = self.diagnoser.pack
        return files_yielding(pack, pack.questions[question_id].covered_by, self.lang)

    def artifact_files(self, artifact: Artifact) -> list[FileReport]:
        """The files a file's notes ask for, with how to make each (as in the report)."""
        wants = (fact for note in artifact.notes for fact in note.wants)
        return files_yielding(self.diagnoser.pack, wants, self.lang)

    def ticket_note(self) -> str:
        return to_markdown(self.report())

    def diagnose_command(self) -> str:
        """The `kbassist diagnose` run that reproduces this session's answers and files."""
        words = ["kbassist", "diagnose"]
        words += [str(e.path) for e in self.files if e.artifact is not None]
        for qid, value in self.answers.items():
            words += ["--answer", f"{qid}={value if value is not None else 'unknown'}"]
        words += ["--lang", self.lang]
        return shlex.join(words)

    # --- keeping the work ---------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "kbassist_session": SESSION_VERSION,
            "lang": self.lang,
            "answers": self.answers,
            "files": [str(e.path) for e in self.files],
            "probes": [
                {
                    **p.to_dict(),
                    "notes": [{"en": n.en, "fr": n.fr, "wants": list(n.wants)} for n in p.notes],
                }
                for p in self.probes
            ],
        }

    def save(self, path: Path) -> None:
        """Write a new file beside ``path`` and rename it over the old one.

        The new file and its directory are synced first, so a full disk or a
        crash keeps the previous save whole, a reader never sees half a file,
        and two savers to one path leave one of their files, never a mix.
        """
        atomic_write(Path(path), json.dumps(self.to_dict(), indent=2).encode("utf-8"))

    @classmethod
    def load(cls, path: Path, diagnoser: Diagnoser) -> Session:
        """Resume a saved session. Files are read again; one that moved keeps its problem."""
        file = str(path)
        raw = read_regular(path, SESSION_LIMIT)  # never a FIFO or device, never unbounded
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
            reason = str(exc) if not isinstance(exc, RecursionError) else "nested too deeply"
            raise InputError(
                Problem(file, msg("not a kbassist session: {error}", error=reason))
            ) from None
        try:
            return cls._from_dict(file, data, diagnoser)
        except InputError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError):
            raise InputError(
                Problem(file, msg("not a kbassist session: {error}", error="unexpected content"))
            ) from None

    @classmethod
    def _from_dict(cls, file: str, data: Any, diagnoser: Diagnoser) -> Session:
        if not isinstance(data, dict) or data.get("kbassist_session") != SESSION_VERSION:
            raise InputError(Problem(file, msg("not a kbassist session file (version 1)")))
        lang = data.get("lang", "en")
        if lang not in ("en", "fr"):
            raise InputError(Problem(file, msg("not a kbassist session file (version 1)")))
        session = cls(diagnoser, lang=lang)
        for qid, value in _mapping(data.get("answers")).items():
            if not isinstance(value, str | bool | None) or len(str(value)) > MAX_TEXT:
                raise ValueError("an answer is not a short value")
            try:
                session.answer(qid, "unknown" if value is None else value)
            except InputError as error:
                raise InputError(Problem(file, error.problems[0].as_message())) from None
        for name in _sequence(data.get("files")):
            if not isinstance(name, str) or not name or "\0" in name or len(name) > MAX_TEXT:
                raise ValueError("a file name is not text")
            session.add_file(Path(name))
        for saved in _sequence(data.get("probes")):
            session.probes.append(_probe_from_dict(saved))
        return session


def _mapping(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError("expected a mapping")
    return value


def _sequence(value: Any) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data`` all at once: a temporary file beside it, synced, renamed."""
    import tempfile

    directory = path.parent
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # not every system can open a directory to sync it
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _probe_from_dict(data: dict[str, Any]) -> ProbeResult:
    if data["status"] not in get_args(Status):
        raise ValueError("not a probe status")
    return ProbeResult(
        name=str(data["name"]),
        target=str(data["target"]),
        status=data["status"],
        message=str(data.get("message", "")),
        facts=dict(data.get("facts") or {}),
        details=dict(data.get("details") or {}),
        notes=[
            Note(n["en"], n["fr"], tuple(str(f) for f in n.get("wants") or ()))
            for n in data.get("notes") or []
            if isinstance(n, dict)
        ],
        elapsed=float(data.get("elapsed", 0.0)),
    )
