"""The live registry probe: the keys the export reader reads, straight from ``winreg``.

It walks only the keys the Exchange pack needs and feeds them to the same
:class:`~kbassist.evidence.registry.RegistryFacts` as a ``.reg`` file, so a
live read and an export of the same machine give the same facts. The walk
goes through a :class:`RegistrySource`; on other systems than Windows a
:class:`ReplaySource` over ``.reg`` content stands in (tests, and replaying
an export through the live code path).
"""

from __future__ import annotations

import asyncio
import importlib
import sys
from collections.abc import Iterable
from contextlib import AbstractContextManager
from typing import Any, ClassVar, Protocol

from ..evidence.regfile import RegParser, RegValue
from ..evidence.registry import FACTS as REGISTRY_FACTS
from ..evidence.registry import GLOBAL_SECTION, RegistryFacts
from ..i18n import msg
from .base import ProbeResult

HKLM = "HKEY_LOCAL_MACHINE"
HKCU = "HKEY_CURRENT_USER"
SERVICES = rf"{HKLM}\SYSTEM\CurrentControlSet\Services"
MAPI_PROFILES = (
    rf"{HKCU}\Software\Microsoft\Windows NT\CurrentVersion\Windows Messaging Subsystem\Profiles"
)
OFFICE = rf"{HKCU}\Software\Microsoft\Office"
SERVICE_VALUE_KEYS = (r"Winsock\Parameters", r"SMTPSVC\Queuing", r"MSExchangeIS\ParametersSystem")

NEEDS_WINDOWS = msg(
    "reading the live registry needs Windows; on this system, export the keys with "
    "regedit and pass the .reg file to diagnose"
)


class RegistrySource(Protocol):
    """Read access to a registry. Key paths are full, e.g. ``HKEY_LOCAL_MACHINE\\SYSTEM``."""

    def subkeys(self, key: str) -> list[str] | None:
        """Names of the key's subkeys; None when the key does not exist."""
        ...

    def values(self, key: str) -> list[tuple[str, int, Any]] | None:
        """(name, REG_* type, data decoded as the .reg reader decodes it); None if no key."""
        ...


_Key = AbstractContextManager[object]  # an open key (winreg's HKEYType)


class _Winreg(Protocol):
    """The part of ``winreg`` that WinregSource calls (typeshed's signatures).

    Typeshed declares ``winreg`` on Windows only, so on other systems its stub is an
    empty module; this is what WinregSource needs of it, there and in tests.
    """

    HKEY_LOCAL_MACHINE: int
    HKEY_CURRENT_USER: int
    KEY_READ: int

    def OpenKey(self, key: int, sub_key: str, reserved: int, access: int, /) -> _Key: ...
    def QueryInfoKey(self, key: _Key, /) -> tuple[int, int, int]: ...
    def EnumKey(self, key: _Key, index: int, /) -> str: ...
    def EnumValue(self, key: _Key, index: int, /) -> tuple[str, Any, int]: ...


class WinregSource:
    """The registry of the machine kbassist runs on (Windows only)."""

    def __init__(self) -> None:
        winreg: _Winreg = importlib.import_module("winreg")
        self._winreg = winreg
        self._roots = {HKLM: winreg.HKEY_LOCAL_MACHINE, HKCU: winreg.HKEY_CURRENT_USER}

    def _open(self, key: str) -> _Key | None:
        root, _, sub = key.partition("\\")
        try:
            return self._winreg.OpenKey(self._roots[root], sub, 0, self._winreg.KEY_READ)
        except OSError:
            return None

    def subkeys(self, key: str) -> list[str] | None:
        handle = self._open(key)
        if handle is None:
            return None
        with handle:
            count = self._winreg.QueryInfoKey(handle)[0]
            return [self._winreg.EnumKey(handle, i) for i in range(count)]

    def values(self, key: str) -> list[tuple[str, int, Any]] | None:
        handle = self._open(key)
        if handle is None:
            return None
        with handle:
            count = self._winreg.QueryInfoKey(handle)[1]
            out = []
            for i in range(count):
                name, data, kind = self._winreg.EnumValue(handle, i)
                out.append((name, kind, data))
            return out


