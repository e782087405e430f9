"""Articles: front matter, anchors shared by both languages, steps parsed with markdown-it-py."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kbassist.cli import main
from kbassist.knowledge.articles import ArticleError, parse_article

ARTICLES = ["kb319572", "kb159302", "kb279616", "event-9671"]


@pytest.mark.parametrize("article_id", ARTICLES)
def test_languages_share_anchors_and_step_counts(pack, article_id):
    en = pack.articles.get(article_id, "en")
    fr = pack.articles.get(article_id, "fr")
    assert (en.language, fr.language) == ("en", "fr")
    assert en.id == fr.id == article_id
    assert list(en.sections) == list(fr.sections)
    for anchor, section in en.sections.items():
        assert len(section.steps) == len(fr.sections[anchor].steps), anchor
        if anchor.startswith("fix-"):
            assert section.steps, anchor
    assert en.sources and en.title != fr.title


def test_steps_are_the_ordered_list_items_in_order(tmp_path: Path):
    text = """---
id: demo
title: Demo
language: en
sources: [KB 1]
---

# Demo

## Fix it {#fix-it}

Before the list.

1. Open `regedit`.
2. Delete the value
   on two lines.
   - a nested note
3. Restart.

- not a step

## Verify {#verify-it}

It works when **mail** arrives.
"""
    article = parse_article(text, tmp_path / "demo.md")
    fix = article.sections["fix-it"]
    assert fix.steps == (
        "Open regedit.",
        "Delete the value on two lines. a nested note",
        "Restart.",
    )
    assert fix.title == "Fix it"
    assert fix.line == 10  # the heading line in the file
    assert article.sections["verify-it"].text == "It works when mail arrives."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("# no front matter\n", "missing front matter"),
        ("---\nid: x\n", "not closed"),
        ("---\nid: x\ntitle: t\n---\n", "lacks 'language'"),
        ("---\nid: x\ntitle: t\nlanguage: en\n---\n## No anchor\n", "no {#anchor}"),
        ("---\nid: x\ntitle: t\nlanguage: en\n---\n## A {#a}\n## B {#a}\n", "appears twice"),
    ],
)
def test_malformed_articles_say_where(tmp_path: Path, text: str, message: str):
    with pytest.raises(ArticleError) as info:
        parse_article(text, tmp_path / "x.md")
    assert message in str(info.value)


def test_article_show_whole_and_section():
    runner = CliRunner()
    whole = runner.invoke(main, ["article", "show", "kb319572", "--lang", "fr"])
    assert whole.exit_code == 0
    assert whole.stdout.startswith("# Outlook n'est pas averti")
    section = runner.invoke(
        main, ["article", "show", "kb279616", "--section", "fix-reset-message-status"]
    )
    assert section.exit_code == 0
    assert section.stdout.startswith("## ") and "ResetMessageStatus" in section.stdout
    assert "{#verify-smtp}" not in section.stdout
    missing = runner.invoke(main, ["article", "show", "kb999"])
    assert missing.exit_code == 2 and "no such article" in missing.stderr
    bad_section = runner.invoke(main, ["article", "show", "kb159302", "--section", "nope"])
    assert bad_section.exit_code == 2 and "fix-unclean-logoff" in bad_section.stderr


NOTES = """---
id: demo
title: Demo
language: {lang}
sources: [KB 1]
---

# Demo

## Fix it {{#fix-it}}

{intro}

1. Open `regedit`.

   > **{label}** {note}

2. Restart.

{after}
"""


@pytest.mark.parametrize(
    ("lang", "label", "note", "intro", "after"),
    [
        ("en", "Note:", "on a cluster leave it.", "A restart is needed.", "Then wait."),
        (
            "fr",
            "Remarque\u00a0:",
            "sur un cluster, laissez-la.",
            "Un redémarrage est nécessaire.",
            "Attendez ensuite.",
        ),
    ],
)
def test_a_quoted_note_belongs_to_its_step_and_paragraphs_to_the_section(
    tmp_path: Path, lang, label, note, intro, after
):
    text = NOTES.format(lang=lang, label=label, note=note, intro=intro, after=after)
    fix = parse_article(text, tmp_path / "demo.md").sections["fix-it"]
    assert fix.steps == ("Open regedit.", "Restart.")  # the notes stay out of the steps
    assert fix.step_notes == ((note,), ())  # the bold label is the reader's cue, not the note
    assert fix.notes == (intro, after)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_bundled_articles_carry_the_cluster_caveat_on_its_step(pack, lang):
    fix = pack.articles.get("kb279616", lang).sections["fix-reset-message-status"]
    assert "ResetMessageStatus" in fix.step_notes[8][0]
    assert ("cluster" in fix.step_notes[8][0]) and fix.notes  # Phatq.dll, before the list
    winsock = pack.articles.get("kb319572", lang).sections["fix-winsock-transports"]
    assert any("redémarrage" in n or "restart" in n for n in winsock.notes)


@pytest.mark.parametrize("article_id", ARTICLES)
def test_languages_share_their_notes(pack, article_id):
    en = pack.articles.get(article_id, "en")
    fr = pack.articles.get(article_id, "fr")
    for anchor, section in en.sections.items():
        if anchor.startswith("fix-"):
            other = fr.sections[anchor]
            assert [len(n) for n in section.step_notes] == [len(n) for n in other.step_notes]
            assert len(section.notes) == len(other.notes), anchor
