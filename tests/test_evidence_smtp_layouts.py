"""SMTP transcripts as they reach a helpdesk: quoted in e-mails, in HTML, from telnet,
PuTTY and openssl s_client, each built byte by byte as those programs write them."""

from __future__ import annotations

import codecs
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbassist.cli import main
from kbassist.evidence import read_artifact, smtp_transcript
from kbassist.evidence.base import Artifact

from .artifacts import head_of, parse_or_none

W2K_BANNER = (
    "220 mail01.contoso.com Microsoft ESMTP MAIL Service, Version: 5.0.2195.6713 "
    "ready at  Thu, 2 Mar 2006 05:01:57 +0100"
)
SMTP_DLL = [  # what the Windows 2000 SMTP DLL lists: no X-LINK2STATE, no XEXCH50
    "TURN",
    "ATRN",
    "SIZE",
    "ETRN",
    "PIPELINING",
    "DSN",
    "ENHANCEDSTATUSCODES",
    "8bitmime",
    "BINARYMIME",
    "CHUNKING",
    "VRFY",
    "X-EXPS GSSAPI NTLM LOGIN",
    "X-EXPS=LOGIN",
    "AUTH GSSAPI NTLM LOGIN",
    "AUTH=LOGIN",
]
EXCHANGE_2000 = [*SMTP_DLL, "X-LINK2STATE", "XEXCH50"]
KEYWORDS = list(dict.fromkeys(v.split()[0].split("=")[0].upper() for v in SMTP_DLL))


def ehlo_reply(verbs: list[str]) -> list[str]:
    return ["250-mail01.contoso.com Hello [10.0.0.15]", *(f"250-{v}" for v in verbs), "250 OK"]


def dialogue(verbs: list[str], banner: str = W2K_BANNER) -> list[str]:
    """The session as the server and the echo put it on screen."""
    return [banner, "ehlo helpdesk", *ehlo_reply(verbs), "quit", "221 2.0.0 closing"]


# How the text is saved: Notepad's ANSI, UTF-8 (with or without its BOM), "Unicode"
# (UTF-16LE with a BOM) and "Unicode big endian"; CRLF, LF, and the mix copy and paste
# leaves.
ENCODINGS: dict[str, Callable[[str], bytes]] = {
    "ansi": lambda text: text.encode("cp1252"),
    "utf-8": lambda text: text.encode("utf-8"),
    "utf-8-bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-16le-bom": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16be-bom": lambda text: codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
}


def joined(lines: list[str], end: str) -> str:
    if end == "mixed":  # a CRLF text with LF-only lines pasted in, and a CR CR LF
        ends = ["\r\n", "\n", "\r\r\n"]
        return "".join(line + ends[i % 3] for i, line in enumerate(lines))
    return "".join(line + end for line in lines)


def line_number(index: int, end: str) -> int:
    """The line (from 1) universal newlines give the line ``index`` (from 0) of ``joined``."""
    if end != "mixed":
        return index + 1
    return 1 + sum(2 if i % 3 == 2 else 1 for i in range(index))


