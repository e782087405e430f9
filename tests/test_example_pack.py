"""The example pack under examples/: a second topic, checked by the authoring commands."""

from __future__ import annotations

from click.testing import CliRunner

from kbassist.cli import main

from .conftest import REPO

EXAMPLE = REPO / "examples" / "smtp-submission"


def test_example_pack_validates_lints_and_passes_its_cases():
    for command in ("validate", "lint", "test"):
        result = CliRunner().invoke(main, ["pack", command, str(EXAMPLE)])
        assert result.exit_code == 0, (command, result.output)
    result = CliRunner().invoke(main, ["pack", "test", str(EXAMPLE)])
    assert "3 passed, 0 failed" in result.stderr


def test_diagnose_with_the_example_pack():
    result = CliRunner().invoke(
        main,
        [
            "diagnose",
            str(EXAMPLE / "tests" / "no-starttls" / "ehlo-exchange2000.txt"),
            "--pack",
            str(EXAMPLE),
            "--answer",
            "device-requires-tls=yes",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 1, result.output
    assert '"id": "server-lacks-starttls"' in result.stdout
