"""Error types that carry a location, so every bad input becomes one clear line."""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import Message, located


@dataclass(frozen=True)
class Problem:
    """One thing wrong, where it is, and why.

    ``message`` is a :class:`~kbassist.i18n.Message` where the UI may say it in
    another language (the readers' errors); ``str(problem)`` is always English.
    """

    file: str
    message: str | Message
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return str(self.as_message())

    def text(self, lang: str) -> str:
        """The whole line in ``lang`` (the place as it is)."""
        return self.as_message().text(lang)

    def as_message(self) -> Message:
        """``file:line:column: message`` as a Message, to wrap in another Problem."""
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return located(where, self.message)


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
