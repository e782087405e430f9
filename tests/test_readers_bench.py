"""bench/readers_bench.py generates what each reader reads whole: the bench measures real work."""

from __future__ import annotations

import pytest

from kbassist.evidence import read_artifact

from .bench_modules import load

bench = load("readers_bench")


@pytest.mark.parametrize("reader", sorted(bench.READERS))
def test_the_generated_input_is_valid_and_read_whole(tmp_path, reader):
    path = tmp_path / reader
    bench.generate(reader, path, 0.05)
    artifact = read_artifact(path)
    assert artifact.kind == reader
    assert bench.READERS[reader][2] in artifact.summary()["facts"]
    assert artifact.warnings == []


def test_the_registry_export_proves_the_missing_transport_by_regedits_order(tmp_path):
    path = tmp_path / "services.reg"
    bench.generate("registry-export", path, 0.2)
    facts = read_artifact(path).summary()["facts"]
    assert facts["winsock.orphan-transports"] == ["AppleTalk"]
    assert path.read_bytes().endswith("\r\n\r\n".encode("utf-16-le"))
