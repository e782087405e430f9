"""What every event format turns into: events, counted and condensed into facts.

Each format reader hands :class:`Collector` one :class:`Event` at a time, so
a log of any size costs the memory of its distinct (source, id) pairs plus at
most :data:`KEEP_PER_KEY` kept records each; counts stay exact.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TextIO

from ...i18n import Message, msg
from ..base import Artifact, ArtifactError, Note

KEEP_PER_KEY = 100
FIELD_CAP = 65536  # characters kept of one message or string: a hostile file stays bounded
MAX_STRINGS = 256  # insertion strings kept per event

_SLUG_JUNK = re.compile(r"[\W_]+")
_GUID_DOMAIN = re.compile(r"(?<![0-9a-z])_[0-9a-f]{32}_d(?![0-9a-z_])", re.IGNORECASE)
# The sentence's own full stop is required, so a cut text never gives a cut number.
_CONFIGURED_MAX = re.compile(
    r"configured\s+maximum\s+number\s+of\s+event\s+notification\s+registrations\s+is\s+"
    r"(\d{1,9})\s*\.",
    re.IGNORECASE,
)
# "User SYSTEM has exceeded the allowed maximum number of simultaneous registrations...":
# found from "has", then the account looked for in a bounded stretch before it, so
# that no run of spaces, however long, is scanned more than a few times.
_EXCEEDED = re.compile(r"\bhas\s+exceeded\s+the\s+allowed\s+maximum", re.IGNORECASE)
_USER = re.compile(r"\buser ", re.IGNORECASE)
ACCOUNT_CHARS = 256
_BEFORE_ACCOUNT = 2 * ACCOUNT_CHARS  # looked at before "has": the account and its spacing
_LEVEL_NAMES = {
    "0": "Information",
    "1": "Critical",
    "2": "Error",
    "3": "Warning",
    "4": "Information",
    "5": "Verbose",
}
_NO_MESSAGE_NOTE = Note(
    en=(
        "This export holds no message text for event 9671, so the configured maximum of "
        "notification registrations is unknown. On the server, open the event in Event "
        "Viewer and copy it with the copy button under the arrows of its Properties "
        "(Windows 2000 and 2003), or run "
        '`wevtutil qe Application /q:"*[System[(EventID=9671)]]" /f:text` (Windows Vista '
        "and later), and send the text."
    ),
    fr=(
        "Cet export ne contient pas le texte de l'événement 9671\u00a0: le maximum configuré "
        "d'inscriptions aux notifications reste inconnu. Sur le serveur, ouvrez l'événement "
        "dans l'Observateur d'événements et copiez-le avec le bouton de copie situé sous "
        "les flèches de ses propriétés (Windows 2000 et 2003), ou lancez "
        '`wevtutil qe Application /q:"*[System[(EventID=9671)]]" /f:text` (Windows Vista '
        "et ultérieur), puis envoyez le texte."
    ),
    wants=("event.msexchangeis-9671.configured-max",),
)


class TextBuffer:
    """One message or value, kept up to :data:`FIELD_CAP` characters however long it runs."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0

    def add(self, text: str) -> None:
        room = FIELD_CAP - self._size
        if room > 0:
            self._parts.append(text[:room])
            self._size += min(len(text), room)

    def text(self) -> str:
        """The pieces as one string (XML character data arrives in pieces)."""
        return "".join(self._parts)

    def lines(self) -> str:
        """The lines joined, without the blank lines around them."""
        return "\n".join(self._parts).strip("\n").rstrip()


@dataclass
class Event:
    """One event as read, before it is counted. ``id`` is the raw text when read from text."""

    number: int  # 1-based position in the file, for error messages
    line: int | None
    source: str | None = None
    id: str | int | None = None
    qualifiers: str | int | None = None
    level: str | None = None
    time: str | None = None
    computer: str | None = None
    user: str | None = None
    strings: list[str] = field(default_factory=list)
    message: str | None = None
    record: int | None = None


