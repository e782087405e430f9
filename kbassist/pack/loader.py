"""Load packs from directories: YAML -> validated model -> cross-checked, compiled pack.

Every problem found is reported with its file, line and column, all at once.
Nothing in a pack is executed: YAML is loaded with the safe loader and
conditions are data that the compiler translates.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from importlib import metadata, resources
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ..engine.compiler import CompiledPack, Compiler, Slot, Tree, compile_rules
from ..errors import PackError, Problem
from ..knowledge.articles import ArticleError, ArticleLibrary
from ..safefile import PACK_LIMIT, open_regular, read_fd, too_big
from . import cache
from .checks import check_pack
from .model import Cause, FactDecl, FileDecl, Finding, PackModel, Question, Thresholds

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

    from ..yamlsource import Located

PACK_FILE = "pack.yaml"
# Installed packs: a distribution declares, in its pyproject.toml,
#   [project.entry-points."kbassist.packs"]
#   printers = "kbassist_printers"            # a package whose folder holds pack.yaml
#   printers = "kbassist_printers:pack_dir"   # or a function / value giving the folder
ENTRY_POINT_GROUP = "kbassist.packs"


def data_root() -> Path:
    """Where the bundled rules/ and articles/ are: inside the wheel, or the checkout."""
    installed = Path(str(resources.files("kbassist"))) / "_data"
    if (installed / "rules").is_dir():
        return installed
    return Path(__file__).resolve().parents[2]


def bundled_pack_dirs() -> list[Path]:
    root = data_root() / "rules"
    return sorted(p.parent for p in root.glob(f"*/{PACK_FILE}"))


def installed_pack_dirs() -> list[Path]:
    """Pack folders that installed distributions declare (entry point group kbassist.packs)."""
    dirs = []
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        where = f"entry point {entry.name} = {entry.value} ({ENTRY_POINT_GROUP})"
        try:
            target: Any = entry.load()
            if callable(target) and not isinstance(target, ModuleType):
                target = target()
        except Exception as exc:  # third-party code: any failure is a pack problem
            raise PackError(Problem(where, f"cannot load: {exc}")) from None
        if isinstance(target, ModuleType):
            target = Path(target.__file__ or "").parent
        folder = Path(str(target))
        if not (folder / PACK_FILE).is_file():
            raise PackError(Problem(where, f"no {PACK_FILE} in {folder}"))
        dirs.append(folder)
    return dirs


@dataclass
class Pack:
    """One or more pack files merged, validated and compiled."""

    model: PackModel
    files: list[str]
    questions: dict[str, Question]
    facts: dict[str, FactDecl]
    findings: dict[str, Finding]
    causes: dict[str, Cause]
    compiled: CompiledPack
    articles: ArticleLibrary
    _conditions: dict[int, Tree] = field(default_factory=dict, repr=False)
    _candidates: dict[str, list[Any]] = field(default_factory=dict, repr=False)  # what-if answers
    _texts: dict[str, Any] = field(default_factory=dict, repr=False)  # report texts by language
    _derived: dict[str, Any] = field(default_factory=dict, repr=False)  # made once by the engine

    @cached_property
    def question_order(self) -> dict[str, int]:
        """Each question's position in the pack: the tie-break when ranking."""
        return {q.id: i for i, q in enumerate(self.model.questions)}

    def files_yielding(self, facts: Iterable[str]) -> list[FileDecl]:
        """The declared files that yield any of these facts, in the pack's order."""
        wanted = set(facts)
        return [f for f in self.model.files if wanted.intersection(f.facts)]

    @property
    def thresholds(self) -> Thresholds:
        return self.model.thresholds

    def compiled_condition(self, condition: Any) -> Tree:
        """A question's ``ask_when`` in the evaluators' form (cached per condition)."""
        key = id(condition)
        if key not in self._conditions:
            self._conditions[key] = Compiler(self.compiled.slots).tree(condition)
        return self._conditions[key]


def _format_error(located: Located, error: ErrorDetails) -> Problem:
    loc = tuple(error.get("loc", ()))
    message = error.get("msg", "invalid")
    if error.get("type") == "extra_forbidden":
        message = f"unknown key {loc[-1]!r}"
    elif error.get("type") == "missing":
        message = f"missing key {loc[-1]!r}"
        loc = loc[:-1]
    message = message.removeprefix("Value error, ")
    readable = ".".join(str(p) for p in loc if p not in ("allof", "anyof", "notof", "leaf"))
    return located.problem(loc, f"{readable}: {message}" if readable else message)


def _read_text(directory: Path) -> str:
    file = directory / PACK_FILE
    if not file.exists() and not file.is_symlink():
        raise PackError(Problem(str(directory), f"no {PACK_FILE} in this directory"))
    # A FIFO or device is not a pack (exit 2, at once); a huge file is not one either.
    fd = open_regular(file)
    try:
        data = read_fd(fd, PACK_LIMIT)
        if data is None:
            raise PackError(Problem(str(file), too_big(PACK_LIMIT)))
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(Problem(str(file), f"cannot read: {exc}")) from None
    finally:
        os.close(fd)


