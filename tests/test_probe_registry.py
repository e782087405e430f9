"""The live registry probe, replayed from .reg content through the same interface."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest

from kbassist.evidence import registry
from kbassist.evidence.textfile import open_text
from kbassist.probes import run_probes
from kbassist.probes.registry import NEEDS_WINDOWS, RegistryProbe, ReplaySource, WinregSource

from .conftest import SAMPLES


def replay(path: Path) -> ReplaySource:
    with open_text(path) as stream:
        return ReplaySource(stream)


def export_facts(path: Path) -> dict[str, Any]:
    """What the export reader finds, merged as the probe merges it."""
    return registry.parse(path).summary()["facts"]


@pytest.mark.parametrize(
    ("sample", "status"),
    [
        ("winsock-orphan-transport.reg", "fault"),
        ("winsock-ok.reg", "ok"),
        ("outlook-profile-cisco.reg", "fault"),
    ],
)
def test_a_live_read_gives_the_facts_an_export_gives(sample, status):
    (result,) = run_probes([RegistryProbe(source=replay(SAMPLES / sample))])
    assert result.status == status
    assert result.facts == export_facts(SAMPLES / sample)
    assert {o.source for o in result.observations()} == {"probe:registry"}


OFFICE_PROFILES = "\r\n".join(
    [
        "Windows Registry Editor Version 5.00",
        r"[HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Outlook\Profiles\Work"
        r"\13dbb0c8aa05101a9bb000aa002fc45a]",
        '"00036618"=hex:00,00,00,00',
        r"[HKEY_CURRENT_USER\Software\Microsoft\Windows NT\CurrentVersion"
        r"\Windows Messaging Subsystem\Profiles\Old\13dbb0c8aa05101a9bb000aa002fc45a]",
        '"00036618"=hex:01,00,00,00',
        r"[HKEY_CURRENT_USER\Software\Microsoft\Office\11.0\Outlook\RPC]",
        '"FixedUDPPort"=dword:00000d05',
        r"[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Winsock\Parameters]",
        '"Transports"=hex(7):54,00,63,00,70,00,69,00,70,00,00,00,00,00',
        r"[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\Tcpip]",
        r"[HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services\SMTPSVC\Queuing]",
        '"ResetMessageStatus"=dword:00000001',
        "",
    ]
)


def test_every_profile_location_and_setting_is_read(tmp_path):
    path = tmp_path / "machine.reg"
    path.write_text(OFFICE_PROFILES, encoding="utf-8")
    (result,) = run_probes([RegistryProbe(source=replay(path))])
    assert result.facts == {
        "winsock.transport-count": 1,
        "winsock.orphan-count": 0,
        "winsock.orphan-transports": [],
        "smtp.reset-message-status": 1,
        "outlook.disable-winsock": 1,  # the largest over both profiles
        "outlook.winsock-disabled-profiles": ["Old"],
        "outlook.fixed-udp-port": 3333,
    }
    assert result.status == "fault"


@pytest.mark.skipif(sys.platform == "win32", reason="this is the non-Windows path")
def test_without_windows_it_says_so_and_exits_2():
    (result,) = run_probes([RegistryProbe()])
    assert (result.status, result.exit_code, result.message) == ("error", 2, NEEDS_WINDOWS)
    assert result.facts == {}


class _Key:
    def __init__(self, path: str):
        self.path = path

    def __enter__(self) -> _Key:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def fake_winreg(source: ReplaySource) -> types.ModuleType:
    """winreg's calls that WinregSource makes, answered from a replayed export."""
    module = types.ModuleType("winreg")
    module.HKEY_LOCAL_MACHINE = "HKEY_LOCAL_MACHINE"  # type: ignore[attr-defined]
    module.HKEY_CURRENT_USER = "HKEY_CURRENT_USER"  # type: ignore[attr-defined]
    module.KEY_READ = 0x20019  # type: ignore[attr-defined]

    def open_key(root: str, sub: str, _reserved: int, _access: int) -> _Key:
        path = f"{root}\\{sub}"
        if source.values(path) is None:
            raise FileNotFoundError(2, "The system cannot find the file specified")
        return _Key(path)

    def info(key: _Key) -> tuple[int, int, int]:
        return len(source.subkeys(key.path) or []), len(source.values(key.path) or []), 0

    def enum_value(key: _Key, index: int) -> tuple[str, Any, int]:
        name, kind, data = (source.values(key.path) or [])[index]
        return name, data, kind

    module.OpenKey = open_key  # type: ignore[attr-defined]
    module.QueryInfoKey = info  # type: ignore[attr-defined]
    module.EnumKey = lambda key, i: (source.subkeys(key.path) or [])[i]  # type: ignore[attr-defined]
    module.EnumValue = enum_value  # type: ignore[attr-defined]
    return module


def test_the_winreg_source_walks_like_the_replay(monkeypatch):
    sample = SAMPLES / "winsock-orphan-transport.reg"
    monkeypatch.setitem(sys.modules, "winreg", fake_winreg(replay(sample)))
    (result,) = run_probes([RegistryProbe(source=WinregSource())])
    assert result.facts == export_facts(sample)