def save(tmp_path: Path, text: str, encoding: str = "ansi", name: str = "paste.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(ENCODINGS[encoding](text))
    return path


def facts(artifact: Artifact) -> dict[str, tuple[object, int]]:
    out = {o.fact: (o.value, int(o.source.rsplit(":", 1)[1])) for o in artifact.observations}
    assert len(out) == len(artifact.observations)
    return out


def values(artifact: Artifact) -> dict[str, object]:
    return {fact: value for fact, (value, _) in facts(artifact).items()}


PLAIN_DLL = {
    "smtp.banner": W2K_BANNER[4:],
    "smtp.banner-version": "5.0.2195.6713",
    "smtp.ehlo-keywords": KEYWORDS,
    "smtp.xexch50": False,
    "smtp.x-link2state": False,
}


def same_words(found: dict[str, object]) -> dict[str, object]:
    """The facts, the banner's runs of spaces made one (a wrap at "at  Thu" loses one)."""
    banner = found.get("smtp.banner")
    return {**found, "smtp.banner": " ".join(banner.split())} if isinstance(banner, str) else found


def check_read(path: Path) -> Artifact:
    """Detected by content among every reader, and read with no warning."""
    assert smtp_transcript.detect(head_of(path.read_bytes()))
    artifact = read_artifact(path)
    assert artifact.kind == "smtp-transcript"
    assert artifact.warnings == []
    return artifact


# --- e-mail: quoted, at any depth, re-wrapped by the mail client -------------------------


def quote(lines: list[str], prefix: str) -> list[str]:
    return [f"{prefix}{line}" if line else prefix.rstrip() for line in lines]


def mail_wrap(
    lines: list[str], width: int, prefix: str = "", keep_prefix: bool = True
) -> list[str]:
    """What a mail client does to long lines: break at the last space before ``width``;
    the continuation keeps the quote prefix (Thunderbird) or loses it (a reply typed over)."""
    out = []
    for line in lines:
        while len(prefix + line) > width and " " in line[: width - len(prefix)]:
            cut = line.rindex(" ", 0, width - len(prefix))
            out.append(prefix + line[:cut])
            line = line[cut + 1 :]
            if not keep_prefix:
                out.append(line)
                line = ""
                break
        if line:
            out.append(prefix + line)
    return out


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("end", ["\r\n", "\n", "mixed"])
def test_a_transcript_quoted_in_a_reply_e_mail(tmp_path, encoding, end):
    body = [
        "Hello,",
        "",
        "On Thu, 2 Mar 2006 05:10, Ann Admin wrote:",
        "> Here is what telnet shows:",
        ">",
        *quote(dialogue(SMTP_DLL), "> > "),
        ">",
        "> Ann",
    ]
    path = save(tmp_path, joined(body, end), encoding)
    got = facts(check_read(path))
    assert {f: v for f, (v, _) in got.items()} == PLAIN_DLL
    assert got["smtp.banner"][1] == line_number(5, end)
    assert got["smtp.ehlo-keywords"][1] == line_number(7, end)
    assert got["smtp.xexch50"][1] == line_number(5 + 2 + 1 + len(SMTP_DLL), end)  # '250 OK'


@pytest.mark.parametrize("prefix", ["> ", ">> ", "> > ", ">>> ", ">"])
@pytest.mark.parametrize("keep_prefix", [True, False])
def test_a_long_banner_wrapped_by_the_mail_client_keeps_its_version(tmp_path, prefix, keep_prefix):
    lines = mail_wrap(dialogue(SMTP_DLL), 72, prefix, keep_prefix)
    assert len(lines) > len(dialogue(SMTP_DLL))  # it did wrap
    got = same_words(values(check_read(save(tmp_path, joined(lines, "\r\n")))))
    assert got == same_words(PLAIN_DLL)


def test_mixed_quoting_levels(tmp_path):
    """A thread quoted again and again: each line at its own depth, as clients leave it."""
    session = dialogue(EXCHANGE_2000)
    levels = ["> ", ">> ", "> > > ", ">", "> >"]
    lines = [f"{levels[i % len(levels)]}{line}" for i, line in enumerate(session)]
    got = values(check_read(save(tmp_path, joined(lines, "\n"), "utf-8")))
    assert got["smtp.x-link2state"] is True and got["smtp.xexch50"] is True


# --- web pages and HTML mail ---------------------------------------------------------------


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def forum_pre(lines: list[str]) -> str:
    """A forum post saved from the browser: the transcript in <pre>, escaped."""
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">\r\n'
        "<html><head><title>SMTP problem</title>\r\n"
        "<style>pre { font: 12px monospace } /* 220 not a reply */</style>\r\n"
        "<script type=\"text/javascript\">var x = '250 OK';</script></head>\r\n"
        '<body><div class="post"><p>After IIS was reinstalled mail sits in the queue.'
        "</p>\r\n<!-- 220 an old banner\r\n in a comment -->\r\n<pre>"
        + "\r\n".join(escape(line) for line in lines)
        + "</pre>\r\n</div></body></html>\r\n"
    )


def br_lines(lines: list[str]) -> str:
    """A post body whose lines end in <br />, with &nbsp; for runs of spaces."""
    return "\n".join(
        escape(line).replace("  ", "&nbsp; ") + "<br />" for line in ["Output:", *lines]
    )


