"""`kbassist pack lint`: each finding code fires on a real defect, none on the bundled pack."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kbassist.authoring.lint import LintFinding, contradiction, lint
from kbassist.authoring.source import open_pack
from kbassist.cli import main
from kbassist.engine.compiler import Lit
from kbassist.errors import PackError

from .test_pack_validation import edit, scaffold


def codes(pack_dir: Path) -> list[str]:
    return [f.code for f in lint(open_pack(pack_dir))]


def added_codes(pack_dir: Path, before: list[LintFinding]) -> list[str]:
    """Codes found now but not in ``before``: what an edit of a bundled-pack copy caused.

    The bundled pack's own findings (its rules are being reviewed) stay out
    of tests about other defects; lines move with edits, messages do not.
    """
    known = {(f.code, f.message) for f in before}
    return sorted(f.code for f in lint(open_pack(pack_dir)) if (f.code, f.message) not in known)


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
        "      fr: EnumProt a réussi sur le serveur.\n",  # rule because
    ],
)
def test_kb101_covers_labels_titles_and_because(pack_copy: Path, old: str):
    before = lint(open_pack(pack_copy))
    edit(pack_copy, old, "")
    assert added_codes(pack_copy, before) == ["KB101"]


def test_placeholders_that_differ_are_kb105(pack_copy: Path):
    edit(
        pack_copy,
        "      en: EnumProt succeeded on the server.\n      fr: EnumProt a réussi sur le serveur.",
        "      en: EnumProt succeeded on {server}.\n      fr: EnumProt a réussi sur {serveur}.",
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
        "    when: {fact: outlook.disable-winsock, gt: 0}",
        "    when: {answer: cisco-vpn-version, lt: '4.0'}",
    )
    found = findings(pack_copy, "KB301")
    assert len(found) == 1
    assert "rule 'profile-disables-winsock' duplicates rule 'old-cisco-vpn-client'" in found[0]


def test_rule_that_cannot_fire_is_kb302(pack_copy: Path):
    edit(
        pack_copy,
        "        - {fact: winsock.orphan-count, is: 0}\n",
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
    before = lint(open_pack(pack_copy))
    text = (articles_copy / "en" / "kb159302.md").read_text(encoding="utf-8")
    (articles_copy / "en" / "spare.md").write_text(text.replace("id: kb159302", "id: spare"))
    assert added_codes(pack_copy, before) == ["KB102", "KB401"]


def test_sections_steps_and_ordered_lists(pack_copy: Path, articles_copy: Path):
    with_articles(pack_copy, articles_copy)
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
    before = {str(f) for f in lint(open_pack(pack_copy))}
    for lang in ("en", "fr"):
        (articles_copy / lang / "broken.md").write_text("no front matter\n", encoding="utf-8")
    found = [str(f) for f in lint(open_pack(pack_copy)) if f.code != "KB401"]
    found = [f for f in found if f not in before]
    assert len(found) == 1
    assert found[0].endswith("broken.md:1: KB400 missing front matter (a first line '---')")


# --- reviews, on a `pack new` pack (lint clean as created) ---

REVIEW = """\
    review:
      source: demo#symptoms
      others: {en: Nothing else gives it., fr: Rien d'autre ne le donne.}
      certainty: {en: Measured on past cases., fr: Mesurée sur des cas passés.}
"""


def add_rule(folder: Path, rule: str) -> None:
    """Append a rule (YAML items at four spaces, without its review) with a full review."""
    path = folder / "pack.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "\n" + rule + REVIEW, encoding="utf-8")


def add_questions(folder: Path, *ids: str, role: str = "risk-factor") -> None:
    new = "".join(
        f"  - id: {q}\n    kind: yesno\n    role: {role}\n    text: {{en: '{q}?', fr: '{q} ?'}}\n"
        for q in ids
    )
    edit(folder, "\nfacts:\n", "\n" + new + "\nfacts:\n")


def test_scaffold_lints_clean(tmp_path: Path):
    assert codes(scaffold(tmp_path)) == []


def test_rule_without_review_is_kb303(tmp_path: Path):
    folder = scaffold(tmp_path)
    text = (folder / "pack.yaml").read_text(encoding="utf-8")
    start = text.index("    review:\n", text.index("id: no-errors-logged"))
    line = text[:start].count("\n") + 1
    (folder / "pack.yaml").write_text(text[:start], encoding="utf-8")
    rule_line = text[: text.index("  - id: no-errors-logged")].count("\n") + 1
    assert findings(folder, "KB303") == [
        f"{folder / 'pack.yaml'}:{rule_line}: KB303 rule 'no-errors-logged' has no review"
    ]
    assert line > rule_line


@pytest.mark.parametrize(
    ("old", "new", "lacks"),
    [
        ("      source: demo#symptoms\n", "", "source"),
        (
            "        fr: Forte sans être une preuve, car d'autres pannes survivent aussi au "
            "redémarrage.\n",
            "",
            "certainty (fr)",
        ),
        (
            "    review:\n      source: demo#symptoms\n      others:\n",
            "    review:\n      source: demo#symptoms\n      others_:\n",
            None,
        ),
    ],
)
def test_incomplete_review_is_kb303(tmp_path: Path, old: str, new: str, lacks: str | None):
    folder = scaffold(tmp_path)
    if lacks is None:  # a misspelt part is a validation error, not a lint finding
        edit(folder, old, new)
        with pytest.raises(PackError):
            open_pack(folder)
        return
    edit(folder, old, new)
    found = findings(folder, "KB303")
    assert len(found) == 1
    assert found[0].endswith(f"KB303 rule 'persists-after-restart' review lacks {lacks}")


def _line(folder: Path, text: str) -> int:
    content = (folder / "pack.yaml").read_text(encoding="utf-8")
    return content[: content.index(text)].count("\n") + 1
