"""`pack lint`: things a valid pack says that are probably wrong.

Validation (:mod:`kbassist.pack.checks`) rejects packs that cannot run; lint
finds packs that run but mislead: text missing in one language, rules that
can never fire, parts nothing uses. Each finding has a stable code:

* KB101 a text has English but no French (question text/help, choice label,
  cause title/summary, finding title, fact help, file title/how, rule ``because``)
* KB102 an article exists in one language only
* KB103 an article section (anchor) exists in one language only
* KB104 a fix section has a different number of steps, or of notes, in each language
* KB105 the ``{placeholders}`` of a text differ between languages
* KB106 French typography in a French text of the pack (every ``fr:`` string)
  or in a French article's prose: a plain space or none before ``:`` (wants
  U+00A0) or ``;`` ``?`` ``!`` (U+202F or U+00A0), inside ``« »`` (U+00A0),
  before ``%`` after a number, and a decimal point in ``0.90`` or ``2.5 %``;
  never in code spans or blocks, URLs, paths, placeholders, times (``12:25``)
  or versions (``5.0.2195``, ``4.0``): :mod:`kbassist.authoring.typography`
  says exactly what is looked at and why. ``pack lint --fix`` inserts the
  no-break spaces (not the decimal comma)
* KB201 a cause or finding that no rule can conclude
* KB202 a question that no rule (nor any cause's ``fix_when``) reads
* KB203 a fact declared but never read (by a rule, ``ask_when`` or ``covered_by``)
* KB204 a question ``covered_by`` a fact that no file of ``files`` yields and no
  live probe reports (the probes' ``FACTS``): nothing could answer it instead of
  the user, and no report can say which file to send
* KB301 a rule duplicating another (same target, sign and compiled condition)
* KB302 a rule that can never fire (every case of its condition contradicts itself)
* KB303 a rule without a complete ``review`` (source, others and certainty, the
  last two in every language)
* KB304 two rules for the same target and sign that can fire together on the same
  test of the same input: certainty factors assume independent evidence
* KB305 a cause that rules can conclude from ``symptom`` and ``risk-factor``
  answers alone (and findings those alone conclude), all of them firing together
* KB306 one rule that concludes a cause on its own from ``symptom`` and
  ``risk-factor`` answers alone
* KB400 an article file that cannot be read (only unreferenced ones get this far)
* KB401 an article that no cause refers to
* KB402 a ``fix-`` section without an ordered list of steps

A finding is silenced by a YAML comment ``# lint: ignore[KB203]`` on its line
(several codes separated by commas), for the rare case where it is intended.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.certainty import combine
from ..engine.compiler import CompiledRule, Lit, Ref
from ..knowledge.articles import ArticleError
from ..pack.model import LANGUAGES, Cause, Finding, LocalText
from ..probes.catalog import probes_yielding
from . import typography
from .source import PackSource
from .words import literal

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][\w.-]*\}")
_IGNORE = re.compile(r"#\s*lint:\s*ignore\[([A-Z0-9, ]+)\]")


@dataclass(frozen=True)
class LintFinding:
    code: str
    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.code} {self.message}"


def lint(source: PackSource) -> list[LintFinding]:
    """Every finding of the pack, without those silenced by a comment on their line."""
    found = [
        *_texts(source),
        *_typography(source),
        *_usage(source),
        *_unobtainable(source),
        *_rules(source),
        *_reviews(source),
        *_double_counting(source),
        *_weak_support(source),
        *_articles(source),
    ]
    with open(source.file, encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    return [f for f in found if not _ignored(f, source.file, lines)]


def _ignored(finding: LintFinding, file: str, lines: list[str]) -> bool:
    if finding.file != file or not finding.line or finding.line > len(lines):
        return False
    match = _IGNORE.search(lines[finding.line - 1])
    return match is not None and finding.code in {c.strip() for c in match.group(1).split(",")}


def _pack_finding(source: PackSource, code: str, path: tuple[Any, ...], msg: str) -> LintFinding:
    return LintFinding(code, source.file, source.line(path), msg)


# --- languages ----------------------------------------------------------------------


def _local_texts(source: PackSource) -> Iterator[tuple[tuple[Any, ...], str, LocalText | None]]:
    model = source.pack.model
    yield ("pack", "title"), "pack title", model.pack.title
    for i, q in enumerate(model.questions):
        yield ("questions", i, "text"), f"question {q.id!r} text", q.text
        yield ("questions", i, "help"), f"question {q.id!r} help", q.help
        for j, choice in enumerate(q.choices):
            path = ("questions", i, "choices", j, "label")
            yield path, f"question {q.id!r} choice {choice.value!r} label", choice.label
    for i, f in enumerate(model.facts):
        yield ("facts", i, "help"), f"fact {f.name!r} help", f.help
    for i, d in enumerate(model.files):
        yield ("files", i, "title"), f"file {d.id!r} title", d.title
        yield ("files", i, "how"), f"file {d.id!r} how", d.how
    for i, g in enumerate(model.findings):
        yield ("findings", i, "title"), f"finding {g.id!r} title", g.title
    for i, c in enumerate(model.causes):
        yield ("causes", i, "title"), f"cause {c.id!r} title", c.title
        yield ("causes", i, "summary"), f"cause {c.id!r} summary", c.summary
    for i, r in enumerate(model.rules):
        yield ("rules", i, "because"), f"rule {r.id!r} because", r.because


def _texts(source: PackSource) -> Iterator[LintFinding]:
    for path, what, text in _local_texts(source):
        if text is None:
            continue
        missing = [lang for lang in LANGUAGES if lang not in text.languages()]
        if missing:
            yield _pack_finding(source, "KB101", path, f"{what} has no {', '.join(missing)} text")
            continue
        marks = {lang: sorted(_PLACEHOLDER.findall(text.get(lang))) for lang in LANGUAGES}
        if len({tuple(v) for v in marks.values()}) > 1:
            shown = "; ".join(f"{lang}: {' '.join(v) or 'none'}" for lang, v in marks.items())
            yield _pack_finding(source, "KB105", path, f"{what} placeholders differ ({shown})")


def _typography_finding(file: str, line: int, where: str, text: str, issue: typography.Issue):
    excerpt = issue.excerpt(text)
    return LintFinding(
        "KB106", file, line, f"{where}French typography: {issue.message} in {excerpt!r}"
    )


def _typography(source: PackSource) -> Iterator[LintFinding]:
    with open(source.file, encoding="utf-8", newline="") as handle:
        raw = handle.read()
    for item in typography.yaml_french(raw):
        for issue in typography.issues(item.value):
            line = item.line
            if item.style in ("|", ">"):
                line += 1 + item.value.count("\n", 0, issue.start)
            yield _typography_finding(source.file, line, f"{item.path}: ", item.value, issue)
    for path in french_articles(source):
        text = path.read_text(encoding="utf-8")
        for line, issue in typography.article_issues(text):
            yield _typography_finding(str(path), line, "", text, issue)


def french_articles(source: PackSource) -> list[Path]:
    """The pack's French article files."""
    library = source.pack.articles
    paths = (library.path(article_id, "fr") for article_id in library.ids())
    return [p for p in paths if p is not None]


