"""Pasted text back into the lines a program printed: HTML, e-mail quoting, terminal controls."""

from __future__ import annotations

import io
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbassist.evidence import pasted
from kbassist.evidence.pasted import MAX_LINE, PIECE, Line, logical_lines


def lines_of(text: str, html: bool | None = None) -> list[tuple[int, str]]:
    if html is None:
        html = pasted.looks_html(text)
    return [
        (line.number, line.text) for line in logical_lines(io.StringIO(text, newline=None), html)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("&lt;ann@contoso.com&gt;", "<ann@contoso.com>"),
        ("AT&amp;T &quot;x&quot; &#39;y&#39;", "AT&T \"x\" 'y'"),
        ("&#50;&#53;&#48;-SIZE", "250-SIZE"),
        ("&#x32;&#X35;&#x30; OK", "250 OK"),
        ("a&nbsp;b", "a\u00a0b"),
        ("&lt &gt &amp", "< > &"),  # the legacy names a browser takes without ';'
        ("R&D; &unknown; &", "R&D; &unknown; &"),
        ("&#0; &#xD800; &#1114112;", "\ufffd \ufffd \ufffd"),
        ("&#" + "9" * 5000, "\ufffd" + "9" * 4993),  # never a 5000-digit int()
    ],
)
def test_unescape(text, expected):
    assert pasted.unescape(text) == expected


@pytest.mark.parametrize(
    ("raw", "seen"),
    [
        ("ehlp\b \bo x", "ehlo x"),  # a typo corrected with backspace, echoed as BS SP BS
        ("\b\bquit", "quit"),
        ("\x1b[1m250-SIZE\x1b[0m", "250-SIZE"),  # colour
        ("\x1b]0;mail01 - PuTTY\x07220 ready", "220 ready"),  # a window title
        ("\x1b[2J\x1b[H220 ready", "220 ready"),  # clear screen, home
        ("250\u00a0OK\u200b\ufeff", "250 OK"),
        ("250-SIZE\t\x00\x07 ", "250-SIZE"),
        ("a\u202eb", "ab"),  # a direction override never reaches a terminal
    ],
)
def test_clean(raw, seen):
    assert pasted.clean(raw) == seen


@pytest.mark.parametrize(
    "text",
    [
        "<p>hello</p>",
        "<BR>",
        "x<br/>y",
        '<!DOCTYPE html>\n<html lang="en">',
        "<div\nclass=post>",
        "<pre>220 x</pre>",
    ],
)
def test_looks_html(text):
    assert pasted.looks_html(text)


@pytest.mark.parametrize(
    "text",
    ["mail from:<ann@contoso.com>", "<<< 250-SIZE", "> 220 ready", "<postmaster>", "a < b > c"],
)
def test_plain_text_is_not_html(text):
    assert not pasted.looks_html(text)


def test_email_quoting_at_any_depth():
    text = "> 250-SIZE\r\n>> 250-DSN\r\n> > > 250 OK\r\n>\r\n>>>\r\n  >  250 x\r\n"
    assert lines_of(text) == [(1, "250-SIZE"), (2, "250-DSN"), (3, "250 OK"), (6, "250 x")]


def test_html_breaks_tags_comments_and_scripts():
    text = (
        "<html><head><title>T</title><style>p {color: red}\n</style>\n"
        "<script>if (a < b) { x = '250 no'; }</script></head><body>\n"
        "<!-- 220 hidden\nstill hidden -->"
        "<p>220 mail<br>250-SIZE<BR />250 OK</p>"
        '<div><span style="x">ehlo</span> <b>x</b></div><o:p></o:p>\n'
        "<table><tr><td>a</td><td>b</td></tr></table>\n"
        "mail from:&lt;ann@contoso.com&gt; <postmaster@contoso.com> <unknown>tag\n"
    )
    assert lines_of(text) == [
        (1, "T"),
        (5, "220 mail"),
        (5, "250-SIZE"),
        (5, "250 OK"),
        (5, "ehlo x"),
        (6, "a  b"),
        (7, "mail from:<ann@contoso.com> <postmaster@contoso.com> <unknown>tag"),
    ]


def test_a_tag_across_lines_is_dropped_whole():
    assert lines_of('<p>250-SIZE<span\nclass="x">\n250 OK</p>') == [(1, "250-SIZE"), (3, "250 OK")]


def test_html_quoted_in_a_plain_text_reply():
    assert lines_of("> 250-SIZE<br>\n&gt; 250 OK<br>\n") == [(1, "250-SIZE"), (2, "250 OK")]


@pytest.mark.parametrize("html", [False, True])
def test_an_endless_line_is_read_in_pieces_and_kept_short(html):
    text = "250-" + "A" * (3 * PIECE + 17) + "\n250 OK\n"
    got = list(logical_lines(io.StringIO(text, newline=None), html))
    assert [(line.number, len(line.text)) for line in got] == [(1, MAX_LINE), (2, 6)]


def test_the_last_line_without_its_line_end_says_so():
    got = list(logical_lines(io.StringIO("250-SIZE\r\n250", newline=None), False))
    assert got == [Line(1, "250-SIZE", 8, True), Line(2, "250", 3, False)]
    got = list(logical_lines(io.StringIO("<p>250-SIZE<br>250", newline=None), True))
    assert [line.ended for line in got] == [True, False]


def test_universal_newlines_and_line_numbers():
    text = "a\r\nb\nc\rd\r\r\ne"
    assert lines_of(text, html=False) == [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (6, "e")]


_PIECES = "< > & &# &#x ; <br> <p </pre> <!-- --> <script> </script <o:p> 250- a"
_SAMPLE = st.sampled_from(
    [
        *_PIECES.split(),
        "\n",
        "\r",
        "\b",
        "\x1b[",
        "\x1b]",
        "\x07",
        "> ",
        "\u00a0",
        "\ufeff",
        "\u00ad",
        " ",
    ]
)


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(_SAMPLE, st.text(max_size=8)), max_size=60), html=st.booleans())
def test_fuzz_lines_are_clean_short_and_in_order(parts, html):
    text = "".join(parts)
    numbers = []
    for line in logical_lines(io.StringIO(text, newline=None), html):
        assert line.text and len(line.text) <= MAX_LINE and line.width >= len(line.text)
        assert line.text == line.text.strip() and not line.text.startswith(">")
        assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in line.text)
        numbers.append(line.number)
    assert numbers == sorted(numbers)
