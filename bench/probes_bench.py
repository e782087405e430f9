"""Benchmark: several probes against dead targets take as long as the slowest, not the sum.

Three probes with 2 s timeouts, each against a loopback target that never
answers (an SMTP port that accepts and stays silent, a UDP port that swallows
datagrams, a UDP listener nobody sends to), run side by side in one process:
once through the concurrent runner, once one after the other. Prints medians
and the ratio. Nothing leaves loopback.

    .venv/bin/python bench/probes_bench.py [--runs 3] [--timeout 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import statistics
import threading
import time

from kbassist.probes import run_probes
from kbassist.probes.smtp import SmtpProbe
from kbassist.probes.udp import UdpListenProbe, UdpRefusedProbe

HOST = "127.0.0.1"


def silent_tcp_server() -> tuple[socket.socket, int]:
    """Accepts connections (the kernel completes the handshake) and never says a word."""
    server = socket.socket()
    server.bind((HOST, 0))
    server.listen(16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return server, server.getsockname()[1]


def swallowing_udp_socket() -> tuple[socket.socket, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((HOST, 0))
    return sock, sock.getsockname()[1]


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def probes(smtp_port: int, udp_port: int, timeout: float) -> list:
    return [
        SmtpProbe(HOST, smtp_port, timeout=timeout),
        UdpRefusedProbe(HOST, udp_port, timeout=timeout),
        UdpListenProbe(free_udp_port(), timeout=timeout, bind=HOST),
    ]


def timed(run) -> tuple[float, list[str]]:
    start = time.perf_counter()
    results = run()
    return time.perf_counter() - start, [r.status for r in results]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()
    tcp, smtp_port = silent_tcp_server()
    udp, udp_port = swallowing_udp_socket()
    together: list[float] = []
    apart: list[float] = []
    statuses: list[str] = []
    for _ in range(args.runs):  # interleaved, so both see the same machine state
        seconds, statuses = timed(lambda: run_probes(probes(smtp_port, udp_port, args.timeout)))
        together.append(seconds)
        seconds, _ = timed(
            lambda: [asyncio.run(p.run()) for p in probes(smtp_port, udp_port, args.timeout)]
        )
        apart.append(seconds)
    tcp.close()
    udp.close()
    concurrent, sequential = statistics.median(together), statistics.median(apart)
    print(
        json.dumps(
            {
                "probes": 3,
                "timeout_s": args.timeout,
                "statuses": statuses,
                "concurrent_median_s": round(concurrent, 3),
                "sequential_median_s": round(sequential, 3),
                "sequential_over_concurrent": round(sequential / concurrent, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
