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

Transcripts are read as they reach a helpdesk; :mod:`.pasted` first undoes
HTML, e-mail quoting and terminal controls. Then:

* telnet's own lines ("Trying 10.0.0.5...", "Connected to mail.", "Escape
  character is '^]'.", Windows telnet's "Connecting To mail..." and "Connection
  to host lost.") are skipped, and a command echoed on the line of its reply
  ("ehlo x250-mail01 Hello", "quit 221 2.0.0 bye") is split from it;
* a PuTTY session log starts each connection with its
  ``=~=~=~=~=~=~=~=~=~=~=~= PuTTY log 2006.03.02 05:01:57 =~=~=...`` header;
* ``openssl s_client`` prints its certificate chain, ``---`` separators and
  ``SSL-Session:`` blocks, all skipped. With ``-starttls smtp`` it sends EHLO
  and STARTTLS itself and shows only the last line it read (the banner in old
  versions, the last line of the EHLO reply in later ones) before the dialogue
  typed over TLS; with ``-connect host:465`` the banner follows the handshake;
* a line the mail client or the console wrapped continues the reply line
  before it (a console cuts at 80 columns, in the middle of a word).

Each connection in a file (a PuTTY log appended to, telnet run twice) is a
session of its own: the last one with an EHLO response is read, else the last
with a greeting. A reply cut before its last line (the file ends, a command or
another reply comes) or with lines left out ("...", "[snip]") is read as
partial: what it shows counts, what it does not show proves nothing, and the
artifact carries a warning. Linear in the input however hostile: every pattern
is anchored or bounded, and what is kept of a reply is capped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ..i18n import msg
from .base import Artifact, ArtifactError, Head, Note
from .pasted import Line, logical_lines, looks_html
from .textfile import HEAD_BYTES, decode_head, open_text

if TYPE_CHECKING:
    from ..pack.model import ArtifactKind

KIND: ArtifactKind = "smtp-transcript"

_FLAGS = re.IGNORECASE | re.ASCII
_PREFIX = re.compile(r"(?:[SC]:|<<<|>>>)\s*", _FLAGS)
_REPLY = re.compile(r"(?P<code>[2-5][0-9]{2})(?:(?P<sep>[ -])(?P<text>.*))?", _FLAGS)
_VERSION = re.compile(r"\bVersion:?\s*([0-9]+(?:\.[0-9]+){1,3})\b", _FLAGS)
# Commands whose 250 reply may span several lines without being an EHLO response.
_OTHER_COMMANDS = {"HELO", "MAIL", "RCPT", "DATA", "RSET", "VRFY", "EXPN", "HELP", "NOOP"}
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
    wants=tuple(VERB_FACTS),
)


_MASKED_NOTE = Note(
    en="Some EHLO keywords are masked (XXXX...), as a firewall's SMTP inspection does: "
    "whether X-LINK2STATE and XEXCH50 are offered cannot be read. Repeat the test on the "
    "server itself (telnet localhost 25, then EHLO).",
    fr="Certains mots-clés EHLO sont masqués (XXXX...), comme le fait l'inspection SMTP "
    "d'un pare-feu\u00a0: impossible de savoir si X-LINK2STATE et XEXCH50 sont proposés. "
    "Refaites le test sur le serveur lui-même (telnet localhost 25, puis EHLO).",
    wants=tuple(VERB_FACTS),
)

# What is kept of a reply, however long a hostile one is: its first lines' texts (a
# banner's version), each line's first characters (RFC 5321 allows 512), and the first
# keywords (Exchange 2000 lists 18) besides Exchange's verbs and masked ones.
_KEEP_LINES = 10
_MAX_CUTS_SHOWN = 3  # cut replies named in a warning each; the others are counted
_MAX_TEXT = 1000
_MAX_KEYWORDS = 200
# A line this wide may have been wrapped: by a mail client (at 70 to 78 columns, at a
# space) or a console (at its width, 80 or 120, in the middle of a word). A longer one
# was not, so what follows it is a line of its own.
_CONSOLE_WIDTHS = {80, 120}
_WRAPPED = frozenset(range(60, 81)) | _CONSOLE_WIDTHS