class ReplaySource:
    """A registry made of ``.reg`` content: every key in it, and the keys above them."""

    def __init__(self, lines: Iterable[str]):
        self._values: dict[str, list[tuple[str, int, Any]]] = {}
        self._children: dict[str, dict[str, str]] = {}
        parser = RegParser(lambda _key: True, self._key)
        for value in parser.values(lines):
            if value.type != -1:
                self._values.setdefault(value.key.casefold(), []).append(
                    (value.name, value.type, value.data)
                )

    def _key(self, _line: int, key: str, deleted: bool) -> None:
        if deleted:
            return
        parts = key.split("\\")
        self._values.setdefault(key.casefold(), [])
        for depth in range(1, len(parts)):
            parent = "\\".join(parts[:depth]).casefold()
            self._children.setdefault(parent, {})[parts[depth].casefold()] = parts[depth]
            self._values.setdefault(parent, [])

    def subkeys(self, key: str) -> list[str] | None:
        if key.casefold() not in self._values:
            return None
        return list(self._children.get(key.casefold(), {}).values())

    def values(self, key: str) -> list[tuple[str, int, Any]] | None:
        return self._values.get(key.casefold())


def read_registry(source: RegistrySource, facts: RegistryFacts) -> None:
    """Walk the keys the pack reads, as a .reg export of them would list them."""

    def values_of(key: str) -> None:
        for name, kind, data in source.values(key) or []:
            facts.take(RegValue(0, key, name, kind, data))

    services = source.subkeys(SERVICES)
    if services is not None:
        facts.on_key(0, SERVICES, False)
        for name in services:
            facts.on_key(0, f"{SERVICES}\\{name}", False)
        facts.listed_all(SERVICES)  # every subkey was listed: absence is proof
        for key in SERVICE_VALUE_KEYS:
            values_of(f"{SERVICES}\\{key}")
    for profile in source.subkeys(MAPI_PROFILES) or []:
        values_of(f"{MAPI_PROFILES}\\{profile}\\{GLOBAL_SECTION}")
    for version in source.subkeys(OFFICE) or []:
        outlook = f"{OFFICE}\\{version}\\Outlook"
        for profile in source.subkeys(f"{outlook}\\Profiles") or []:
            values_of(f"{outlook}\\Profiles\\{profile}\\{GLOBAL_SECTION}")
        values_of(f"{outlook}\\RPC")
    facts.finish()


def _merge(old: Any, new: Any) -> Any:
    """Several profiles or control sets: the largest number, any true, the union of lists."""
    if isinstance(old, list):
        return sorted(set(old) | set(new))
    if isinstance(old, bool):
        return old or new
    return max(old, new)


class RegistryProbe:
    name = "registry"
    target = "local registry"
    # The facts it can report (pack lint KB204 reads them): a .reg export's of its keys.
    FACTS: ClassVar[tuple[str, ...]] = REGISTRY_FACTS

    def __init__(self, timeout: float = 10.0, source: RegistrySource | None = None):
        self.timeout = timeout
        self._source = source

    def _read(self) -> ProbeResult:
        source = self._source
        if source is None:
            if sys.platform != "win32":
                return ProbeResult(self.name, self.target, "error", NEEDS_WINDOWS)
            source = WinregSource()
        found: dict[str, Any] = {}

        def observe(fact: str, value: Any, _line: int | None) -> None:
            found[fact] = _merge(found[fact], value) if fact in found else value

        facts = RegistryFacts(observe)
        read_registry(source, facts)
        fault = (
            found.get("winsock.orphan-count", 0) > 0 or found.get("outlook.disable-winsock", 0) > 0
        )
        message = (
            msg("the registry holds a known fault (see the facts)")
            if fault
            else msg("read {count} facts; no known fault among them", count=len(found))
        )
        return ProbeResult(
            self.name,
            self.target,
            "fault" if fault else "ok",
            message,
            facts=found,
            notes=list(facts.notes),
        )

    async def run(self) -> ProbeResult:
        return await asyncio.to_thread(self._read)
