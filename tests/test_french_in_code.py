"""French texts written in the code (artifact notes, probe messages) keep French typography.

The pack's and the articles' French is checked by ``pack lint`` (KB106); these
strings never pass through it, yet reach French reports the same way.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kbassist.authoring import typography

from .conftest import REPO

PACKAGE = REPO / "kbassist"


def _text(node: ast.expr) -> str | None:
    """The literal text of a string, an f-string (placeholders as ``{}``) or their concatenation."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else "{}" for part in node.values
        )
    return None


def french_literals(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every ``fr=...`` keyword and ``"fr": ...`` dict value in a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        values: list[ast.expr] = []
        if isinstance(node, ast.keyword) and node.arg == "fr":
            values.append(node.value)
        elif isinstance(node, ast.Dict):
            values += [
                v
                for k, v in zip(node.keys, node.values, strict=True)
                if isinstance(k, ast.Constant) and k.value == "fr"
            ]
        for value in values:
            text = _text(value)
            if text is not None:
                found.append((value.lineno, text))
    return found


MODULES = sorted(p for p in PACKAGE.rglob("*.py") if french_literals(p))


def test_the_code_has_french_texts_to_check():
    names = {p.relative_to(PACKAGE).as_posix() for p in MODULES}
    assert {"evidence/registry.py", "probes/udp.py", "probes/smtp.py"} <= names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_french_typography_in_code(path: Path):
    problems = [
        f"{path.name}:{line}: {issue.message}"
        for line, text in french_literals(path)
        for issue in typography.issues(text)
    ]
    assert problems == []
