"""`kbassist pack lint`: each finding code fires on a real defect, none on the bundled pack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbassist.authoring.lint import LintFinding, contradiction, lint
from kbassist.authoring.source import open_pack
from kbassist.cli import main
from kbassist.engine.compiler import Lit, Ref
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
        "      fr: Quel est le problème signalé\u202f?\n",
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
        '      fr: "La sortie d\'EnumProt sur le serveur"\n',  # file title
    ],
)
def test_kb101_covers_labels_titles_and_because(pack_copy: Path, old: str):
    before = lint(open_pack(pack_copy))
    edit(pack_copy, old, "")
    assert added_codes(pack_copy, before) == ["KB101"]


def test_a_file_whose_how_lacks_french_is_kb101(pack_copy: Path):
    before = lint(open_pack(pack_copy))
    text = (pack_copy / "pack.yaml").read_text(encoding="utf-8")
    entry = text.index("  - id: client-dpmon-trace\n")
    how = text.index("    how:\n", entry)
    start = text.index("      fr: >-\n", how)
    end = text.index("\n\n", start)
    line = text[:how].count("\n") + 1
    (pack_copy / "pack.yaml").write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    assert added_codes(pack_copy, before) == ["KB101"]
    (found,) = findings(pack_copy, "KB101")
    assert found == (
        f"{pack_copy / 'pack.yaml'}:{line}: KB101 file 'client-dpmon-trace' how has no fr text"
    )


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


def drop_file(pack_copy: Path, file_id: str) -> None:
    """The pack without one entry of its ``files`` list."""
    text = (pack_copy / "pack.yaml").read_text(encoding="utf-8")
    start = text.index(f"  - id: {file_id}\n")
    end = text.index("\n\n", start)
    (pack_copy / "pack.yaml").write_text(text[:start] + text[end + 2 :], encoding="utf-8")


def test_a_covering_fact_no_file_and_no_probe_yields_is_kb204(pack_copy: Path):
    before = lint(open_pack(pack_copy))
    drop_file(pack_copy, "server-application-log")
    assert added_codes(pack_copy, before) == ["KB204"]
    text = (pack_copy / "pack.yaml").read_text(encoding="utf-8")
    line = text[: text.index("    covered_by: [event.msexchangeis-9671.count]")].count("\n") + 1
    assert findings(pack_copy, "KB204") == [
        f"{pack_copy / 'pack.yaml'}:{line}: KB204 question 'event-9671-logged' is covered by "
        "fact 'event.msexchangeis-9671.count', which no declared file (under 'files') yields "
        "and no probe reports"
    ]


def test_a_covering_fact_a_probe_reports_is_not_kb204(pack_copy: Path):
    """Without the SMTP session file, the SMTP probe still gives the EHLO verbs."""
    drop_file(pack_copy, "server-smtp-session")
    assert findings(pack_copy, "KB204") == []
    # and udp-packets-seen-at-client, which no file answers, is the udp-listen probe's
    text = (pack_copy / "pack.yaml").read_text(encoding="utf-8")
    assert "    covered_by: [udp.datagrams-received]" in text


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
        ([Lit("a", "lt", 4), Lit("a", "lt", 4, negated=True)], True),
        ([Lit("a", "gt", 5), Lit("a", "gt", 3, negated=True)], True),
        ([Lit("a", "lt", 4), Lit("a", "lt", 3, negated=True)], False),
        ([Lit("a", "eq", "none"), Lit("a", "ge", (4, 0), negated=True)], False),
        # A comparison with another fact needs both given, and says nothing of either value.
        ([Lit("a", "gt", Ref("b")), Lit("b", "present", True, negated=True)], True),
        ([Lit("a", "gt", Ref("b")), Lit("a", "gt", Ref("b"), negated=True)], True),
        ([Lit("a", "gt", Ref("b")), Lit("a", "lt", 3)], False),
        ([Lit("a", "gt", Ref("b")), Lit("b", "eq", 3), Lit("a", "eq", 1)], False),
        ([Lit("a", "gt", Ref("b"), negated=True), Lit("b", "present", True, negated=True)], False),
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
    edit(pack_copy, "      fr: Quel est le problème signalé\u202f?\n", "")
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


# --- reviews and the weight of evidence, on a `pack new` pack (lint clean as created) ---

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
        f"  - id: {q}\n    kind: yesno\n    role: {role}\n"
        f"    text: {{en: '{q}?', fr: '{q}\u202f?'}}\n"
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


DOUBLE = """\
  - id: persists-with-errors
    concludes: demo-misconfigured
    certainty: 0.4
    when:
      all:
        - {answer: problem-persists-after-restart, is: yes}
        - {fact: demo.error-count, gt: 0}
