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