def capped_lines(stream: TextIO, cap: int = FIELD_CAP) -> Iterator[tuple[int, str, bool]]:
    """(line number, line without its end, whether it ended with a line end).

    At most ``cap`` characters of a line are kept: the rest is read in pieces of
    that size and dropped, so one line of any length costs bounded memory.
    """
    number = 0
    while piece := stream.readline(cap):
        number += 1
        if piece.endswith("\n"):
            yield number, piece[:-1], True
            continue
        ended = False
        while more := stream.readline(cap):
            if more.endswith("\n"):
                ended = True
                break
        yield number, piece, ended


def account_named(text: str) -> str | None:
    """The account a 9671 message names ("User X has exceeded the allowed maximum..."),
    whitespace folded; at most :data:`ACCOUNT_CHARS` characters, or None."""
    for found in _EXCEEDED.finditer(text):  # each at least 32 characters past the one before
        start = found.start()
        if start == 0 or not text[start - 1].isspace():
            continue
        before = " ".join(text[max(0, start - _BEFORE_ACCOUNT) : start].split())
        for user in _USER.finditer(before, max(0, len(before) - ACCOUNT_CHARS - 5)):
            if user.end() < len(before):
                return before[user.end() :]
    return None


@lru_cache(maxsize=1024)  # a log names few sources, each on many events
def source_slug(source: str) -> str:
    """``MSExchangeIS`` → ``msexchangeis``; spaces, underscores and punctuation → ``-``."""
    return _SLUG_JUNK.sub("-", source.casefold()).strip("-") or "unknown"


def event_id(raw: str | int, qualifiers: str | int | None) -> int | None:
    """The event id as shown to users: the low 16 bits when Qualifiers are folded in."""
    text = str(raw).strip()
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    if qualifiers not in (None, "") or number > 0xFFFF:
        number &= 0xFFFF
    return number


def _name(event: Event) -> Message:
    """How an error names the event (made only for an error: a log has millions of events)."""
    if event.record is None:
        return msg("event {number}", number=event.number)
    return msg("event {number} (record {record})", number=event.number, record=event.record)


def _limit_and_account(event: Event) -> tuple[int | None, str | None]:
    """What a 9671 event says: the configured maximum, the account over it.

    From the message when the export has one. Binary logs (.evt, .evtx) hold only the
    insertion strings of "User %1 has exceeded the allowed maximum number of
    simultaneous registrations for MAPI notifications. The configured maximum number
    of event notification registrations is %2.": the account, then the number.
    """
    if event.message is not None:
        found = _CONFIGURED_MAX.search(event.message)
        limit = int(found.group(1)) if found else None
        return limit, account_named(event.message)
    strings = event.strings
    number = strings[1].strip() if len(strings) > 1 else ""
    limit = int(number) if number.isascii() and number.isdigit() and len(number) <= 10 else None
    account = " ".join(strings[0].split())[:ACCOUNT_CHARS] if strings else ""
    return limit, account or None


def level_name(level: str | None) -> str | None:
    """Numeric levels (XML, .evtx) named as Event Viewer shows them; text levels as found."""
    if level is None:
        return None
    level = level.strip()
    return _LEVEL_NAMES.get(level, level) or None


