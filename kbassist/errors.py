"""Error types that carry a location, so every bad input becomes one clear line."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where it is, and why."""

    file: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.message}"


class KbassistError(Exception):
    """Base of the errors the CLI turns into a line on stderr and an exit code."""

    exit_code = 2

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("kbassist", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class InputError(KbassistError):
    """An input that cannot be used: answer file, answer value, artifact (exit 2)."""

    exit_code = 2


class PackError(KbassistError):
    """The rule pack itself is invalid (exit 3)."""

    exit_code = 3
