"""`kbassist pack new`: the scaffold validates, lints clean and passes its own tests."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from kbassist.cli import main


def run(*args: str):
    return CliRunner().invoke(main, ["pack", *args])


def test_scaffold_works_as_created(tmp_path: Path):
    result = run("new", "printer-jams", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    folder = tmp_path / "printer-jams"
    assert (folder / "articles" / "fr" / "printer-jams.md").is_file()
    validate = run("validate", str(folder))
    assert validate.exit_code == 0, validate.output
    assert "(1 questions, 1 causes, 2 rules)" in validate.stdout
    lint = run("lint", str(folder))
    assert lint.exit_code == 0, lint.output
    assert lint.stdout.strip().endswith("lint clean")
    tests = run("test", str(folder))
    assert tests.exit_code == 0, tests.output
    assert "ok   persists-after-restart" in tests.stdout
    assert "2 passed, 0 failed" in tests.stderr
    docs = run("docs", str(folder), "--lang", "fr")
    assert "Le service est mal configuré" in docs.stdout
    explain = run("explain", str(folder / "tests" / "persists-after-restart"))
    assert explain.exit_code == 0, explain.output
    assert "cause printer-jams-misconfigured: concluded (certainty +0.70)" in explain.stdout


def test_an_edit_that_breaks_the_scaffold_shows(tmp_path: Path):
    run("new", "demo", "--dir", str(tmp_path))
    pack = tmp_path / "demo" / "pack.yaml"
    pack.write_text(
        pack.read_text(encoding="utf-8").replace("certainty: 0.7", "certainty: 0.4"),
        encoding="utf-8",
    )
    result = run("test", str(tmp_path / "demo"))
    assert result.exit_code == 1
    assert "expected concluded, but not: demo-misconfigured" in result.stdout


def test_bad_name_or_existing_folder_is_exit_2(tmp_path: Path):
    result = run("new", "Bad Name", "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("kbassist: Bad Name: a pack name is")
    assert run("new", "demo", "--dir", str(tmp_path)).exit_code == 0
    result = run("new", "demo", "--dir", str(tmp_path))
    assert result.exit_code == 2
    assert "already exists" in result.stderr
    assert list((tmp_path / "demo").iterdir())
