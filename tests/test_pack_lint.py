"""`kbassist pack lint`: each finding code fires on a real defect, none on the bundled pack."""

from __future__ import annotations

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
        "      fr: EnumProt a réussi sur le serveur.\n",  # rule because
    ],
)
def test_kb101_covers_labels_titles_and_because(pack_copy: Path, old: str):
    edit(pack_copy, old, "")
    assert codes(pack_copy) == ["KB101"]


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
    text = (articles_copy / "en" / "kb159302.md").read_text(encoding="utf-8")
    (articles_copy / "en" / "spare.md").write_text(text.replace("id: kb159302", "id: spare"))
    found = sorted(f.code for f in lint(open_pack(pack_copy)))
    assert found == ["KB102", "KB401"]


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
    for lang in ("en", "fr"):
        (articles_copy / lang / "broken.md").write_text("no front matter\n", encoding="utf-8")
    found = [str(f) for f in lint(open_pack(pack_copy)) if f.code != "KB401"]
    assert len(found) == 1
    assert found[0].endswith("broken.md:1: KB400 missing front matter (a first line '---')")


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
        "      fr: EnumProt a réussi sur le serveur.\n",
        "      fr: 'EnumProt a réussi: à 80% sur le «serveur» ?'\n",
    )
    found = findings(pack_copy, "KB106")
    where = f"{pack_copy / 'pack.yaml'}:{line}: KB106 rules["
    assert len(found) == 5 and all(f.startswith(where) for f in found), found
    assert "no space before ':' (want U+00A0) in 'rot␣a␣réussi:␣à␣80%␣sur␣'" in found[0]
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
