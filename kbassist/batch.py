"""Batch diagnosis: one case per JSON line in, one result per line out, in input order.

Each input line is a case::

    {"id": "T-1", "answers": {"symptom": "new-mail-delayed"}, "artifacts": ["a.reg"], "lang": "fr"}

and each output line one compact JSON object: ``{"id", "exit", "report"}``, plus
``"errors"`` when an artifact could not be read (the report covers the rest, exit 2),
or ``{"id", "exit": 2, "error"}`` for a case that cannot be run at all (bad JSON,
unknown question, invalid answer...). A bad line never stops the run. Blank lines
are skipped.

Input is read lazily and at most a bounded window of cases is in flight, so memory
stays flat however long the input. With ``jobs > 1`` cases run in worker processes
started with ``forkserver`` (``spawn`` where there is none): durable_rules' native
state must never be forked, so each worker builds its own :class:`Diagnoser` once.

No UI imports here: the CLI only wires options to :func:`run_batch`.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import islice
from pathlib import Path
from typing import IO, Any

from .errors import InputError, KbassistError, Problem
from .safefile import open_regular

CASE_KEYS = ("id", "answers", "artifacts", "lang")
LANGUAGES = ("en", "fr")
CHUNKSIZE = 16  # cases per task sent to a worker: ~50-100 ms of work
WINDOW_PER_JOB = 4  # tasks in flight per worker; bounds memory and keeps workers busy

Result = tuple[int, str]  # (exit code, output line without its newline)


# --- one case ----------------------------------------------------------------------------


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _error(case_id: Any, message: str) -> Result:
    return 2, _dumps({"id": case_id, "exit": 2, "error": message})


def _where(number: int, field: str = "") -> str:
    return f"line {number}" + (f": {field}" if field else "")


def run_line(diagnoser: Any, number: int, raw: str | bytes, lang: str = "en") -> Result:
    """The result of input line ``number`` (1-based): (exit code, output line)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            return _error(None, f"{_where(number)}: not UTF-8 text (byte {exc.start + 1})")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return _error(None, f"{_where(number)}: not JSON: {exc.msg} (column {exc.colno})")
    except RecursionError:
        return _error(None, f"{_where(number)}: not JSON: nested too deeply")
    if not isinstance(data, dict):
        return _error(None, f"{_where(number)}: a case is a JSON object, got {_kind(data)}")
    case_id = data.get("id")
    try:
        return _run_case(diagnoser, number, data, lang)
    except InputError as error:
        return _error(case_id, "; ".join(str(p) for p in error.problems))
    except Exception as error:  # a bug: one case must not stop a million
        if os.environ.get("KBASSIST_DEBUG"):
            raise
        message = f"{_where(number)}: internal error: {type(error).__name__}: {error}"
        return _error(case_id, " ".join(message.split()))


def _kind(value: Any) -> str:
    return {
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        dict: "an object",
    }.get(type(value), "null")


def _run_case(diagnoser: Any, number: int, data: dict[str, Any], default_lang: str) -> Result:
    from .case import set_answer

    unknown = [key for key in data if key not in CASE_KEYS]
    if unknown:
        raise InputError(
            Problem(
                _where(number),
                f"unknown key {unknown[0]!r} (a case has: {', '.join(CASE_KEYS)})",
            )
        )
    lang = data.get("lang")
    if lang is None:
        lang = default_lang
    elif lang not in LANGUAGES:
        raise InputError(
            Problem(_where(number, "lang"), f"{lang!r} is not one of {', '.join(LANGUAGES)}")
        )
    answers = data.get("answers") or {}
    if not isinstance(answers, dict):
        raise InputError(
            Problem(
                _where(number, "answers"),
                f"expected an object of question id to value, got {_kind(answers)}",
            )
        )
    paths = data.get("artifacts") or []
    if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
        raise InputError(
            Problem(_where(number, "artifacts"), "expected an array of file paths (strings)")
        )
    case = diagnoser.case()
    for key, value in answers.items():
        set_answer(case, diagnoser.pack, key, value, Problem(_where(number, "answers"), ""))
    problems = diagnoser.add_artifacts(case, [Path(p) for p in paths])
    report = diagnoser.diagnose(case, lang=lang)
    code = 2 if problems else (1 if report.causes else 0)
    head = f'{{"id":{_dumps(data.get("id"))},"exit":{code},"report":{report.to_json(indent=None)}'
    if problems:
        head += f',"errors":{_dumps([str(p) for p in problems])}'
    return code, head + "}"


