"""Reader for ``registry-export``: the facts the Exchange pack needs from ``.reg`` files.

* Winsock ``Transports`` and, for each name, whether ``Services\\<name>``
  exists. A missing key is only proven missing by what the export
  demonstrably covers: it must hold ``[...\\Services]`` or an ancestor, and
  since regedit writes keys depth first, each key's subkeys in the order the
  registry keeps them (by upper-cased name), an export in that order proves
  ``Services\\<name>`` missing only once it has gone past where that key would
  be: a later subkey of Services, or a key after the whole branch. An export
  that stops earlier (cut at a key boundary looks whole) gets a note instead,
  and so does one without the Services branch. A file whose keys are not in
  that order was not written by one regedit export (hand-made, merged): it is
  taken to cover the branch it holds, as long as it ends as regedit ends a
  file, with a blank line; one that does not may have been cut after any
  line, so it proves no key missing (and says so in a warning).
  ``CurrentControlSet`` and ``ControlSetNNN`` (offline hives) are read alike,
  each control set checked against its own Services keys.
* ``00036618`` (PR_DISABLE_WINSOCK) in each Outlook profile's global section.
* ``SMTPSVC\\Queuing\\ResetMessageStatus``, the MSExchangeIS notification
  limits, and Outlook's ``FixedUDPPort``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..i18n import msg
from .base import Artifact, ArtifactError, Head, Note
from .regfile import REG_DWORD, RegFormatError, RegParser, RegValue, is_header, little_endian
from .textfile import open_text, raw_lines

if TYPE_CHECKING:
    from ..pack.model import ArtifactKind

KIND: ArtifactKind = "registry-export"

GLOBAL_SECTION = "13dbb0c8aa05101a9bb000aa002fc45a"  # a MAPI profile's global section
_CONTROL_SET = re.compile(r"(?<![^\\])(?:current)?controlset\d*(?![^\\])")

# (key below the control set's Services, value name) -> fact
_SERVICE_VALUES = {
    ("winsock\\parameters", "transports"): "transports",
    ("smtpsvc\\queuing", "resetmessagestatus"): "smtp.reset-message-status",
    (
        "msexchangeis\\parameterssystem",
        "maximum allowed notification registrations per client",
    ): "msexchangeis.max-registrations",
    (
        "msexchangeis\\parameterssystem",
        "maximum allowed client context size",
    ): "msexchangeis.max-client-context-size",
}
_SERVICE_KEYS = {key for key, _ in _SERVICE_VALUES}
# The store reads its limits as REG_DWORD only: a string "64" there is no limit at all.
_DWORD_ONLY = {"msexchangeis.max-registrations", "msexchangeis.max-client-context-size"}
# Every fact this reader (and the live registry probe) can report.
FACTS = (
    "winsock.transport-count",
    "winsock.orphan-count",
    "winsock.orphan-transports",
    *(fact for fact in _SERVICE_VALUES.values() if fact != "transports"),
    "outlook.disable-winsock",
    "outlook.winsock-disabled-profiles",
    "outlook.fixed-udp-port",
)


def detect(head: Head) -> bool:
    return is_header(head.first_line()) is not None


def registry_order(name: str) -> bytes:
    """Where a subkey ``name`` sorts among its siblings, as the registry keeps them.

    A hive keeps subkeys sorted (it finds them by binary search), comparing the
    upper-cased names UTF-16 code unit by code unit; enumeration, and so regedit,
    follows that order. A character whose upper case is several (ß) stays as it is.
    """
    upper = name.upper() if name.isascii() else "".join(_upper(c) for c in name)
    return upper.encode("utf-16-be")


def _upper(char: str) -> str:
    upper = char.upper()
    return upper if len(upper) == 1 else char


@dataclass
class _ControlSet:
    """What one control set's part of the export says."""

    name: str  # as written, e.g. HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001
    services: set[str] = field(default_factory=set)  # folded names of Services\<name> keys
    transports: RegValue | None = None
    # How far the export demonstrably went in its Services branch, in regedit's order.
    last: bytes | None = None  # registry_order of the last Services\<name> (or key below it)
    last_folded: str = ""  # that <name>, folded
    last_key: str = ""  # that key, as written, and its line
    last_line: int = 0
    in_order: bool = True  # every Services key so far came in regedit's order
    complete: bool = False  # a key after the whole branch came, or a live read listed it all

    def proves_missing(self, name: str) -> bool:
        """Whether the export went past where ``Services\\<name>`` would be."""
        if self.complete or not self.in_order:
            return True
        return self.last is not None and registry_order(name) < self.last


Observe = Callable[[str, Any, "int | None"], None]  # (fact, value, line or None)


