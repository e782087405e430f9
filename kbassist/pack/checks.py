"""Cross-reference and type checks over a whole pack.

The model checks each part's shape; here every name a rule uses must exist,
and every value must suit the question kind or fact type it is compared to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..knowledge.articles import ArticleError, ArticleLibrary
from ..values import (
    INT_MAX,
    INT_MIN,
    TEXT_MAX_BYTES,
    VersionError,
    contains_problem,
    parse_version,
)
from .model import AllOf, AnyOf, FactRef, Leaf, NotOf, PackModel, SectionRef

Path = tuple[Any, ...]

# Which operators suit which kind of input.
ALLOWED = {
    "yesno": {"is", "in", "present"},
    "choice": {"is", "in", "present"},
    "text": {"is", "in", "contains", "present"},
    "version": {"is", "in", "lt", "le", "gt", "ge", "present"},
    "bool": {"is", "present"},
    "int": {"is", "in", "lt", "le", "gt", "ge", "present"},
    "str": {"is", "in", "contains", "present"},
    "list": {"contains", "present"},
}


def _leaves(cond: Any, path: Path) -> Iterator[tuple[Leaf, Path]]:
    if isinstance(cond, AllOf):
        for i, c in enumerate(cond.all):
            yield from _leaves(c, (*path, "all", i))
    elif isinstance(cond, AnyOf):
        for i, c in enumerate(cond.any):
            yield from _leaves(c, (*path, "any", i))
    elif isinstance(cond, NotOf):
        yield from _leaves(cond.not_, (*path, "not"))
    else:
        yield cond, path


def _value_problem(
    kind: str, op: str, value: Any, choices: list[str], special: list[str]
) -> str | None:
    values = value if op == "in" else [value]
    for v in values:
        if kind == "yesno" and not (isinstance(v, bool) or v in ("yes", "no")):
            return f"{v!r} is not yes or no"
        if kind == "choice" and v not in choices:
            return f"{v!r} is not one of the choices ({', '.join(choices)})"
        if kind in ("text", "str") and not isinstance(v, str):
            return f"{v!r} is not text"
        if isinstance(v, str) and len(v.encode("utf-8")) > TEXT_MAX_BYTES:
            return f"text longer than {TEXT_MAX_BYTES} bytes cannot be matched"
        if kind == "bool" and not isinstance(v, bool):
            return f"{v!r} is not true or false"
        if kind == "int":
            if isinstance(v, bool) or not isinstance(v, int):
                return f"{v!r} is not a whole number"
            if not INT_MIN <= v <= INT_MAX:
                return f"{v!r} is out of range"
        if kind == "version":
            if op in ("is", "in") and isinstance(v, str) and v in special:
                continue
            try:
                parse_version(str(v))
            except VersionError as exc:
                return str(exc)
    if op == "contains":
        return contains_problem(str(value))
    return None


def check_conditions(model: PackModel, cond: Any, path: Path) -> Iterator[tuple[Path, str]]:
    questions = {q.id: q for q in model.questions}
    facts = {f.name: f for f in model.facts}
    findings = {g.id for g in model.findings}
    for leaf, where in _leaves(cond, path):
        kind: str  # a question's kind or a fact's type: ALLOWED has both
        if leaf.answer is not None:
            question = questions.get(leaf.answer)
            if question is None:
                yield (*where, "answer"), f"unknown question {leaf.answer!r}"
                continue
            kind = question.kind
            choices = [c.value for c in question.choices]
            special = list(question.special)
        elif leaf.fact is not None:
            fact = facts.get(leaf.fact)
            if fact is None:
                yield (*where, "fact"), f"unknown fact {leaf.fact!r} (declare it under 'facts')"
                continue
            kind, choices, special = fact.type, [], []
        else:
            if leaf.finding not in findings:
                yield (*where, "finding"), f"unknown finding {leaf.finding!r}"
            continue
        op = leaf.op
        if op not in ALLOWED[kind]:
            yield (
                (*where, op),
                (
                    f"'{op}' does not apply to {kind} input {leaf.subject!r} "
                    f"(use {', '.join(sorted(ALLOWED[kind]))})"
                ),
            )
            continue
        if isinstance(leaf.value, FactRef):
            problem = _ref_problem(leaf.subject, kind, leaf.value, facts)
            if problem:
                yield (*where, op, "fact"), problem
        elif op != "present":
            problem = _value_problem(kind, op, leaf.value, choices, special)
            if problem:
                yield (*where, op), problem


COMPARABLE = ("int", "version")  # fact types that compare with another fact


def _ref_problem(name: str, kind: str, ref: FactRef, facts: dict[str, Any]) -> str | None:
    if ref.fact == name:
        return f"fact {name!r} is compared with itself"
    other = facts.get(ref.fact)
    if other is None:
        return f"unknown fact {ref.fact!r} (declare it under 'facts')"
    if kind not in COMPARABLE:
        return f"a {kind} fact does not compare with another fact (only {', '.join(COMPARABLE)})"
    if other.type != kind:
        return f"fact {ref.fact!r} is {other.type}, not {kind}: the two cannot be compared"
    return None


def check_pack(model: PackModel, articles: ArticleLibrary) -> list[tuple[Path, str]]:
    problems: list[tuple[Path, str]] = []
    causes = {c.id for c in model.causes}
    findings = {g.id for g in model.findings}
    facts = {f.name for f in model.facts}
    for kind, items in (
        ("question", [q.id for q in model.questions]),
        ("fact", [f.name for f in model.facts]),
        ("file", [f.id for f in model.files]),
        ("cause", [c.id for c in model.causes]),
        ("finding", [g.id for g in model.findings]),
        ("rule", [r.id for r in model.rules]),
    ):
        part = "facts" if kind == "fact" else kind + "s"
        seen: set[str] = set()
        for i, key in enumerate(items):
            if key in seen:
                problems.append(((part, i), f"{kind} {key!r} is defined twice"))
            seen.add(key)
    clash = causes & findings
    for name in sorted(clash):
        problems.append((("findings",), f"{name!r} is both a cause and a finding"))

    for i, question in enumerate(model.questions):
        if question.ask_when is not None:
            problems += check_conditions(model, question.ask_when, ("questions", i, "ask_when"))
        for j, name in enumerate(question.covered_by):
            if name not in facts:
                problems.append((("questions", i, "covered_by", j), f"unknown fact {name!r}"))

    for i, file in enumerate(model.files):
        for j, name in enumerate(file.facts):
            if name not in facts:
                problems.append(
                    (("files", i, "facts", j), f"unknown fact {name!r} (declare it under 'facts')")
                )

    for i, rule in enumerate(model.rules):
        if rule.target not in causes | findings:
            key = "concludes" if rule.concludes else "against"
            problems.append(((("rules", i, key)), f"unknown cause or finding {rule.target!r}"))
        problems += check_conditions(model, rule.when, ("rules", i, "when"))

    for i, cause in enumerate(model.causes):
        for j, article_id in enumerate(cause.articles):
            if articles.path(article_id, "en") is None:
                problems.append((("causes", i, "articles", j), f"no article {article_id!r}"))
        refs: list[tuple[Path, SectionRef, bool]] = [
            (("causes", i, "fix"), cause.fix, True),
            (("causes", i, "verify"), cause.verify, False),
        ]
        for key in ("if_not_fixed", "escalate"):
            ref = getattr(cause, key)
            if ref is not None:
                refs.append((("causes", i, key), ref, False))
        for j, choice in enumerate(cause.fix_when):
            where = ("causes", i, "fix_when", j)
            problems += check_conditions(model, choice.when, (*where, "when"))
            refs.append(
                (where, SectionRef(article=cause.fix.article, section=choice.section), True)
            )
        for where, ref, needs_steps in refs:
            problems += _section_problems(articles, ref, where, steps=needs_steps)

    for i, rule in enumerate(model.rules):
        ref = rule.review.section_ref if rule.review is not None else None
        if ref is not None:
            # A review citing this pack's articles must cite a section that exists.
            path = ("rules", i, "review", "source")
            problems += _section_problems(articles, ref, path, steps=False, leaf=False)
    return problems


def _section_problems(
    articles: ArticleLibrary, ref: SectionRef, path: Path, *, steps: bool, leaf: bool = True
) -> list[tuple[Path, str]]:
    """Problems of one ``article#section`` reference, in every language the article has.

    ``steps`` also asks for an ordered list (a fix); ``leaf`` points at the
    reference's own ``article`` / ``section`` keys, when it has them.
    """
    problems: list[tuple[Path, str]] = []
    for lang in ("en", "fr"):
        if articles.path(ref.article, lang) is None:
            if lang == "en":
                where = (*path, "article") if leaf else path
                problems.append((where, f"no article {ref.article!r}"))
            continue
        try:
            article = articles.get(ref.article, lang)
        except ArticleError as exc:
            problems.append((path, str(exc)))
            continue
        section = article.sections.get(ref.section)
        where = (*path, "section") if leaf else path
        if section is None:
            problems.append(
                (where, f"article {ref.article!r} ({lang}) has no section {ref.section!r}")
            )
        elif steps and not section.steps:
            problems.append(
                (
                    where,
                    f"section {ref.article}#{ref.section} ({lang}) has no ordered list of steps",
                )
            )
    return problems
