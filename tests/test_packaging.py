"""The wheel carries the bundled pack and articles; the core never imports textual.

A command line imports only what its command needs: a ticket hook pays for
every import on every ``kbassist diagnose``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

from .conftest import REPO, SAMPLES

# Runs the command line given as arguments, then names the top-level packages it imported.
_IMPORTED_BY_CLI = (
    "import sys\n"
    "from kbassist.cli import main\n"
    "try:\n"
    "    main(sys.argv[1:])\n"
    "except SystemExit:\n"
    "    pass\n"
    "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})), file=sys.stderr)\n"
)


def imported_by_cli(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-c", _IMPORTED_BY_CLI, *args], capture_output=True, text=True, check=True
    )
    return set(proc.stderr.splitlines()[-1].split())


def test_help_imports_no_engine_model_or_ui():
    imported = imported_by_cli("--help")
    assert "click" in imported
    for heavy in ("pydantic", "durable_rules_engine", "yaml", "markdown_it", "asyncio", "textual"):
        assert heavy not in imported, heavy


def test_diagnose_from_a_file_imports_no_ui_probe_or_parser():
    args = ("diagnose", str(SAMPLES / "winsock-orphan-transport.reg"), "--format", "json")
    first = imported_by_cli(*args)  # fills the session's pack cache if nothing did yet
    assert {"pydantic", "durable_rules_engine"} <= first
    assert not first & {"textual", "asyncio"}
    # With the pack from the cache, neither its YAML nor its articles are parsed.
    imported = imported_by_cli(*args)
    assert {"pydantic", "durable_rules_engine"} <= imported
    # durable's Python package (its Host, threads and all) is never needed, only its engine.
    for needless in ("textual", "asyncio", "yaml", "markdown_it", "durable"):
        assert needless not in imported, needless


def test_core_does_not_import_textual():
    code = (
        "import sys, kbassist.api, kbassist.cli, kbassist.report.render, kbassist.session\n"
        "import kbassist.evidence, kbassist.probes.runner, kbassist.cli_probe\n"
        "import kbassist.cli_pack, kbassist.batch, kbassist.authoring.cases\n"
        "from kbassist.api import Diagnoser\n"
        "Diagnoser().diagnose(Diagnoser().case({'cisco-vpn-version': '3.0'}))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path):
    """Build the wheel, install it (no deps: they are in this venv) and run from elsewhere."""
    dist = tmp_path / "dist"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(REPO),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("kbassist-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "kbassist/_data/rules/exchange/pack.yaml" in names
    assert "kbassist/_data/articles/fr/kb319572.md" in names
    assert "kbassist/locale/fr/LC_MESSAGES/kbassist.mo" in names  # the UI's and core's French
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "kbassist",
            "diagnose",
            "--answer",
            "cisco-vpn-version=3.6.3",
            "--answer",
            "mail-shows-after-folder-switch=yes",
            "--format",
            "json",
            "--lang",
            "fr",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["causes"][0]["steps"][0].startswith("Avant toute chose, passez")
    where = subprocess.run(
        [sys.executable, "-c", "import kbassist.pack.loader as l; print(l.data_root())"],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip().startswith(str(target))
    french = subprocess.run(
        [
            sys.executable,
            "-c",
            "from kbassist.tui import i18n; i18n.set_language('fr'); print(i18n._('Files'))\n"
            "from kbassist.i18n import msg; print(msg('no such file').text('fr'))",
        ],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert french.stdout.splitlines() == ["Fichiers", "fichier introuvable"]