def outlook_html(lines: list[str]) -> str:
    """An HTML mail from Outlook: each line a <p class=MsoNormal>, in a blockquote."""
    paragraphs = "".join(
        f"<p class=MsoNormal><span style='font-size:10.0pt;font-family:\"Courier New\"'>"
        f"{escape(line) or '&nbsp;'}<o:p></o:p></span></p>\r\n"
        for line in lines
    )
    return (
        '<html xmlns:o="urn:schemas-microsoft-com:office:office">\r\n<head>\r\n'
        '<meta http-equiv=Content-Type content="text/html; charset=us-ascii">\r\n'
        "</head>\r\n<body lang=EN-US link=blue vlink=purple>\r\n<div class=Section1>\r\n"
        "<blockquote style='border:none;border-left:solid blue 1.5pt;padding:0in 0in 0in "
        "4.0pt'>\r\n" + paragraphs + "</blockquote>\r\n</div>\r\n</body>\r\n</html>\r\n"
    )


def one_line_html(lines: list[str]) -> str:
    """Everything on one line, as a web mail stores it, with numeric references."""
    numeric = [line.replace("250", "&#50;&#53;&#48;", 1) for line in lines]
    return "<div>" + "<br>".join(escape(line).replace("&amp;#", "&#") for line in numeric)


@pytest.mark.parametrize("layout", [forum_pre, br_lines, outlook_html, one_line_html])
@pytest.mark.parametrize("encoding", ["ansi", "utf-8", "utf-16le-bom"])
def test_html_pages_and_mails(tmp_path, layout, encoding):
    session = [*dialogue(SMTP_DLL)[:2], *ehlo_reply(SMTP_DLL), "mail from:<ann@contoso.com>"]
    session += ["250 2.1.0 ann@contoso.com....Sender OK", "quit", "221 2.0.0 closing"]
    path = save(tmp_path, layout(session), encoding, "post.htm")
    assert values(check_read(path)) == PLAIN_DLL


def test_a_saved_page_whose_transcript_comes_after_the_head(tmp_path):
    """A page saved from the browser: 20 KB of styles and scripts before the post."""
    page = forum_pre(dialogue(SMTP_DLL))
    filler = "<script>\r\n" + "var menu = [1, 2, 3];\r\n" * 1000 + "</script>\r\n"
    page = page.replace("</head>", filler + "</head>", 1)
    path = save(tmp_path, page, "utf-8", "thread.htm")
    assert b"220 mail01" not in path.read_bytes()[:8192]
    assert values(check_read(path)) == PLAIN_DLL


def test_a_page_about_something_else_is_not_a_transcript(tmp_path):
    path = save(tmp_path, "<html><body><p>Winsock transports</p></body></html>", "utf-8")
    assert not smtp_transcript.detect(head_of(path.read_bytes()))


def test_html_lines_cite_the_file_lines(tmp_path):
    path = save(tmp_path, forum_pre(dialogue(EXCHANGE_2000)))
    got = facts(check_read(path))
    text = path.read_text(encoding="cp1252").splitlines()
    line_of = {word: next(i for i, t in enumerate(text, 1) if word in t) for word in EXCHANGE_2000}
    assert got["smtp.x-link2state"] == (True, line_of["X-LINK2STATE"])
    assert got["smtp.xexch50"] == (True, line_of["XEXCH50"])
    assert got["smtp.banner"][1] == next(i for i, t in enumerate(text, 1) if "ESMTP" in t)


# --- telnet ----------------------------------------------------------------------------


def test_unix_telnet_with_its_own_lines(tmp_path):
    lines = [
        "$ telnet mail01.contoso.com 25",
        "Trying 10.0.0.5...",
        "Connected to mail01.contoso.com.",
        "Escape character is '^]'.",
        *dialogue(SMTP_DLL),
        "Connection closed by foreign host.",
        "$",
    ]
    got = facts(check_read(save(tmp_path, joined(lines, "\n"), "utf-8")))
    assert {f: v for f, (v, _) in got.items()} == PLAIN_DLL
    assert got["smtp.banner"][1] == 5 and got["smtp.ehlo-keywords"][1] == 7


