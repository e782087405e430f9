"""The Python API: load a pack, build a case, get the report the CLI prints.

from kbassist.api import Diagnoser
diagnoser = Diagnoser()                      # the bundled pack
case = diagnoser.case(answers={"cisco-vpn-version": "3.6.3"})
report = diagnoser.diagnose(case, lang="fr")
print(report.to_json())
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .case import Case, Observation, set_answer
from .engine.durable_backend import DurableBackend
from .engine.reasoner import Backend, rank_questions, run
from .engine.reference import ReferenceBackend
from .errors import InputError, Problem
from .evidence import read_artifact
from .i18n import msg
from .pack.loader import Pack, load_pack
from .report.build import build_report
from .report.model import Report

if TYPE_CHECKING:  # the probes package pulls in asyncio, which a plain diagnose never needs
    from .probes.base import ProbeResult

LANGUAGES = ("en", "fr")


class Diagnoser:
    """A pack and an engine, ready to diagnose any number of cases (one at a time)."""

    def __init__(
        self,
        pack: Pack | None = None,
        *,
        packs: Iterable[Path] | None = None,
        engine: str = "durable",
    ):
        self.pack = pack or load_pack(list(packs) if packs else None)
        self.backend: Backend = (
            ReferenceBackend()
            if engine == "reference"
            else DurableBackend(self.pack.compiled.slots, self.pack.compiled.rules)
        )

    def case(
        self,
        answers: Mapping[str, Any] | None = None,
        artifacts: Iterable[str | Path] = (),
        observations: Iterable[Observation] = (),
    ) -> Case:
        """A case from answers (validated like an answer file), artifact files and facts."""
        case = Case(observations=list(observations))
        for key, value in (answers or {}).items():
            set_answer(case, self.pack, key, value, Problem("answers", ""))
        for path in artifacts:
            self.add_artifact(case, Path(path))
        return case

    def add_artifact(self, case: Case, path: Path) -> None:
        """Read one file into the case; InputError (exit 2) if it cannot be used."""
        artifact = read_artifact(path)
        case.observations.extend(artifact.observations)
        case.artifacts.append(artifact.summary())

    def add_artifacts(self, case: Case, paths: Iterable[Path]) -> list[Problem]:
        """Read every file that can be read; the problems of those that cannot."""
        problems: list[Problem] = []
        for path in paths:
            try:
                self.add_artifact(case, Path(path))
            except InputError as error:
                problems.extend(error.problems)
        return problems

    def add_probe_results(self, case: Case, results: Iterable[ProbeResult]) -> None:
        """Evidence from live probes (``probe:NAME``); unusable targets stay in the report."""
        for result in results:
            case.observations.extend(result.observations())
            case.probes.append(result)

    def diagnose(self, case: Case, lang: str = "en") -> Report:
        if lang not in LANGUAGES:
            known = ", ".join(LANGUAGES)
            raise InputError(
                Problem("--lang", msg("{lang!r} is not one of {known}", lang=lang, known=known))
            )
        outcome = run(self.pack, self.backend, case)
        questions = rank_questions(self.pack, case, outcome)
        return build_report(self.pack, case, outcome, questions, lang)