class RegistryFacts:
    """Turns registry keys and values into facts, whether from a file or a live registry.

    Feed it every key (``on_key``) and the values of the keys it ``wanted``
    (``take``), then call ``finish`` for the facts that need the whole picture.
    """

    def __init__(self, observe: Observe) -> None:
        self.observe = observe
        self.notes: list[Note] = []
        self.sets: dict[str, _ControlSet] = {}
        # Folded key headers that could be the root of an export covering Services.
        self.roots: set[str] = set()
        # The control set whose Services branch the last key header was in.
        self._inside: _ControlSet | None = None
        self._split_of: tuple[str, tuple[str, list[str]] | None] = ("", None)  # the last split

    def _split(self, folded: str) -> tuple[str, list[str]] | None:
        """(control set prefix, segments after it) for keys inside a control set."""
        if folded == self._split_of[0]:  # on_key then wanted: the same key twice in a row
            return self._split_of[1]
        split: tuple[str, list[str]] | None = None
        if "controlset" in folded and (match := _CONTROL_SET.search(folded)) is not None:
            rest = folded[match.end() + 1 :]
            split = folded[: match.end()], rest.split("\\") if rest else []
        self._split_of = (folded, split)
        return split

    def on_key(self, line: int, key: str, deleted: bool) -> None:
        folded = key.casefold()
        split = self._split(folded)
        if split is None:
            if self._inside is not None:
                self._left()
            if folded.count("\\") <= 2:  # a possible ancestor of a control set
                self.roots.add(folded)
            return
        prefix, rest = split
        if len(rest) <= 1:
            self.roots.add(folded)
        if not rest or rest[0] != "services":
            if self._inside is not None:
                self._left()
            return
        cset = self._set(prefix, key)
        if cset is not self._inside:
            self._left()
            if cset.complete or cset.last is not None:
                cset.in_order = False  # back in a branch the export had left: not one export
            self._inside = cset
        if len(rest) == 1:
            if cset.last is not None:
                cset.in_order = False  # the Services key after its own subkeys
            return
        if cset.in_order:  # out of order, the order proves nothing more: no need to follow it
            self._went_to(cset, line, key, len(prefix) + len("\\services\\"), rest[1])
        if len(rest) == 2:
            if deleted:
                cset.services.discard(rest[1])
            else:
                cset.services.add(rest[1])

    def _went_to(self, cset: _ControlSet, line: int, key: str, start: int, folded: str) -> None:
        """The export reached ``Services\\<name>`` (or a key below it) on ``line``."""
        if folded != cset.last_folded:  # a new subkey of Services: where does it sort?
            end = start + len(folded)
            name = key[start:end] if key[start:end].casefold() == folded else folded
            order = registry_order(name)
            if cset.last is not None and order < cset.last:
                cset.in_order = False
                return
            cset.last, cset.last_folded = order, folded
        cset.last_key, cset.last_line = key, line

    def _left(self) -> None:
        """A key outside the Services branch the last key was in: regedit is done with it."""
        if self._inside is not None:
            self._inside.complete = True
            self._inside = None

    def listed_all(self, services_key: str) -> None:
        """Every subkey of ``services_key`` was given to :meth:`on_key` (a live read)."""
        split = self._split(services_key.casefold())
        if split is not None:
            self._set(split[0], services_key).complete = True

    def _set(self, prefix: str, key: str) -> _ControlSet:
        cset = self.sets.get(prefix)
        if cset is None:
            depth = prefix.count("\\") + 1
            cset = self.sets[prefix] = _ControlSet("\\".join(key.split("\\")[:depth]))
        return cset

    def wanted(self, folded: str) -> bool:
        split = self._split(folded)
        if split is not None:
            _, rest = split
            return (
                len(rest) == 3 and rest[0] == "services" and "\\".join(rest[1:]) in (_SERVICE_KEYS)
            )
        if folded.endswith(GLOBAL_SECTION):
            return folded.split("\\")[-3] == "profiles"
        return folded.endswith("\\outlook\\rpc")

    def covers_services(self, prefix: str) -> bool:
        """Whether the export holds the whole Services branch of this control set."""
        target = prefix + "\\services"
        return any(target == root or target.startswith(root + "\\") for root in self.roots)

    def take(self, value: RegValue) -> None:
        if value.type == -1:
            return  # a deleted value is an absent one
        folded_key = value.key.casefold()
        name = value.name.casefold()
        split = self._split(folded_key)
        if split is not None:
            prefix, rest = split
            fact = _SERVICE_VALUES.get(("\\".join(rest[1:]), name))
            if fact == "transports":
                self._set(prefix, value.key).transports = value
            elif fact in _DWORD_ONLY and value.type != REG_DWORD:
                self.notes.append(_not_dword_note(value))
            elif fact is not None:
                self.observe(fact, _number(value), value.line)
            return
        if folded_key.endswith(GLOBAL_SECTION) and name == "00036618":
            profile = value.key.split("\\")[-2]
            disabled = _number(value)
            self.observe("outlook.disable-winsock", disabled, value.line)
            if disabled:
                self.observe("outlook.winsock-disabled-profiles", [profile], value.line)
        elif folded_key.endswith("\\outlook\\rpc") and name == "fixedudpport":
            self.observe("outlook.fixed-udp-port", _number(value), value.line)

    def finish(self, whole: bool = True) -> None:
        """Winsock facts: only now is it known which Services keys exist.

        ``whole``: False for an export that may have been cut after any line: no key
        it lacks is taken as missing."""
        for prefix, cset in self.sets.items():
            value = cset.transports
            if value is None:
                continue
            names = value.data if isinstance(value.data, list) else [str(value.data)]
            names = [n for n in names if n.strip()]
            self.observe("winsock.transport-count", len(names), value.line)
            missing = [n for n in names if n.casefold() not in cset.services]
            if missing and not self.covers_services(prefix):
                self.notes.append(_export_services_note(cset.name, missing))
                continue
            proven = [n for n in missing if whole and cset.proves_missing(n)]
            if proven or not missing:
                # Absent keys it went past; the others (if any) get the note below.
                self.observe("winsock.orphan-count", len(proven), value.line)
                self.observe("winsock.orphan-transports", proven, value.line)
            unknown = [n for n in missing if n not in proven]
            if unknown:
                self.notes.append(_export_stops_note(cset, unknown))


