"""`kbassist pack docs`: a Markdown reference of the bundled pack, in English and French."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from kbassist.cli import main
from kbassist.pack.loader import load_pack


def docs(*args: str) -> str:
    result = CliRunner().invoke(main, ["pack", "docs", *args])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_part_of_the_pack_is_documented(lang: str):
    text = docs("--lang", lang)
    pack = load_pack()
    for q in pack.model.questions:
        assert f"| `{q.id}` | {q.kind} | {q.text.get(lang)} |" in text
    for f in pack.model.facts:
        assert f"| `{f.name}` | {f.type} |" in text
    for c in pack.model.causes:
        assert f"### {c.title.get(lang)} (`{c.id}`)" in text
        assert f"`{c.fix.article}#{c.fix.section}`" in text
    for r in pack.model.rules:
        assert f"- **{r.id}** (" in text
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    assert sum(t.type == "table_open" for t in tokens) == 2  # questions, facts


def test_rules_in_plain_words_with_their_evidence():
    text = docs()
    assert "# Exchange 2000 and Outlook" in text
    assert (
        "- **firewall-and-no-udp** (+0.45): `answer firewall-between-server-and-client is yes "
        "AND finding udp-missing AND NOT (finding registration-failed) AND "
        "NOT (fact dpmon.registration-refused is false) AND NOT (finding client-can-register) "
        "AND NOT (fact udp.datagrams-received is false)`"
    ) in text
    assert (
        "- **old-cisco-vpn-client** (+0.45): `answer cisco-vpn-version < 4.0 "
        "AND NOT (finding notification-not-received)`"
    ) in text
    assert "  - reads: fact winsock.orphan-count" in text
    assert "Rules against:" in text
    assert "`yes`, `no`, `unknown`" in text


def test_french_labels_and_text():
    text = docs("--lang", "fr")
    assert "## Faits tirés des preuves" in text
    assert "Règles contre\u00a0:" in text and "Règles contre:" not in text
    assert "Conclue à 0,5, écartée à -0,5." in text and "(+0,90)\u00a0: `" in text
    assert "  - Le profil Outlook a PR_DISABLE_WINSOCK (00036618) activé." in text
    assert "Résolution\u00a0: supprimer les transports Winsock orphelins" in text


def test_invalid_pack_is_exit_3(pack_copy: Path):
    path = pack_copy / "pack.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("severity: fault", "severity: x", 1))
    result = CliRunner().invoke(main, ["pack", "docs", str(pack_copy)])
    assert result.exit_code == 3
    assert result.stderr.startswith(f"kbassist: {path}:")


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        (
            "en",
            [
                "  - source: `demo#symptoms` (Symptoms)",
                "  - other causes of this evidence: A disk or network fault survives a restart "
                "too; rules against rule it out.",
                "  - why this certainty: Strong but not proof, since other faults survive a "
                "restart too.",
            ],
        ),
        (
            "fr",
            [
                "  - source\u00a0: `demo#symptoms` (Symptômes)",
                "  - autres causes de ces indices\u00a0: Une panne de disque ou de réseau survit "
                "aussi\u202f; des règles contre l'écartent.",
            ],
        ),
    ],
)
def test_each_rule_shows_its_review(tmp_path: Path, lang: str, lines: list[str]):
    from kbassist.authoring.scaffold import new_pack

    folder = new_pack("demo", tmp_path)
    text = docs(str(folder), "--lang", lang)
    rule = text.index("- **persists-after-restart**")
    for line in lines:
        assert line in text[rule:], line


def test_a_free_text_source_is_shown_as_written(tmp_path: Path):
    from kbassist.authoring.scaffold import new_pack

    folder = new_pack("demo", tmp_path)
    path = folder / "pack.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("source: demo#symptoms", 'source: "vendor manual, ch. 3"', 1))
    assert "  - source: vendor manual, ch. 3\n" in docs(str(folder))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_files_are_listed_with_their_how_to_and_the_questions_they_answer(lang: str):
    text = docs("--lang", lang)
    pack = load_pack()
    title = {"en": "## Files the pack reads", "fr": "## Fichiers que le pack lit"}[lang]
    files = text[text.index(title) : text.index("\n## ", text.index(title) + 1)]
    how = {"en": "How to make it", "fr": "Comment l'obtenir"}[lang]
    colon = {"en": ":", "fr": "\u00a0:"}[lang]
    for f in pack.model.files:
        assert f"### {f.title.get(lang)} (`{f.id}`)" in files
        assert f"`{f.kind}`" in files
        assert f"{how}{colon} {f.how.get(lang)}" in files
    smtp = files[files.index("(`server-smtp-session`)") :]
    answers = {"en": "answers", "fr": "répond à"}[lang]
    assert smtp.split("\n### ")[0].count(f"- {answers}{colon} `ehlo-shows-exchange-verbs`") == 1
    answered = {"en": "files that answer it", "fr": "fichiers qui y répondent"}[lang]
    assert f"{answered} `server-application-log`" in text  # under event-9671-logged
    assert f"- `symptom`{colon}" not in text  # no file answers the symptom
