"""Bundled articles: Markdown with front matter, sections with stable anchors.

An article file is ``<dir>/<lang>/<id>.md``. Level-2 headings end with an
anchor written ``{#anchor}``; anchors are the same in every language, so a
pack refers to ``article#section`` once for all languages. A ``fix-``
section's steps are the items of its ordered list, in order.

Notes travel with the fix. A block quote inside a list item is a note on that
step (``> **Note:** ...``, indented under the item); a leading bold label
ending in a colon is the reader's cue and is not part of the note. Every
paragraph of a section outside its list of steps (before it or after it) is a
note on the whole procedure: "a restart is needed", a caveat for clusters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Problem

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

_ANCHOR = re.compile(r"\s*\{#([a-z0-9][a-z0-9-]*)\}\s*$")


@functools.cache
def _markdown() -> MarkdownIt:
    # Imported on first parse: a pack from the cache comes with the articles
    # its report needs already parsed, so a diagnose need not load markdown-it.
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


@dataclass(frozen=True)
class Section:
    anchor: str
    title: str
    markdown: str  # the section's source, heading included
    steps: tuple[str, ...]  # plain text of the first top-level ordered list's items
    text: str  # the section's body as plain text
    line: int
    step_notes: tuple[tuple[str, ...], ...] = ()  # for each step, the notes quoted in its item
    notes: tuple[str, ...] = ()  # paragraphs outside the list of steps, in order


@dataclass
class Article:
    id: str
    language: str
    title: str
    sources: list[str]
    markdown: str
    path: Path
    sections: dict[str, Section] = field(default_factory=dict)


class ArticleError(ValueError):
    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


def _inline_text(token: Token, label: bool = True) -> str:
    """The inline's plain text; ``label=False`` drops a leading bold ``Note:`` label."""
    children = list(token.children or [])
    while not label and children and children[0].type == "text" and not children[0].content:
        children.pop(0)
    if not label and len(children) >= 3 and children[0].type == "strong_open":
        close = next((i for i, c in enumerate(children) if c.type == "strong_close"), None)
        if close is not None:
            words = "".join(c.content for c in children[1:close]).strip()
            if words.endswith(":"):
                children = children[close + 1 :]
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts).strip()


def _plain(tokens: list[Token]) -> str:
    """Paragraphs and list items as plain lines; ordered items keep their numbers."""
    lines: list[str] = []
    counters: list[int | None] = []
    for token in tokens:
        if token.type == "ordered_list_open":
            counters.append(int(token.attrs.get("start", 1) or 1) - 1)
        elif token.type == "bullet_list_open":
            counters.append(None)
        elif token.type in ("ordered_list_close", "bullet_list_close"):
            counters.pop()
        elif token.type == "list_item_open" and counters:
            if counters[-1] is not None:
                counters[-1] += 1
        elif token.type == "inline":
            text = _inline_text(token)
            if counters:
                mark = f"{counters[-1]}." if counters[-1] is not None else "-"
                text = "  " * (len(counters) - 1) + f"{mark} {text}"
            lines.append(text)
        elif token.type in ("fence", "code_block"):
            lines.append(token.content.rstrip("\n"))
    return "\n".join(lines)


@dataclass(frozen=True)
class _Procedure:
    steps: tuple[str, ...]
    step_notes: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...]


def _procedure(tokens: list[Token]) -> _Procedure:
    """The first top-level ordered list's items, each item's quoted notes, the other paragraphs."""
    steps: list[str] = []
    step_notes: list[tuple[str, ...]] = []
    notes: list[str] = []
    depth = 0
    quoted = 0  # block quotes open inside the current step
    state = "before"  # before, inside or after the list of steps
    current: list[str] = []
    current_notes: list[str] = []
    heading = False
    for token in tokens:
        kind = token.type
        if kind == "ordered_list_open" and depth == 0 and state == "before":
            state = "inside"
        if kind.endswith("_list_open"):
            depth += 1
        elif kind.endswith("_list_close"):
            depth -= 1
            if state == "inside" and depth == 0:
                state = "after"
        elif state == "inside" and kind == "list_item_open" and depth == 1:
            current, current_notes = [], []
        elif state == "inside" and kind == "list_item_close" and depth == 1:
            steps.append(" ".join(p for p in current if p))
            step_notes.append(tuple(current_notes))
        elif state == "inside" and kind == "blockquote_open":
            quoted += 1
            if quoted == 1:
                current_notes.append("")
        elif state == "inside" and kind == "blockquote_close":
            quoted -= 1
        elif kind == "heading_open":
            heading = True
        elif kind == "heading_close":
            heading = False
        elif kind == "inline" and state == "inside":
            if quoted:
                text = _inline_text(token, label=current_notes[-1] != "")
                current_notes[-1] = " ".join(p for p in (current_notes[-1], text) if p)
            else:
                current.append(_inline_text(token))
        elif kind in ("fence", "code_block") and state == "inside" and not quoted:
            current.append(token.content.strip())
        elif kind == "inline" and not heading and state != "inside":
            text = _inline_text(token, label=False)
            if text:
                notes.append(text)
    return _Procedure(tuple(steps), tuple(step_notes), tuple(notes))


