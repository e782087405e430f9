"""Reader for SMTP sessions typed by hand (``telnet host 25``, then ``EHLO``), KB 279616.

The EHLO verbs tell which SMTP service answers: Exchange 2000 lists
``XEXCH50`` and ``X-LINK2STATE``; the plain Windows 2000 SMTP DLL does not, and
its banner version is the same, so only the verbs tell. Lines may carry a
direction prefix (``S:``/``C:``, ``<<<``/``>>>``) and the client's commands may
be missing (telnet without local echo), so lines are told apart by content:
``ddd-text`` / ``ddd text`` are server replies, anything else a client line.
A multi-line 250 reply is an EHLO response unless the echoed command says
otherwise (EXPN); a one-line 250 reply counts only after an echoed EHLO, since
it may as well answer HELO or MAIL. When several EHLO responses are present
(e.g. again after STARTTLS) the last one is what the server offers now.

A verb is only missing from a whole reply: a transcript that ends inside a
multi-line reply (``250-`` lines without the final ``250 `` one) is refused,
and a last line without its line break that would be a greeting or a 250 line
is not read (the cut may have shortened it), with a warning. A reply holds at
most :data:`MAX_REPLY_LINES` lines, each kept to :data:`MAX_REPLY_TEXT`
characters, so memory stays bounded.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from ..i18n import msg
from .base import Artifact, ArtifactError, Head, Note
from .textfile import ended_lines, open_text

KIND = "smtp-transcript"

_FLAGS = re.IGNORECASE | re.ASCII
_PREFIX = re.compile(r"^\s*(?:[SC]:|<<<|>>>)?\s*", _FLAGS)
_REPLY = re.compile(r"(?P<code>[2-5][0-9]{2})(?:(?P<sep>[ -])(?P<text>.*))?", _FLAGS)
_HELLO = re.compile(r"(?:EHLO|HELO)\b", _FLAGS)
_VERSION = re.compile(r"\bVersion:?\s*([0-9]+(?:\.[0-9]+){1,3})\b", _FLAGS)
_KEYWORD_END = re.compile(r"[\s=]")
# Commands whose 250 reply may span several lines without being an EHLO response.
_OTHER_COMMANDS = {"HELO", "MAIL", "RCPT", "DATA", "RSET", "VRFY", "EXPN", "HELP", "NOOP"}
MAX_REPLY_LINES = 512  # an EHLO reply has about twenty
MAX_REPLY_TEXT = 4096  # characters kept of one reply line: keywords and versions come first
_READ_CODES = {"220", "250"}  # the replies whose text the reader reads
# The verbs only Exchange 2000's SMTP service lists, by the fact that says whether it does.
VERB_FACTS = {"smtp.xexch50": "XEXCH50", "smtp.x-link2state": "X-LINK2STATE"}
# What a firewall's SMTP inspection leaves of a keyword it does not allow: Cisco ASA's
# ESMTP inspection overwrites it with X characters (CHUNKING -> XXXXXXXA), PIX
# Mailguard with asterisks. A masked reply cannot show that a verb is missing.
_MASKED = re.compile(r"(?:X{3,}|\*{3,})[A-Z0-9]?", re.ASCII)
# KB 279616 is about Windows 2000's SMTP service (IIS 5), whose greeting reads
# "Version: 5.0.2195.x" whether Exchange 2000's components are loaded or not.
# Exchange 2003 (IIS 6, 6.0.3790), Exchange 2007 and later and Exchange Online
# also greet as "Microsoft ESMTP MAIL Service" and never list X-LINK2STATE.
WINDOWS_2000_SMTP = "5.0.2195."

_NO_EHLO = Note(
    en="The transcript has the server's greeting but no EHLO response: type EHLO "
    "after connecting to list the verbs (X-LINK2STATE, XEXCH50).",
    fr="La transcription contient l'accueil du serveur mais pas de réponse à EHLO\u00a0: "
    "tapez EHLO après la connexion pour lister les verbes (X-LINK2STATE, XEXCH50).",
)


_CUT_LINE = Note(
    en="The transcript ends in the middle of line {line}, a server reply the cut may have "
    "shortened: that line is not read. Copy the whole session again.",
    fr="La transcription se termine au milieu de la ligne {line}, une réponse du serveur que la "
    "coupure a pu tronquer\u00a0: cette ligne n'est pas lue. Copiez de nouveau toute la "
    "session.",
)


_MASKED_NOTE = Note(
    en="Some EHLO keywords are masked (XXXX...), as a firewall's SMTP inspection does: "
    "whether X-LINK2STATE and XEXCH50 are offered cannot be read. Repeat the test on the "
    "server itself (telnet localhost 25, then EHLO).",
    fr="Certains mots-clés EHLO sont masqués (XXXX...), comme le fait l'inspection SMTP "
    "d'un pare-feu\u00a0: impossible de savoir si X-LINK2STATE et XEXCH50 sont proposés. "
    "Refaites le test sur le serveur lui-même (telnet localhost 25, puis EHLO).",
)


class ReplyLine(NamedTuple):
    code: str
    more: bool  # a 'ddd-' line: the reply goes on
    text: str  # after the code, stripped


def reply_line(text: str) -> ReplyLine | None:
    """'250-SIZE' -> ('250', True, 'SIZE'); None for anything but a server reply line.

    Shared with the live SMTP probe, so a typed session and a probed one read alike."""
    match = _REPLY.fullmatch(text)
    if match is None:
        return None
    return ReplyLine(match["code"], match["sep"] == "-", (match["text"] or "").strip())


def banner_version(texts: Iterable[str]) -> str | None:
    """'Version: 5.0.2195.1600' in a greeting: the same on Exchange 2000 and plain Windows 2000."""
    found = _VERSION.search(" ".join(texts))
    return found[1] if found else None


def ehlo_keywords(texts: Sequence[str]) -> dict[str, int]:
    """Upper-case keyword -> index of its first line, from the texts of a 250 EHLO reply.

    The first line greets ('host Hello [ip]') and a final 'OK' closes (Microsoft's
    style): neither is a keyword. A keyword ends at a space or '=' ('AUTH=LOGIN')."""
    found: dict[str, int] = {}
    last = len(texts) - 1
    for index, text in enumerate(texts[1:], 1):
        if index == last and text.upper() == "OK":
            continue
        keyword = _KEYWORD_END.split(text, maxsplit=1)[0].upper()
        if keyword:
            found.setdefault(keyword, index)
    return found


def masked_keywords(keywords: Iterable[str]) -> list[str]:
    """The keywords a firewall overwrote (``XXXXXXXA``, ``****``); ``XEXCH50`` is not one."""
    return [keyword for keyword in keywords if _MASKED.fullmatch(keyword.upper())]


def is_windows_2000_smtp(version: str | None) -> bool:
    """A greeting version of Windows 2000's SMTP service, the one KB 279616 is about."""
    return version is not None and version.startswith(WINDOWS_2000_SMTP)


