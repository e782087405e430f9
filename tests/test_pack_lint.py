"""`kbassist pack lint`: each finding code fires on a real defect, none on the bundled pack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbassist.authoring.lint import contradiction, lint
from kbassist.authoring.source import open_pack
from kbassist.cli import main
from kbassist.engine.compiler import Lit

from .test_pack_validation import edit


def codes(pack_dir: Path) -> list[str]:
    return [f.code for f in lint(open_pack(pack_dir))]


def findings(pack_dir: Path, code: str) -> list[str]:
    return [str(f) for f in lint(open_pack(pack_dir)) if f.code == code]


def with_articles(pack_copy: Path, articles_copy: Path) -> Path:
    text = (pack_copy / "pack.yaml").read_text(encoding="utf-8")
    start = text.index("articles_dir:")
    end = text.index("\n", start)
    text = text[:start] + f"articles_dir: {articles_copy}" + text[end:]
    (pack_copy / "pack.yaml").write_text(text, encoding="utf-8")
    return articles_copy


def test_bundled_pack_lints_clean():
    result = CliRunner().invoke(main, ["pack", "lint"])
    assert result.exit_code == 0, result.output
    assert "lint clean" in result.stdout
    assert lint(open_pack(None)) == []


def test_missing_french_is_kb101_with_its_line(pack_copy: Path):
    line = edit(
        pack_copy,
        "      fr: Quel est le problème signalé ?\n",
        "",
    )
    found = findings(pack_copy, "KB101")
    assert len(found) == 1
    assert found[0].startswith(f"{pack_copy / 'pack.yaml'}:{line - 2}: KB101")
    assert "question 'symptom' text has no fr text" in found[0]


@pytest.mark.parametrize(
    "old",
    [
        "          fr: Les nouveaux messages arrivent en retard dans Outlook\n",  # choice label
        "      fr: Un transport Winsock n'a pas de clé Services correspondante\n",  # cause title
        "      fr: Le profil Outlook a PR_DISABLE_WINSOCK à 0.\n",  # rule because
    ],
)
def test_kb101_covers_labels_titles_and_because(pack_copy: Path, old: str):
    edit(pack_copy, old, "")
    assert codes(pack_copy) == ["KB101"]


def test_placeholders_that_differ_are_kb105(pack_copy: Path):
    edit(
        pack_copy,
        "      en: The Outlook profile has PR_DISABLE_WINSOCK set to 0.\n"
        "      fr: Le profil Outlook a PR_DISABLE_WINSOCK à 0.",
        "      en: The Outlook profile on {server} has PR_DISABLE_WINSOCK set to 0.\n"
        "      fr: Le profil Outlook sur {serveur} a PR_DISABLE_WINSOCK à 0.",
    )
    found = findings(pack_copy, "KB105")
    assert len(found) == 1 and "en: {server}; fr: {serveur}" in found[0]


def test_cause_no_rule_concludes_is_kb201(pack_copy: Path):
    text = (pack_copy / "pack.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "concludes: push-after-unclean-logoff", "against: push-after-unclean-logoff"
    )
    (pack_copy / "pack.yaml").write_text(text, encoding="utf-8")
    found = findings(pack_copy, "KB201")
    assert len(found) == 1 and "cause 'push-after-unclean-logoff'" in found[0]


def test_question_no_rule_reads_is_kb202(pack_copy: Path):
    edit(
        pack_copy,
        "    when: {answer: iis-reinstalled-after-exchange, is: no}",
        "    when: {fact: smtp.xexch50, is: true}",
    )
    text = (pack_copy / "pack.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "{answer: iis-reinstalled-after-exchange, is: yes}", "{fact: smtp.xexch50, is: false}"
    )
    (pack_copy / "pack.yaml").write_text(text, encoding="utf-8")
    found = findings(pack_copy, "KB202")
    assert len(found) == 1 and "question 'iis-reinstalled-after-exchange'" in found[0]


def test_fact_never_read_is_kb203_unless_ignored(pack_copy: Path):
    line = edit(
        pack_copy,
        "  - name: winsock.transport-count  # lint: ignore[KB203]",
        "  - name: winsock.transport-count",
    )
    assert findings(pack_copy, "KB203") == [
        f"{pack_copy / 'pack.yaml'}:{line}: KB203 fact 'winsock.transport-count' is never read"
    ]


def test_duplicate_rule_is_kb301(pack_copy: Path):
    edit(
        pack_copy,
        "    when: {fact: enumprot.failed, is: false}",
        "    when: {fact: winsock.orphan-count, is: 0}",
    )
    found = findings(pack_copy, "KB301")
    assert len(found) == 1
    assert (
        "rule 'enumprot-success-against-winsock' duplicates rule 'complete-export-without-orphans'"
        in found[0]
    )


def test_rule_that_cannot_fire_is_kb302(pack_copy: Path):
    edit(
        pack_copy,
        "    when: {fact: winsock.orphan-count, is: 0}\n",
        "    when:\n"
        "      all:\n"
        "        - {fact: winsock.orphan-count, lt: 3}\n"
        "        - {fact: winsock.orphan-count, gt: 5}\n",
    )
    found = findings(pack_copy, "KB302")
    assert len(found) == 1 and "'complete-export-without-orphans' can never fire" in found[0]


@pytest.mark.parametrize(
    ("lits", "contradictory"),
    [
        ([Lit("a", "eq", "yes"), Lit("a", "eq", "no")], True),
        ([Lit("a", "eq", "yes"), Lit("a", "eq", "yes", negated=True)], True),
        ([Lit("a", "lt", 3), Lit("a", "gt", 5)], True),
        ([Lit("a", "lt", 3), Lit("a", "ge", 3)], True),
        ([Lit("a", "le", 3), Lit("a", "ge", 3)], False),
        ([Lit("a", "in", frozenset({1, 2})), Lit("a", "gt", 2)], True),
        ([Lit("a", "present", True, negated=True), Lit("a", "eq", 1)], True),
        ([Lit("a", "eq", "yes"), Lit("b", "eq", "no")], False),
        ([Lit("a", "lt", (4, 0)), Lit("a", "eq", "none", negated=True)], False),
    ],
)
def test_contradictions(lits: list[Lit], contradictory: bool):
    assert (contradiction(tuple(lits)) is not None) == contradictory


def test_article_in_one_language_and_unreferenced(pack_copy: Path, articles_copy: Path):
    with_articles(pack_copy, articles_copy)
    text = (articles_copy / "en" / "kb159302.md").read_text(encoding="utf-8")
    (articles_copy / "en" / "spare.md").write_text(text.replace("id: kb159302", "id: spare"))
    found = sorted(f.code for f in lint(open_pack(pack_copy)))
    assert found == ["KB102", "KB401"]


def without_fix_choice(pack_copy: Path) -> None:
    """The pack copy without its ``fix_when``: 'fix-already-reinstalled' is then unreferenced."""
    path = pack_copy / "pack.yaml" if pack_copy.is_dir() else pack_copy
    text = path.read_text(encoding="utf-8")
    text, found = re.subn(r"\n    fix_when:\n(?:      .*\n)+", "\n", text)
    assert found == 1
    path.write_text(text, encoding="utf-8")


def test_sections_steps_and_ordered_lists(pack_copy: Path, articles_copy: Path):
    with_articles(pack_copy, articles_copy)
    without_fix_choice(pack_copy)
    fr = articles_copy / "fr" / "kb279616.md"
    text = fr.read_text(encoding="utf-8")
    # drop the fr 'fix-already-reinstalled' section's heading anchor: KB103
    text = text.replace("{#fix-already-reinstalled}", "{#fix-deja-reinstalle}")
    fr.write_text(text, encoding="utf-8")
    en = articles_copy / "en" / "kb159302.md"
    lines = en.read_text(encoding="utf-8").splitlines()
    start = next(i for i, t in enumerate(lines) if "{#fix-unclean-logoff}" in t)
    step = next(i for i in range(start, len(lines)) if lines[i].startswith("1. "))
    lines.insert(step, "1. An extra first step.")
    en.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = [str(f) for f in lint(open_pack(pack_copy))]
    assert any(" KB103 section 'fix-already-reinstalled' has no fr version" in f for f in found)
    assert any(" KB103 section 'fix-deja-reinstalle' has no en version" in f for f in found)
    assert any(" KB104 fix section 'fix-unclean-logoff'" in f for f in found)
    # the renamed fr section is a fix- section too; it keeps its steps
    assert not any("KB402" in f for f in found)


def test_fix_section_without_steps_is_kb402(pack_copy: Path, articles_copy: Path):
    with_articles(pack_copy, articles_copy)
    without_fix_choice(pack_copy)
    for lang in ("en", "fr"):
        path = articles_copy / lang / "kb279616.md"
        text = path.read_text(encoding="utf-8")
        head = text.index("{#fix-already-reinstalled}")
        body = text.index("\n## ", head)
        text = text[: text.index("\n", head) + 1] + "\nNothing to do.\n" + text[body:]
        path.write_text(text, encoding="utf-8")
    found = [f for f in lint(open_pack(pack_copy)) if f.code == "KB402"]
    assert len(found) == 2 and all(f.line for f in found)


def test_cli_exit_codes(pack_copy: Path):
    edit(pack_copy, "      fr: Quel est le problème signalé ?\n", "")
    result = CliRunner().invoke(main, ["pack", "lint", str(pack_copy)])
    assert result.exit_code == 1
    assert result.stdout.count("KB101") == 1
    edit(pack_copy, "certainty: 0.9", "certainty: 1.5")
    result = CliRunner().invoke(main, ["pack", "lint", str(pack_copy)])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    assert result.stderr.startswith(f"kbassist: {pack_copy / 'pack.yaml'}:")


def test_unreadable_unreferenced_article_is_kb400(pack_copy: Path, articles_copy: Path):
    with_articles(pack_copy, articles_copy)
    for lang in ("en", "fr"):
        (articles_copy / lang / "broken.md").write_text("no front matter\n", encoding="utf-8")
    found = [str(f) for f in lint(open_pack(pack_copy)) if f.code != "KB401"]
    assert len(found) == 1
    assert found[0].endswith("broken.md:1: KB400 missing front matter (a first line '---')")
