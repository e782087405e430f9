"""What every artifact reader shares: the artifact, its error, and the reader shape.

A reader is a module with ``KIND`` (the contract's artifact kind), ``detect``
(does this content look like mine?) and ``parse`` (the facts, each with its
``file:line``). Readers see content, never file names.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..case import Observation
from ..errors import InputError, Problem
from ..i18n import Message

if TYPE_CHECKING:
    from ..pack.model import ArtifactKind


class ArtifactError(InputError):
    """A file that a reader claimed but cannot use: malformed, truncated (exit 2)."""

    def __init__(self, file: str, message: str | Message, line: int | None = None):
        super().__init__(Problem(file, message, line))


@dataclass(frozen=True)
class Note:
    """Advice about an artifact in both languages, e.g. what to export next.

    ``wants`` names the facts the advice is after (a note saying "export the
    Services key" wants ``winsock.orphan-count``): a report puts the how-to of
    the pack's files that yield them next to the note.
    """

    en: str
    fr: str
    wants: tuple[str, ...] = ()

    def text(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en

    def format(self, **params: Any) -> Note:
        """The note with ``{name}`` placeholders filled in, in both languages."""
        return Note(en=self.en.format(**params), fr=self.fr.format(**params), wants=self.wants)


KEEP_PER_VALUE = 100  # observations kept of one fact with one value (the first ones)
KEEP_VALUES = 100  # distinct values kept of one fact


@dataclass
class Artifact:
    """What a reader found in one file.

    A file may repeat a fact without end (EnumProt runs appended, a trace of
    many logons): the first :data:`KEEP_PER_VALUE` observations of each value
    are kept, which changes no rule's outcome, and at most :data:`KEEP_VALUES`
    values of one fact, the rest said in a warning; memory stays bounded.
    """

    path: Path
    kind: str
    observations: list[Observation] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    # What could not be read in a partly readable file (damaged records, a cut end):
    # the facts come from the rest, and none of them rests on absence.
    warnings: list[Note] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # structured records, e.g. "events"
    _kept: dict[tuple[str, str], int] = field(default_factory=dict, repr=False, compare=False)
    _values: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def observe(self, fact: str, value: Any, line: int | None) -> None:
        key = (fact, repr(value))
        kept = self._kept.get(key, 0)
        if kept >= KEEP_PER_VALUE:
            return
        if not kept:
            values = self._values.get(fact, 0)
            if values >= KEEP_VALUES:
                if values == KEEP_VALUES:
                    note = _TOO_MANY_VALUES if line is not None else _TOO_MANY_VALUES_IN_RECORDS
                    self.warnings.append(
                        note.format(fact=fact, keep=KEEP_VALUES, next=KEEP_VALUES + 1, line=line)
                    )
                    self._values[fact] = values + 1
                return
            self._values[fact] = values + 1
        self._kept[key] = kept + 1
        source = f"{self.path}:{line}" if line is not None else str(self.path)
        self.observations.append(Observation(fact, value, source))

    def summary(self) -> dict[str, Any]:
        """Facts as reported: one value, or every value when the file holds several."""
        facts: dict[str, Any] = {}
        for obs in self.observations:
            facts.setdefault(obs.fact, []).append(obs.value)
        out = {
            "path": str(self.path),
            "kind": self.kind,
            "facts": {k: v[0] if len(v) == 1 else v for k, v in facts.items()},
            "notes": [{"en": n.en, "fr": n.fr, "wants": list(n.wants)} for n in self.notes],
            "warnings": [{"en": n.en, "fr": n.fr} for n in self.warnings],
        }
        if "events" in self.details:
            out["events"] = self.details["events"]
        return out


_TOO_MANY_VALUES = Note(
    en="The file gives {fact} more than {keep} different values: those from the {next}th on "
    "(line {line}) are not read.",
    fr="Le fichier donne à {fact} plus de {keep} valeurs différentes\u00a0: celles à partir "
    "de la {next}e (ligne {line}) ne sont pas lues.",
)
_TOO_MANY_VALUES_IN_RECORDS = Note(  # facts of binary records, which have no line
    en="The file gives {fact} more than {keep} different values: those from the {next}th on "
    "are not read.",
    fr="Le fichier donne à {fact} plus de {keep} valeurs différentes\u00a0: celles à partir "
    "de la {next}e ne sont pas lues.",
)


@dataclass(frozen=True)
class Head:
    """The start of a file, for detection: raw bytes and their decoded text."""

    data: bytes
    text: str

    @property
    def lines(self) -> list[str]:
        return self.text.splitlines()

    def first_line(self) -> str:
        for line in self.lines:
            if line.strip():
                return line.strip()
        return ""


class Reader(Protocol):
    KIND: ArtifactKind

    def detect(self, head: Head) -> bool: ...

    def parse(self, path: Path) -> Artifact: ...


Detector = Callable[[Head], bool]
