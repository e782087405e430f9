"""French typography in pack texts and articles: what ``pack lint`` (KB106) flags, and the fixes.

Prose only: code spans and blocks, URLs, registry paths, HTML entities,
placeholders with their conversion and format spec (``{name!r}``,
``{seconds:.2f}``), words in capitals ending in ``!`` the way a program prints
them (``SUCCEEDED!``, ``FAILED!``) and anything between backticks are never
looked at (see :func:`masked`). A mark
is checked only where it is punctuation, that is followed by a space, a line
end or the end of the text, so ``12:25``, ``http://``, ``C:\\``, ``fe80::1``,
``file:3`` or ``0x80040102`` never match.

* ``:`` wants U+00A0 before it; ``;``, ``?`` and ``!`` want U+202F (or U+00A0);
  a no-break space of either width is accepted before any of them;
* ``«`` wants U+00A0 (or U+202F) after it, ``»`` before it;
* a per cent sign after a digit wants U+202F (or U+00A0) before it (``80 %``);
* a decimal point in prose wants a comma (``0,90``). Versions (``4.0``,
  ``3.6.3``, ``5.0.2195``, ``6.0.4418.25``) are everywhere in these articles
  and look like decimals, so only what is clearly a decimal is flagged: a
  number below one written ``0.dd`` (certainties, thresholds and confidences,
  the numbers a report prints, all lie in [-1, 1]; a version 0.x is rare in
  this domain), or a number directly followed by a per cent sign. This one is
  never fixed automatically.

:func:`fix_text` applies every fix but the decimal one: it only replaces a
plain space by a no-break space or inserts one, so nothing else changes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

NBSP = "\u00a0"
NNBSP = "\u202f"
_NO_BREAK = (NBSP, NNBSP)

_MASKS = [
    re.compile(r"`[^`\n]*`"),  # code spans
    re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+"),  # URLs
    re.compile(r"\S*\\\S*"),  # registry and file paths
    re.compile(r"&#?\w+;"),  # HTML entities
    re.compile(r"\{[A-Za-z_][\w.-]*(?:![rsa])?(?::[^{}]*)?\}"),  # placeholders, format specs
    re.compile(r"\b[A-Z]{2,}!"),  # a program's output: SUCCEEDED!, FAILED!
]
_DECIMAL = re.compile(r"(?<![\w.,])-?(?:0\.\d+(?![\w.])|\d+\.\d+(?=[ \u00a0\u202f]?%))")


@dataclass(frozen=True)
class Issue:
    """One offence at ``start`` (an offset in the text): what is wrong, and its fix."""

    start: int
    end: int  # the span ``replacement`` replaces (empty: an insertion)
    message: str
    replacement: str | None  # None: not fixed automatically

    def excerpt(self, text: str) -> str:
        first = text.rfind("\n", 0, self.start) + 1
        last = text.find("\n", self.end)
        last = len(text) if last < 0 else last
        return visible(text[max(first, self.start - 12) : min(last, self.end + 12)])


def visible(text: str) -> str:
    """Spaces made visible: ``␣`` a plain space, ``<U+00A0>``, ``<U+202F>``."""
    return text.replace(" ", "␣").replace(NBSP, "<U+00A0>").replace(NNBSP, "<U+202F>")


def masked(text: str) -> list[bool]:
    """For each character, whether it is outside prose (code, URL, path, placeholder,
    program output)."""
    mask = [False] * len(text)
    for pattern in _MASKS:
        for match in pattern.finditer(text):
            for i in range(match.start(), match.end()):
                mask[i] = True
    return mask


def _ends(text: str, i: int) -> bool:
    """The character at ``i`` ends a word: a space, a line end, the end, or a closing mark."""
    return i >= len(text) or text[i] in " \t\r\n»)\"'*_,.?!" + NBSP + NNBSP


def issues(text: str, mask: list[bool] | None = None) -> Iterator[Issue]:
    """Every French typography issue of ``text``, in order."""
    mask = masked(text) if mask is None else mask
    for i, ch in enumerate(text):
        if mask[i]:
            continue
        before = text[i - 1] if i else "\n"
        if ch in ":;?!" and _ends(text, i + 1):
            if before in "\n\t" or before in ":;?!" or (ch == ":" and before == ":"):
                continue
            want, shown = (NBSP, "U+00A0") if ch == ":" else (NNBSP, "U+202F or U+00A0")
            if before in _NO_BREAK:
                continue
            if before == " ":
                yield Issue(i - 1, i, f"plain space before {ch!r} (want {shown})", want)
            else:
                yield Issue(i, i, f"no space before {ch!r} (want {shown})", want)
        elif ch == "«":
            after = text[i + 1] if i + 1 < len(text) else "\n"
            if after in _NO_BREAK or after == "\n":
                continue
            if after == " ":
                yield Issue(i + 1, i + 2, "plain space after '«' (want U+00A0)", NBSP)
            else:
                yield Issue(i + 1, i + 1, "no space after '«' (want U+00A0)", NBSP)
        elif ch == "»":
            if before in _NO_BREAK or before == "\n":
                continue
            if before == " ":
                yield Issue(i - 1, i, "plain space before '»' (want U+00A0)", NBSP)
            else:
                yield Issue(i, i, "no space before '»' (want U+00A0)", NBSP)
        elif (
            ch == "%"
            and i
            and (before.isdigit() or (before == " " and text[i - 2 : i - 1].isdigit()))
        ):
            if before == " ":
                yield Issue(i - 1, i, "plain space before '%' (want U+202F or U+00A0)", NNBSP)
            else:
                yield Issue(i, i, "no space before '%' (want U+202F or U+00A0)", NNBSP)
    for match in _DECIMAL.finditer(text):
        if not any(mask[match.start() : match.end()]):
            comma = match.group().replace(".", ",")
            yield Issue(
                match.start(),
                match.end(),
                f"decimal point in {match.group()!r} (want {comma!r})",
                None,
            )


def fix_text(text: str, mask: list[bool] | None = None) -> str:
    """``text`` with every automatic fix applied (no-break spaces; never the decimal comma)."""
    out: list[str] = []
    done = 0
    found = sorted(
        (issue for issue in issues(text, mask) if issue.replacement is not None),
        key=lambda issue: issue.start,
    )
    for issue in found:
        if issue.start < done:
            continue
        out += [text[done : issue.start], issue.replacement or ""]
        done = issue.end
    out.append(text[done:])
    return "".join(out)


# --- Markdown articles --------------------------------------------------------------

_FENCE = re.compile(r"^\s*(```|~~~)")


def article_mask(text: str) -> list[bool]:
    """The article's non-prose: front matter (but its title), fenced code blocks, and
    everything :func:`masked` leaves out."""
    mask = masked(text)
    offset = 0
    in_fence = False
    in_front = False
    for number, line in enumerate(text.splitlines(keepends=True)):
        hide = False
        if number == 0 and line.strip() == "---":
            in_front = hide = True
        elif in_front:
            hide = True
            if line.strip() == "---":
                in_front = False
            elif line.startswith("title:"):
                hide = False
                for i in range(offset, offset + len("title:")):
                    mask[i] = True
        elif _FENCE.match(line):
            in_fence = not in_fence
            hide = True
        elif in_fence:
            hide = True
        if hide:
            for i in range(offset, offset + len(line)):
                mask[i] = True
        offset += len(line)
    return mask


def article_issues(text: str) -> Iterator[tuple[int, Issue]]:
    """(line number, issue) for each issue in an article's prose."""
    for issue in issues(text, article_mask(text)):
        yield text.count("\n", 0, issue.start) + 1, issue