@pytest.mark.parametrize(
    "typed",
    [
        "ehlo helpdesk{reply}",  # the line end was not echoed: the reply is glued on
        "ehlo helpdesk {reply}",  # the same, with a space typed before Enter
        "EHLO PC0125{reply}",  # a client name ending in digits
        "ehlo{reply}",  # EHLO with no name
    ],
)
def test_an_echoed_command_on_the_line_of_its_reply(tmp_path, typed):
    reply = ehlo_reply(SMTP_DLL)
    lines = [W2K_BANNER, typed.format(reply=reply[0]), *reply[1:], "quit221 2.0.0 closing"]
    got = facts(check_read(save(tmp_path, joined(lines, "\r\n"))))
    assert {f: v for f, (v, _) in got.items()} == PLAIN_DLL
    assert got["smtp.ehlo-keywords"][1] == 2  # the reply starts on the command's line


def test_a_one_line_reply_glued_to_an_echoed_ehlo_counts_as_the_ehlo_reply(tmp_path):
    lines = [W2K_BANNER, "ehlo x250 mail01.contoso.com Hello [10.0.0.15]", "quit"]
    got = values(smtp_transcript.parse(save(tmp_path, joined(lines, "\r\n"))))
    assert got["smtp.ehlo-keywords"] == [] and got["smtp.xexch50"] is False


@pytest.mark.parametrize(
    ("line", "split"),
    [
        ("ehlo x250-mail01 Hello", ("ehlo x", "250-mail01 Hello")),
        ("ehlo 10.0.0.215 250 mail01", ("ehlo 10.0.0.215", "250 mail01")),
        ("ehlo [10.0.0.250]", None),
        ("ehlo mail01.contoso.com", None),
        ("mail from:<ann@contoso.com> SIZE=300 BODY=8BITMIME", None),
        (
            "mail from:<ann@contoso.com>250 2.1.0 OK",
            ("mail from:<ann@contoso.com>", "250 2.1.0 OK"),
        ),
        ("rcpt to:<u250-x@contoso.com>", None),
        ("DATA354 Start mail input", ("DATA", "354 Start mail input")),
        ("quit 221 2.0.0 bye", ("quit", "221 2.0.0 bye")),
        ("helpdesk 250 OK", None),  # not a command
    ],
)
def test_split_glued(line, split):
    assert smtp_transcript.split_glued(line) == split


def test_a_forum_post_with_remarks_after_the_lines(tmp_path):
    """As posted on forums: in a Markdown fence, remarks in BBCode after some lines,
    a message typed after DATA (its '.' and '..' lines are no elision)."""
    remark = "      [COLOR=Red]<-- {}[/COLOR]"
    reply = ehlo_reply(SMTP_DLL)
    lines = ["Here is my test:", "", "```", "telnet mail01.contoso.com 25" + remark.format("run")]
    lines += ["Trying 10.0.0.5..." + remark.format("the server"), "Connected to mail01."]
    lines += ["Escape character is '^]'.", W2K_BANNER, "ehlo xyz.com" + remark.format("any")]
    lines += [reply[0] + remark.format("my address"), *reply[1:], "mail from:ann@contoso.com"]
    lines += ["250 2.1.0 ann@contoso.com....Sender OK", "data", "354 Start mail input; end "]
    lines += ["This is a test.", ".", "..", "250 2.6.0 <X@mail01> Queued mail for delivery"]
    lines += ["```", "Any idea?"]
    got = facts(check_read(save(tmp_path, joined(lines, "\n"), "utf-8")))
    assert {f: v for f, (v, _) in got.items()} == PLAIN_DLL
    assert got["smtp.banner"][1] == 8 and got["smtp.ehlo-keywords"][1] == 10


def test_windows_telnet_without_echo(tmp_path):
    """Windows telnet clears the screen and does not echo: only the server's lines,
    copied from the console window, each padded to its 80 columns."""
    lines = [W2K_BANNER[:80], W2K_BANNER[80:], *ehlo_reply(SMTP_DLL)]
    lines += ["221 2.0.0 mail01.contoso.com Service closing transmission channel", ""]
    lines += ["Connection to host lost.", "", "Press any key to continue..."]
    padded = [line.ljust(80) for line in lines]
    got = facts(check_read(save(tmp_path, joined(padded, "\r\n"))))
    assert {f: v for f, (v, _) in got.items()} == PLAIN_DLL  # cut at 80, in a word, rejoined
    assert got["smtp.banner"][1] == 1 and got["smtp.ehlo-keywords"][1] == 3


def test_windows_telnet_failing_to_connect_is_not_a_transcript(tmp_path):
    lines = ["Connecting To mail01...Could not open connection to the host, on port 25: "]
    lines += ["Connect failed"]
    path = save(tmp_path, joined(lines, "\r\n"))
    assert not smtp_transcript.detect(head_of(path.read_bytes()))