def parse(path: Path) -> Artifact:
    artifact = Artifact(path, KIND)
    facts = RegistryFacts(artifact.observe)
    parser = RegParser(facts.wanted, facts.on_key)
    file = str(path)
    try:
        with open_text(path) as stream:
            for value in parser.values(raw_lines(stream)):
                facts.take(value)
    except RegFormatError as exc:
        raise ArtifactError(file, exc.message, exc.line) from None
    except UnicodeError as exc:
        raise ArtifactError(file, msg("cannot decode the text: {error}", error=str(exc))) from None
    # regedit ends every export, REGEDIT4 too, with a blank line (CRLF CRLF): a file that
    # stops after a whole line without it was cut there, copied in part, or written by
    # hand. What it holds is read; what it lacks proves nothing.
    whole = parser.ends_blank
    if not whole:
        artifact.warnings.append(_NO_BLANK_END.format(line=parser.last_line))
    facts.finish(whole)
    artifact.notes.extend(facts.notes)
    return artifact


_NO_BLANK_END = Note(
    en="The file ends after line {line} without the blank line regedit writes at the end of "
    "every export, so it may have been cut there: what it holds is read, but no key it lacks "
    "is taken as missing. Export the key again with regedit if that matters.",
    fr="Le fichier se termine après la ligne {line} sans la ligne vide que regedit écrit à la "
    "fin de toute exportation\u00a0: il a peut-être été coupé là. Son contenu est lu, mais "
    "aucune clé absente n'est tenue pour manquante. Exportez de nouveau la clé avec regedit "
    "si cela compte.",
)


def _number(value: RegValue) -> int:
    number = little_endian(value.data)
    if number is None and isinstance(value.data, str) and value.data.strip().isdigit():
        number = int(value.data.strip())
    if number is None:
        shown = value.name or "(Default)"
        raise RegFormatError(value.line, msg("{name!r} should hold a number", name=shown))
    return number


def _not_dword_note(value: RegValue) -> Note:
    where = f"{value.key}\\{value.name}"
    return Note(
        en=(
            f"{where} (line {value.line}) is not a REG_DWORD, so the information store ignores "
            "it and keeps its default limit: delete it and create it again as a DWORD value."
        ),
        fr=(
            f"{where} (ligne {value.line}) n'est pas de type REG_DWORD\u00a0: la banque "
            "d'informations l'ignore et garde sa limite par défaut. Supprimez-la et recréez-la "
            "comme valeur DWORD."
        ),
    )


def _export_stops_note(cset: _ControlSet, missing: list[str]) -> Note:
    names = ", ".join(missing)
    key = f"{cset.name}\\Services"
    last = cset.last_key or key
    return Note(
        en=(
            f"This export stops at {last} (line {cset.last_line}), before the place where "
            f"regedit writes the keys of {names}, so it cannot show whether they exist "
            f"(it may have been cut there). Export the whole {key} key again (regedit: "
            "select it, File > Export, Selected branch) and add that file."
        ),
        fr=(
            f"Cette exportation s'arrête à {last} (ligne {cset.last_line}), avant "
            f"l'endroit où regedit écrit les clés de {names}\u00a0: elle ne permet pas de "
            "savoir si elles existent (elle a peut-être été coupée là). Exportez de nouveau "
            f"toute la clé {key} (regedit\u00a0: sélectionnez-la, Fichier > Exporter, "
            "Branche sélectionnée) et ajoutez ce fichier."
        ),
    )


def _export_services_note(control_set: str, missing: list[str]) -> Note:
    names = ", ".join(missing)
    key = f"{control_set}\\Services"
    return Note(
        en=(
            f"This export lists the Winsock transports but does not cover {key}, so it cannot "
            f"show whether the keys of {names} exist. Export the whole {key} key and add "
            "that file."
        ),
        fr=(
            f"Cette exportation contient la liste des transports Winsock mais pas la clé "
            f"{key}\u00a0: "
            f"elle ne permet pas de savoir si les clés de {names} existent. Exportez toute la "
            f"clé {key} et ajoutez ce fichier."
        ),
        wants=("winsock.orphan-count",),
    )