_COMMANDS = "EHLO|HELO|LHLO|MAIL|RCPT|DATA|RSET|VRFY|EXPN|HELP|NOOP|QUIT|STARTTLS|AUTH"
_COMMANDS += "|TURN|ATRN|ETRN|BDAT"
_COMMAND = re.compile(rf"(?:{_COMMANDS})(?![A-Z0-9-])", _FLAGS)
_GLUED_VERB = re.compile(rf"(?:{_COMMANDS})(?![A-Z-])", _FLAGS)
# A reply glued to the command typed before it: after EHLO's one word (a client name
# may end in digits: "PC01250-mail01 Hello" is PC01 then 250-), or anywhere after
# another command's arguments but inside a number, an IP address or an address.
_EHLO_CODE = re.compile(r"(?<![.:\[])[2-5][0-9]{2}[ -]", re.ASCII)
_GLUED_CODE = re.compile(r"(?<![0-9=.:<@\[-])[2-5][0-9]{2}[ -]", re.ASCII)
# A new connection: telnet, Windows telnet, a PuTTY log header, openssl s_client.
_OPENS = re.compile(
    r"Trying \S+\.\.\.|Connected to \S+(?: \(.*\))?\.?|Connecting To .*|Microsoft Telnet> ?o.*"
    r"|=~=~=~=~=~=~=~=~=~=~=~= PuTTY log .* =~=~=~=~=~=~=~=~=~=~=~=|CONNECTED\([0-9A-F]+\)",
    _FLAGS,
)
# The connection ends: telnet (Unix, Windows), openssl s_client.
_CLOSES = re.compile(
    r"Connection closed by foreign host\.?|Connection to host lost\.?|Connection closed\.?"
    r"|closed|DONE",
    _FLAGS,
)
# Lines a telnet client or openssl s_client prints besides the session itself.
_NOISE = re.compile(
    r"Escape character is .*|Press any key to continue\.*|Welcome to Microsoft Telnet Client"
    r"|Microsoft Telnet>.*|telnet>.*|telnet: .*|Could not open connection to the host.*"
    r"|depth=[0-9]+ .*|verify (?:return|error):.*|-{3}|Certificate chain|[0-9]+ [sia]:.*"
    r"|[iav]:.*|Server certificate|subject=.*|issuer=.*|No client certificate CA names sent"
    r"|Acceptable client certificate CA names|Client Certificate Types:.*"
    r"|(?:Shared )?Requested Signature Algorithms:.*|Peer sign(?:ing digest|ature type):.*"
    r"|Server Temp Key:.*|SSL handshake has read .*|Verification(?: error)?:.*"
    r"|New, .*Cipher is .*|Server public key is .*|Secure Renegotiation IS.*"
    r"|Compression:.*|Expansion:.*|No ALPN negotiated|ALPN protocol:.*|Early data was .*"
    r"|Verify return code:.*|Post-Handshake New Session Ticket arrived:|read R BLOCK"
    r"|write R BLOCK|RENEGOTIATING|KEYUPDATE|CONNECTION ESTABLISHED|Protocol version:.*"
    r"|Ciphersuite:.*|Peer certificate:.*|Hash used:.*|Signature type:.*"
    r"|Supported Elliptic Curve Point Formats.*|didn'?t f(?:ou)?nd starttls in server .*"
    r"|(?:read|write):errno=[0-9]+|Max Early Data:.*|Extended master secret:.*"
    r"|-----END [A-Z0-9 ]+-----",
    _FLAGS,
)
_PEM_BEGIN = re.compile(r"-----BEGIN [A-Z0-9 ]+-----", _FLAGS)
_BASE64 = re.compile(r"[A-Za-z0-9+/=]+", re.ASCII)
# Inside s_client's "SSL-Session:" block, up to its closing "---".
_SESSION_FIELD = re.compile(r"[A-Za-z][A-Za-z0-9 ./()-]*:.*|[0-9a-f]{4} - .*", re.ASCII)
# Where a person left lines out of what they pasted.
_ELIDED = re.compile(
    r"\.{2,}|\u2026|\[ *(?:\.{2,}|\u2026|snip(?:ped)?) *\]|\( *(?:\.{2,}|\u2026|snip(?:ped)?) *\)"
    r"|< *snip(?:ped)? *>|-* *snip(?:ped)? *-*|etc\.?",
    re.IGNORECASE,
)
_VERBS = set(VERB_FACTS.values())
# A saved web page may reach its transcript only after many kilobytes of scripts and
# styles: a page whose start speaks of SMTP is worth reading through.
_SMTP_WORDS = re.compile(r"\b(?:E?SMTP|EHLO|telnet)\b", _FLAGS)


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


