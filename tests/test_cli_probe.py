"""`kbassist probe ...` and the probe options of `diagnose`, against real servers on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from click.testing import CliRunner

from kbassist.cli import main

from .conftest import SAMPLES
from .servers import EXCHANGE, HOST, VERBS, free_port


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_probe_smtp_exit_codes_follow_the_verbs(smtpd):
    _, exchange = smtpd(VERBS + EXCHANGE)
    _, windows = smtpd(VERBS)
    code, out, err = run("probe", "smtp", HOST, "--port", str(exchange), "--format", "json")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["status"] == "ok" and result["facts"]["smtp.x-link2state"] is True
    code, out, _ = run("probe", "smtp", HOST, "--port", str(windows))
    assert code == 1
    assert "smtp.xexch50 = False" in out and "note: A firewall that inspects SMTP" in out


def test_probe_smtp_on_a_closed_port_is_exit_2_with_one_line():
    port = free_port()
    code, out, err = run("probe", "smtp", HOST, "--port", str(port), "--timeout", "2")
    assert code == 2
    assert err == f"kbassist: smtp: {HOST}:{port}: connection refused\n"
    assert "unreachable" in out


def test_probe_tcp_reports_each_port(smtpd):
    _, open_port = smtpd(None)
    closed = free_port()
    code, out, _ = run("probe", "tcp", HOST, str(open_port), str(closed), "--format", "json")
    assert code == 1  # a refused port is what the check looks for
    states = [r["facts"] for r in json.loads(out)]
    assert states == [{f"tcp.port-{open_port}": "open"}, {f"tcp.port-{closed}": "refused"}]


def test_probe_udp_listen_and_send_in_two_processes():
    port = free_port()
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    command = [sys.executable, "-m", "kbassist", "probe", "udp-listen", "--port", str(port)]
    command += ["--nonce", "helpdesk42", "--bind", HOST, "--timeout", "20", "--format", "json"]
    listener = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        code = None
        for _ in range(100):  # sends before the listener is bound are refused and repeated
            code, out, _ = run("probe", "udp-send", f"{HOST}:{port}", "--nonce", "helpdesk42")
            if listener.poll() is not None:
                break
            time.sleep(0.1)
        out, err = listener.communicate(timeout=20)
    finally:
        listener.kill()
    assert code == 0
    assert listener.returncode == 0, err
    result = json.loads(out)
    assert result["facts"]["udp.datagrams-received"] is True
    assert result["facts"]["udp.source-address"] == HOST


def test_probe_registry_needs_windows():
    if sys.platform == "win32":
        return
    code, _, err = run("probe", "registry")
    assert code == 2 and "needs Windows" in err and err.count("\n") == 1


def test_a_bad_probe_target_is_exit_2_before_anything_runs():
    code, out, err = run("diagnose", "--tcp", "no-port-here")
    assert (code, out) == (2, "")
    assert err == "kbassist: --tcp: 'no-port-here': no port (HOST:PORT)\n"


def test_diagnose_concludes_from_a_live_smtp_probe(smtpd):
    _, windows = smtpd(VERBS)
    code, out, err = run("diagnose", "--smtp-host", f"{HOST}:{windows}", "--format", "json")
    assert (code, err) == (1, "")
    report = json.loads(out)
    (cause,) = report["causes"]
    assert cause["id"] == "windows-smtp-dll-in-use"
    assert {e["source"] for e in cause["evidence"]} == {"probe:smtp"}
    (probe,) = report["probes"]
    assert (probe["name"], probe["status"]) == ("smtp", "fault")


def test_an_unreachable_probe_is_a_finding_and_the_other_evidence_stays():
    port = free_port()
    code, out, err = run(
        "diagnose",
        str(SAMPLES / "outlook-profile-cisco.reg"),
        "--smtp-host",
        f"{HOST}:{port}",
        "--udp-refused",
        f"{HOST}:{free_port()}",
        "--probe-timeout",
        "2",
        "--format",
        "json",
        "--lang",
        "fr",
    )
    assert (code, err) == (1, "")
    report = json.loads(out)
    assert [c["id"] for c in report["causes"]] == ["cisco-vpn-disables-winsock"]
    probes = {p["name"]: p for p in report["probes"]}
    assert probes["smtp"]["status"] == "unreachable"
    assert probes["smtp"]["message"] == f"{HOST}:{port}: connection refused"
    assert probes["udp-refused"]["facts"]["udp.icmp-port-unreachable"] is True
    assert "port" in probes["udp-refused"]["notes"][0]  # in French: « port inaccessible »
    ruled = {r["id"] for r in report["ruled_out"]}
    assert "udp-notifications-blocked" not in ruled  # one weak argument does not rule out


def test_diagnose_listening_for_udp_needs_more_than_silence_to_conclude():
    def causes(*answers: str) -> dict[str, float]:
        port = free_port()
        args = ["diagnose", "--udp-listen", str(port), "--probe-timeout", "0.5"]
        _, out, err = run(*args, *answers, "--format", "json")
        assert "listening; on the Exchange server run: kbassist probe udp-send" in err
        report = json.loads(out)
        assert report["probes"][0]["facts"] == {"udp.datagrams-received": False}
        return {c["id"]: c["confidence"] for c in report["causes"]}

    # Silence alone may mean the sender never ran...
    assert causes() == {}
    # ...but with a firewall on the path it points at UDP being dropped.
    assert "udp-notifications-blocked" in causes(
        "--answer", "firewall-between-server-and-client=yes"
    )
