"""Articles: front matter, anchors shared by both languages, steps parsed with markdown-it-py."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbassist.cli import main
from kbassist.knowledge.articles import ArticleError, parse_article

from .conftest import REPO, SHARED

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


# --- in the project's own words ------------------------------------------------------------
#
# The articles are written from the public articles in ../shared/sources (not part of the
# repository: their sentences must not be). Facts may be shared; sentences may not. Two
# checks per article sentence, with its prose only (code spans and blocks, quoted event and
# interface text, paths and URLs are facts and are left out, headings are labels):
#
# * verbatim: no run of VERBATIM consecutive words (lower case, every word) found in a
#   source of the same language;
# * structure: no source sentence whose content words (function words and numbers
#   dropped, each word cut to its first five letters so that "registered" and
#   "registration" match) appear in the same order, STRUCTURE of them or more, making up
#   at least half of the sentence's own. Swapping a few words for synonyms keeps the
#   source's sentence and fails this; saying it another way passes.

SOURCES = Path(os.environ.get("KBASSIST_SOURCES", SHARED / "sources"))
VERBATIM = 8
STRUCTURE = 5

FUNCTION_WORDS = """a an the of to in on at by for from with without and or but if then so as
    is are was were be been being it its this that these those there here which who what when
    where how not no do does did can could may might must will would should shall has
    have had you your we our they their he she his her them us i me my than also any all
    each every some such only just into out up down over about more most other another one
    same both either neither very
    le la les l un une des du de d à au aux et ou mais si alors donc que qu qui quoi quand
    où ne n pas plus ni est sont été être ont avait il elle ils elles on se s son sa ses
    leur leurs ce cet cette ces c y en dans sur sous par pour avec sans comme tout tous
    toute toutes chaque même aussi très vous votre vos nous notre nos je j m me lui"""
_FUNCTION_WORDS = frozenset(FUNCTION_WORDS.split())
_WORD = re.compile(r"[^\W_]+")
_NOT_PROSE = [
    re.compile(r"`[^`\n]*`"),  # code spans
    re.compile(r"\"[^\"\n]*\"|“[^”\n]*”|«[^»\n]*»"),  # quoted event and interface text
    re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://\S+"),  # URLs
    re.compile(r"\S*\\\S*"),  # registry and file paths
    re.compile(r"\{#[a-z0-9-]+\}"),  # anchors
]
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


def _prose(text: str) -> str:
    for pattern in _NOT_PROSE:
        text = pattern.sub(" | ", text)  # a mark that no run of words crosses
    return text


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'").replace("'", " "))


def _content(words: list[str]) -> list[str]:
    return [w[:5] for w in words if w not in _FUNCTION_WORDS and not w.isdigit()]


def _sentences(block: str) -> list[str]:
    found = _SENTENCE_END.split(" ".join(block.split()))
    return [s.strip() for s in found if _words(s.replace("|", " "))]


_BLOCK_START = re.compile(r"^\s*(?:(?:\d+\.|[-*+>])(?:\s+|$))+")  # list items, quotes


def article_sentences(markdown: str) -> list[tuple[int, str]]:
    """(line, sentence) for each sentence of an article's prose, ``|`` where something that
    is not prose was: no front matter, code blocks or headings; a paragraph, a list item
    or a quoted note ends a sentence."""
    lines = markdown.splitlines()
    end = lines.index("---", 1) if lines and lines[0] == "---" else -1
    blocks: list[tuple[int, list[str]]] = []
    fence = False
    for number, line in enumerate(lines[end + 1 :], start=end + 2):
        if line.lstrip().startswith(("```", "~~~")):
            fence = not fence
            blocks.append((number, []))
        elif fence or line.startswith("#") or not line.strip():
            blocks.append((number, []))
        elif _BLOCK_START.match(line) or not blocks or not blocks[-1][1]:
            blocks.append((number, [_BLOCK_START.sub("", line, count=1)]))
        else:
            blocks[-1][1].append(line)
    return [
        (number, sentence)
        for number, block in blocks
        for sentence in _sentences(_prose(" ".join(block)))
    ]


def source_sentences(text: str) -> list[str]:
    """A source's sentences, ``|`` where something that is not prose was: its lines joined
    into paragraphs (a blank line or a bullet ends one), split at sentence ends."""
    return [s for block in re.split(r"\n\s*\n|•", _prose(text)) for s in _sentences(block)]


def _in_order(a: list[str], b: list[str]) -> int:
    """How many words of ``a`` appear in ``b`` in the same order (longest common subsequence)."""
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def _runs(sentence: str) -> set[tuple[str, ...]]:
    """Every run of VERBATIM words that crosses nothing left out of the prose."""
    pieces = [_words(piece) for piece in sentence.split("|")]
    return {tuple(w[i : i + VERBATIM]) for w in pieces for i in range(len(w) - VERBATIM + 1)}


def copied(sentence: str, source: list[str]) -> str | None:
    """Why ``sentence`` follows one of ``source``'s sentences, or None when it does not."""
    runs = _runs(sentence)
    content = _content(_words(sentence.replace("|", " ")))
    for other in source:
        if runs & _runs(other):
            return f"{VERBATIM} words in a row from {other!r}"
        other_content = _content(_words(other.replace("|", " ")))
        if len(set(content) & set(other_content)) < STRUCTURE:
            continue
        shared = _in_order(content, other_content)
        if shared >= STRUCTURE and 2 * shared >= len(content):
            return f"{shared} of its {len(content)} content words in the order of {other!r}"
    return None