# --- PuTTY session logs -----------------------------------------------------------------

PUTTY_HEADER = "=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2006.03.02 05:01:57 =~=~=~=~=~=~=~=~=~=~=~="


def test_putty_printable_output(tmp_path):
    text = PUTTY_HEADER + "\r\n" + joined(dialogue(SMTP_DLL), "\r\n")
    got = facts(check_read(save(tmp_path, text, name="putty.log")))
    assert {f: v for f, (v, _) in got.items()} == PLAIN_DLL
    assert got["smtp.banner"][1] == 2


def test_putty_all_session_output_with_controls_and_corrections(tmp_path):
    """ "All session output" keeps what the terminal got: a typo corrected with
    backspace, colour escapes, a bell, and a line the echo overwrote with a CR."""
    raw = (
        f"{PUTTY_HEADER}\r\n\x1b]0;mail01 - PuTTY\x07{W2K_BANNER}\r\n"
        "ehlp\x08 \x08\x08lo helpdesk\r\n"
        + "\r\n".join(ehlo_reply(SMTP_DLL)).replace("SIZE", "\x1b[1mSIZE\x1b[0m")
        + "\r\nqu\x07it\r221 2.0.0 closing\r\n"
    )
    path = tmp_path / "putty-raw.log"
    path.write_bytes(raw.encode("latin-1"))
    got = values(check_read(path))
    assert got == PLAIN_DLL


def test_a_putty_log_appended_to_reads_the_last_session_with_an_ehlo_reply(tmp_path):
    first = [PUTTY_HEADER, *dialogue(EXCHANGE_2000)]
    second = [PUTTY_HEADER.replace("05:01:57", "07:30:02"), *dialogue(SMTP_DLL)]
    third = [PUTTY_HEADER.replace("05:01:57", "07:31:40"), W2K_BANNER, "quit", "221 bye"]
    got = facts(check_read(save(tmp_path, joined(first + second + third, "\r\n"))))
    assert got["smtp.x-link2state"][0] is False  # the second session's, after IIS changed
    assert got["smtp.banner"][1] == len(first) + 2  # that session's greeting, not the last one


# --- openssl s_client -------------------------------------------------------------------

CERT = [
    "-----BEGIN CERTIFICATE-----",
    "MIICsDCCAhmgAwIBAgIJAK+0bJ7ueDwcMA0GCSqGSIb3DQEBBQUAMEUxCzAJBgNV",
    "BAYTAkFVMRMwEQYDVQQIEwpTb21lLVN0YXRlMSEwHwYDVQQKExhJbnRlcm5ldCBX",
    "aWRnaXRzIFB0eSBMdGQwHhcNMDYwMzAyMDUwMTU3WhcNMDcwMzAyMDUwMTU3WjBF",
    "250",
    "-----END CERTIFICATE-----",
]


def handshake(tls13: bool = False) -> list[str]:
    """What s_client prints from CONNECTED to the end of the handshake (0.9.8 to 3.x)."""
    lines = [
        "CONNECTED(00000003)",
        "depth=0 /CN=mail01.contoso.com",
        "verify error:num=18:self signed certificate",
        "verify return:1",
        "---",
        "Certificate chain",
        " 0 s:/CN=mail01.contoso.com",
        "   i:/CN=mail01.contoso.com",
        "---",
        "Server certificate",
        *CERT,
        "subject=/CN=mail01.contoso.com",
        "issuer=/CN=mail01.contoso.com",
        "---",
        "No client certificate CA names sent",
        "Peer signing digest: SHA256",
        "Server Temp Key: X25519, 253 bits",
        "---",
        "SSL handshake has read 1160 bytes and written 332 bytes",
        "Verification error: self signed certificate",
        "---",
        "New, TLSv1/SSLv3, Cipher is RC4-MD5",
        "Server public key is 1024 bit",
        "Secure Renegotiation IS NOT supported",
        "Compression: NONE",
        "Expansion: NONE",
        "No ALPN negotiated",
    ]
    if tls13:
        lines += ["Early data was not sent", "Verify return code: 18 (self signed certificate)"]
        return [*lines, "---"]
    return [*lines, *ssl_session(), "---"]


