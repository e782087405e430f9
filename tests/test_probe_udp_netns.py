"""UDP probes across two network namespaces, with and without a rule dropping inbound UDP.

Loopback cannot show a filtered path; here a "server" and a "client" namespace
are joined by a veth pair, and a rule in the client namespace drops inbound UDP,
as a firewall between Exchange and Outlook would. Each probe runs in a small
Python process under ``ip netns exec``. Needs root and ``ip``; everything the
test creates is removed at the end, and no packet leaves the namespaces.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]

# Runs one probe in the current namespace; the listener prints its port first.
PROBE_SCRIPT = """
import asyncio, json, sys
from kbassist.probes import udp

kind, kwargs = sys.argv[1], json.loads(sys.argv[2])
probe = {"listen": udp.UdpListenProbe, "send": udp.UdpSendProbe,
         "refused": udp.UdpRefusedProbe}[kind](**kwargs)
if kind == "listen":
    probe.on_listening = lambda p: print(json.dumps({"port": p.bound_port}), flush=True)
print(json.dumps(asyncio.run(probe.run()).to_dict()), flush=True)
"""


def sh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=10, check=False)


@dataclass
class Pair:
    """Two namespaces on one /30: the server at .1, the client at .2."""

    server_ns: str
    client_ns: str
    client_dev: str
    server_ip: str
    client_ip: str
    firewall: str = ""  # "nft", "iptables" or "ip-rule": how inbound UDP is dropped
    policy_routing: bool = False  # `ip rule ... ipproto` rules can act before local delivery

    def probe(self, ns: str, kind: str, **kwargs: Any) -> dict[str, Any]:
        proc = subprocess.run(
            self._command(ns, kind, kwargs), capture_output=True, text=True, timeout=20, cwd=REPO
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout.splitlines()[-1])

    @contextmanager
    def listener(self, **kwargs: Any) -> Iterator[tuple[subprocess.Popen[str], int]]:
        """A udp-listen process in the client namespace and its port, once it is bound."""
        proc = subprocess.Popen(
            self._command(self.client_ns, "listen", kwargs),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        try:
            line = proc.stdout.readline() if proc.stdout else ""
            assert line, proc.communicate(timeout=20)[1]
            yield proc, json.loads(line)["port"]
        finally:
            if proc.poll() is None:  # a failed assertion: do not leave it listening
                proc.kill()
                proc.communicate()

    @staticmethod
    def result_of(listener: subprocess.Popen[str]) -> dict[str, Any]:
        out, err = listener.communicate(timeout=20)
        assert listener.returncode == 0, err
        return json.loads(out.splitlines()[-1])

    @staticmethod
    def _command(ns: str, kind: str, kwargs: dict[str, Any]) -> list[str]:
        script = ["-c", PROBE_SCRIPT, kind, json.dumps(kwargs)]
        return ["ip", "netns", "exec", ns, sys.executable, *script]


def _create(pair: Pair, server_dev: str) -> str | None:
    """Build the pair; the failing command's message, or None when all went well."""
    steps = [
        ("ip", "netns", "add", pair.server_ns),
        ("ip", "netns", "add", pair.client_ns),
        ("ip", "link", "add", server_dev, "type", "veth", "peer", "name", pair.client_dev),
        ("ip", "link", "set", server_dev, "netns", pair.server_ns),
        ("ip", "link", "set", pair.client_dev, "netns", pair.client_ns),
        ("ip", "-n", pair.server_ns, "addr", "add", f"{pair.server_ip}/30", "dev", server_dev),
        ("ip", "-n", pair.client_ns, "addr", "add", f"{pair.client_ip}/30", "dev", pair.client_dev),
        ("ip", "-n", pair.server_ns, "link", "set", server_dev, "up"),
        ("ip", "-n", pair.client_ns, "link", "set", pair.client_dev, "up"),
    ]
    for step in steps:
        done = sh(*step)
        if done.returncode != 0:
            return f"`{' '.join(step)}` failed: {done.stderr.strip()}"
    return None


