"""The registry-export reader, on .reg text in every encoding and version regedit writes."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kbassist.api import Diagnoser
from kbassist.evidence import ArtifactError, read_artifact, registry
from kbassist.evidence.base import Head
from kbassist.evidence.regfile import RegFormatError, RegParser
from kbassist.evidence.textfile import MAX_LINE, decode_head

from .artifacts import REG_V4, REG_V5, error_of, parse_or_none, reg_hex, reg_multi, regedit_export
from .conftest import REPO

SAMPLES = REPO / "tests" / "data" / "samples"
V5 = "Windows Registry Editor Version 5.00"
SERVICES = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services"
PROFILE = (
    r"HKEY_CURRENT_USER\Software\Microsoft\Windows NT\CurrentVersion"
    r"\Windows Messaging Subsystem\Profiles\{name}\13dbb0c8aa05101a9bb000aa002fc45a"
)


def utf16_multi(*names: str) -> str:
    """hex(7) data as regedit 5 writes it: UTF-16LE, NUL after each, one more NUL."""
    data = "".join(n + "\0" for n in names).encode("utf-16-le") + b"\0\0"
    return wrap_hex(data)


def ansi_multi(*names: str) -> str:
    data = "".join(n + "\0" for n in names).encode("cp1252") + b"\0"
    return wrap_hex(data)


def wrap_hex(data: bytes, per_line: int = 25) -> str:
    """Hex bytes split over ',\\' continued lines with two spaces of indent."""
    pairs = [f"{b:02x}" for b in data]
    rows = [",".join(pairs[i : i + per_line]) for i in range(0, len(pairs), per_line)]
    return ",\\\n  ".join(rows)


def services_export(transports: list[str], keys: list[str], header: str = V5) -> str:
    multi = utf16_multi(*transports) if header == V5 else ansi_multi(*transports)
    out = [header, "", f"[{SERVICES}]", "", f"[{SERVICES}\\Winsock]", ""]
    out += [f"[{SERVICES}\\Winsock\\Parameters]", f'"Transports"=hex(7):{multi}', ""]
    for key in keys:
        out += [f"[{SERVICES}\\{key}]", f'"DisplayName"="{key}"', '"Start"=dword:00000001', ""]
        out += [f"[{SERVICES}\\{key}\\Parameters\\Winsock]", '"MinSockaddrLength"=dword:10', ""]
    return "\n".join(out) + "\n"


ENCODINGS = {
    "utf-16le-bom": lambda text: codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
    "utf-16le": lambda text: text.encode("utf-16-le"),
    "utf-8-bom": lambda text: codecs.BOM_UTF8 + text.encode("utf-8"),
    "utf-8": lambda text: text.encode("utf-8"),
}


def write(tmp_path: Path, text: str, encoding: str = "utf-16le-bom", crlf: bool = True) -> Path:
    if crlf:
        text = text.replace("\n", "\r\n")
    path = tmp_path / "export.dat"  # names never matter
    path.write_bytes(ENCODINGS[encoding](text) if encoding in ENCODINGS else text.encode(encoding))
    return path


def facts(path: Path) -> dict:
    return read_artifact(path).summary()["facts"]


# --- the samples ----------------------------------------------------------------------


def test_orphan_transport_sample():
    artifact = read_artifact(SAMPLES / "winsock-orphan-transport.reg")
    assert artifact.kind == "registry-export"
    assert artifact.summary()["facts"] == {
        "winsock.transport-count": 3,
        "winsock.orphan-count": 1,
        "winsock.orphan-transports": ["AppleTalk"],
    }
    # The Transports value starts on line 8 of the file.
    sources = {o.source for o in artifact.observations}
    assert sources == {f"{SAMPLES}/winsock-orphan-transport.reg:8"}


def test_clean_winsock_sample():
    assert facts(SAMPLES / "winsock-ok.reg") == {
        "winsock.transport-count": 2,
        "winsock.orphan-count": 0,
        "winsock.orphan-transports": [],
    }


def test_cisco_profile_sample_regedit4():
    artifact = read_artifact(SAMPLES / "outlook-profile-cisco.reg")
    assert artifact.summary()["facts"] == {
        "outlook.disable-winsock": 1,
        "outlook.winsock-disabled-profiles": ["Outlook"],
    }
    assert artifact.observations[0].source.endswith("outlook-profile-cisco.reg:6")


# --- encodings, versions, line ends ----------------------------------------------------


@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
@pytest.mark.parametrize("crlf", [True, False], ids=["crlf", "lf"])
def test_every_encoding_and_line_end_reads_alike(tmp_path, encoding, crlf):
    text = services_export(["Tcpip", "NetBT", "AppleTalk"], ["Tcpip", "NetBT"])
    assert facts(write(tmp_path, text, encoding, crlf)) == {
        "winsock.transport-count": 3,
        "winsock.orphan-count": 1,
        "winsock.orphan-transports": ["AppleTalk"],
    }


@pytest.mark.parametrize("crlf", [True, False], ids=["crlf", "lf"])
def test_regedit4_multi_strings_are_single_byte(tmp_path, crlf):
    text = services_export(["Tcpip", "Réseau"], ["Tcpip"], header="REGEDIT4")
    assert facts(write(tmp_path, text, "cp1252", crlf)) == {
        "winsock.transport-count": 2,
        "winsock.orphan-count": 1,
        "winsock.orphan-transports": ["Réseau"],
    }


def test_version5_in_utf8_keeps_utf16_inside_hex(tmp_path):
    text = services_export(["Tcpip", "Réseau"], ["Tcpip", "réseau"])
    assert facts(write(tmp_path, text, "utf-8"))["winsock.orphan-count"] == 0


def test_an_ansi_byte_in_a_utf8_file_is_read_as_windows_1252(tmp_path):
    text = services_export(["Tcpip"], ["Tcpip"]).replace('"DisplayName"="Tcpip"', '"Café"="x"')
    path = tmp_path / "mixed.reg"
    path.write_bytes(text.encode("cp1252"))  # a v5 header, saved as ANSI by an editor
    assert facts(path)["winsock.orphan-count"] == 0


# --- what counts as proof ----------------------------------------------------------------


def test_a_winsock_only_export_proves_nothing_and_says_what_to_export(tmp_path):
    text = "\n".join(
        [
            V5,
            "",
            f"[{SERVICES}\\Winsock\\Parameters]",
            f'"Transports"=hex(7):{utf16_multi("Tcpip", "AppleTalk")}',
            "",
            "",
        ]
    )
    artifact = read_artifact(write(tmp_path, text))
    assert artifact.summary()["facts"] == {"winsock.transport-count": 2}
    (note,) = artifact.notes
    assert f"Export the whole {SERVICES} key" in note.en
    assert "Tcpip, AppleTalk" in note.en
    assert f"Exportez toute la clé {SERVICES}" in note.fr


def test_keys_present_in_a_partial_export_still_prove_themselves(tmp_path):
    text = "\n".join(
        [
            V5,
            f"[{SERVICES}\\Winsock\\Parameters]",
            f'"Transports"=hex(7):{utf16_multi("Tcpip")}',
            f"[{SERVICES}\\Tcpip]",
            "",
            "",
        ]
    )
    artifact = read_artifact(write(tmp_path, text))
    assert artifact.summary()["facts"]["winsock.orphan-count"] == 0
    assert artifact.notes == []


def test_an_export_of_an_ancestor_covers_services(tmp_path):
    text = services_export(["Tcpip", "AppleTalk"], ["Tcpip"]).replace(
        f"[{SERVICES}]", r"[HKEY_LOCAL_MACHINE\SYSTEM]"
    )
    assert facts(write(tmp_path, text))["winsock.orphan-transports"] == ["AppleTalk"]


def test_offline_control_sets_are_read_like_the_current_one(tmp_path):
    offline = r"HKEY_LOCAL_MACHINE\OFFLINE\ControlSet001\Services"
    text = services_export(["Tcpip", "AppleTalk"], ["Tcpip"]).replace(SERVICES, offline)
    artifact = read_artifact(write(tmp_path, text))
    assert artifact.summary()["facts"]["winsock.orphan-transports"] == ["AppleTalk"]


def test_each_control_set_is_checked_against_its_own_services(tmp_path):
    good = services_export(["Tcpip"], ["Tcpip"]).replace("CurrentControlSet", "ControlSet001")
    bad = services_export(["Tcpip", "AppleTalk"], ["Tcpip"]).replace(
        "CurrentControlSet", "ControlSet002"
    )
    bad = bad.split("\n", 1)[1]  # one header per file
    artifact = read_artifact(write(tmp_path, good + bad))
    counts = [o.value for o in artifact.observations if o.fact == "winsock.orphan-count"]
    assert sorted(counts) == [0, 1]


def test_a_deleted_service_key_is_missing(tmp_path):
    text = services_export(["Tcpip", "NetBT"], ["Tcpip", "NetBT"])
    text += f"[-{SERVICES}\\NetBT]\n\n"
    assert facts(write(tmp_path, text))["winsock.orphan-transports"] == ["NetBT"]


# --- other values the pack reads ---------------------------------------------------------


def test_profiles_per_user_hive_and_deleted_values(tmp_path):
    users = PROFILE.replace("HKEY_CURRENT_USER", r"HKEY_USERS\S-1-5-21-1-2-3-1001")
    text = "\n".join(
        [
            V5,
            "; exported by the helpdesk",
            f"[{PROFILE.format(name='Default Outlook Profile')}]",
            '"00036618"=hex:00,00,00,00',
            f"[{users.format(name='Cisco')}]",
            '"00036618"=hex:01,00,00,00',
            f"[{PROFILE.format(name='Gone')}]",
            '"00036618"=-',
            "",
            "",
        ]
    )
    artifact = read_artifact(write(tmp_path, text))
    disabled = [(o.value, o.source.rsplit(":", 1)[1]) for o in artifact.observations]
    assert disabled == [(0, "4"), (1, "6"), (["Cisco"], "6")]


def test_exchange_and_outlook_settings(tmp_path):
    text = "\n".join(
        [
            V5,
            f"[{SERVICES}\\SMTPSVC\\Queuing]",
            '"ResetMessageStatus"=dword:00000001',
            f"[{SERVICES}\\MSExchangeIS\\ParametersSystem]",
            '"Maximum Allowed Notification Registrations Per Client"=dword:00000040',
            '"Maximum Allowed Client Context Size"=dword:00000010',
            r"[HKEY_CURRENT_USER\Software\Microsoft\Office\11.0\Outlook\RPC]",
            '"FixedUDPPort"=dword:00000d05',
            "",
            "",
        ]
    )
    assert facts(write(tmp_path, text)) == {
        "smtp.reset-message-status": 1,
        "msexchangeis.max-registrations": 64,
        "msexchangeis.max-client-context-size": 16,
        "outlook.fixed-udp-port": 3333,
    }


def test_a_file_with_nothing_relevant_is_fine(tmp_path):
    text = f'{V5}\n\n[HKEY_CURRENT_USER\\Console]\n"FaceName"="Consolas"\n\n'
    artifact = read_artifact(write(tmp_path, text))
    assert artifact.kind == "registry-export"
    assert artifact.observations == [] and artifact.notes == []


# --- the format itself -------------------------------------------------------------------


def parse_values(text: str, version: str = V5) -> list:
    keys: list = []
    parser = RegParser(lambda key: True, lambda line, key, deleted: keys.append((key, deleted)))
    lines = f"{version}\n{text}\n".splitlines(keepends=True)
    return [(v.name, v.type, v.data) for v in parser.values(lines)]


def test_value_types():
    text = "\n".join(
        [
            r"[HKEY_CURRENT_USER\T]",
            '@="default"',
            r'"quote \"in\" name"="back\\slash"',
            '"d"=dword:0000002a',
            '"bin"=hex:01,02,\\',
            "  03",
            '"expand"=hex(2):25,00,41,00,25,00,00,00',
            '"multi"=hex(7):61,00,00,00,62,00,00,00,00,00',
            '"qword"=hex(b):01,00,00,00,00,00,00,80',
            '"be"=hex(5):00,00,01,00',
            '"none"=hex(0):',
            '"gone"=-',
        ]
    )
    assert parse_values(text) == [
        ("", 1, "default"),
        ('quote "in" name', 1, "back\\slash"),
        ("d", 4, 42),
        ("bin", 3, b"\x01\x02\x03"),
        ("expand", 2, "%A%"),
        ("multi", 7, ["a", "b"]),
        ("qword", 11, 2**63 + 1),
        ("be", 5, 256),
        ("none", 0, b""),
        ("gone", -1, None),
    ]


def test_regedit4_strings_inside_hex_are_single_byte():
    text = '[HKEY_CURRENT_USER\\T]\n"expand"=hex(2):25,41,25,00\n"multi"=hex(7):e9,00,00'
    assert parse_values(text, "REGEDIT4") == [("expand", 2, "%A%"), ("multi", 7, ["é"])]


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        ('"x"=hex:01,zz', 3, "'x': 'zz' is not a hex byte"),
        ('"x"=hex:01,\\\n  02,0', 4, "'x': '0' is not a hex byte"),
        ('"x"=dword:1234567890', 3, "'x': dword '1234567890' is not 1 to 8 hex digits"),
        ('"x"=hex(7):61,00,62', 3, "'x': odd number of bytes in a UTF-16 string"),
        ('"x"=hex(b):01,00', 3, "'x': 2 bytes where 8 are needed"),
        ('"x"="unterminated', 3, "a quoted string is not closed"),
        ('"x"=str:1', 3, "'x': unknown value type in 'str:1'"),
        ("garbage", 3, "not a registry value line: 'garbage'"),
        ('"x"=hex:01,\\', 3, "the file ends inside a value continued with '\\'"),
    ],
)
def test_malformed_values_name_their_line(tmp_path, body, line, message):
    text = f"{V5}\n[{SERVICES}\\SMTPSVC\\Queuing]\n{body}\n"
    with pytest.raises(ArtifactError) as caught:
        read_artifact(write(tmp_path, text))
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (line, message)


def test_structure_errors(tmp_path):
    for text, line, message in [
        (f"{V5}\n[HKEY_CURRENT_USER\\T\n", 2, "key line is not closed with ']'"),
        (f'{V5}\n"x"="y"\n', 2, "a value before any [key] line"),
    ]:
        with pytest.raises(ArtifactError) as caught:
            read_artifact(write(tmp_path, text))
        assert (caught.value.problems[0].line, caught.value.problems[0].message) == (line, message)


def test_the_values_of_keys_no_rule_reads_are_not_parsed(tmp_path):
    # Skipping them is what keeps a full HKLM export fast; a damaged value there
    # cannot change a diagnosis, so it is not an error.
    text = services_export(["Tcpip"], ["Tcpip"]) + '[HKEY_CURRENT_USER\\Other]\n"x"=hex:zz\n\n'
    assert facts(write(tmp_path, text))["winsock.orphan-count"] == 0


@pytest.mark.parametrize("chars", [0, 1, 2, 3, 6, 9, 30])
def test_a_file_cut_inside_the_transports_value_is_an_error(tmp_path, chars):
    text = services_export(["Tcpip", "NetBT", "AppleTalk"], ["Tcpip", "NetBT"])
    data = ENCODINGS["utf-16le-bom"](text.replace("\n", "\r\n"))
    start = data.index("\r\n  ".encode("utf-16-le"))  # the first continued line break
    path = tmp_path / "cut.reg"
    path.write_bytes(data[: start + 2 * chars])
    with pytest.raises(ArtifactError) as caught:
        read_artifact(path)
    (problem,) = caught.value.problems
    assert problem.line in (8, 9)
    assert any(
        words in problem.message
        for words in ["'Transports'", "ends inside a value", "ends in the middle of this line"]
    )


def test_detection_needs_the_header():
    for name in ["event-9671.txt", "enumprot-ok.txt", "ehlo-exchange2000.txt", "events-smtp.csv"]:
        data = (SAMPLES / name).read_bytes()
        assert not registry.detect(Head(data, decode_head(data)))
    data = (SAMPLES / "winsock-ok.reg").read_bytes()
    assert registry.detect(Head(data, decode_head(data)))


# --- robustness ---------------------------------------------------------------------------


SEEDS = [
    (SAMPLES / "winsock-orphan-transport.reg").read_bytes(),
    (SAMPLES / "outlook-profile-cisco.reg").read_bytes(),
    services_export(["Tcpip", "AppleTalk"], ["Tcpip"]).encode("utf-8"),
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if action == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif action == "cut":
            del data[at:]
        elif action == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif data:
            del data[at : at + draw(st.integers(1, 16))]
    return bytes(data)


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(mutated(), st.binary(max_size=512).map(lambda b: b"REGEDIT4\r\n" + b)))
def test_fuzz_only_artifact_errors(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("fuzz") / "f"
    path.write_bytes(data)
    head = Head(data[:8192], decode_head(data[:8192]))
    if not registry.detect(head):
        return
    try:
        registry.parse(path)
    except ArtifactError as error:
        assert len(error.problems) == 1 and str(error.problems[0]).startswith(str(path))


def test_regformaterror_is_internal_only():
    # The parser's own error never escapes the reader: parse() turns it into ArtifactError.
    assert not issubclass(RegFormatError, ArtifactError)


def test_a_store_limit_that_is_not_a_dword_is_a_note_not_a_limit(tmp_path):
    """The store reads REG_DWORD only: "64" as a string leaves the default in force."""
    text = "\n".join(
        [
            V5,
            f"[{SERVICES}\\MSExchangeIS\\ParametersSystem]",
            '"Maximum Allowed Notification Registrations Per Client"="64"',
            '"Maximum Allowed Client Context Size"=hex:10,00,00,00',
            "",
            "",
        ]
    )
    artifact = read_artifact(write(tmp_path, text))
    assert artifact.observations == []
    notes = [note.en for note in artifact.notes]
    assert len(notes) == 2
    assert "Per Client (line 3) is not a REG_DWORD" in notes[0]
    assert "Context Size (line 4) is not a REG_DWORD" in notes[1]
    assert all("n'est pas de type REG_DWORD" in note.fr for note in artifact.notes)


# --- a file that is not whole proves nothing by absence -------------------------------------

HKLM_SERVICES = r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet\Services"
HELPER = "%SystemRoot%\\System32\\wshtcpip.dll\0".encode("utf-16-le")


def server_services(transports: list[str], keys: list[str], version: str = REG_V5) -> dict:
    """A Services branch as a server has it: services, the Winsock transports and their keys."""
    helper = HELPER if version == REG_V5 else HELPER.decode("utf-16-le").encode("cp1252")
    tree: dict[str, list[str]] = {HKLM_SERVICES: []}
    for name in keys:
        tree[f"{HKLM_SERVICES}\\{name}"] = [
            f'"DisplayName"="{name}"',
            '"ErrorControl"=dword:00000001',
            '"Start"=dword:00000002',
            '"Type"=dword:00000020',
        ]
    for name in transports:
        if name in keys:
            base = f"{HKLM_SERVICES}\\{name}\\Parameters"
            tree[base] = ['"EnableDeadGWDetect"=dword:00000001']
            tree[f"{base}\\Winsock"] = [
                reg_hex('"HelperDllName"=hex(2):', helper),
                reg_hex('"Mapping"=hex:', bytes(range(48))),
                '"MaxSockaddrLength"=dword:00000010',
            ]
    tree[f"{HKLM_SERVICES}\\Winsock\\Parameters"] = [reg_multi("Transports", transports, version)]
    tree[f"{HKLM_SERVICES}\\MSExchangeIS\\ParametersSystem"] = [
        '"Maximum Allowed Notification Registrations Per Client"=dword:00000040',
    ]
    return tree


SERVICE_NAMES = [
    "AFD", "AppleTalk", "Dhcp", "Dnscache", "EventLog", "LanmanServer", "MSExchangeIS",
    "MSExchangeSA", "NetBT", "NtLmSsp", "SMTPSVC", "Tcpip", "W32Time", "Winsock", "Winsock2",
    "Wmi", "WZCSVC", "XyzNet",
]  # fmt: skip
# XyzNet stands for a third-party transport whose key regedit writes after Winsock's: a cut
# between the two once made a healthy server's export show it missing.
HEALTHY = ["Tcpip", "NetBT", "AppleTalk", "XyzNet"]


def cuts(data: bytes, step: int = 1) -> list[bytes]:
    """Prefixes of a file, cut every ``step`` bytes, and at every byte around each line end
    (where a cut can look like a whole file)."""
    ends = {data.index(b"\n", 0)}
    at = 0
    while (at := data.find(b"\n", at + 1)) != -1:
        ends.add(at)
    near = {end + delta for end in ends for delta in range(-3, 4)}
    offsets = sorted(near | set(range(1, len(data), step)))
    return [data[:end] for end in offsets if 0 < end < len(data)]


def _codec(version: str) -> str:
    return "utf-16-le" if version == REG_V5 else "cp1252"


def test_registry_order_is_the_hives():
    names = ["Winsock2", "winsock", "_Legacy", "AFD", "9x", "Tcpip", "Zeta", "ß"]
    assert sorted(names, key=registry.registry_order) == [
        "9x", "AFD", "Tcpip", "winsock", "Winsock2", "Zeta", "_Legacy", "ß",
    ]  # fmt: skip


@pytest.mark.parametrize("version", [REG_V5, REG_V4])
def test_a_healthy_export_read_whole(tmp_path, version):
    data = regedit_export(server_services(HEALTHY, SERVICE_NAMES, version), version)
    path = tmp_path / "services.reg"
    path.write_bytes(data)
    assert facts(path) == {
        "winsock.transport-count": 4,
        "winsock.orphan-count": 0,
        "winsock.orphan-transports": [],
        "msexchangeis.max-registrations": 64,
    }


@pytest.mark.parametrize("version", [REG_V5, REG_V4])
def test_a_healthy_export_cut_anywhere_never_shows_an_orphan(tmp_path, version):
    """The issue's case: a healthy server's export cut short once concluded a missing key."""
    data = regedit_export(server_services(HEALTHY, SERVICE_NAMES, version), version)
    path = tmp_path / "cut.reg"
    read: list[bytes] = []
    for cut in cuts(data, step=6 if version == REG_V5 else 5):
        path.write_bytes(cut)
        artifact = parse_or_none(registry.parse, path)
        if artifact is None:
            continue
        read.append(cut)
        got = artifact.summary()["facts"]
        assert got.get("winsock.orphan-count", 0) == 0, len(cut)
        assert got.get("winsock.orphan-transports", []) == [], len(cut)
    # No cut in the middle of a line reads; one after a whole line reads with a warning,
    # unless it fell between two keys (or one LF short of it), where it looks whole.
    codec = _codec(version)
    boundary = tuple(end.encode(codec) for end in ["\r\n\r\n", "\r\n\r"])
    assert read and all(cut.endswith(tuple(end.encode(codec) for end in "\r\n")) for cut in read)
    for cut in read:
        path.write_bytes(cut)
        assert cut.endswith(boundary) or registry.parse(path).warnings, len(cut)
    # The whole diagnosis on each (one per set of facts they give): never the orphan cause.
    diagnoser = Diagnoser()
    seen: set[str] = set()
    for cut in read:
        path.write_bytes(cut)
        case = diagnoser.case(artifacts=[path])
        key = repr(sorted(case.artifacts[0]["facts"].items()))
        if key in seen:
            continue
        seen.add(key)
        report = diagnoser.diagnose(case)
        assert "winsock-transport-mismatch" not in [c.id for c in report.causes], len(cut)
    assert len(seen) > 2  # before Transports, with it, with the store's limit too


@pytest.mark.parametrize("version", [REG_V5, REG_V4])
def test_a_sorted_export_proves_an_orphan_once_past_its_place(tmp_path, version):
    keys = [name for name in SERVICE_NAMES if name != "AppleTalk"]
    data = regedit_export(server_services(HEALTHY, keys, version), version)
    path = tmp_path / "orphan.reg"
    path.write_bytes(data)
    assert facts(path)["winsock.orphan-transports"] == ["AppleTalk"]
    dhcp = data.index(f"[{HKLM_SERVICES}\\Dhcp]".encode(_codec(version)))
    for cut in cuts(data, step=5):
        path.write_bytes(cut)
        artifact = parse_or_none(registry.parse, path)
        if artifact is None or "winsock.transport-count" not in artifact.summary()["facts"]:
            continue
        # Transports is read only past Dhcp, which sorts after AppleTalk: proof, in a file
        # that ends as regedit ends one; a file that may be cut after any line proves nothing.
        assert len(cut) > dhcp
        got = artifact.summary()["facts"].get("winsock.orphan-transports")
        assert got == (None if artifact.warnings else ["AppleTalk"]), len(cut)


def test_a_cut_before_a_transport_key_that_sorts_after_winsock_is_a_note(tmp_path):
    data = regedit_export(server_services(HEALTHY, SERVICE_NAMES))
    # Cut just before [...\XyzNet]: the file looks whole, but stops where that key would be.
    cut = data.index(f"[{HKLM_SERVICES}\\XyzNet]".encode("utf-16-le"))
    path = tmp_path / "services.reg"
    path.write_bytes(data[:cut])
    artifact = read_artifact(path)
    assert artifact.summary()["facts"] == {
        "winsock.transport-count": 4,
        "msexchangeis.max-registrations": 64,
    }
    (note,) = artifact.notes
    assert f"This export stops at {HKLM_SERVICES}\\WZCSVC (line " in note.en
    assert "the keys of XyzNet" in note.en and "Export the whole" in note.en
    assert "Cette exportation s'arrête à" in note.fr and "les clés de XyzNet" in note.fr


def test_the_samples_layout_cut_inside_a_line_is_refused(tmp_path):
    """The shared samples list Winsock before the transports' keys, which regedit never does:
    order proves nothing there, so what protects them is the end regedit gives a file."""
    data = (SAMPLES / "winsock-ok.reg").read_bytes()
    boundary = "\r\n\r\n".encode("utf-16-le")
    path = tmp_path / "cut.reg"
    for cut in cuts(data, step=4):
        path.write_bytes(cut)
        artifact = parse_or_none(registry.parse, path)
        if artifact is not None and artifact.summary()["facts"].get("winsock.orphan-count"):
            # Only a cut between two keys shows one: byte for byte an export of fewer keys.
            assert cut.endswith(boundary) or cut.endswith(boundary[:-2]), len(cut)


def test_a_key_after_the_whole_branch_proves_the_rest_missing(tmp_path):
    tree = server_services(["Tcpip", "ZzzNet"], SERVICE_NAMES)  # ZzzNet: after every key
    tree[r"HKEY_LOCAL_MACHINE\SYSTEM"] = []
    tree[r"HKEY_LOCAL_MACHINE\SYSTEM\CurrentControlSet"] = []
    tree[r"HKEY_LOCAL_MACHINE\SYSTEM\Select"] = ['"Current"=dword:00000001']
    path = tmp_path / "system.reg"
    path.write_bytes(regedit_export(tree))
    assert facts(path)["winsock.orphan-transports"] == ["ZzzNet"]
    # Without the key after the branch, the export cannot show ZzzNet missing.
    del tree[r"HKEY_LOCAL_MACHINE\SYSTEM\Select"]
    path.write_bytes(regedit_export(tree))
    assert "winsock.orphan-count" not in facts(path)


@pytest.mark.parametrize("version", [REG_V5, REG_V4])
def test_a_file_without_the_final_blank_line_proves_no_key_missing(tmp_path, version):
    """Cut after a whole line, or written by hand: what it holds is read, with a warning."""
    keys = [name for name in SERVICE_NAMES if name != "AppleTalk"]
    data = regedit_export(server_services(HEALTHY, keys, version), version)
    codec = _codec(version)
    text = data.decode("utf-16" if version == REG_V5 else codec)[: -len("\r\n")]
    path = tmp_path / "no-blank.reg"
    path.write_bytes((codecs.BOM_UTF16_LE if version == REG_V5 else b"") + text.encode(codec))
    artifact = read_artifact(path)
    got = artifact.summary()["facts"]
    assert got == {"winsock.transport-count": 4, "msexchangeis.max-registrations": 64}
    (warning,) = artifact.warnings
    assert f"ends after line {text.count(chr(10))} without the blank line" in warning.en
    assert "aucune clé absente n'est tenue pour manquante" in warning.fr
    assert "the keys of AppleTalk" in artifact.notes[0].en


@pytest.mark.parametrize("version", [REG_V5, REG_V4])
def test_a_file_that_ends_in_the_middle_of_a_line_is_refused(tmp_path, version):
    data = regedit_export(server_services(HEALTHY, SERVICE_NAMES, version), version)
    codec = _codec(version)
    text = data.decode("utf-16" if version == REG_V5 else codec)
    whole = text[: -len("\r\n\r\n")]  # the last value line, without its line end
    path = tmp_path / "cut.reg"
    path.write_bytes((codecs.BOM_UTF16_LE if version == REG_V5 else b"") + whole.encode(codec))
    message, line = error_of(registry.parse, path)
    assert "ends in the middle of this line, without a line break" in message
    assert line == whole.count("\r\n") + 1


@pytest.mark.parametrize(
    ("tail", "line", "words"),
    [
        (f"[{HKLM_SERVICES}\\Tc", 3, "ends in the middle of this line"),
        ('"Transports"=hex(7):54,00,63,00,\\\r\n  70,0', 4, "'Transports': the file ends"),
        ('"Transports"=hex(7):54,00,63,00,\\\r\n', 4, "ends inside a value continued"),
        ('"Start"="unterminated', 4, "ends in the middle of this line"),
    ],
    ids=["key-line", "hex-continued", "after-backslash", "string"],
)
def test_a_file_cut_inside_a_key_line_or_a_value_is_refused(tmp_path, tail, line, words):
    text = f"{REG_V5}\r\n\r\n[{HKLM_SERVICES}\\Winsock\\Parameters]\r\n{tail}"
    if line == 3:
        text = f"{REG_V5}\r\n\r\n{tail}"
    path = tmp_path / "cut.reg"
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    message, at = error_of(registry.parse, path)
    assert words in message and at == line


def test_a_utf16_export_with_an_odd_byte_count_is_refused(tmp_path):
    data = regedit_export(server_services(HEALTHY, SERVICE_NAMES))
    path = tmp_path / "odd.reg"
    for end in [len(data) - 1, data.index(b"[\x00") + 1, 3]:
        path.write_bytes(data[:end])
        message, line = error_of(registry.parse, path)
        assert "odd number of bytes" in message
        assert line == len(data[:end].decode("utf-16", "replace").splitlines())


# --- hostile input: it finishes, and memory stays bounded -------------------------------------


def test_a_very_long_line_in_a_key_nobody_reads_is_passed_over(tmp_path):
    text = (
        f"{REG_V5}\r\n\r\n[HKEY_CURRENT_USER\\Junk]\r\n"
        f'"Huge"="{"x" * (3 * MAX_LINE)}"\r\n\r\n'
        f"[{HKLM_SERVICES}\\SMTPSVC\\Queuing]\r\n"
        '"ResetMessageStatus"=dword:00000001\r\n\r\n'
    )
    path = tmp_path / "long.reg"
    path.write_bytes(text.encode("utf-8"))
    assert facts(path) == {"smtp.reset-message-status": 1}


@pytest.mark.parametrize(
    "body",
    [
        f'"Huge"="{"x" * (2 * MAX_LINE)}"',  # a very long line where kbassist reads
        f"[HKEY_CURRENT_USER\\{'k' * (2 * MAX_LINE)}]",  # a very long key line
        '"x"=hex:' + ",\\\r\n  ".join([",".join(["00"] * 25)] * 45000),  # over 1 MiB of data
    ],
    ids=["long-value-line", "long-key-line", "huge-value"],
)
def test_hostile_lines_and_values_where_kbassist_reads_are_refused(tmp_path, body):
    text = f"{REG_V5}\r\n\r\n[{HKLM_SERVICES}\\SMTPSVC\\Queuing]\r\n{body}\r\n\r\n"
    path = tmp_path / "hostile.reg"
    path.write_bytes(text.encode("utf-8"))
    message, line = error_of(registry.parse, path)
    assert line in (3, 4) and "more than" in message


@pytest.mark.parametrize(
    "body",
    [
        '"x"="' + "\\" * 400_000 + '"',  # long runs of one character
        '"x"="' + '\\"' * 200_000 + '"',
        '"' + "a" * 400_000 + '"=dword:' + "0" * 400_000,
        '"x"=hex(' + "f" * 400_000 + "):00",
        '"x"=hex:' + "," * 400_000,
        "[" * 400_000,
    ],
    ids=["backslashes", "escaped-quotes", "long-name-and-dword", "long-type", "commas", "brackets"],
)
def test_hostile_runs_of_one_character_finish(tmp_path, body):
    text = f"{REG_V5}\r\n\r\n[{HKLM_SERVICES}\\SMTPSVC\\Queuing]\r\n{body}\r\n\r\n"
    path = tmp_path / "runs.reg"
    path.write_bytes(text.encode("utf-8"))
    parse_or_none(registry.parse, path)  # refused or read: either way, in one pass


# The fuzz test above mutates and cuts this too: a sorted export as regedit writes it.
SEEDS.append(regedit_export(server_services(HEALTHY, SERVICE_NAMES)))


def test_a_very_long_last_line_is_not_the_blank_line_regedit_ends_with(tmp_path):
    text = f'{REG_V5}\r\n\r\n[HKEY_CURRENT_USER\\Junk]\r\n"Huge"="{"x" * (2 * MAX_LINE)}"\r\n'
    path = tmp_path / "long-last.reg"
    path.write_bytes(text.encode("utf-8"))
    (warning,) = read_artifact(path).warnings
    assert "ends after line 4 without the blank line" in warning.en