# --- what reads what ----------------------------------------------------------------


def _read_slots(source: PackSource) -> set[str]:
    """The slots rules read, and those a cause's ``fix_when`` reads to choose its procedure."""
    read = {
        slot
        for rule in source.pack.compiled.rules
        for d in rule.disjuncts
        for lit in d
        for slot in lit.slots
    }
    for cause in source.pack.model.causes:
        for choice in cause.fix_when:
            tree = source.pack.compiled_condition(choice.when)
            read.update(slot for lit in _tree_lits(tree) for slot in lit.slots)
    return read


def _usage(source: PackSource) -> Iterator[LintFinding]:
    model = source.pack.model
    read = _read_slots(source)
    never = {r.index for r in source.pack.compiled.rules if not _can_fire(r.disjuncts)}
    concluded = {
        r.target for r in source.pack.compiled.rules if r.certainty > 0 and r.index not in never
    }
    parts: tuple[tuple[str, Sequence[Cause | Finding]], ...] = (
        ("causes", model.causes),
        ("findings", model.findings),
    )
    for part, items in parts:
        for i, item in enumerate(items):
            if item.id not in concluded:
                kind = part.rstrip("s")
                yield _pack_finding(
                    source, "KB201", (part, i), f"no rule can conclude {kind} {item.id!r}"
                )
    for i, q in enumerate(model.questions):
        if f"answer:{q.id}" not in read:
            yield _pack_finding(
                source, "KB202", ("questions", i), f"no rule reads question {q.id!r}"
            )
    covered = {name for q in model.questions for name in q.covered_by}
    asked = {
        slot
        for q in model.questions
        if q.ask_when is not None
        for lit in _tree_lits(source.pack.compiled_condition(q.ask_when))
        for slot in lit.slots
    }
    for i, f in enumerate(model.facts):
        key = f"fact:{f.name}"
        if key not in read and key not in asked and f.name not in covered:
            yield _pack_finding(source, "KB203", ("facts", i), f"fact {f.name!r} is never read")