def verb_facts(keywords: Sequence[str]) -> dict[str, bool]:
    """Which of Exchange 2000's verbs the reply lists; a verb absent from a masked
    reply is unknown (left out), not missing."""
    listed = {keyword.upper() for keyword in keywords}
    masked = bool(masked_keywords(keywords))
    return {
        fact: verb in listed for fact, verb in VERB_FACTS.items() if verb in listed or not masked
    }


def _strip(line: str) -> str:
    return _PREFIX.sub("", line, count=1).rstrip()


def detect(head: Head) -> bool:
    """An SMTP greeting, or an EHLO/HELO line answered by 250, among the first lines."""
    greeting = smtp_greeting = ok = hello = False
    for raw in head.lines:
        line = _strip(raw)
        reply = _REPLY.fullmatch(line)
        if reply is None:
            hello = hello or bool(_HELLO.match(line))
        elif reply["code"] == "220":
            greeting = True
            smtp_greeting = smtp_greeting or "SMTP" in line.upper()
        elif reply["code"] == "250":
            ok = True
    return smtp_greeting or (ok and (greeting or hello))


@dataclass
class _Reply:
    """One server reply: its code, (line, text) per line, and the command it answers."""

    code: str
    command: str | None
    lines: list[tuple[int, str]] = field(default_factory=list)

    def is_ehlo_response(self) -> bool:
        if self.code != "250":
            return False
        if self.command == "EHLO":
            return True
        return len(self.lines) > 1 and self.command not in _OTHER_COMMANDS


