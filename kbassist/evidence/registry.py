"""Reader for ``registry-export``: the facts the Exchange pack needs from ``.reg`` files.

* Winsock ``Transports`` and, for each name, whether ``Services\\<name>``
  exists. A missing key is only proven missing when the export covers the
  whole Services branch (it holds ``[...\\Services]`` or an ancestor);
  otherwise the artifact gets a note saying what to export instead.
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
from typing import Any

from ..i18n import msg
from .base import Artifact, ArtifactError, Head, Note
from .regfile import RegFormatError, RegParser, RegValue, is_header, little_endian
from .textfile import open_text

KIND = "registry-export"

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


def detect(head: Head) -> bool:
    return is_header(head.first_line()) is not None


@dataclass
class _ControlSet:
    """What one control set's part of the export says."""

    name: str  # as written, e.g. HKEY_LOCAL_MACHINE\SYSTEM\ControlSet001
    services: set[str] = field(default_factory=set)  # folded names of Services\<name> keys
    transports: RegValue | None = None


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

    @staticmethod
    def _split(folded: str) -> tuple[str, list[str]] | None:
        """(control set prefix, segments after it) for keys inside a control set."""
        if "controlset" not in folded:
            return None
        match = _CONTROL_SET.search(folded)
        if match is None:
            return None
        rest = folded[match.end() + 1 :]
        return folded[: match.end()], rest.split("\\") if rest else []

    def on_key(self, _line: int, key: str, deleted: bool) -> None:
        folded = key.casefold()
        split = self._split(folded)
        if split is None:
            if folded.count("\\") <= 2:  # a possible ancestor of a control set
                self.roots.add(folded)
            return
        prefix, rest = split
        if len(rest) <= 1:
            self.roots.add(folded)
        if len(rest) == 2 and rest[0] == "services":
            cset = self._set(prefix, key)
            if deleted:
                cset.services.discard(rest[1])
            else:
                cset.services.add(rest[1])

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

    def finish(self) -> None:
        """Winsock facts: only now is it known which Services keys exist."""
        for prefix, cset in self.sets.items():
            value = cset.transports
            if value is None:
                continue
            names = value.data if isinstance(value.data, list) else [str(value.data)]
            names = [n for n in names if n.strip()]
            self.observe("winsock.transport-count", len(names), value.line)
            missing = [n for n in names if n.casefold() not in cset.services]
            if self.covers_services(prefix) or not missing:
                self.observe("winsock.orphan-count", len(missing), value.line)
                self.observe("winsock.orphan-transports", missing, value.line)
            else:
                self.notes.append(_export_services_note(cset.name, missing))


def parse(path: Path) -> Artifact:
    artifact = Artifact(path, KIND)
    facts = RegistryFacts(artifact.observe)
    parser = RegParser(facts.wanted, facts.on_key)
    file = str(path)
    try:
        with open_text(path) as stream:
            for value in parser.values(stream):
                facts.take(value)
    except RegFormatError as exc:
        raise ArtifactError(file, exc.message, exc.line) from None
    except UnicodeError as exc:
        raise ArtifactError(file, msg("cannot decode the text: {error}", error=str(exc))) from None
    facts.finish()
    artifact.notes.extend(facts.notes)
    return artifact


def _number(value: RegValue) -> int:
    number = little_endian(value.data)
    if number is None and isinstance(value.data, str) and value.data.strip().isdigit():
        number = int(value.data.strip())
    if number is None:
        shown = value.name or "(Default)"
        raise RegFormatError(value.line, msg("{name!r} should hold a number", name=shown))
    return number


def _export_services_note(control_set: str, missing: list[str]) -> Note:
    names = ", ".join(missing)
    key = f"{control_set}\\Services"
    return Note(
        en=(
            f"This export lists the Winsock transports but does not cover {key}, so it cannot "
            f"show whether the keys of {names} exist. Export the whole {key} key "
            "(regedit: select it, File > Export, Selected branch) and add that file."
        ),
        fr=(
            "Cette exportation contient la liste des transports Winsock mais pas la clé "
            f"{key}\u00a0: elle ne permet pas de savoir si les clés de {names} existent. "
            f"Exportez toute la clé {key} (regedit\u00a0: sélectionnez-la, Fichier > Exporter, "
            "Branche sélectionnée) et ajoutez ce fichier."
        ),
    )