def fix_article(text: str) -> str:
    return fix_text(text, article_mask(text))


# --- YAML packs -----------------------------------------------------------------------


@dataclass(frozen=True)
class YamlText:
    """A French string of a pack: where it is, its value, and its exact source span."""

    path: str  # e.g. questions[0].text.fr
    line: int
    value: str
    start: int  # offsets of the scalar (quotes included) in the file's text
    end: int
    style: str | None  # None plain, "'" or '"' quoted, "|" or ">" block
    one_line: bool


def yaml_french(text: str) -> list[YamlText]:
    """Every scalar under a key ``fr`` in a YAML document, in file order."""
    import yaml

    found: list[YamlText] = []

    def walk(node: yaml.Node, path: str) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = key.value if isinstance(key, yaml.ScalarNode) else "?"
                inner = f"{path}.{name}" if path else str(name)
                if name == "fr" and isinstance(value, yaml.ScalarNode):
                    found.append(
                        YamlText(
                            inner,
                            value.start_mark.line + 1,
                            value.value,
                            value.start_mark.index,
                            value.end_mark.index,
                            value.style,
                            value.start_mark.line == value.end_mark.line,
                        )
                    )
                else:
                    walk(value, inner)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{path}[{i}]")

    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is not None:
        walk(root, "")
    return found


def _fix_block(raw: str) -> str:
    """A block scalar's source with each content line fixed; its indicator line kept."""
    head, sep, body = raw.partition("\n")
    lines = []
    for line in body.split("\n"):
        content = line.lstrip(" ")
        lines.append(line[: len(line) - len(content)] + fix_text(content))
    return head + sep + "\n".join(lines)


def _replaced(text: str, edits: dict[int, tuple[YamlText, str]]) -> str:
    out: list[str] = []
    done = 0
    for item, new in edits.values():
        out += [text[done : item.start], new]
        done = item.end
    out.append(text[done:])
    return "".join(out)


def fix_yaml(text: str) -> str:
    """``text`` with the French strings fixed in place; everything else byte for byte.

    One-line plain and quoted scalars are fixed as a whole; a block scalar
    (``>`` or ``|``) line by line, inside its indentation, and kept only when
    its value comes out as the fixed value (a mark at the start of a line, or
    a code span across lines, is left for a person: lint still reports it).
    The result is parsed again and every French value must be the fixed value
    of the original, or ValueError is raised.
    """
    texts = yaml_french(text)
    edits: dict[int, tuple[YamlText, str]] = {}
    for n, item in enumerate(texts):
        raw = text[item.start : item.end]
        if item.one_line and item.style in (None, "'", '"'):
            new = fix_text(raw) if item.style is None else raw[0] + fix_text(raw[1:-1]) + raw[-1]
        elif item.style in ("|", ">"):
            new = _fix_block(raw)
        else:
            continue
        if new != raw:
            edits[n] = (item, new)
    after = yaml_french(_replaced(text, edits))
    for n in list(edits):
        if texts[n].style in ("|", ">") and after[n].value != fix_text(texts[n].value):
            del edits[n]
    result = _replaced(text, edits)
    expect = [
        fix_text(t.value) if n in edits or (t.one_line and t.style in (None, "'", '"')) else t.value
        for n, t in enumerate(texts)
    ]
    if [t.value for t in yaml_french(result)] != expect:
        raise ValueError("fixing French typography would change more than the spaces")
    return result