def ssl_session() -> list[str]:
    return [
        "SSL-Session:",
        "    Protocol  : TLSv1",
        "    Cipher    : RC4-MD5",
        "    Session-ID: 8F0A00001C7E2B3F1F6D7A66E5D5A1C2D3E4F5061728394A5B6C7D8E9F0A1B2C",
        "    Session-ID-ctx: ",
        "    Master-Key: 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
        "    Key-Arg   : None",
        "    TLS session ticket lifetime hint: 300 (seconds)",
        "    TLS session ticket:",
        "    0000 - 25 0f 3a 9c 5d 40 44 55-66 77 88 99 aa bb cc dd   %.:.]@DUfw......",
        "    0010 - 25 0a 3a 9c 5d 40 44 55-66 77 88 99 aa bb cc dd   %.:.]@DUfw......",
        "    Start Time: 1141275717",
        "    Timeout   : 300 (sec)",
        "    Verify return code: 18 (self signed certificate)",
    ]


def test_s_client_starttls_old_versions_print_the_banner_after_the_handshake(tmp_path):
    """-starttls smtp: s_client reads the greeting itself and prints it once TLS is up;
    the EHLO typed then is answered over TLS."""
    lines = [*handshake(), *dialogue(SMTP_DLL), "DONE"]
    got = facts(check_read(save(tmp_path, joined(lines, "\n"), "utf-8")))
    assert {f: v for f, (v, _) in got.items()} == PLAIN_DLL
    assert got["smtp.banner"][1] == len(handshake()) + 1


def test_s_client_starttls_later_versions_print_the_last_line_of_their_own_ehlo(tmp_path):
    """From 0.9.8 on, s_client sends EHLO itself; what it prints after the handshake is
    the last line it read ('250 OK' from Exchange), never a whole reply: no banner, so
    nothing says the server is Windows 2000's."""
    lines = [*handshake(tls13=True), "250 OK", "ehlo helpdesk", *ehlo_reply(SMTP_DLL)]
    lines += ["---", "Post-Handshake New Session Ticket arrived:", *ssl_session(), "---"]
    lines += ["read R BLOCK", "quit", "221 2.0.0 closing", "closed"]
    got = values(check_read(save(tmp_path, joined(lines, "\r\n"))))
    assert got == {k: v for k, v in PLAIN_DLL.items() if not k.startswith("smtp.banner")}


def test_s_client_on_port_465_shows_the_banner_after_the_handshake(tmp_path):
    lines = [*handshake(tls13=True), *dialogue(EXCHANGE_2000)]
    got = values(check_read(save(tmp_path, joined(lines, "\n"), "utf-16le-bom")))
    assert got["smtp.banner-version"] == "5.0.2195.6713" and got["smtp.xexch50"] is True


def test_s_client_with_a_long_chain_is_detected_before_the_dialogue(tmp_path):
    """-showcerts prints every certificate: the head may end before any SMTP line."""
    chain = [line for _ in range(40) for line in CERT]
    lines = [*handshake()[:10], *chain, *handshake()[10:], *dialogue(SMTP_DLL)]
    path = save(tmp_path, joined(lines, "\n"))
    assert b"220 " not in path.read_bytes()[:8192]
    assert values(check_read(path)) == PLAIN_DLL


# --- cut and edited transcripts -----------------------------------------------------------


def test_a_quoted_transcript_cut_in_the_ehlo_reply_is_partial(tmp_path):
    lines = quote(dialogue(SMTP_DLL)[:12], "> ")  # the mail ends at 250-BINARYMIME
    artifact = smtp_transcript.parse(save(tmp_path, joined(lines, "\r\n")))
    got = values(artifact)
    assert "smtp.x-link2state" not in got and "smtp.xexch50" not in got
    assert got["smtp.banner-version"] == "5.0.2195.6713"
    (warning,) = artifact.warnings
    assert "line 12" in warning.en and "ligne 12" in warning.fr


@pytest.mark.parametrize("marker", ["...", "[...]", "[snip]", "<snip>", "-- snip --", "…", "etc."])
def test_lines_left_out_of_an_ehlo_reply_prove_no_verb_missing(tmp_path, marker):
    reply = ehlo_reply(SMTP_DLL)
    lines = [W2K_BANNER, "ehlo x", *reply[:6], marker, *reply[-3:], "quit"]
    artifact = smtp_transcript.parse(save(tmp_path, joined(lines, "\n"), "utf-8"))
    got = values(artifact)
    assert "smtp.x-link2state" not in got and "smtp.xexch50" not in got
    (warning,) = artifact.warnings
    assert "line 9" in warning.en and "ligne 9" in warning.fr