# --- worker processes --------------------------------------------------------------------

_worker: tuple[Any, str] | None = None  # (Diagnoser, default language) in a worker process


def _init_worker(packs: list[Path] | None, lang: str) -> None:
    global _worker
    from .api import Diagnoser

    _worker = (Diagnoser(packs=packs), lang)


def _run_chunk(chunk: Sequence[tuple[int, bytes]]) -> list[Result]:
    assert _worker is not None, "worker not initialised"
    diagnoser, lang = _worker
    return [run_line(diagnoser, number, raw, lang) for number, raw in chunk]


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def _parallel(
    numbered: Iterator[tuple[int, bytes]],
    packs: list[Path] | None,
    lang: str,
    jobs: int,
    chunksize: int,
) -> Iterator[list[Result]]:
    """Results chunk by chunk, in input order, with a bounded number of chunks in flight."""
    pool = ProcessPoolExecutor(
        jobs, mp_context=_context(), initializer=_init_worker, initargs=(packs, lang)
    )
    pending: deque[tuple[int, Future[list[Result]]]] = deque()
    window = max(2, jobs * WINDOW_PER_JOB)
    try:
        while True:
            chunk = list(islice(numbered, chunksize))
            if chunk:
                pending.append((chunk[0][0], pool.submit(_run_chunk, chunk)))
            if pending and (not chunk or len(pending) >= window):
                first, future = pending.popleft()
                try:
                    yield future.result()
                except BrokenProcessPool:
                    raise KbassistError(
                        Problem(
                            "--batch",
                            f"a worker process stopped unexpectedly (cases from line {first}); "
                            "rerun those cases with --jobs 1 to find the one at fault",
                        )
                    ) from None
            if not chunk and not pending:
                return
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


# --- the run -----------------------------------------------------------------------------


def _numbered(lines: Iterable[bytes | str]) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(lines, 1):
        if line.strip():
            yield number, line


def run_batch(
    lines: Iterable[bytes | str],
    out: IO[str],
    *,
    packs: Sequence[Path] | None = None,
    lang: str = "en",
    jobs: int | None = None,
    chunksize: int = CHUNKSIZE,
) -> int:
    """Diagnose every line of ``lines``, writing one result line each to ``out``.

    Returns the worst exit code of the cases (2 > 1 > 0). ``jobs`` defaults to the
    number of CPUs; 1 runs in this process. A pack that cannot be loaded raises
    :class:`~kbassist.errors.PackError` before any case runs.
    """
    from .pack.loader import load_pack

    jobs = jobs or os.cpu_count() or 1
    pack_dirs = [Path(p) for p in packs] if packs else None
    numbered = _numbered(lines)
    worst = 0
    if jobs <= 1:
        from .api import Diagnoser

        diagnoser = Diagnoser(load_pack(pack_dirs))
        for number, raw in numbered:
            code, text = run_line(diagnoser, number, raw, lang)
            out.write(text + "\n")
            # A hook that writes one case and waits for its line must get it now; a
            # flush is a few µs against hundreds per case.
            out.flush()
            worst = max(worst, code)
        return worst
    load_pack(pack_dirs)  # a broken pack is one clear error here, not a dead worker
    for results in _parallel(numbered, pack_dirs, lang, jobs, chunksize):
        for code, text in results:
            out.write(text + "\n")
            worst = max(worst, code)
        out.flush()
    return worst


def open_input(source: str) -> IO[bytes]:
    """The batch input: a file, or standard input for ``-`` (read as bytes, line by line)."""
    import sys

    if source == "-":
        return sys.stdin.buffer
    fd = open_regular(source)  # a named FIFO or a device is refused at once; stdin is "-"
    os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")