def _unobtainable(source: PackSource) -> Iterator[LintFinding]:
    """KB204: a covering fact is worth declaring only if a file or a probe can give it."""
    model = source.pack.model
    from_files = {name for f in model.files for name in f.facts}
    for i, q in enumerate(model.questions):
        for j, name in enumerate(q.covered_by):
            if name not in from_files and not probes_yielding(name):
                yield _pack_finding(
                    source,
                    "KB204",
                    ("questions", i, "covered_by", j),
                    f"question {q.id!r} is covered by fact {name!r}, which no declared file "
                    "(under 'files') yields and no probe reports",
                )


def _tree_lits(tree: tuple) -> Iterator[Lit]:
    if tree[0] == "lit":
        yield tree[1]
    elif tree[0] == "not":
        yield from _tree_lits(tree[1])
    else:
        for child in tree[1]:
            yield from _tree_lits(child)


# --- rules --------------------------------------------------------------------------


def contradiction(disjunct: tuple[Lit, ...]) -> str | None:
    """Why a conjunction of literals can never hold, or None when it can."""
    by_slot: dict[str, list[Lit]] = {}
    for lit in disjunct:
        by_slot.setdefault(lit.slot, []).append(lit)
        if isinstance(lit.value, Ref) and not lit.negated:  # the other fact is given too
            other = lit.value.slot
            by_slot.setdefault(other, []).append(Lit(other, "present", True))
    for slot, lits in by_slot.items():
        why = _slot_contradiction(lits)
        if why:
            return f"{slot} {why}"
    return None


_COMPLEMENT = {"lt": "ge", "le": "gt", "gt": "le", "ge": "lt"}


def _slot_contradiction(lits: list[Lit]) -> str | None:
    positive = [lit for lit in lits if not lit.negated]
    absent = any(lit.op == "present" and lit.negated for lit in lits)
    if absent and positive:
        return "must be both missing and given"
    if any(lit.flipped() in lits for lit in positive):
        return "is both tested and negated"
    # Beyond that, a comparison with another fact says nothing about this one's value.
    lits = [lit for lit in lits if not isinstance(lit.value, Ref)]
    positive = [lit for lit in positive if not isinstance(lit.value, Ref)]
    allowed: set[Any] | None = None
    for lit in positive:
        if lit.op in ("eq", "in"):
            values = set(lit.value) if lit.op == "in" else {lit.value}
            allowed = values if allowed is None else allowed & values
    excluded = {lit.value for lit in lits if lit.negated and lit.op == "eq"}
    excluded |= {v for lit in lits if lit.negated and lit.op == "in" for v in lit.value}
    if allowed is not None:
        allowed -= excluded
        allowed = {v for v in allowed if _in_bounds(v, positive)}
        if not allowed:
            return "has no value that meets every test"
        return None
    # A positive test means the slot is given, so a negated bound is its complement.
    negated_bounds = [
        Lit(lit.slot, _COMPLEMENT[lit.op], lit.value)
        for lit in lits
        if lit.negated and lit.op in _COMPLEMENT
    ]
    low, high = _bounds([*positive, *negated_bounds] if positive else [])
    if low is not None and high is not None:
        (lv, l_strict), (hv, h_strict) = low, high
        if type(lv) is type(hv) and (lv > hv or (lv == hv and (l_strict or h_strict))):
            return "has no value between its bounds"
    return None


