"""French typography outside the pack: the catalogue, the French texts of the code, `pack docs`.

A pack's own French (its ``fr:`` strings and French articles) is `pack lint`'s KB106. The
same check, :mod:`kbassist.authoring.typography`, runs here over the French the UI, the
reports and the docs say that no pack wrote: every ``msgstr`` of the French catalogue,
every French literal in kbassist's code (``fr=...`` and ``"fr": ...``), and the output of
``pack docs --lang fr``. Placeholders with their format spec, times, URLs, paths, code and
a program's own words (``FAILED!``) are not prose, and are never looked at.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from click.testing import CliRunner

from kbassist.authoring import typography
from kbassist.cli import main

from .conftest import REPO

PO = REPO / "kbassist" / "locale" / "fr" / "LC_MESSAGES" / "kbassist.po"


def problems(text: str, markdown: bool = False) -> list[str]:
    """What KB106 says about ``text`` (a Markdown document when ``markdown``), one line each."""
    if markdown:
        found = list(typography.article_issues(text))
    else:
        found = [(0, issue) for issue in typography.issues(text)]
    return [f"{line}: {issue.message} in {issue.excerpt(text)!r}" for line, issue in found]


def msgstrs() -> list[tuple[str, str]]:
    with PO.open("rb") as f:
        catalog = read_po(f, locale="fr")
    return [(m.id, m.string) for m in catalog if m.id and isinstance(m.string, str)]


def _literal(node: ast.expr) -> Iterator[str]:
    """The text of a string literal; an f-string with ``{x}`` for each value; a tuple's strings."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield "".join(p.value if isinstance(p, ast.Constant) else "{x}" for p in node.values)
    elif isinstance(node, ast.Tuple | ast.List):
        for item in node.elts:
            yield from _literal(item)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _literal(value)


def code_french() -> list[tuple[str, str]]:
    """(where, text) for each French literal of the code: ``fr=`` arguments, ``"fr"`` entries."""
    found = []
    for path in sorted((REPO / "kbassist").rglob("*.py")):
        where = path.relative_to(REPO)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            values: list[ast.expr] = []
            if isinstance(node, ast.keyword) and node.arg == "fr":
                values = [node.value]
            elif isinstance(node, ast.Dict):
                keys = zip(node.keys, node.values, strict=True)
                values = [v for k, v in keys if isinstance(k, ast.Constant) and k.value == "fr"]
            for value in values:
                found += [(f"{where}:{value.lineno}", text) for text in _literal(value)]
    return found


def test_every_french_msgstr_is_typeset():
    found = [f"{msgid!r}: {p}" for msgid, text in msgstrs() for p in problems(text)]
    assert found == [], "\n".join(found)


def test_the_french_texts_of_the_code_are_typeset():
    texts = code_french()
    assert len(texts) > 50  # report labels, docs labels, notes from evidence and probes
    assert any(where.startswith("kbassist/authoring/docs.py") for where, _ in texts)
    found = [f"{where}: {p}" for where, text in texts for p in problems(text)]
    assert found == [], "\n".join(found)


def pack_docs(*args: str) -> str:
    result = CliRunner().invoke(main, ["pack", "docs", *args, "--lang", "fr"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_pack_docs_in_french_is_typeset(tmp_path: Path):
    from kbassist.authoring.scaffold import new_pack

    for text in (pack_docs(), pack_docs(str(new_pack("demo", tmp_path)))):
        assert "Règles contre\u00a0:" in text
        assert problems(text, markdown=True) == []


@pytest.mark.parametrize(
    "text",
    [
        "Réponse donnée : {answer}",  # a plain space before ':'
        "Règles contre:",  # no space at all
        "{place}: {line}",
        "Pourquoi ?",
        "« none »",
        "(+0.90)",
    ],
)
def test_the_check_finds_what_a_translator_types(text: str):
    assert problems(text)


def test_the_catalogue_with_plain_spaces_would_fail():
    """The msgstr check is not vacuous: with its no-break spaces made plain, most fail."""
    plain = [
        text.replace(typography.NBSP, " ").replace(typography.NNBSP, " ") for _, text in msgstrs()
    ]
    assert sum(bool(problems(text)) for text in plain) > 80


def test_placeholders_format_specs_and_program_output_are_not_prose():
    for text in (
        "{count} datagramme(s) reçu(s) de {source} après {seconds:.2f} s",
        "aucune exécution d'EnumProt trouvée (ni ligne SUCCEEDED!, ni ligne FAILED!)",
        "{name!r}\u00a0: {text!r} n'est pas un octet hexadécimal",
        "port manquant (HÔTE:PORT), à 12:25, sur http://example.com/a?b",
    ):
        assert problems(text) == [], text
        assert typography.fix_text(text) == text
