"""Reader for EnumProt output (KB 319572): can the server enumerate its Winsock transports?

EnumProt prints one run per invocation: ``Testing for "TCPIP Support"!``,
``Calling EnumProtocols() ...``, then either ``Dumping available transports [N]``,
N numbered ``i - Protocol: ...`` lines and ``SUCCEEDED!``, or
``Error returned!  GetLastError() = 0x2`` and ``FAILED! Returned 0x80040102``.
``EnumProt >> file`` appends runs, so a file may hold several: each run's
result is one observation and the engine counts any failure. Markers are found
anywhere in a line, so output pasted as one long line (as web copies of the
article show it) still reads, and prompts or notes around the runs are ignored.

A file cut before a run's SUCCEEDED! or FAILED! is refused, and so is one whose
last line, without its line break, ends in a code or a count that the cut may
have shortened (``FAILED! Returned 0x8004``): a verdict is whole or not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import Message, msg
from .base import Artifact, ArtifactError, Head
from .textfile import ended_lines, open_text

if TYPE_CHECKING:
    from ..pack.model import ArtifactKind

KIND: ArtifactKind = "enumprot-output"

_FLAGS = re.IGNORECASE | re.ASCII
_TOKEN = re.compile(
    r'(?P<test>Testing for\s+["“][^"”\n]{0,200}["”]\s*!)'
    r"|(?P<call>Calling EnumProtocols\s*\(\s*\))"
    r"|(?P<dump>Dumping available transports\s*\[(?P<count>[^\]\n]{0,40}\]?))"
    r"|(?P<entry>(?<![\w-])[0-9]+\s*-\s*Protocol\s*:)"
    r"|(?P<error>GetLastError\s*\(\s*\)\s*=\s*(?P<last_error>\S*))"
    r"|(?P<failed>FAILED!(?:[ \t]*Returned[ \t]*(?P<result>\S*))?)"
    r"|(?P<succeeded>SUCCEEDED!)",
    _FLAGS,
)
# Lines only EnumProt starts with: enough to claim a file, even one cut early.
_DETECT = re.compile(
    r'^\s*(?:Testing for\s+["“][^"”]*["”]\s*!|Calling EnumProtocols\s*\(\s*\)'
    r"|Dumping available transports\s*\[)",
    _FLAGS,
)
_HEX = re.compile(r"0x0*([0-9a-f]{1,8})", _FLAGS)
_COUNT = re.compile(r"\s*([0-9]{1,9})\s*\]", _FLAGS)
_CUT = msg("ends before EnumProt reported SUCCEEDED or FAILED")


def detect(head: Head) -> bool:
    """EnumProt's own lines at the start of a line, wherever they fall in the head."""
    return any(_DETECT.match(line) for line in head.lines)


@dataclass
class _Run:
    """One EnumProt invocation, from its first marker to SUCCEEDED or FAILED."""

    start: int
    last: int
    called: bool = False
    count: int | None = None
    count_line: int | None = None
    listed: int = 0


class _Parser:
    """Markers in file order; the open run, closed by SUCCEEDED! or FAILED!."""

    def __init__(self, artifact: Artifact):
        self.artifact = artifact
        self.file = str(artifact.path)
        self.run: _Run | None = None
        self.runs = 0

    def fail(self, message: Message, line: int | None) -> ArtifactError:
        return ArtifactError(self.file, message, line)

    def open(self, line: int) -> _Run:
        if self.run is None:
            self.run = _Run(line, line)
        self.run.last = line
        return self.run

    def token(self, match: re.Match[str], line: int) -> None:
        kind = match.lastgroup
        if kind == "test":
            if self.run is not None:
                raise self.fail(_CUT, self.run.last)
            self.open(line)
        elif kind == "call":
            if self.run is not None and self.run.called:
                raise self.fail(_CUT, self.run.last)
            self.open(line).called = True
        elif kind == "dump":
            self.dump(match["count"], line)
        elif kind == "entry":
            if self.run is not None and self.run.count is not None:
                self.run.listed += 1
                self.run.last = line
        elif kind == "error":
            self.open(line)
            code = self.hex_code(match["last_error"], msg("GetLastError() code"), line)
            self.artifact.observe("enumprot.last-error", code, line)
        elif kind == "failed":
            self.open(line)
            if match["result"] is not None:
                code = self.hex_code(match["result"], msg("FAILED! return code"), line)
                self.artifact.observe("enumprot.result", code, line)
            self.close(failed=True, line=line)
        elif kind == "succeeded":
            self.open(line)
            self.close(failed=False, line=line)

    def dump(self, count_text: str, line: int) -> None:
        run = self.open(line)
        match = _COUNT.fullmatch(count_text)
        if match is None:
            message = msg("transport count [{count} is not a number in brackets", count=count_text)
            raise self.fail(message, line)
        if run.count is not None:
            raise self.fail(_CUT, run.last)
        run.count, run.count_line = int(match[1]), line

    def hex_code(self, text: str, what: Message, line: int) -> int:
        match = _HEX.fullmatch(text)
        if match is None:
            message = msg(
                "{what} {code!r} is not a 32-bit hex number like 0x80040102", what=what, code=text
            )
            raise self.fail(message, line)
        return int(match[1], 16)

    def close(self, *, failed: bool, line: int) -> None:
        run = self.run
        assert run is not None
        if run.count is not None:
            if run.listed != run.count:
                raise self.fail(
                    msg(
                        "EnumProt announced {count} transports but lists {listed}",
                        count=run.count,
                        listed=run.listed,
                    ),
                    run.count_line,
                )
            self.artifact.observe("enumprot.transport-count", run.count, run.count_line)
        self.artifact.observe("enumprot.failed", failed, line)
        self.run = None
        self.runs += 1


def _open_ended(match: re.Match[str]) -> bool:
    """Whether the marker ends in a value a cut right after it may have shortened."""
    kind = match.lastgroup
    if kind == "dump":
        return not match[0].endswith("]")
    if kind == "failed":
        return match["result"] is not None
    return kind == "error"


def parse(path: Path) -> Artifact:
    """Each run's result, with the line it was reported on."""
    artifact = Artifact(path, KIND)
    parser = _Parser(artifact)
    last = 0
    with open_text(path) as stream:
        for number, line, ended in ended_lines(stream):
            last = number
            for match in _TOKEN.finditer(line):
                if not ended and match.end() == len(line) and _open_ended(match):
                    message = msg(
                        "the file ends in the middle of {text!r}, whose code or count "
                        "the cut may have shortened: it was cut",
                        text=match[0][:60],
                    )
                    raise ArtifactError(str(path), message, number)
                parser.token(match, number)
    if parser.run is not None:
        raise ArtifactError(str(path), _CUT, last)
    if parser.runs == 0:
        raise ArtifactError(str(path), msg("no EnumProt run found (no SUCCEEDED! or FAILED! line)"))
    return artifact