def keyword_of(text: str) -> str:
    """The keyword of an EHLO reply line, upper case: it ends at a space or '=' ('AUTH=LOGIN')."""
    words = text.split(maxsplit=1)
    return words[0].split("=", 1)[0].upper() if words else ""


def ehlo_keywords(texts: Sequence[str]) -> dict[str, int]:
    """Upper-case keyword -> index of its first line, from the texts of a 250 EHLO reply.

    The first line greets ('host Hello [ip]') and a final 'OK' closes (Microsoft's
    style): neither is a keyword."""
    found: dict[str, int] = {}
    last = len(texts) - 1
    for index, text in enumerate(texts[1:], 1):
        if index == last and text.upper() == "OK":
            continue
        keyword = keyword_of(text)
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


def split_glued(text: str) -> tuple[str, str] | None:
    """(command, reply) of a typed command with the server's reply on its line, else None.

    A client that does not echo the line end, or a person typing ahead, leaves
    "ehlo x250-mail01 Hello [10.0.0.15]" or "quit 221 2.0.0 closing"."""
    verb = _GLUED_VERB.match(text)
    if verb is None:
        return None
    start = verb.end()
    if verb[0].upper() in ("EHLO", "HELO", "LHLO"):
        # One word, the client's name: the reply starts inside it or is the next word.
        word = len(text) - len(text[start:].lstrip(" "))
        space = text.find(" ", word)
        following = len(text) if space < 0 else len(text) - len(text[space:].lstrip(" "))
        found = _EHLO_CODE.search(text, start, min(len(text), following + 4))
    else:  # after the address, when there is one ("rcpt to:<u250-x@contoso.com>")
        opening = text.find("<", start)
        if opening >= 0:
            closing = text.find(">", opening)
            start = len(text) if closing < 0 else closing + 1
        found = _GLUED_CODE.search(text, start)
    if found is None:
        return None
    return text[: found.start()].rstrip(), text[found.start() :]


def _maybe_cut(text: str) -> bool:
    """Whether a last reply line that the file stops in, without its line end, may have
    lost what tells: its separator ('250' of '250-...'), or the end of an Exchange verb
    ('X-LINK' of 'X-LINK2STATE'). It is then not taken for the reply's last line."""
    keyword = keyword_of(text)
    return any(verb.startswith(keyword) and verb != keyword for verb in _VERBS)


class _Reply:
    """One server reply, read line by line: what the facts need of it, bounded."""

    def __init__(self, code: str, command: str | None) -> None:
        self.code = code
        self.command = command  # the client's command it answers, when echoed
        self.count = 0
        self.first = self.last = 0  # line numbers
        self.multi = False  # it has 'ddd-' lines
        self.whole = False  # it ended with its final 'ddd ' line
        self.elided: int | None = None  # the line where a person left lines out
        self.texts: list[str] = []  # the first lines' texts
        self.keywords: dict[str, int] = {}  # upper-case keyword -> line
        self.pending: tuple[int, str] | None = None  # the last line: may still be continued

    def add(self, number: int, text: str, more: bool) -> None:
        if self.pending is not None:
            self._settle(final=False)
        else:
            self.first = number
        self.pending = (number, text[:_MAX_TEXT])
        self.count += 1
        self.last = number
        if more:
            self.multi = True

    def extend(self, glue: str, text: str) -> None:
        """The last line goes on in ``text`` (a line wrapped by a mail client or a console)."""
        if self.pending is not None:
            number, old = self.pending
            self.pending = (number, (old + glue + text)[:_MAX_TEXT])
        elif self.texts and self.count <= _KEEP_LINES:
            self.texts[-1] = (self.texts[-1] + glue + text)[:_MAX_TEXT]

    def _settle(self, final: bool) -> None:
        if self.pending is None:
            return
        (number, text), self.pending = self.pending, None
        index = self.count - 1
        if index < _KEEP_LINES:
            self.texts.append(text)
        if index == 0 or (final and text.upper() == "OK"):  # the greeting, Microsoft's end
            return
        words = text.split(maxsplit=1)  # keyword_of(text), on the hot path
        keyword = words[0].split("=", 1)[0].upper() if words else ""
        if keyword and (
            len(self.keywords) < _MAX_KEYWORDS or keyword in _VERBS or masked_keywords([keyword])
        ):
            self.keywords.setdefault(keyword, number)

    def close(self, whole: bool) -> None:
        self._settle(final=whole)
        self.whole = whole

    @property
    def complete(self) -> bool:
        return self.whole and self.elided is None

    def is_ehlo_response(self) -> bool:
        if self.code != "250":
            return False
        if self.command == "EHLO":
            return True
        return self.multi and self.command not in _OTHER_COMMANDS