"""


def test_same_evidence_twice_is_kb304(tmp_path: Path):
    folder = scaffold(tmp_path)
    add_rule(folder, DOUBLE)
    assert findings(folder, "KB304") == [
        f"{folder / 'pack.yaml'}:{_line(folder, '  - id: persists-with-errors')}: KB304 rule "
        "'persists-with-errors' counts answer problem-persists-after-restart is yes again "
        "after rule 'persists-after-restart' (both can fire together)"
    ]


@pytest.mark.parametrize(
    "first",
    [
        # made exclusive with not:
        "    when:\n      all:\n        - {answer: problem-persists-after-restart, is: yes}\n"
        "        - not: {fact: demo.error-count, gt: 0}\n",
        # the same slot tested for values that cannot both hold
        "    when:\n      all:\n        - {answer: problem-persists-after-restart, is: yes}\n"
        "        - {fact: demo.error-count, is: 0}\n",
    ],
)
def test_exclusive_rules_are_not_kb304(tmp_path: Path, first: str):
    folder = scaffold(tmp_path)
    edit(folder, "    when: {answer: problem-persists-after-restart, is: yes}\n", first)
    add_rule(folder, DOUBLE)
    assert codes(folder) == []


def test_opposite_signs_are_not_kb304(tmp_path: Path):
    folder = scaffold(tmp_path)
    add_rule(folder, DOUBLE.replace("concludes:", "against:"))
    assert codes(folder) == []


WEAK = """\
  - id: {id}
    concludes: demo-misconfigured
    certainty: {cf}
    when: {when}