def _bounds(lits: list[Lit]) -> tuple[Any, Any]:
    low: tuple[Any, bool] | None = None
    high: tuple[Any, bool] | None = None
    for lit in lits:
        if lit.op in ("gt", "ge"):
            cand = (lit.value, lit.op == "gt")
            if low is None or (type(low[0]) is type(cand[0]) and cand[0] > low[0]):
                low = cand
        elif lit.op in ("lt", "le"):
            cand = (lit.value, lit.op == "lt")
            if high is None or (type(high[0]) is type(cand[0]) and cand[0] < high[0]):
                high = cand
    return low, high


def _in_bounds(value: Any, lits: list[Lit]) -> bool:
    tests = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge}
    return all(
        type(value) is type(lit.value) and tests[lit.op](value, lit.value)
        for lit in lits
        if lit.op in tests
    )


def _can_fire(disjuncts: tuple[tuple[Lit, ...], ...]) -> bool:
    return any(contradiction(d) is None for d in disjuncts)


def _rules(source: PackSource) -> Iterator[LintFinding]:
    seen: dict[tuple[str, bool, frozenset[frozenset[Lit]]], str] = {}
    for rule in source.pack.compiled.rules:
        path = ("rules", rule.index)
        key = (rule.target, rule.certainty > 0, frozenset(frozenset(d) for d in rule.disjuncts))
        if key in seen:
            yield _pack_finding(
                source, "KB301", path, f"rule {rule.id!r} duplicates rule {seen[key]!r}"
            )
        else:
            seen[key] = rule.id
        if not _can_fire(rule.disjuncts):
            why = contradiction(rule.disjuncts[0]) if rule.disjuncts else "no condition"
            yield _pack_finding(source, "KB302", path, f"rule {rule.id!r} can never fire: {why}")


# --- reviews and the weight of evidence ----------------------------------------------

WEAK_ROLES = frozenset({"symptom", "risk-factor"})
_SEARCH_BUDGET = 10_000  # rule combinations tried before falling back to an upper bound


def _reviews(source: PackSource) -> Iterator[LintFinding]:
    """KB303: a rule's certainty is a claim; its review says where it comes from."""
    for i, rule in enumerate(source.pack.model.rules):
        review = rule.review
        missing = [] if review is not None and review.source else ["source"]
        for part in ("others", "certainty"):
            text: LocalText | None = getattr(review, part, None)
            langs = text.languages() if text is not None else set()
            missing += [f"{part} ({lang})" for lang in LANGUAGES if lang not in langs]
        if review is None:
            yield _pack_finding(source, "KB303", ("rules", i), f"rule {rule.id!r} has no review")
        elif missing:
            yield _pack_finding(
                source,
                "KB303",
                ("rules", i, "review"),
                f"rule {rule.id!r} review lacks {', '.join(missing)}",
            )


def _shared_evidence(
    first: tuple[tuple[Lit, ...], ...], second: tuple[tuple[Lit, ...], ...]
) -> list[Lit]:
    """Positive tests two conditions share in cases that can hold at the same time.

    Negated tests are left out: they also hold when nothing is known, so they
    are not evidence counted twice.
    """
    for a in first:
        for b in second:
            shared = [lit for lit in a if not lit.negated and lit in b]
            if shared and contradiction((*a, *b)) is None:
                return shared
    return []