def _parse(directory: Path, text: str) -> tuple[Located, PackModel | None]:
    # Deferred: a pack that comes from the cache needs no PyYAML.
    from ..yamlsource import load_yaml

    file = directory / PACK_FILE
    located = load_yaml(text, str(file))
    if located.problems:
        return located, None
    if not isinstance(located.data, dict):
        located.problems.append(Problem(str(file), "a pack is a YAML mapping", 1))
        return located, None
    try:
        return located, PackModel.model_validate(located.data)
    except ValidationError as exc:
        located.problems.extend(_format_error(located, e) for e in exc.errors())
        return located, None


def _slots(model: PackModel) -> dict[str, Slot]:
    slots: dict[str, Slot] = {}
    for q in model.questions:
        slots[f"answer:{q.id}"] = Slot(f"answer:{q.id}", q.kind, q.role)
    for f in model.facts:
        slots[f"fact:{f.name}"] = Slot(f"fact:{f.name}", f.type)
    for g in model.findings:
        slots[f"finding:{g.id}"] = Slot(f"finding:{g.id}", "finding")
    return slots


def _merge(models: list[tuple[Located, PackModel]]) -> tuple[PackModel, list[Problem]]:
    """Several packs become one; an id defined twice is an error naming both places."""
    problems: list[Problem] = []
    first = models[0][1]
    merged: dict[str, list[Any]] = {
        k: [] for k in ("questions", "facts", "files", "findings", "causes", "rules")
    }
    seen: dict[tuple[str, str], str] = {}
    for located, model in models:
        for part in merged:
            for i, item in enumerate(getattr(model, part)):
                key = item.name if part == "facts" else item.id
                kind = "fact" if part == "facts" else part.rstrip("s")
                where = located.problem((part, i), "")
                if (kind, key) in seen:
                    problems.append(
                        located.problem(
                            (part, i), f"{kind} {key!r} is already defined at {seen[(kind, key)]}"
                        )
                    )
                    continue
                seen[(kind, key)] = f"{where.file}:{where.line}"
                merged[part].append(item)
    return first.model_copy(update=merged), problems


def load_pack(directories: list[Path] | None = None) -> Pack:
    """Load, check and compile packs; raises :class:`PackError` listing every problem.

    A pack loaded cleanly before, whose files have not changed since, comes
    from the cache (:mod:`.cache`) instead of being parsed and checked again.
    """
    if directories:
        dirs = [Path(d) for d in directories]
    else:
        dirs = bundled_pack_dirs() + installed_pack_dirs()
    if not dirs:
        raise PackError(Problem(str(data_root() / "rules"), "no rule pack found"))
    texts = [_read_text(d) for d in dirs]
    cached = cache.load(dirs, texts)
    if cached is not None:
        compiled, compile_problems = compile_rules(cached.model, _slots(cached.model))
        if not compile_problems:  # always so for an entry stored after a clean load
            articles = ArticleLibrary(cached.article_roots, cached.articles)
            return _pack(dirs, cached.model, compiled, articles)
    loaded = [_parse(d, text) for d, text in zip(dirs, texts, strict=True)]
    problems = [p for located, _ in loaded for p in located.problems]
    if problems:
        raise PackError(problems)
    pairs = [(located, model) for located, model in loaded if model is not None]
    model, problems = _merge(pairs)
    if problems:
        raise PackError(problems)
    article_roots = []
    for d, (_, m) in zip(dirs, pairs, strict=True):
        root = (d / m.pack.articles_dir).resolve()
        if not root.is_dir():
            raise PackError(
                Problem(
                    str(d / PACK_FILE), f"articles_dir {m.pack.articles_dir!r} is not a directory"
                )
            )
        article_roots.append(root)
    articles = ArticleLibrary(article_roots)
    article_dirs = [m.pack.articles_dir for _, m in pairs]
    before = cache.snapshot(dirs, texts, article_dirs)
    # Cross-checks report against the first file that defines each part; with
    # one pack (the usual case) that is exact.
    located = pairs[0][0]
    slots = _slots(model)
    problems = [located.problem(path, msg) for path, msg in check_pack(model, articles)]
    if not problems:
        compiled, compile_problems = compile_rules(model, slots)
        problems = [located.problem(path, msg) for path, msg in compile_problems]
    if problems:
        raise PackError(problems)
    # The articles the checks parsed are kept too: the report needs some of them.
    cache.store(dirs, texts, article_dirs, before, model, articles.parsed)
    return _pack(dirs, model, compiled, articles)


def _pack(
    dirs: list[Path], model: PackModel, compiled: CompiledPack, articles: ArticleLibrary
) -> Pack:
    return Pack(
        model=model,
        files=[str(d / PACK_FILE) for d in dirs],
        questions={q.id: q for q in model.questions},
        facts={f.name: f for f in model.facts},
        findings={g.id: g for g in model.findings},
        causes={c.id: c for c in model.causes},
        compiled=compiled,
        articles=articles,
    )


__all__ = [
    "ArticleError",
    "Pack",
    "PackError",
    "bundled_pack_dirs",
    "data_root",
    "installed_pack_dirs",
    "load_pack",
]