"""


def weak_rule(folder: Path, rule_id: str, cf: float, when: str) -> None:
    add_rule(folder, WEAK.format(id=rule_id, cf=cf, when=when))


def test_risk_factors_together_concluding_is_kb305(tmp_path: Path):
    folder = scaffold(tmp_path)
    add_questions(folder, "settings-changed", "recently-updated")
    weak_rule(folder, "settings-changed", 0.3, "{answer: settings-changed, is: yes}")
    weak_rule(folder, "recently-updated", 0.4, "{answer: recently-updated, is: yes}")
    found = [str(f) for f in lint(open_pack(folder))]
    assert len(found) == 1, found
    assert f"pack.yaml:{_line(folder, '  - id: demo-misconfigured')}: KB305 cause " in found[0]
    assert "concluded (+0.58)" in found[0]
    assert "rules 'settings-changed', 'recently-updated'" in found[0]


@pytest.mark.parametrize(
    ("role", "second"),
    [
        ("detail", "{answer: recently-updated, is: yes}"),  # not risk factors
        # the two rules cannot fire together, and neither reaches 0.5 alone
        (
            "risk-factor",
            "{all: [{answer: recently-updated, is: yes}, {answer: settings-changed, is: no}]}",
        ),
    ],
)
def test_risk_factors_that_cannot_conclude_are_not_kb305(tmp_path: Path, role: str, second: str):
    folder = scaffold(tmp_path)
    add_questions(folder, "settings-changed", "recently-updated", role=role)
    weak_rule(folder, "settings-changed", 0.3, "{answer: settings-changed, is: yes}")
    weak_rule(folder, "recently-updated", 0.4, second)
    assert codes(folder) == []


def test_findings_from_risk_factors_alone_are_weak_too(tmp_path: Path):
    folder = scaffold(tmp_path)
    add_questions(folder, "settings-changed")
    edit(
        folder,
        "\ncauses:\n",
        "\nfindings:\n  - id: recent-change\n"
        "    title: {en: a recent change, fr: un changement récent}\n\ncauses:\n",
    )
    add_rule(
        folder,
        "  - id: change-noted\n    concludes: recent-change\n    certainty: 0.9\n"
        "    when: {answer: settings-changed, is: yes}\n",
    )
    weak_rule(folder, "after-a-change", 0.45, "{finding: recent-change}")
    weak_rule(folder, "changed-settings", 0.2, "{answer: settings-changed, is: yes}")
    found = codes(folder)
    assert found.count("KB305") == 1 and "KB306" not in found


def test_one_risk_factor_rule_concluding_is_kb306(tmp_path: Path):
    folder = scaffold(tmp_path)
    edit(folder, "    kind: yesno\n", "    kind: yesno\n    role: risk-factor\n")
    found = findings(folder, "KB306")
    assert found == [
        f"{folder / 'pack.yaml'}:{_line(folder, '  - id: persists-after-restart')}: KB306 rule "
        "'persists-after-restart' alone concludes 'demo-misconfigured' (+0.70) from symptom "
        "and risk-factor answers"
    ]
    assert codes(folder) == ["KB305", "KB306"]


def test_a_risk_factor_with_evidence_is_not_kb306(tmp_path: Path):
    folder = scaffold(tmp_path)
    edit(folder, "    kind: yesno\n", "    kind: yesno\n    role: risk-factor\n")
    edit(
        folder,
        "    when: {answer: problem-persists-after-restart, is: yes}\n",
        "    when:\n      all:\n        - {answer: problem-persists-after-restart, is: yes}\n"
        "        - {fact: demo.error-count, gt: 0}\n",
    )
    assert codes(folder) == []


def _line(folder: Path, text: str) -> int:
    content = (folder / "pack.yaml").read_text(encoding="utf-8")
    return content[: content.index(text)].count("\n") + 1


# --- KB106 French typography --------------------------------------------------------

NBSP, NNBSP = "\u00a0", "\u202f"


def fixed_copy(pack_copy: Path, articles_copy: Path) -> Path:
    """The pack and its articles after `pack lint --fix`: clean for KB106."""
    with_articles(pack_copy, articles_copy)
    CliRunner().invoke(main, ["pack", "lint", "--fix", str(pack_copy)])
    return pack_copy


def test_french_typography_is_kb106_with_its_line(pack_copy: Path, articles_copy: Path):
    fixed_copy(pack_copy, articles_copy)
    assert findings(pack_copy, "KB106") == []
    line = edit(
        pack_copy,
        "      fr: Le profil Outlook a PR_DISABLE_WINSOCK à 0.\n",
        "      fr: 'Le profil Outlook a réussi: à 80% sur le «serveur» ?'\n",
    )
    found = findings(pack_copy, "KB106")
    where = f"{pack_copy / 'pack.yaml'}:{line}: KB106 rules["
    assert len(found) == 5 and all(f.startswith(where) for f in found), found
    assert "no space before ':' (want U+00A0) in 'ook␣a␣réussi:␣à␣80%␣sur␣'" in found[0]
    assert "no space before '%'" in found[1]
    assert "no space after '«'" in found[2] and "no space before '»'" in found[3]
    assert "plain space before '?' (want U+202F or U+00A0)" in found[4]


def test_kb106_in_an_article_names_file_and_line(pack_copy: Path, articles_copy: Path):
    fixed_copy(pack_copy, articles_copy)
    path = articles_copy / "fr" / "kb159302.md"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(20, "Une certitude de 0.90 ; pas plus.")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = findings(pack_copy, "KB106")
    assert len(found) == 2
    assert all(f.startswith(f"{path}:21: KB106 French typography: ") for f in found)
    assert "plain space before ';'" in found[0]
    assert "decimal point in '0.90' (want '0,90')" in found[1]


@pytest.mark.parametrize(
    "text",
    [
        "Ouvrez la session à 12:25 puis à 9:05.",
        "Voir http://support.microsoft.com/?kbid=319572 et https://example.com/a;b?c!",
        "Le fichier C:\\Program Files\\Exchsrvr\\bin est là.",
        "Adresse fe80::1 ou 2001:db8::ff00:42:8329 et ::1 seulement.",
        "Erreur 0x80040102, ecNotSupported.",
        "Version 5.0.2195.1600, 6.0.4418.25 ou 4.0 et 3.6.3 du client.",
        "Saisissez `telnet mail01 25` puis `EHLO`\u00a0: `Version: 5.0 ; 80% 0.90 « x»`.",
        "La clé HKEY_LOCAL_MACHINE\\System\\Services:Tcpip reste.",
        "Le modèle {place} reste tel quel, {count}% aussi, source fichier:3 et hôte:25.",
        "Bien\u00a0: oui\u202f; non\u00a0? «\u00a0cité\u00a0» et «\u202fcité\u202f»",
        "à 80\u202f% ou 80\u00a0%, 0,90.",
        "Un & et &nbsp; restent.",
        "Reçu après {seconds:.2f} s ou {seconds:g} s, {name!r} et {x:+.2f} de {y!s:>8} tels quels.",
        "EnumProt se termine par SUCCEEDED! ou FAILED! comme il l'écrit.",
    ],
)
def test_kb106_false_positives(text: str):
    from kbassist.authoring import typography

    assert [i.message for i in typography.issues(text)] == []
    assert typography.fix_text(text) == text


def test_kb106_ignores_code_blocks_and_front_matter_keys():
    from kbassist.authoring import typography

    article = (
        "---\nid: x\ntitle: Un titre : bien\nlanguage: fr\n---\n\n"
        "```\nEvent Type: Warning\nDescription: failed ; really?\n```\n\n"
        "Texte : fin\n"
    )
    assert [(line, i.message[:12]) for line, i in typography.article_issues(article)] == [
        (3, "plain space "),
        (12, "plain space "),
    ]
    fixed = typography.fix_article(article)
    assert fixed == article.replace("titre :", f"titre{NBSP}:").replace("Texte :", f"Texte{NBSP}:")


@pytest.mark.parametrize(
    ("text", "fixed"),
    [
        ("Quoi ?", f"Quoi{NNBSP}?"),
        ("Quoi?", f"Quoi{NNBSP}?"),
        ("Ceci ; cela! Voici : ", f"Ceci{NNBSP}; cela{NNBSP}! Voici{NBSP}: "),
        ("« port inaccessible »", f"«{NBSP}port inaccessible{NBSP}»"),
        ("«port»", f"«{NBSP}port{NBSP}»"),
        ("à 80% ou 80 %", f"à 80{NNBSP}% ou 80{NNBSP}%"),
        ("0.90 reste", "0.90 reste"),  # flagged, never fixed automatically
    ],
)
def test_kb106_fixes(text: str, fixed: str):
    from kbassist.authoring import typography

    assert typography.fix_text(text) == fixed


def test_kb106_fixes_block_scalars_line_by_line_and_leaves_what_it_cannot():
    from kbassist.authoring import typography

    text = (
        "how:\n"
        "  fr: >-\n"
        "    Sur le serveur : lancez `EnumProt > EnumProt.txt` ;\n"
        "    puis envoyez-le.\n"
        "other:\n"
        "  fr: >\n"
        "    Une ligne repliée\n"
        "    ; qui commence par un point-virgule\n"
    )
    fixed = typography.fix_yaml(text)
    assert fixed == text.replace("serveur :", f"serveur{NBSP}:").replace("` ;", f"`{NNBSP};")
    values = [t.value for t in typography.yaml_french(fixed)]
    assert values[0] == (
        f"Sur le serveur{NBSP}: lancez `EnumProt > EnumProt.txt`{NNBSP}; puis envoyez-le."
    )
    assert list(typography.issues(values[1]))  # a mark after a fold stays for a person


def unfix(path: Path) -> None:
    """The file as it was before `pack lint --fix` was first run: plain spaces."""
    text = path.read_bytes().decode("utf-8")
    path.write_bytes(text.replace(NBSP, " ").replace(NNBSP, " ").encode("utf-8"))


def test_fix_round_trip_changes_only_spaces(pack_copy: Path, articles_copy: Path):
    with_articles(pack_copy, articles_copy)
    pack_file = pack_copy / "pack.yaml"
    for path in [pack_file, *articles_copy.rglob("*.md")]:
        unfix(path)
    assert findings(pack_copy, "KB106")
    # CRLF line ends and a comment survive byte for byte
    original = pack_file.read_bytes().replace(b"\n", b"\r\n")
    original = original.replace(b"pack:\r\n", b"pack:  # a comment ; here ?\r\n", 1)
    pack_file.write_bytes(original)
    articles = {p: p.read_bytes() for p in articles_copy.rglob("*.md")}
    result = CliRunner().invoke(main, ["pack", "lint", "--fix", str(pack_copy)])
    assert "French typography fixed" in result.stderr
    assert findings(pack_copy, "KB106") == []
    assert CliRunner().invoke(main, ["pack", "validate", str(pack_copy)]).exit_code == 0

    def spaceless(data: bytes) -> bytes:
        text = data.decode("utf-8")
        return "".join(c for c in text if c not in (" ", NBSP, NNBSP)).encode("utf-8")

    after = pack_file.read_bytes()
    assert after != original and spaceless(after) == spaceless(original)
    assert after.count(b"\r\n") == original.count(b"\r\n")
    assert b"pack:  # a comment ; here ?\r\n" in after
    for path, before in articles.items():
        now = path.read_bytes()
        assert spaceless(now) == spaceless(before)
        if "/en/" in str(path):
            assert now == before  # English is never touched
    # a second run changes nothing
    again = CliRunner().invoke(main, ["pack", "lint", "--fix", str(pack_copy)])
    assert "French typography fixed" not in again.stderr