def _double_counting(source: PackSource) -> Iterator[LintFinding]:
    """KB304: the same evidence counted by two rules adds certainty it does not give."""
    rules = source.pack.compiled.rules
    for n, later in enumerate(rules):
        for earlier in rules[:n]:
            if earlier.target != later.target or (earlier.certainty > 0) != (later.certainty > 0):
                continue
            if frozenset(earlier.disjuncts) == frozenset(later.disjuncts):
                continue  # a plain duplicate: KB301
            shared = _shared_evidence(earlier.disjuncts, later.disjuncts)
            if shared:
                tests = " and ".join(literal(lit) for lit in shared)
                yield _pack_finding(
                    source,
                    "KB304",
                    ("rules", later.index),
                    f"rule {later.id!r} counts {tests} again after rule {earlier.id!r} "
                    "(both can fire together)",
                )


def _weak_cases(rule: CompiledRule, weak: set[str]) -> list[tuple[Lit, ...]]:
    """The cases of a rule that can hold with only ``weak`` inputs given."""
    return [
        d
        for d in rule.disjuncts
        if contradiction(d) is None
        and all(s in weak for lit in d if not lit.negated for s in lit.slots)
    ]


def _strongest_together(rules: list[CompiledRule], weak: set[str]) -> tuple[float, list[str]]:
    """The highest combined certainty of concluding rules whose weak cases can hold together.

    A small search over the rules; past its budget the answer is the upper
    bound of all of them firing, which may flag too much but never too little.
    """
    candidates = [(r, cases) for r in rules if (cases := _weak_cases(r, weak))]
    best: tuple[float, list[str]] = (0.0, [])
    budget = _SEARCH_BUDGET

    def walk(i: int, held: tuple[Lit, ...], chosen: list[CompiledRule]) -> bool:
        nonlocal best, budget
        budget -= 1
        if budget < 0:
            return False
        cf = combine(r.certainty for r in chosen)
        if cf > best[0]:
            best = (cf, [r.id for r in chosen])
        rest = [r.certainty for r, _ in candidates[i:]]
        if i == len(candidates) or combine([*(r.certainty for r in chosen), *rest]) <= best[0]:
            return True
        rule, cases = candidates[i]
        for case in cases:
            merged = (*held, *(lit for lit in case if lit not in held))
            if contradiction(merged) is None and not walk(i + 1, merged, [*chosen, rule]):
                return False
        return walk(i + 1, held, chosen)

    if not walk(0, (), []):
        return combine(r.certainty for r, _ in candidates), [r.id for r, _ in candidates]
    return best


def _weak_slots(source: PackSource) -> set[str]:
    """Symptom and risk-factor answers, and the findings they alone can conclude."""
    compiled = source.pack.compiled
    weak = {key for key, slot in compiled.slots.items() if slot.role in WEAK_ROLES}
    findings = {r.target for r in compiled.rules if r.target_kind == "finding"}
    grown = True
    while grown:
        grown = False
        for finding in sorted(findings - {key.split(":", 1)[1] for key in weak}):
            concluding = [r for r in compiled.rules if r.target == finding and r.certainty > 0]
            if _strongest_together(concluding, weak)[0] >= source.pack.thresholds.finding:
                weak.add(f"finding:{finding}")
                grown = True
    return weak