def _cut_ehlo(line: int) -> Note:
    return Note(
        en=f"The EHLO reply stops at line {line} before its last line ('250 ...'): the "
        "transcript was cut there. The keywords it shows are read, but a verb it does not "
        "show (X-LINK2STATE, XEXCH50) may have been in the lines cut off. Send the whole "
        "session, up to the final '250 ' line.",
        fr=f"La réponse EHLO s'arrête à la ligne {line} avant sa dernière ligne "
        "(«\u00a0250 ...\u00a0»)\u00a0: la transcription a été coupée là. Les mots-clés "
        "qu'elle montre sont lus, mais un verbe qu'elle ne montre pas (X-LINK2STATE, "
        "XEXCH50) figurait peut-être dans les lignes coupées. Envoyez la session entière, "
        "jusqu'à la ligne finale «\u00a0250\u00a0».",
    )


def _elided_ehlo(line: int) -> Note:
    return Note(
        en=f"At line {line}, a line that is not the server's ('...', '[snip]', a remark) "
        "interrupts the EHLO reply: lines may have been left out there. The keywords shown "
        "are read, but a verb not shown (X-LINK2STATE, XEXCH50) may be among those left "
        "out. Send the whole EHLO reply as it was printed.",
        fr=f"À la ligne {line}, une ligne qui ne vient pas du serveur («\u00a0...\u00a0», "
        "«\u00a0[snip]\u00a0», une remarque) interrompt la réponse EHLO\u00a0: des lignes "
        "ont peut-être été omises à cet endroit. Les mots-clés montrés sont lus, mais un "
        "verbe absent (X-LINK2STATE, XEXCH50) fait peut-être partie des lignes omises. "
        "Envoyez la réponse EHLO entière, telle qu'elle s'est affichée.",
    )


def _cut_reply(code: str, line: int) -> Note:
    return Note(
        en=f"The '{code}-' reply of line {line} ends without its final '{code} ' line: the "
        "transcript was cut or edited there, and that reply is read as far as it goes.",
        fr=f"La réponse «\u00a0{code}-\u00a0» de la ligne {line} se termine sans sa ligne "
        f"finale «\u00a0{code}\u00a0»\u00a0: la transcription a été coupée ou modifiée à cet "
        "endroit, et cette réponse est lue aussi loin qu'elle va.",
    )


def _more_cut(count: int) -> Note:
    return Note(
        en=f"{count} more replies end without their final line: the transcript was cut or "
        "edited in many places.",
        fr=f"{count} autres réponses se terminent sans leur ligne finale\u00a0: la "
        "transcription a été coupée ou modifiée à de nombreux endroits.",
    )