def _in_client(pair: Pair, *args: str) -> subprocess.CompletedProcess[str]:
    return sh("ip", "netns", "exec", pair.client_ns, *args)


NFT_TABLE = "kbassist_test"


def _drop_commands(pair: Pair, tool: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """(add, remove) command lists that drop inbound UDP in the client namespace."""
    ns = ("ip", "netns", "exec", pair.client_ns)
    if tool == "nft":
        chain = "{ type filter hook input priority 0 ; policy accept ; }"
        return [
            (*ns, "nft", "add", "table", "inet", NFT_TABLE),
            (*ns, "nft", "add", "chain", "inet", NFT_TABLE, "input", chain),
            (
                *ns,
                "nft",
                "add",
                "rule",
                "inet",
                NFT_TABLE,
                "input",
                "meta",
                "l4proto",
                "udp",
                "drop",
            ),
        ], [(*ns, "nft", "delete", "table", "inet", NFT_TABLE)]
    if tool == "iptables":
        rule = ("INPUT", "-p", "udp", "-j", "DROP")
        return [(*ns, "iptables", "-I", *rule)], [(*ns, "iptables", "-D", *rule)]
    # No firewall tool: policy routing drops it too (see _move_local_lookup).
    return _udp_rule(pair, "blackhole")


def _udp_rule(pair: Pair, action: str) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """(add, remove) for a policy-routing rule on UDP arriving at the client."""
    ip = ("ip", "-n", pair.client_ns, "rule")
    rule = ("pref", "10", "iif", pair.client_dev, "ipproto", "udp", action)
    return [(*ip, "add", *rule)], [(*ip, "del", "pref", "10")]


def _move_local_lookup(pair: Pair) -> bool:
    """Let rules at pref 10 act on local delivery: the 'local' table lookup is pref 0."""
    ip = ("ip", "-n", pair.client_ns, "rule")
    if sh(*ip, "add", "pref", "100", "lookup", "local").returncode != 0:
        return False
    return sh(*ip, "del", "pref", "0").returncode == 0


def _choose_firewall(pair: Pair) -> str | None:
    """The first way to drop UDP that works here: nft, iptables, else an `ip rule`."""
    for tool in ("nft", "iptables"):
        if shutil.which(tool) and _try_drop(pair, tool):
            return tool
    if pair.policy_routing and _try_drop(pair, "ip-rule"):
        return "ip-rule"
    return None


def _try_drop(pair: Pair, tool: str) -> bool:
    add, remove = _drop_commands(pair, tool)
    ok = all(sh(*step).returncode == 0 for step in add)
    for step in remove:
        sh(*step)
    return ok


@contextmanager
def udp_dropped(pair: Pair) -> Iterator[None]:
    if not pair.firewall:
        pytest.skip("no way to drop UDP here: no working nft or iptables, no 'ip rule ipproto'")
    with _applied(*_drop_commands(pair, pair.firewall)):
        yield


@contextmanager
def _applied(add: list[tuple[str, ...]], remove: list[tuple[str, ...]]) -> Iterator[None]:
    try:
        for step in add:
            done = sh(*step)
            assert done.returncode == 0, done.stderr
        yield
    finally:
        for step in remove:
            sh(*step)


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root; running as an ordinary user")
    if shutil.which("ip") is None:
        pytest.skip("the 'ip' command (iproute2) is not installed")
    pid = os.getpid()
    subnet = f"10.250.{pid % 256}"
    server_dev = f"kbvs{pid}"[:15]
    made = Pair(
        server_ns=f"kbassist-s{pid}",
        client_ns=f"kbassist-c{pid}",
        client_dev=f"kbvc{pid}"[:15],
        server_ip=f"{subnet}.1",
        client_ip=f"{subnet}.2",
    )
    try:
        failure = _create(made, server_dev)
        if failure:
            pytest.skip(f"cannot build the two network namespaces here: {failure}")
        made.policy_routing = _move_local_lookup(made)
        made.firewall = _choose_firewall(made) or ""
        yield made
    finally:
        sh("ip", "netns", "del", made.server_ns)  # also removes the veth pair
        sh("ip", "netns", "del", made.client_ns)
        sh("ip", "link", "del", server_dev)  # in case it never moved into a namespace


def test_closed_port_across_the_link_answers_icmp(pair: Pair):
    result = pair.probe(pair.server_ns, "refused", host=pair.client_ip, port=40000, timeout=2)

    assert result["status"] == "ok"
    assert result["facts"] == {"udp.icmp-port-unreachable": True, "udp.reply-received": False}
    assert result["details"]["local-address"] == pair.server_ip


def test_dropped_udp_is_silence_not_refusal(pair: Pair):
    with udp_dropped(pair):
        result = pair.probe(pair.server_ns, "refused", host=pair.client_ip, port=40000, timeout=1)

    assert result["status"] == "fault", pair.firewall
    assert result["facts"] == {"udp.icmp-port-unreachable": False, "udp.reply-received": False}
    assert "dropped or filtered on the path" in result["message"]
    assert result["details"]["sent"] == 3


def test_listener_hears_the_server_namespace(pair: Pair):
    with pair.listener(port=0, timeout=5, expect_from=pair.server_ip, nonce="ns1") as (proc, port):
        sent = pair.probe(pair.server_ns, "send", host=pair.client_ip, port=port, nonce="ns1")
        heard = pair.result_of(proc)

    assert sent["status"] == "ok" and sent["details"]["sent"] == 3
    assert heard["status"] == "ok"
    assert heard["facts"] == {
        "udp.datagrams-received": True,
        "udp.source-address": pair.server_ip,
        "udp.nat-suspected": False,
    }
    assert heard["details"]["source-port"] == sent["details"]["local-port"]


def test_listener_behind_the_drop_rule_reports_a_fault(pair: Pair):
    with udp_dropped(pair), pair.listener(port=0, timeout=1.5, nonce="ns2") as (proc, port):
        sent = pair.probe(pair.server_ns, "send", host=pair.client_ip, port=port, nonce="ns2")
        heard = pair.result_of(proc)

    # The server cannot tell: it sent, and nothing came back either way.
    assert sent["status"] == "ok" and sent["details"]["refused"] == 0
    assert heard["status"] == "fault"
    assert heard["facts"] == {"udp.datagrams-received": False}
    assert heard["details"]["received"] == 0


def test_no_route_is_unreachable(pair: Pair):
    # The server namespace has no default route: the kernel refuses before sending anything.
    result = pair.probe(pair.server_ns, "refused", host="192.0.2.1", port=40000, timeout=1)

    assert result["status"] == "unreachable"
    assert "Network is unreachable" in result["message"]
    assert result["facts"] == {}


def test_host_unreachable_on_the_path_is_unreachable(pair: Pair):
    if not pair.policy_routing:
        pytest.skip(
            "this kernel or iproute2 has no 'ip rule ... ipproto' to answer host unreachable"
        )
    # A forwarding client namespace answers a 'prohibit' rule with ICMP host unreachable
    # (administratively prohibited), as a router or firewall that rejects would.
    forward = "net.ipv4.ip_forward"
    with _applied(
        [("ip", "netns", "exec", pair.client_ns, "sysctl", "-qw", f"{forward}=1"),
         *_udp_rule(pair, "prohibit")[0]],
        [*_udp_rule(pair, "prohibit")[1],
         ("ip", "netns", "exec", pair.client_ns, "sysctl", "-qw", f"{forward}=0")],
    ):  # fmt: skip
        result = pair.probe(pair.server_ns, "refused", host=pair.client_ip, port=40000, timeout=2)

    assert result["status"] == "unreachable"
    assert result["message"] == f"no way to {pair.client_ip}:40000: No route to host"
    assert result["facts"] == {}