def _sources(lang: str) -> list[str]:
    files = sorted(SOURCES.glob("*.txt"))
    mine = [f for f in files if f.stem.endswith("-fr") == (lang == "fr")]
    return [s for f in mine for s in source_sentences(f.read_text(encoding="utf-8"))]


@pytest.mark.skipif(not SOURCES.is_dir(), reason=f"no sources at {SOURCES} (KBASSIST_SOURCES)")
@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("article_id", ARTICLES)
def test_articles_do_not_follow_the_sources_sentences(article_id: str, lang: str):
    path = REPO / "articles" / lang / f"{article_id}.md"
    source = _sources(lang)
    assert source, f"no {lang} source in {SOURCES}"
    found = []
    for line, sentence in article_sentences(path.read_text(encoding="utf-8")):
        why = copied(sentence, source)
        if why:
            found.append(f"{path.name}:{line}: {sentence!r}: {why}")
    if found:
        pytest.fail("say it another way, not with other words:\n" + "\n".join(found))


def test_the_copying_check_tells_a_reworded_sentence_from_a_rewritten_one():
    source = source_sentences(
        "Notes.\nIf the workstation is rebooted without logging off, the server keeps\n"
        "sending datagrams to the old port until the session times out.\n\n"
        "Open `regedit` and look at the Transports value of C:\\Temp\\x.reg carefully.\n"
    )
    assert len(source) == 3 and source[1].startswith("If the workstation is rebooted")
    assert "|" in source[2]  # the code span and the path are not prose
    synonyms = "If the workstation is restarted without logging out, the server goes on sending"
    assert copied(synonyms + " datagrams to the former port until its session expires.", source)
    verbatim = "Beware: the server keeps sending datagrams to the old port until the end."
    assert "8 words in a row" in (copied(verbatim, source) or "")
    rewritten = "A session that ends in a reboot leaves the old port receiving datagrams a while."
    assert copied(rewritten, source) is None
    facts = "Check the Transports value in `regedit`: C:\\Temp\\x.reg is the export to look at."
    assert copied(facts, source) is None  # the same facts are fine
    markdown = "---\nid: x\n---\n\n## Heading {#h}\n\n```\nFAILED! 0x80040102\n```\n\n"
    markdown += '1. Click **OK**; then wait: the "Event ID"\n   shows `9671`.\n2. Done.\n'
    markdown += "\nPorts 1024 to 65535. Then\nstop.\n"  # a number ending a sentence stays
    assert article_sentences(markdown) == [
        (11, "Click **OK**;"),
        (11, "then wait:"),
        (11, "the | shows | ."),
        (13, "Done."),
        (15, "Ports 1024 to 65535."),
        (15, "Then stop."),
    ]