class _Session:
    """One connection's replies, assembled line by line: the greeting and the last EHLO
    response kept, with the replies that were cut."""

    def __init__(self) -> None:
        self.open: _Reply | None = None  # a multi-line reply waiting for its last line
        self.command: str | None = None  # the client's last command since the last reply
        self.replies = 0
        self.banner: _Reply | None = None
        self.ehlo: _Reply | None = None
        self.cut_replies: list[_Reply] = []  # the first few replies that were cut
        self.cuts = 0  # how many were
        self.wrap: _Reply | None = None  # the reply whose last line a wrapped line continues
        self.banner_unended = False  # the file stops in the greeting, without a line end
        self.glue = " "

    def reply(self, number: int, code: str, more: bool, text: str, width: int) -> None:
        reply = self.open
        if reply is not None and reply.code != code:
            self.cut()
            reply = None
        if reply is None:
            reply = self.open = _Reply(code, self.command)
        reply.add(number, text, more)
        self.wrap = reply if width in _WRAPPED else None
        self.glue = "" if width in _CONSOLE_WIDTHS else " "
        if not more:
            self.finish(whole=True)

    def typed(self, text: str) -> None:
        """A command line: a reply still open was cut before its end."""
        if self.open is not None:
            self.cut()
        self.command = text.split(maxsplit=1)[0].upper()
        self.wrap = None

    def other(self, number: int, text: str, width: int) -> None:
        """A line that is neither a reply nor a command: a wrapped reply line goes on
        in it; inside a reply, anything else means lines left out or put in; between
        replies, it is what the client typed (a mistyped command, a remark)."""
        if self.wrap is not None and self.wrap in (self.open, self.banner):
            self.wrap.extend(self.glue, text)
        elif self.open is not None:
            self.elided(number)
            return
        else:
            self.command = text.split(maxsplit=1)[0].upper()
            self.wrap = None
            return
        if width not in _WRAPPED:
            self.wrap = None
        self.glue = "" if width in _CONSOLE_WIDTHS else " "

    def elided(self, number: int) -> None:
        if self.open is not None and self.open.elided is None:
            self.open.elided = number
        self.wrap = None

    def noise(self) -> None:
        self.wrap = None

    def end(self) -> None:
        """The connection closed: a reply still open was cut."""
        if self.open is not None:
            self.cut()
        self.command = self.wrap = None

    def cut(self) -> None:
        assert self.open is not None
        self.cuts += 1
        if len(self.cut_replies) < _MAX_CUTS_SHOWN:
            self.cut_replies.append(self.open)
        self.finish(whole=False)

    def finish(self, whole: bool) -> None:
        reply = self.open
        assert reply is not None
        reply.close(whole)
        if reply.code == "220" and self.replies == 0:
            self.banner = reply
        elif reply.is_ehlo_response():
            self.ehlo = reply
        self.replies += 1
        self.open = None
        self.command = None

    def observe(self, artifact: Artifact) -> None:
        if self.open is not None:  # the file ends inside a reply
            self.cut()
        banner = self.banner
        if banner is not None:
            artifact.observe("smtp.banner", banner.texts[0], banner.first)
            # A version on the line the file stops in may have lost digits: not read.
            version = None if self.banner_unended else banner_version(banner.texts)
            if version:
                artifact.observe("smtp.banner-version", version, banner.first)
        for reply in self.cut_replies:
            if reply is not self.ehlo:
                artifact.warnings.append(_cut_reply(reply.code, reply.last))
        if self.cuts > len(self.cut_replies):
            artifact.warnings.append(_more_cut(self.cuts - len(self.cut_replies)))
        if self.ehlo is None:
            if banner is not None:
                artifact.notes.append(_NO_EHLO)
            return
        self.observe_keywords(artifact, self.ehlo)

    @staticmethod
    def observe_keywords(artifact: Artifact, ehlo: _Reply) -> None:
        found = ehlo.keywords
        artifact.observe("smtp.ehlo-keywords", list(found), ehlo.first)
        masked = masked_keywords(found)
        if masked:
            artifact.observe("smtp.ehlo-masked", True, found[masked[0]])
            artifact.notes.append(_MASKED_NOTE)
        if not ehlo.whole:
            artifact.warnings.append(_cut_ehlo(ehlo.last))
        elif ehlo.elided is not None:
            artifact.warnings.append(_elided_ehlo(ehlo.elided))
        if ehlo.complete:
            facts = verb_facts(list(found))
        else:  # what a partial reply lists is offered; what it does not, nobody knows
            facts = {fact: True for fact, verb in VERB_FACTS.items() if verb in found}
        for fact, listed in facts.items():
            artifact.observe(fact, listed, found.get(VERB_FACTS[fact], ehlo.last))


