"""Each probe class declares the facts it can report (``FACTS``): pack lint KB204 reads them.

The declarations are checked against the code that reports facts: every fact name
a probe module writes is declared by one of its probes, every declared name is
written somewhere the probe's facts come from, and real runs stay within them.
"""

from __future__ import annotations

import re
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from kbassist.evidence import registry as registry_reader
from kbassist.evidence import smtp_transcript
from kbassist.evidence.textfile import open_text
from kbassist.probes import registry, run_probes, smtp, tcp, udp
from kbassist.probes.catalog import PROBES, probes_yielding
from kbassist.probes.registry import RegistryProbe, ReplaySource
from kbassist.probes.smtp import SmtpProbe
from kbassist.probes.tcp import TcpProbe

from .conftest import SAMPLES
from .servers import EXCHANGE, HOST, VERBS

FACT = re.compile(r'"((?:smtp|udp|tcp|winsock|outlook|msexchangeis)\.[a-z0-9.-]+)"')

# Each probe module, the probes it holds, and the modules whose code reports their facts.
MODULES = [
    (smtp, ["smtp"], [smtp_transcript]),
    (tcp, ["tcp"], []),
    (udp, ["udp-listen", "udp-send", "udp-refused"], []),
    (registry, ["registry"], [registry_reader]),
]


def source(module) -> str:
    return Path(module.__file__).read_text(encoding="utf-8")


def test_the_catalog_holds_every_probe():
    names = [p.name for p in PROBES]
    assert sorted(names) == sorted(name for _, probes, _ in MODULES for name in probes)


@pytest.mark.parametrize(
    ("module", "names", "helpers"), MODULES, ids=[m.__name__ for m, _, _ in MODULES]
)
def test_the_facts_a_probe_module_writes_are_declared_and_the_other_way_round(
    module, names, helpers
):
    declared = [pattern for p in PROBES if p.name in names for pattern in p.FACTS]
    texts = [source(m) for m in (module, *helpers)]
    written = {name for text in texts for name in FACT.findall(text)}
    assert written or all("*" in p for p in declared), "the pattern finds the module's facts"
    for name in written:
        assert any(fnmatchcase(name, pattern) for pattern in declared), name
    for pattern in declared:
        if "*" not in pattern:
            assert any(f'"{pattern}"' in text for text in texts), pattern


def test_a_tcp_probe_reports_a_fact_its_pattern_declares():
    assert probes_yielding(TcpProbe("mail01", 25).fact) == ["tcp"]


def test_an_smtp_run_reports_only_declared_facts(smtpd):
    _, port = smtpd(VERBS + EXCHANGE)
    (result,) = run_probes([SmtpProbe(HOST, port, timeout=5.0)])
    assert result.status == "ok" and result.facts
    assert set(result.facts) <= set(SmtpProbe.FACTS)


def test_a_registry_run_reports_only_declared_facts():
    with open_text(SAMPLES / "winsock-orphan-transport.reg") as stream:
        probe = RegistryProbe(source=ReplaySource(stream))
    (result,) = run_probes([probe])
    assert result.facts and set(result.facts) <= set(RegistryProbe.FACTS)


def test_which_probes_yield_a_fact():
    assert probes_yielding("smtp.x-link2state") == ["smtp"]
    assert probes_yielding("udp.datagrams-received") == ["udp-listen"]
    assert probes_yielding("winsock.orphan-count") == ["registry"]
    assert probes_yielding("event.msexchangeis-9671.count") == []
