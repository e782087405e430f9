"""A pack's own test cases, run through the real Diagnoser (`pack test`, `pack explain`).

Each case is a folder ``<pack>/tests/<case>/`` holding ``case.yaml`` and the
artifact files it names::

    description: Orphaned Winsock transport in a registry export   # optional
    answers:                       # question id -> answer, as in an answer file
      symptom: new-mail-delayed
    artifacts: [winsock-orphan-transport.reg]   # files relative to the case folder
    expect:
      concluded: [winsock-transport-mismatch]   # exactly these causes are concluded
      not_concluded: [udp-notifications-blocked]  # none of these is concluded
      ruled_out: [cisco-vpn-disables-winsock]     # each of these is ruled out
      asks: [firewall-between-server-and-client]  # each is among the questions still asked

Every key of ``expect`` is optional; ``concluded: []`` says "nothing is
concluded" (a clean case), while leaving ``concluded`` out does not check it.
A case file that is malformed, names an unknown cause or question, or a
missing artifact makes the pack invalid (exit 3): the cases ship with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..case import Case, set_answer
from ..engine.reasoner import Outcome, run
from ..engine.reference import evaluate, holds
from ..errors import InputError, KbassistError, PackError, Problem
from ..pack.loader import Pack
from ..yamlsource import Located, load_yaml
from .source import PackSource
from .words import literal, show_value

CASE_FILE = "case.yaml"
TESTS_DIR = "tests"


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    concluded: list[str] | None = None
    not_concluded: list[str] = Field(default_factory=list)
    ruled_out: list[str] = Field(default_factory=list)
    # Where a cause is only possible, the pack must ask for the test that decides it.
    asks: list[str] = Field(default_factory=list)


class CaseModel(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str | None = None
    answers: dict[str, Any] = Field(default_factory=dict)
    artifacts: list[str] = Field(default_factory=list)
    expect: Expect = Field(default_factory=Expect)


@dataclass
class PackCase:
    name: str
    folder: Path
    model: CaseModel
    located: Located


@dataclass
class CaseResult:
    case: PackCase
    outcome: Outcome
    concluded: list[str]
    ruled_out: list[str]
    asked: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def case_dirs(pack_dir: Path) -> list[Path]:
    root = pack_dir / TESTS_DIR
    return sorted(p.parent for p in root.glob(f"*/{CASE_FILE}")) if root.is_dir() else []


def read_case(folder: Path, pack: Pack) -> PackCase:
    """One case, checked against the pack; PackError (exit 3) naming file:line when bad."""
    file = folder / CASE_FILE
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(Problem(str(file), f"cannot read: {exc}")) from None
    located = load_yaml(text, str(file))
    if located.problems:
        raise PackError(located.problems)
    try:
        model = CaseModel.model_validate(located.data or {})
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = ".".join(str(p) for p in loc)
            message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            problems.append(located.problem(loc, f"{where}: {message}"))
        raise PackError(problems) from None
    problems = []
    for key in ("concluded", "not_concluded", "ruled_out"):
        for i, cause in enumerate(getattr(model.expect, key) or []):
            if cause not in pack.causes:
                problems.append(located.problem(("expect", key, i), f"unknown cause {cause!r}"))
    for i, question in enumerate(model.expect.asks):
        if question not in pack.questions:
            problems.append(
                located.problem(("expect", "asks", i), f"unknown question {question!r}")
            )
    for i, name in enumerate(model.artifacts):
        if not (folder / name).is_file():
            problems.append(located.problem(("artifacts", i), f"no file {name!r} in {folder}"))
    if problems:
        raise PackError(problems)
    return PackCase(folder.name, folder, model, located)


def build_case(diagnoser: Any, case: PackCase) -> Case:
    """The Diagnoser's case; a bad answer or artifact is a pack problem here (exit 3)."""
    built = Case()
    try:
        for key, value in case.model.answers.items():
            where = case.located.problem(("answers", key), "")
            set_answer(built, diagnoser.pack, str(key), value, where)
        for name in case.model.artifacts:
            diagnoser.add_artifact(built, case.folder / name)
    except KbassistError as error:
        raise PackError(error.problems) from None
    return built


