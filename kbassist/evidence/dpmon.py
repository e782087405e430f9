"""Reader for DPMon traces taken during Outlook logon (KB 319572).

A trace is timestamped lines ``hh:mm:ss.mmm [0xTID] CLASS::Function args``;
a call's result comes on a later line of the same function with
``ec=NAME (0xHEX)``. What matters here is the new-mail notification
registration (``CNCT::EcOpenSocketAndRegisterForNotifications``, or the
``EcRegisterPushNotification`` call): the server refusing it (ecNotSupported,
0x80040102) is the symptom of an orphan Winsock transport on the server.
Other threads' lines may come between a call and its result. A result written
on its own line (``ec=...`` with no function, as the article shows it) belongs
to the registration call still waiting for one.

A trace has no end marker: one that stops before the registration returned is
read for what it holds, with a warning, and no fact says the registration was
accepted or refused. A result on a last line without its line break is read
only when its ``(0x...)`` code is closed; otherwise the cut may have shortened
it (``ec=(0`` from ``ec=(0x80040102)``), so it is left out, with a warning.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import msg
from .base import Artifact, ArtifactError, Head, Note
from .textfile import ended_lines, open_text

if TYPE_CHECKING:
    from ..pack.model import ArtifactKind

KIND: ArtifactKind = "dpmon-log"

_FLAGS = re.IGNORECASE | re.ASCII
_TRACE_LINE = re.compile(
    r"^\s*[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:[.,][0-9]+)?\s+(?:\[[^\]\s]*\]\s+)?\w+::\w+", _FLAGS
)
_HEADER = re.compile(r"^\s*DPMon\b", _FLAGS)
_REGISTRATION = re.compile(
    r"EcOpenSocketAndRegisterForNotifications|RegisterPushNotification|register\s+push\s+notification",
    _FLAGS,
)
# From the start of a word only: tried at every character, a long word made this quadratic.
_FUNCTION = re.compile(r"(?<!\w)\w+::\w", _FLAGS)
_EC = re.compile(r"(?<![\w-])ec\s*=\s*(?P<value>.*)$", _FLAGS)
_NAMED = re.compile(r"(?P<name>[a-z_][\w-]*)\s*(?:\((?P<code>[^)]*)\)?)?", _FLAGS)
_HEX = re.compile(r"\s*(?:0x0*([0-9a-f]{1,8})|(0))\s*", _FLAGS)

_SUCCESS_NAMES = {"ecnone", "s_ok", "success_success", "error_success"}
_KNOWN_CODES = {"ecnotsupported": 0x80040102, "mapi_e_no_support": 0x80040102}

_WANTS = ("dpmon.registration-refused",)  # what a trace of the whole logon would show
_NO_REGISTRATION = Note(
    en="The trace holds no new-mail notification registration "
    "(EcOpenSocketAndRegisterForNotifications): start DPMon before Outlook logs on.",
    fr="La trace ne contient aucune inscription aux notifications de nouveau courrier "
    "(EcOpenSocketAndRegisterForNotifications)\u00a0: lancez DPMon avant l'ouverture de "
    "session d'Outlook.",
    wants=_WANTS,
)


_NO_RESULT = Note(
    en="The trace stops before the notification registration of line {line} returned, so "
    "whether the server accepted it is unknown: capture the whole Outlook logon.",
    fr="La trace s'arrête avant le résultat de l'inscription aux notifications de la ligne "
    "{line}\u00a0: on ne sait pas si le serveur l'a acceptée. Capturez toute l'ouverture de "
    "session d'Outlook.",
    wants=_WANTS,
)
_CUT_RESULT = Note(
    en="The trace ends in the middle of line {line}, the result of the notification "
    "registration, which the cut may have shortened: that result is not read. Send the whole "
    "trace.",
    fr="La trace se termine au milieu de la ligne {line}, le résultat de l'inscription aux "
    "notifications, que la coupure a pu tronquer\u00a0: ce résultat n'est pas lu. Envoyez la "
    "trace complète.",
    wants=_WANTS,
)


def detect(head: Head) -> bool:
    """A DPMon header, a timestamped CLASS::Function line, or a registration call."""
    for line in head.lines:
        if _HEADER.match(line) or _TRACE_LINE.match(line):
            return True
        if _FUNCTION.search(line) and _REGISTRATION.search(line):
            return True
    return False


def ec_code(value: str) -> int | None:
    """The code of an ``ec=`` value: 0 for success, None for an unknown non-zero name.

    Raises ValueError (its argument a Message) when the value is empty or its code is not hex.
    """
    value = value.strip()
    if not value:
        raise ValueError(msg("ec= gives no code"))
    word = value.split(maxsplit=1)[0]
    if word[0].isdigit() or word[0] == "(":
        return _hex(word.strip("()"))
    named = _NAMED.match(value)
    if named is None:
        raise ValueError(msg("ec= value {word!r} is neither a name nor a hex code", word=word))
    if named["code"] is not None:
        return _hex(named["code"])
    parts = named["name"].casefold().split("-")
    if any(part in _SUCCESS_NAMES for part in parts):
        return 0
    return next((_KNOWN_CODES[p] for p in parts if p in _KNOWN_CODES), None)


def _hex(text: str) -> int:
    match = _HEX.fullmatch(text)
    if match is None:
        raise ValueError(
            msg("ec= code {code!r} is not a 32-bit hex number like 0x80040102", code=text)
        )
    return int(match[1] or "0", 16)


def _observe_result(artifact: Artifact, value: str, line: int) -> None:
    try:
        code = ec_code(value)
    except ValueError as exc:
        raise ArtifactError(str(artifact.path), exc.args[0], line) from None
    artifact.observe("dpmon.registration-refused", code != 0, line)
    if code:
        artifact.observe("dpmon.registration-error", code, line)


def _whole(value: str) -> bool:
    """An ``ec=`` value on a line cut short is whole only when its ``(0x...)`` code is closed."""
    return value.rstrip().endswith(")")


def parse(path: Path) -> Artifact:
    """Each registration result, on the line it was reported."""
    artifact = Artifact(path, KIND)
    call: int | None = None  # the line of a registration call with no result yet
    seen = False
    with open_text(path) as stream:
        for number, line, ended in ended_lines(stream):
            ec = _EC.search(line)
            if _REGISTRATION.search(line):
                seen = True
                call = number if ec is None else None
            elif ec is None or call is None or _FUNCTION.search(line):
                continue
            else:
                call = None
            if ec is None:
                continue
            if not ended and not _whole(ec["value"]):
                artifact.warnings.append(_CUT_RESULT.format(line=number))
                call = None  # said once: the warning names this line
                continue
            _observe_result(artifact, ec["value"], number)
    if not seen:
        artifact.notes.append(_NO_REGISTRATION)
    elif call is not None:
        artifact.warnings.append(_NO_RESULT.format(line=call))
    return artifact