def _weak_support(source: PackSource) -> Iterator[LintFinding]:
    """KB305, KB306: what makes a cause possible, or the complaint itself, is not proof."""
    compiled, conclude = source.pack.compiled, source.pack.thresholds.conclude
    weak = _weak_slots(source)
    for i, cause in enumerate(source.pack.model.causes):
        concluding = [r for r in compiled.rules if r.target == cause.id and r.certainty > 0]
        cf, ids = _strongest_together(concluding, weak)
        if cf >= conclude:
            yield _pack_finding(
                source,
                "KB305",
                ("causes", i),
                f"cause {cause.id!r} is concluded ({cf:+.2f}) from symptom and risk-factor "
                f"answers alone, by rules {', '.join(repr(r) for r in ids)}",
            )
    for rule in compiled.rules:
        if rule.target_kind == "cause" and rule.certainty >= conclude and _weak_cases(rule, weak):
            yield _pack_finding(
                source,
                "KB306",
                ("rules", rule.index),
                f"rule {rule.id!r} alone concludes {rule.target!r} ({rule.certainty:+.2f}) "
                "from symptom and risk-factor answers",
            )


# --- articles -----------------------------------------------------------------------


def _articles(source: PackSource) -> Iterator[LintFinding]:
    library = source.pack.articles
    model = source.pack.model
    referenced = {a for c in model.causes for a in (*c.articles, c.fix.article, c.verify.article)}
    for article_id in library.ids():
        paths = {lang: library.path(article_id, lang) for lang in LANGUAGES}
        present = {lang: p for lang, p in paths.items() if p is not None}
        first = next(iter(present.values()))
        if len(present) < len(LANGUAGES):
            missing = ", ".join(lang for lang in LANGUAGES if lang not in present)
            yield LintFinding(
                "KB102", str(first), None, f"article {article_id!r} has no {missing} version"
            )
        if article_id not in referenced:
            yield LintFinding(
                "KB401", str(first), None, f"no cause refers to article {article_id!r}"
            )
        try:
            texts = {lang: library.get(article_id, lang) for lang in present}
        except ArticleError as error:
            problem = error.problem
            yield LintFinding("KB400", problem.file, problem.line, problem.message)
            continue
        for lang, article in texts.items():
            for anchor, section in article.sections.items():
                if anchor.startswith("fix-") and not section.steps:
                    yield LintFinding(
                        "KB402",
                        str(article.path),
                        section.line,
                        f"fix section {anchor!r} ({lang}) has no ordered list of steps",
                    )
                others = [o for o in texts if o != lang and anchor not in texts[o].sections]
                if others:
                    yield LintFinding(
                        "KB103",
                        str(article.path),
                        section.line,
                        f"section {anchor!r} has no {', '.join(others)} version",
                    )
        if len(texts) == len(LANGUAGES):
            en, fr = texts["en"], texts["fr"]
            for anchor, section in en.sections.items():
                other = fr.sections.get(anchor)
                if other is None or not anchor.startswith("fix-"):
                    continue
                counts = [len(n) for n in section.step_notes]
                other_counts = [len(n) for n in other.step_notes]
                if len(other.steps) != len(section.steps):
                    mismatch = f"has {len(section.steps)} steps in en but {len(other.steps)} in fr"
                elif other_counts != counts:
                    mismatch = f"has step notes {counts} in en but {other_counts} in fr"
                elif len(other.notes) != len(section.notes):
                    mismatch = (
                        f"has {len(section.notes)} notes outside its steps in en "
                        f"but {len(other.notes)} in fr"
                    )
                else:
                    continue
                yield LintFinding(
                    "KB104", str(fr.path), other.line, f"fix section {anchor!r} {mismatch}"
                )


# --- fixing -------------------------------------------------------------------------


def fix_typography(source: PackSource) -> list[str]:
    """Apply the safe KB106 fixes in place (pack file and French articles); the files changed.

    Files are read and written as bytes of UTF-8 with their line ends, so only the
    spaces next to French punctuation change.
    """
    changed: list[str] = []
    targets: list[tuple[Path, Any]] = [(Path(source.file), typography.fix_yaml)]
    targets += [(p, typography.fix_article) for p in french_articles(source)]
    for path, fixer in targets:
        text = path.read_bytes().decode("utf-8")
        fixed = fixer(text)
        if fixed != text:
            path.write_bytes(fixed.encode("utf-8"))
            changed.append(str(path))
    return changed