def test_a_remark_inside_the_ehlo_reply_makes_it_partial(tmp_path):
    reply = ehlo_reply(SMTP_DLL)
    lines = [W2K_BANNER, "ehlo x", *reply[:6], "(the rest as usual)", *reply[6:], "quit"]
    artifact = smtp_transcript.parse(save(tmp_path, joined(lines, "\n")))
    assert "smtp.xexch50" not in values(artifact) and artifact.warnings


def test_a_cut_banner_is_a_warning_too(tmp_path):
    lines = ["220-mail01.contoso.com Microsoft ESMTP MAIL Service, Version: 5.0.2195.6713", ""]
    artifact = smtp_transcript.parse(save(tmp_path, joined(lines, "\r\n")))  # the line whole
    assert values(artifact)["smtp.banner-version"] == "5.0.2195.6713"
    (warning,) = artifact.warnings
    assert "'220-' reply of line 1" in warning.en and "«\u00a0220-\u00a0»" in warning.fr


def test_a_connection_closed_inside_the_ehlo_reply(tmp_path):
    lines = [W2K_BANNER, "ehlo x", *ehlo_reply(SMTP_DLL)[:4], "Connection closed by foreign host."]
    artifact = smtp_transcript.parse(save(tmp_path, joined(lines, "\n")))
    assert "smtp.xexch50" not in values(artifact) and len(artifact.warnings) == 1


def test_many_cut_replies_are_counted_not_listed(tmp_path):
    lines = [W2K_BANNER, *(f"{250 + i % 2}-x" for i in range(1000)), "quit"]
    artifact = smtp_transcript.parse(save(tmp_path, joined(lines, "\n")))
    assert [w.en.split(":")[0] for w in artifact.warnings] == [
        "The '250-' reply of line 2 ends without its final '250 ' line",
        "The '251-' reply of line 3 ends without its final '251 ' line",
        "The '250-' reply of line 4 ends without its final '250 ' line",
        "997 more replies end without their final line",
        "The EHLO reply stops at line 1000 before its last line ('250 ...')",  # the last 250-
    ]


def test_keywords_a_firewall_masked_stay_masked_in_a_quoted_transcript(tmp_path):
    """Cisco PIX/ASA: the greeting turned to asterisks, unknown keywords to X runs."""
    verbs = [
        "XXXX",
        "SIZE",
        "XXXXXXXA",
        "XXXXXXXB",
        "8bitmime",
        "XXXXXXXXXXXXXXXXXXX",
        "AUTH=LOGIN",
    ]
    lines = ["220 " + "*" * 60, "ehlo helpdesk", *ehlo_reply(verbs), "quit", "221 closing"]
    artifact = check_read(save(tmp_path, joined(quote(lines, "> "), "\r\n")))
    got = values(artifact)
    assert got["smtp.ehlo-masked"] is True
    assert "smtp.x-link2state" not in got and "smtp.xexch50" not in got
    assert any("masked" in note.en for note in artifact.notes)


# --- the bundled pack ---------------------------------------------------------------------


def diagnose(*args: str) -> tuple[int, dict, str]:
    result = CliRunner().invoke(main, ["diagnose", "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout), result.stderr


QUOTED = quote(mail_wrap(["Ann wrote:", *dialogue(SMTP_DLL)], 70, "> "), "> ")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("quoted.txt", joined(QUOTED, "\r\n")),
        ("post.htm", forum_pre(dialogue(SMTP_DLL))),
        ("mail.htm", outlook_html(quote(dialogue(SMTP_DLL), "> "))),
    ],
)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_pack_concludes_the_smtp_dll_from_a_pasted_transcript(tmp_path, name, text, lang):
    path = save(tmp_path, text, "utf-8", name)
    code, report, err = diagnose(str(path), "--lang", lang)
    assert (code, err) == (1, "")
    assert report["causes"][0]["id"] == "windows-smtp-dll-in-use"
    sources = {e["fact"]: e["source"] for e in report["causes"][0]["evidence"]}
    assert sources["smtp.banner-version"].startswith(f"{path}:")
    assert report["artifacts"][0]["warnings"] == []