class _Session:
    """Replies assembled line by line; the greeting and the last EHLO response kept."""

    def __init__(self, artifact: Artifact):
        self.artifact = artifact
        self.open: _Reply | None = None  # a multi-line reply waiting for its last line
        self.command: str | None = None  # the client's last command since the last reply
        self.replies = 0
        self.banner: _Reply | None = None
        self.ehlo: _Reply | None = None

    def cut(self, line: int | None = None) -> ArtifactError:
        """The error for a reply left open; ``line``: where the file was cut, if known."""
        reply = self.open
        assert reply is not None
        return ArtifactError(
            str(self.artifact.path),
            msg(
                "'{code}-' reply lines end without the final '{code} ' line (transcript cut off?)",
                code=reply.code,
            ),
            reply.lines[-1][0] if line is None else line,
        )

    def line(self, number: int, raw: str, ended: bool = True) -> None:
        text = _strip(raw)
        if not text:
            return
        reply = reply_line(text)
        if reply is None:
            if self.open is not None:
                raise self.cut()
            self.command = text.split(maxsplit=1)[0].upper()
            return
        if not ended and reply.code in _READ_CODES:
            # The last line, cut short: a verb or a version in it may be cut too.
            if self.open is not None:
                raise self.cut(number)
            self.artifact.warnings.append(_CUT_LINE.format(line=number))
            return
        if self.open is not None and self.open.code != reply.code:
            raise self.cut()
        if self.open is None:
            self.open = _Reply(reply.code, self.command)
        elif len(self.open.lines) >= MAX_REPLY_LINES:
            message = msg(
                "a server reply of more than {limit} lines: not an SMTP session",
                limit=MAX_REPLY_LINES,
            )
            raise ArtifactError(str(self.artifact.path), message, number)
        self.open.lines.append((number, reply.text[:MAX_REPLY_TEXT]))
        if not reply.more:
            self.finish(self.open)

    def finish(self, reply: _Reply) -> None:
        if reply.code == "220" and self.replies == 0:
            self.banner = reply
        elif reply.is_ehlo_response():
            self.ehlo = reply
        self.replies += 1
        self.open = None
        self.command = None

    def observe(self) -> None:
        if self.banner is not None:
            line, text = self.banner.lines[0]
            self.artifact.observe("smtp.banner", text, line)
            version = banner_version(t for _, t in self.banner.lines)
            if version:
                self.artifact.observe("smtp.banner-version", version, line)
        if self.ehlo is None:
            if self.banner is not None:
                self.artifact.notes.append(_NO_EHLO)
            return
        self.observe_keywords(self.ehlo)

    def observe_keywords(self, ehlo: _Reply) -> None:
        indexes = ehlo_keywords([text for _, text in ehlo.lines])
        found = {keyword: ehlo.lines[index][0] for keyword, index in indexes.items()}
        self.artifact.observe("smtp.ehlo-keywords", list(found), ehlo.lines[0][0])
        end = ehlo.lines[-1][0]
        masked = masked_keywords(found)
        if masked:
            self.artifact.observe("smtp.ehlo-masked", True, found[masked[0]])
            self.artifact.notes.append(_MASKED_NOTE)
        for fact, listed in verb_facts(list(found)).items():
            self.artifact.observe(fact, listed, found.get(VERB_FACTS[fact], end))


def parse(path: Path) -> Artifact:
    """The greeting and the last EHLO response's verbs, each with its line."""
    artifact = Artifact(path, KIND)
    session = _Session(artifact)
    with open_text(path) as stream:
        for number, line, ended in ended_lines(stream):
            session.line(number, line, ended)
    if session.open is not None:
        raise session.cut()
    if session.banner is None and session.ehlo is None:
        raise ArtifactError(str(path), msg("no SMTP greeting (220) or EHLO response (250) found"))
    session.observe()
    return artifact