class Collector:
    """Counts events per (source, id) and turns them into the artifact's facts."""

    def __init__(self, artifact: Artifact):
        self.artifact = artifact
        self.file = str(artifact.path)
        self._counts: dict[tuple[str, int], int] = {}
        self._first: dict[tuple[str, int], int | None] = {}
        self._records: list[dict[str, Any]] = []
        self._guid_domain: tuple[bool, int | None] | None = None
        self._configured_max: dict[int, int | None] = {}
        self._accounts: dict[str, int | None] = {}  # named by 9671 events -> first line
        self._silent_9671 = False
        self.seen = 0  # events counted so far
        # Set by a format that could read only part of its file (an event left out as
        # cut, damaged records): no fact may then rest on an event being absent.
        self.partial = False

    def cut(self, number: int, line: int | None, reason: Message, where: tuple[str, str]) -> None:
        """The file ends inside event ``number`` (from ``line``): it is not counted.

        ``where`` says where in the event, in English and in French. With whole
        events before it, the file is read as partial and a warning says what was
        left out; with none, nothing is left to read, and the file is refused as
        truncated: ``reason``.
        """
        if self.seen == 0:
            raise ArtifactError(self.file, reason, line)
        self.partial = True
        whole = self.seen
        self.artifact.warnings.append(
            Note(
                en=(
                    f"Line {line}: the file ends inside event {number}, {where[0]}. That event "
                    f"is not counted; the facts come from the whole events before it ({whole})."
                ),
                fr=(
                    f"Ligne {line}\u00a0: le fichier s'arrête dans l'événement {number}, "
                    f"{where[1]}. Cet événement n'est pas compté\u202f; les faits viennent des "
                    f"événements complets qui le précèdent ({whole})."
                ),
            )
        )

    def add(self, event: Event) -> None:
        """Check ``event`` is usable and count it; malformed events stop the file here."""
        where = event.line
        if not event.source or not event.source.strip():
            message = msg("{event} has no source", event=_name(event))
            raise ArtifactError(self.file, message, where)
        if event.id is None or not str(event.id).strip():
            message = msg("{event} has no Event ID", event=_name(event))
            raise ArtifactError(self.file, message, where)
        number = event_id(event.id, event.qualifiers)
        if number is None:
            shown = str(event.id).strip()[:40]
            raise ArtifactError(self.file, msg("Event ID {id!r} is not a number", id=shown), where)
        self.seen += 1
        key = (source_slug(event.source), number)
        count = self._counts.get(key, 0)
        self._counts[key] = count + 1
        if count == 0:
            self._first[key] = where
        if count < KEEP_PER_KEY:
            self._records.append(self._record(event, number))
        self._read_texts(key, event)

    def _read_texts(self, key: tuple[str, int], event: Event) -> None:
        if key == ("smtpsvc", 4000):
            texts = [event.message or "", *event.strings]
            named = any(_GUID_DOMAIN.search(text) for text in texts)
            if self._guid_domain is None or (named and not self._guid_domain[0]):
                self._guid_domain = (named, event.line)
        if key == ("msexchangeis", 9671):
            limit, account = _limit_and_account(event)
            if limit is not None:
                self._configured_max.setdefault(limit, event.line)
            elif event.message is None:
                self._silent_9671 = True
            if account and len(self._accounts) < KEEP_PER_KEY:
                self._accounts.setdefault(account, event.line)

    @staticmethod
    def _record(event: Event, number: int) -> dict[str, Any]:
        record: dict[str, Any] = {
            "source": event.source,
            "id": number,
            "level": level_name(event.level),
            "time": event.time,
            "computer": event.computer,
            "user": event.user,
            "strings": event.strings,
        }
        if event.message is not None:
            record["message"] = event.message
        if event.record is not None:
            record["record"] = event.record
        else:
            record["line"] = event.line
        return record

    def finish(self) -> Artifact:
        """The artifact with one count per (source, id), then the facts read from texts.

        A file read in part (the artifact has warnings) gives no fact that rests on
        something being absent: no ``guid-domain`` false, since the events skipped or
        cut off may be the ones that name it.
        """
        artifact = self.artifact
        for (slug, number), count in self._counts.items():
            artifact.observe(f"event.{slug}-{number}.count", count, self._first[(slug, number)])
        if self._guid_domain is not None:
            named, line = self._guid_domain
            # "no 4000 names a GUID domain" needs the whole log
            if named or not (self.partial or artifact.warnings):
                artifact.observe("event.smtpsvc-4000.guid-domain", named, line)
        for value, line in self._configured_max.items():
            artifact.observe("event.msexchangeis-9671.configured-max", value, line)
        for account, line in self._accounts.items():
            artifact.observe("event.msexchangeis-9671.accounts", [account], line)
        if self._silent_9671 and not self._configured_max:
            artifact.notes.append(_NO_MESSAGE_NOTE)
        if self._records:
            artifact.details["events"] = self._records
        return artifact