def parse_article(text: str, path: Path) -> Article:
    import yaml  # deferred with markdown-it (see _markdown)

    file = str(path)
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise ArticleError(Problem(file, "missing front matter (a first line '---')", 1))
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise ArticleError(Problem(file, "front matter is not closed by '---'", 1)) from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        raise ArticleError(Problem(file, f"front matter is not valid YAML: {exc}", 2)) from None
    if not isinstance(meta, dict):
        raise ArticleError(Problem(file, "front matter must be a mapping", 2))
    for key in ("id", "title", "language"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            raise ArticleError(Problem(file, f"front matter lacks '{key}'", 2))
    body_offset = end + 1
    body = "\n".join(lines[body_offset:])
    tokens = _markdown().parse(body)
    article = Article(
        id=meta["id"],
        language=meta["language"],
        title=meta["title"],
        sources=[str(s) for s in meta.get("sources") or []],
        markdown=body.strip() + "\n",
        path=path,
    )
    heads = [i for i, t in enumerate(tokens) if t.type == "heading_open" and t.tag == "h2"]
    body_lines = body.splitlines()
    for n, start in enumerate(heads):
        stop = heads[n + 1] if n + 1 < len(heads) else len(tokens)
        title_raw = tokens[start + 1].content
        line = (tokens[start].map or [0, 0])[0] + body_offset + 1
        match = _ANCHOR.search(title_raw)
        if not match:
            raise ArticleError(Problem(file, "a level-2 heading has no {#anchor}", line))
        anchor = match.group(1)
        if anchor in article.sections:
            raise ArticleError(Problem(file, f"anchor {anchor!r} appears twice", line))
        first = (tokens[start].map or [0, 0])[0]
        last = (
            (tokens[heads[n + 1]].map or [len(body_lines), 0])[0]
            if n + 1 < len(heads)
            else len(body_lines)
        )
        section_tokens = tokens[start + 3 : stop]
        procedure = _procedure(section_tokens)
        article.sections[anchor] = Section(
            anchor=anchor,
            title=_ANCHOR.sub("", title_raw).strip(),
            markdown="\n".join(body_lines[first:last]).strip() + "\n",
            steps=procedure.steps,
            text=_plain(section_tokens),
            line=line,
            step_notes=procedure.step_notes,
            notes=procedure.notes,
        )
    return article


class ArticleLibrary:
    """Articles by id and language, read lazily from one or more directories."""

    def __init__(self, roots: list[Path], parsed: Mapping[tuple[str, str], Article] | None = None):
        """``parsed``: articles already read (from the pack cache), as :attr:`parsed` gave them."""
        self.roots = roots
        self._cache: dict[tuple[str, str], Article] = dict(parsed or {})

    @property
    def parsed(self) -> dict[tuple[str, str], Article]:
        """The articles read so far, by (id, language asked for)."""
        return dict(self._cache)

    def path(self, article_id: str, lang: str) -> Path | None:
        for root in self.roots:
            candidate = root / lang / f"{article_id}.md"
            if candidate.is_file():
                return candidate
        return None

    def ids(self) -> list[str]:
        found: set[str] = set()
        for root in self.roots:
            for lang_dir in root.iterdir() if root.is_dir() else []:
                found.update(p.stem for p in lang_dir.glob("*.md"))
        return sorted(found)

    def get(self, article_id: str, lang: str) -> Article:
        """The article in ``lang``, or in English when that language has none."""
        key = (article_id, lang)
        if key not in self._cache:
            path = self.path(article_id, lang) or self.path(article_id, "en")
            if path is None:
                raise ArticleError(Problem(article_id, f"no article {article_id!r}"))
            self._cache[key] = parse_article(path.read_text(encoding="utf-8"), path)
        return self._cache[key]