def run_case(diagnoser: Any, case: PackCase) -> CaseResult:
    built = build_case(diagnoser, case)
    report = diagnoser.diagnose(built)
    outcome = run(diagnoser.pack, diagnoser.backend, built)
    result = CaseResult(
        case,
        outcome,
        [c.id for c in report.causes],
        [r.id for r in report.ruled_out],
        [q.id for q in report.questions],
    )
    expect = case.model.expect
    if expect.concluded is not None and sorted(expect.concluded) != sorted(result.concluded):
        missing = sorted(set(expect.concluded) - set(result.concluded))
        extra = sorted(set(result.concluded) - set(expect.concluded))
        if missing:
            result.failures.append(f"expected concluded, but not: {', '.join(missing)}")
        if extra:
            result.failures.append(f"concluded, but not expected: {', '.join(extra)}")
    wrong = [c for c in expect.not_concluded if c in result.concluded]
    if wrong:
        result.failures.append(f"expected not concluded, but concluded: {', '.join(wrong)}")
    kept = [c for c in expect.ruled_out if c not in result.ruled_out]
    if kept:
        result.failures.append(f"expected ruled out, but not: {', '.join(kept)}")
    unasked = [q for q in expect.asks if q not in result.asked]
    if unasked:
        result.failures.append(f"expected to ask, but not asked: {', '.join(unasked)}")
    return result


def run_cases(source: PackSource) -> list[CaseResult]:
    from ..api import Diagnoser

    diagnoser = Diagnoser(source.pack)
    cases = [read_case(folder, source.pack) for folder in case_dirs(source.directory)]
    return [run_case(diagnoser, case) for case in cases]


def find_case(source: PackSource, name: Path) -> PackCase:
    """CASE as a folder, its case.yaml, or a case name under the pack's tests/."""
    candidates = [name, name.parent if name.name == CASE_FILE else name]
    candidates.append(source.directory / TESTS_DIR / str(name))
    for folder in candidates:
        if (folder / CASE_FILE).is_file():
            return read_case(folder, source.pack)
    known = ", ".join(p.name for p in case_dirs(source.directory)) or "none"
    raise InputError(Problem(str(name), f"no such test case (cases of this pack: {known})"))


# --- explanations -------------------------------------------------------------------


def explain(source: PackSource, outcome: Outcome, targets: list[str]) -> list[str]:
    """Per conclusion: its status, then every rule for and against, condition by condition."""
    pack = source.pack
    lines: list[str] = []
    for target in targets:
        cf = outcome.certainty.get(target, 0.0)
        if target in pack.causes:
            status = outcome.status(target, pack).replace("_", " ")
            lines.append(f"cause {target}: {status} (certainty {cf:+.2f})")
        else:
            held = f"finding:{target}" in outcome.inputs
            lines.append(f"finding {target}: {'holds' if held else 'does not hold'} ({cf:+.2f})")
        fired = {c.rule.index: c for c in outcome.contributions.get(target, [])}
        for rule in pack.compiled.rules:
            if rule.target != target:
                continue
            side = "for" if rule.certainty > 0 else "against"
            contribution = fired.get(rule.index)
            if contribution is not None:
                state = f"fired, {contribution.certainty:+.2f}"
            elif evaluate(rule.tree, outcome.inputs):
                state = "held, but its finding was too weak"
            else:
                state = "did not fire"
            lines.append(f"  {side} {rule.id} ({rule.certainty:+.2f}): {state}")
            lines += _tree_lines(rule.tree, outcome, "    ")
    return lines


def _tree_lines(tree: Any, outcome: Outcome, indent: str) -> list[str]:
    kind = tree[0]
    if kind == "lit":
        return [indent + _verdict(tree[1], outcome.inputs)]
    verdict = "held" if evaluate(tree, outcome.inputs) else "failed"
    head = {"all": "all of", "any": "any of", "not": "not"}[kind]
    children = [tree[1]] if kind == "not" else tree[1]
    out = [f"{indent}{head}: {verdict}"]
    for child in children:
        out += _tree_lines(child, outcome, indent + "  ")
    return out


def _verdict(lit: Any, inputs: dict[str, Any]) -> str:
    text = literal(lit)
    held = holds(lit, inputs)
    lacking = [slot for slot in lit.slots if slot not in inputs]
    if lacking:
        kind = lacking[0].split(":", 1)[0]
        why = "not concluded" if kind == "finding" else f"no {kind} given"
        if len(lit.slots) > 1:
            why = f"no {lacking[0]} given"
        return f"{text}: {'held' if held else 'lacked its input'} ({why})"
    if held:
        return f"{text}: held"
    seen = ", ".join(show_value(inputs[slot]) for slot in lit.slots)
    return f"{text}: failed (value{'s' if len(lit.slots) > 1 else ''} seen: {seen})"