class _Transcript:
    """Logical lines told apart by content, fed to one session per connection."""

    def __init__(self) -> None:
        self.session = _Session()
        self.with_ehlo: _Session | None = None  # the last finished session with an EHLO response
        self.with_banner: _Session | None = None  # ... with a greeting
        self.pem = False  # inside a certificate s_client printed
        self.ssl_session = False  # inside s_client's "SSL-Session:" block
        # What detection needs: greetings, OK replies, a typed EHLO, s_client's output.
        self.greeting = self.smtp_greeting = self.ok = self.hello = False
        self.tls = self.content = False

    def line(self, line: Line) -> None:
        number, text, width, ended = line
        if text[0] in "SsCc<>":
            prefix = _PREFIX.match(text)
            if prefix is not None:
                text = text[prefix.end() :]
                if not text:
                    return
        if (self.pem or self.ssl_session) and self._tls_block(text):
            return
        reply = _REPLY.fullmatch(text)
        if reply is not None:
            self._reply(number, reply, width, ended)
        elif _OPENS.fullmatch(text):
            self.new_session()
            self.tls = self.tls or text.upper().startswith("CONNECTED(")
        elif _CLOSES.fullmatch(text):
            self.session.end()
        elif _PEM_BEGIN.fullmatch(text):
            self.pem = True
        elif text == "SSL-Session:":
            self.ssl_session = True
        elif _NOISE.fullmatch(text):
            self.session.noise()
        else:
            self._client(number, text, width, ended)

    def _tls_block(self, text: str) -> bool:
        """A line of a certificate or an SSL-Session block s_client printed."""
        if self.pem:
            if _BASE64.fullmatch(text):
                return True
            self.pem = False
        if self.ssl_session:
            if text == "---":
                self.ssl_session = False
                return True
            if _SESSION_FIELD.fullmatch(text):
                return True
            self.ssl_session = False
        return False

    def _reply(self, number: int, reply: re.Match[str], width: int, ended: bool) -> None:
        code, sep, text = reply.groups()
        text = text.strip() if text else ""
        # A last line the file stops in may have lost its end: a greeting its version's
        # digits, a 250 line its separator or the end of a verb. It stays open, as cut.
        more = sep == "-" or (not ended and (code == "220" or _maybe_cut(text)))
        if not ended and code == "220" and self.session.replies == 0:
            self.session.banner_unended = True
        self.content = True
        if code == "250":
            self.ok = True
        elif code == "220":
            self.greeting = True
            self.smtp_greeting = self.smtp_greeting or "SMTP" in text.upper()
        self.session.reply(number, code, more, text, width)

    def _client(self, number: int, text: str, width: int, ended: bool) -> None:
        self.content = True
        glued = split_glued(text)
        if glued is not None:
            command, rest = glued
            self._typed(command)
            reply = _REPLY.fullmatch(rest)
            assert reply is not None
            self._reply(number, reply, width, ended)
        elif _COMMAND.match(text):
            self._typed(text)
        elif _ELIDED.fullmatch(text):
            self.session.elided(number)
        else:
            self.session.other(number, text, width)

    def _typed(self, command: str) -> None:
        self.hello = self.hello or command[:4].upper() in ("EHLO", "HELO")
        self.session.typed(command)

    def new_session(self) -> None:
        session = self.session
        if session.open is not None:
            session.cut()
        if session.ehlo is not None:
            self.with_ehlo = session
        if session.banner is not None:
            self.with_banner = session
        if session.replies:
            self.session = _Session()

    def finish(self) -> _Session | None:
        """The session to read: the last with an EHLO response, else the last with a greeting."""
        self.new_session()
        return self.with_ehlo or self.with_banner

    def looks_smtp(self) -> bool:
        if self.smtp_greeting or (self.ok and (self.greeting or self.hello)):
            return True
        return self.tls and not self.content  # only s_client's handshake in the head


def detect(head: Head) -> bool:
    """An SMTP greeting, or an EHLO/HELO line answered by 250, among the first lines;
    or the start of an openssl s_client session, or of a web page about SMTP, that
    the head does not get past."""
    html = looks_html(head.text)
    transcript = _Transcript()
    for line in logical_lines(io.StringIO(head.text, newline=None), html):
        transcript.line(line)
    if transcript.looks_smtp():
        return True
    return html and _SMTP_WORDS.search(head.text) is not None


def parse(path: Path) -> Artifact:
    """The greeting and the last EHLO response's verbs, each with its line."""
    with path.open("rb") as handle:
        html = looks_html(decode_head(handle.read(HEAD_BYTES)))
    transcript = _Transcript()
    with open_text(path) as stream:
        for line in logical_lines(stream, html):
            transcript.line(line)
    session = transcript.finish()
    if session is None:
        raise ArtifactError(str(path), msg("no SMTP greeting (220) or EHLO response (250) found"))
    artifact = Artifact(path, KIND)
    session.observe(artifact)
    return artifact
