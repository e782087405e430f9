"""What every event format turns into: events, counted and condensed into facts.

Each format reader hands :class:`Collector` one :class:`Event` at a time, so
a log of any size costs the memory of its distinct (source, id) pairs plus at
most :data:`KEEP_PER_KEY` kept records each; counts stay exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ...i18n import Message, msg
from ..base import Artifact, ArtifactError, Note

KEEP_PER_KEY = 100
FIELD_CAP = 65536  # characters kept of one message or string: a hostile file stays bounded
MAX_STRINGS = 256  # insertion strings kept per event

_SLUG_JUNK = re.compile(r"[\W_]+")
_GUID_DOMAIN = re.compile(r"(?<![0-9a-z])_[0-9a-f]{32}_d(?![0-9a-z_])", re.IGNORECASE)
_CONFIGURED_MAX = re.compile(
    r"configured\s+maximum\s+number\s+of\s+event\s+notification\s+registrations\s+is\s+(\d+)",
    re.IGNORECASE,
)
# "User SYSTEM has exceeded the allowed maximum number of simultaneous registrations..."
_ACCOUNT = re.compile(
    r"\bUser\s+(.{1,256}?)\s+has\s+exceeded\s+the\s+allowed\s+maximum", re.IGNORECASE
)
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
        "notification registrations is unknown: on the server, run "
        '`wevtutil qe Application /q:"*[System[(EventID=9671)]]" /f:text` and send its output '
        "(on Windows 2000 or 2003, open one event 9671 in Event Viewer, copy it with the "
        "button under the arrows and send the text)."
    ),
    fr=(
        "Cet export ne contient pas le texte de l'événement 9671\u00a0: le maximum configuré "
        "d'inscriptions aux notifications reste inconnu. Sur le serveur, lancez "
        '`wevtutil qe Application /q:"*[System[(EventID=9671)]]" /f:text` et envoyez le résultat '
        "(sous Windows 2000 ou 2003, ouvrez un événement 9671 dans l'Observateur "
        "d'événements, copiez-le avec le bouton situé sous les flèches et envoyez le texte)."
    ),
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
        named = _ACCOUNT.search(event.message)
        limit = int(found.group(1)) if found else None
        return limit, " ".join(named.group(1).split()) if named else None
    strings = event.strings
    number = strings[1].strip() if len(strings) > 1 else ""
    limit = int(number) if number.isascii() and number.isdigit() and len(number) <= 10 else None
    account = " ".join(strings[0].split())[:256] if strings else ""
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

    def add(self, event: Event) -> None:
        """Check ``event`` is usable and count it; malformed events stop the file here."""
        where = event.line
        if not event.source or not event.source.strip():
            raise ArtifactError(self.file, msg("{event} has no source", event=_name(event)), where)
        if event.id is None or not str(event.id).strip():
            raise ArtifactError(
                self.file, msg("{event} has no Event ID", event=_name(event)), where
            )
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
            if named or not artifact.warnings:
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