@pytest.mark.parametrize("keep", [4, 12, 18])
def test_the_pack_does_not_conclude_from_a_cut_transcript(tmp_path, keep):
    lines = quote(dialogue(SMTP_DLL)[:keep], "> ")
    path = save(tmp_path, joined(lines, "\r\n"), "utf-8", "cut.txt")
    code, report, err = diagnose(str(path))
    assert code == 0 and report["causes"] == []
    (warning,) = report["artifacts"][0]["warnings"]
    assert f"stops at line {keep}" in warning
    assert err == f"kbassist: warning: {path}: {warning}\n"
    assert "windows-smtp-dll-in-use" not in {r["id"] for r in report["ruled_out"]}


def test_a_cut_transcript_still_rules_out_with_the_verbs_it_shows(tmp_path):
    lines = dialogue(EXCHANGE_2000)[:-3]  # cut after XEXCH50, before the final '250 OK'
    code, report, _ = diagnose(str(save(tmp_path, joined(lines, "\n"))))
    assert code == 0 and "windows-smtp-dll-in-use" in {r["id"] for r in report["ruled_out"]}


def test_french_warning_in_a_french_report(tmp_path):
    path = save(tmp_path, joined(dialogue(SMTP_DLL)[:6], "\n"))
    _, report, err = diagnose(str(path), "--lang", "fr")
    (warning,) = report["artifacts"][0]["warnings"]
    assert "s'arrête à la ligne 6" in warning and warning in err


# --- properties -------------------------------------------------------------------------

LAYOUTS: dict[str, Callable[[list[str]], str]] = {
    "plain": lambda lines: joined(lines, "\r\n"),
    "quoted": lambda lines: joined(quote(lines, "> "), "\r\n"),
    "deep": lambda lines: joined(quote(lines, ">> > "), "\n"),
    "wrapped": lambda lines: joined(mail_wrap(lines, 72, "> "), "\r\n"),
    "forum": forum_pre,
    "br": br_lines,
    "outlook": outlook_html,
    "telnet": lambda lines: joined(
        ["Trying 10.0.0.5...", "Connected to mail01.", "Escape character is '^]'.", *lines], "\n"
    ),
    "putty": lambda lines: joined([PUTTY_HEADER, *lines], "\r\n"),
    "s_client": lambda lines: joined([*handshake(), *lines, "DONE"], "\n"),
}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    verbs=st.lists(st.sampled_from(EXCHANGE_2000), min_size=1, max_size=20),
    layout=st.sampled_from(sorted(LAYOUTS)),
    encoding=st.sampled_from(sorted(ENCODINGS)),
)
def test_every_layout_gives_the_facts_of_the_plain_session(
    tmp_path_factory, verbs, layout, encoding
):
    plain = tmp_path_factory.mktemp("plain") / "t.txt"
    plain.write_bytes(joined(dialogue(verbs), "\n").encode())
    path = tmp_path_factory.mktemp("layout") / "t"
    path.write_bytes(ENCODINGS[encoding](LAYOUTS[layout](dialogue(verbs))))
    artifact = read_artifact(path)
    assert artifact.kind == "smtp-transcript" and artifact.warnings == []
    assert same_words(values(artifact)) == same_words(values(smtp_transcript.parse(plain)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layout=st.sampled_from(sorted(LAYOUTS)),
    encoding=st.sampled_from(sorted(ENCODINGS)),
    cut=st.integers(0, 10_000),
)
def test_cut_anywhere_a_transcript_never_says_a_verb_is_missing(
    tmp_path_factory, layout, encoding, cut
):
    """Cut before the final '250 OK', in any layout, at any byte: either refused or
    read without 'X-LINK2STATE missing' (the server here lists it)."""
    text = LAYOUTS[layout](dialogue(EXCHANGE_2000))
    end = text.index("250 OK")
    path = tmp_path_factory.mktemp("cut") / "t"
    path.write_bytes(ENCODINGS[encoding](text[: cut % end]) or b"\r\n")
    artifact = parse_or_none(smtp_transcript.parse, path)
    if artifact is not None:
        got = values(artifact)
        assert got.get("smtp.x-link2state", True) is True
        assert got.get("smtp.xexch50", True) is True
