"""Evidence from the files users send.

``read_artifact`` recognises an artifact by its content and returns the facts
it holds, each with its ``file:line`` source. The five artifact kinds of the
contract are filled in by the evidence work; until a reader claims a file, it
is an unsupported artifact (exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..case import Observation
from ..errors import InputError, Problem


@dataclass
class Artifact:
    path: Path
    kind: str
    observations: list[Observation] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        facts: dict[str, Any] = {}
        for obs in self.observations:
            facts.setdefault(obs.fact, obs.value)
        return {"path": str(self.path), "kind": self.kind, "facts": facts}


READERS: list[Any] = []  # (detect, parse) pairs, registered by the artifact readers


def read_artifact(path: Path) -> Artifact:
    file = str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        raise InputError(Problem(file, "no such file")) from None
    except IsADirectoryError:
        raise InputError(Problem(file, "is a directory, not a file")) from None
    except OSError as exc:
        raise InputError(Problem(file, f"cannot read: {exc.strerror}")) from None
    for detect, parse in READERS:
        if detect(head):
            return parse(path)
    raise InputError(
        Problem(file, "unsupported artifact: no reader recognises this file's content")
    )
