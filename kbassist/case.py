"""A case: the answers given and the facts observed, each with where it came from.

``normalise`` turns a case into the flat mapping both rule evaluators read:
one entry per slot (``answer:ID``, ``fact:NAME``), absent when unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InputError, Problem
from .i18n import located, msg
from .safefile import ANSWERS_LIMIT, read_regular
from .values import VersionError, clamp_int, clean_text, parse_version

if TYPE_CHECKING:  # a case reads a pack's questions; it does not need the pack package to load
    from .pack.loader import Pack
    from .pack.model import Question

UNKNOWN = "unknown"
_YES = {"yes", "y", "true"}
_NO = {"no", "n", "false"}


@dataclass(frozen=True)
class Observation:
    """One fact seen in evidence: ``source`` is ``file:line`` or ``probe:NAME``."""

    fact: str
    value: Any
    source: str


@dataclass
class Case:
    answers: dict[str, str | None] = field(default_factory=dict)  # None = "unknown"
    observations: list[Observation] = field(default_factory=list)
    artifacts: list[dict[str, Any]] = field(default_factory=list)
    probes: list[Any] = field(default_factory=list)  # ProbeResult, kept for the report

    def answered(self, question_id: str) -> bool:
        return question_id in self.answers


def parse_answer(question: Question, raw: Any) -> str | None:
    """The canonical form of an answer, None for 'unknown'; ValueError (a Message) says why not."""
    if isinstance(raw, bool):
        text = "yes" if raw else "no"
    elif raw is None:
        raise ValueError(msg("no value given"))
    elif isinstance(raw, int | float | str):
        text = str(raw).strip()
    else:
        raise ValueError(msg("expected a single value, got {type}", type=type(raw).__name__))
    low = text.lower()
    if low == UNKNOWN:
        return None
    if question.kind == "yesno":
        if low in _YES:
            return "yes"
        if low in _NO:
            return "no"
        raise ValueError(msg("{text!r} is not yes, no or unknown", text=text))
    if question.kind == "choice":
        values = [c.value for c in question.choices]
        if low in values:
            return low
        raise ValueError(
            msg("{text!r} is not one of: {values}", text=text, values=", ".join(values))
        )
    if question.kind == "version":
        if low in question.special:
            return low
        try:
            parse_version(text)
        except VersionError:
            words = ", ".join([*question.special, UNKNOWN])
            raise ValueError(
                msg(
                    "{text!r} is not a version (e.g. 3.6.3) nor one of: {words}",
                    text=text,
                    words=words,
                )
            ) from None
        return text
    if not text:
        raise ValueError(msg("empty text"))
    return text


def set_answer(case: Case, pack: Pack, question_id: str, raw: Any, where: Problem) -> None:
    question = pack.questions.get(question_id)
    if question is None:
        raise InputError(
            Problem(
                where.file,
                msg("unknown question id {id!r}", id=question_id),
                where.line,
                where.column,
            )
        )
    try:
        case.answers[question_id] = parse_answer(question, raw)
    except ValueError as exc:
        raise InputError(
            Problem(where.file, located(question_id, exc.args[0]), where.line, where.column)
        ) from None


def read_answer_file(path: Path, case: Case, pack: Pack) -> None:
    from .yamlsource import load_yaml  # PyYAML is imported only when there is YAML to read

    file = str(path)
    raw = read_regular(path, ANSWERS_LIMIT)  # never a FIFO or device, never unbounded
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(file, f"not UTF-8 text (byte {exc.start})")) from None
    located = load_yaml(text, file, aliases=False)  # answer files never need one
    if located.problems:
        raise InputError(located.problems[0])
    data = located.data
    if data is None:
        return
    if not isinstance(data, dict):
        raise InputError(Problem(file, "an answer file is a mapping of question id to value", 1))
    for key, value in data.items():
        line, column = located.where((key,))
        set_answer(case, pack, str(key), value, Problem(file, "", line, column))


def read_answer_option(option: str, case: Case, pack: Pack) -> None:
    """``ID=VALUE`` from the command line."""
    key, sep, value = option.partition("=")
    if not sep or not key.strip():
        raise InputError(Problem("--answer", f"{option!r} is not ID=VALUE"))
    set_answer(case, pack, key.strip(), value, Problem(f"--answer {key.strip()}", ""))


def normalise(case: Case, pack: Pack) -> dict[str, Any]:
    """The slot mapping both evaluators read. Unknown answers and absent facts are left out."""
    out: dict[str, Any] = {}
    for qid, value in case.answers.items():
        if value is not None:
            out[f"answer:{qid}"] = slot_value(pack.questions[qid], value)
    by_fact: dict[str, list[Observation]] = {}
    for obs in case.observations:
        by_fact.setdefault(obs.fact, []).append(obs)
    for name, observations in by_fact.items():
        decl = pack.facts.get(name)
        if decl is None:
            continue  # evidence may know more than this pack reads
        value = merge_observations(decl.type, [o.value for o in observations])
        if value is not None:
            out[f"fact:{name}"] = value
    return out


def slot_value(question: Question, answer: str) -> Any:
    """A known answer as the evaluators read it: versions as tuples, text bounded."""
    if question.kind == "version" and answer not in question.special:
        return parse_version(answer)
    return clean_text(answer)


def merge_observations(kind: str, values: list[Any]) -> Any:
    """Several sightings of one fact: any true, the largest number, the union of lists."""
    try:
        if kind == "bool":
            return any(bool(v) for v in values)
        if kind == "int":
            return clamp_int(max(int(v) for v in values))
        if kind == "list":
            return sorted({clean_text(item) for v in values for item in v})
        if kind == "version":
            return max(parse_version(str(v)) for v in values)
        return clean_text(str(values[0]))
    except (TypeError, ValueError):
        return None


def with_answer(case: Case, question_id: str, value: str | None) -> Case:
    """A copy of ``case`` with one more answer (for what-if questions)."""
    answers = dict(case.answers)
    answers[question_id] = value
    return Case(
        answers=answers,
        observations=case.observations,
        artifacts=case.artifacts,
        probes=case.probes,
    )


def sources_for(case: Case, slot: str) -> list[tuple[str, Any, str]]:
    """(fact, value, source) triples behind one slot, for explanations."""
    kind, _, name = slot.partition(":")
    if kind == "answer":
        if case.answers.get(name) is None:
            return []
        return [(name, case.answers[name], f"answer:{name}")]
    if kind == "fact":
        return [(o.fact, o.value, o.source) for o in case.observations if o.fact == name]
    return []
