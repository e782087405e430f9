"""French reports say values in French, with French numbers; one word for the fix section."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from kbassist.cli import main
from kbassist.i18n import translate
from kbassist.report.render import LABELS

from .conftest import data_root

SAMPLES = Path(__file__).parent / "data" / "samples"
NNBSP = "\u202f"
CASE = [
    "--answer",
    "symptom=icmp-port-unreachable",
    "--answer",
    "client-rebooted-without-logoff=yes",
    str(SAMPLES / "enumprot-failed.txt"),
]


def diagnose(*args: str) -> str:
    result = CliRunner().invoke(main, ["diagnose", *CASE, *args, "--exit-zero"])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("form", ["text", "markdown"])
def test_french_report_values_and_numbers(form: str):
    out = diagnose("--lang", "fr", "--format", form)
    assert "client-rebooted-without-logoff = oui" in out.replace("`", "")
    assert f"90{NNBSP}%" in out and not re.search(r"\d%", out)
    assert "enumprot.failed = vrai" in out.replace("`", "")
    if form == "text":
        assert "+0,90 " in out and "+0.90" not in out
        assert f"Éléments{chr(0xA0)}:" in out and "Éléments:" not in out


def test_english_and_json_keep_raw_values():
    text = diagnose("--format", "text")
    assert "client-rebooted-without-logoff = yes" in text and "90%" in text
    data = json.loads(diagnose("--lang", "fr", "--format", "json"))
    cause = data["causes"][0]
    assert cause["confidence"] == 0.9
    assert {"fact": "client-rebooted-without-logoff", "value": "yes"}.items() <= {
        k: v for e in cause["evidence"] for k, v in e.items() if e["fact"] != "symptom"
    }.items()


def french_fix_headings() -> list[tuple[Path, str]]:
    """(article, the word before the colon) of every French ``fix-`` heading."""
    found = []
    for path in [
        *(data_root() / "articles" / "fr").glob("*.md"),
        *(data_root() / "examples").glob("*/articles/fr/*.md"),
    ]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("## ") and "{#fix-" in line:
                found.append((path, line[3:].split("\u00a0:")[0]))
    return found


def test_one_word_for_the_fix_section():
    """The UI's label, the report's heading and every French article's fix headings agree,
    and use the glossary's word (« correctif » is a hotfix)."""
    word = translate("Fix", "fr")
    assert word == "Résolution"
    assert LABELS["fr"]["fix"] == word
    headings = french_fix_headings()
    assert headings and all(prefix == word for _, prefix in headings), headings
    assert "Correctif" not in diagnose("--lang", "fr", "--format", "markdown")
