"""Broken packs: every problem is reported with file:line:column, and the exit code is 3."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from kbassist.cli import main
from kbassist.errors import PackError
from kbassist.pack.loader import load_pack


def problems_for(pack_dir: Path) -> list[str]:
    with pytest.raises(PackError) as info:
        load_pack([pack_dir])
    return [str(p) for p in info.value.problems]


def edit(pack_dir: Path, old: str, new: str, count: int = 1) -> int:
    """Replace text in the pack; returns the 1-based line of the first replacement."""
    path = pack_dir / "pack.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return line


def test_bundled_pack_is_valid():
    result = CliRunner().invoke(main, ["pack", "validate"])
    assert result.exit_code == 0, result.stderr
    assert "6 causes" in result.stdout


def test_unknown_fact_in_a_rule_names_its_line(pack_copy: Path):
    line = edit(
        pack_copy, "{fact: enumprot.failed, is: true}", "{fact: enumprot.failled, is: true}"
    )
    problems = problems_for(pack_copy)
    assert len(problems) == 1
    assert problems[0].startswith(f"{pack_copy / 'pack.yaml'}:{line}:")
    assert "unknown fact 'enumprot.failled'" in problems[0]


def test_value_outside_choices_and_wrong_operator(pack_copy: Path):
    edit(pack_copy, "{answer: symptom, is: mail-stuck-in-queue}", "{answer: symptom, is: stuck}")
    edit(
        pack_copy,
        "{fact: outlook.disable-winsock, gt: 0}",
        "{fact: outlook.disable-winsock, contains: x}",
    )
    problems = problems_for(pack_copy)
    assert any("'stuck' is not one of the choices" in p for p in problems)
    assert any("'contains' does not apply to int input" in p for p in problems)
    assert len(problems) >= 2  # all problems at once, not only the first


def test_schema_errors_name_key_and_line(pack_copy: Path):
    line = edit(pack_copy, "    certainty: 0.9\n", "    certainty: 1.5\n    colour: red\n")
    problems = problems_for(pack_copy)
    assert any(f":{line}:" in p and "certainty" in p for p in problems)
    assert any(f":{line + 1}:" in p and "unknown key 'colour'" in p for p in problems)


def test_bad_version_literal(pack_copy: Path):
    edit(pack_copy, 'lt: "4.0"', 'lt: "four"')
    assert any("is not a version" in p for p in problems_for(pack_copy))


def test_symptom_alone_cannot_conclude(pack_copy: Path):
    edit(
        pack_copy,
        "    when: {fact: enumprot.failed, is: true}",
        "    when: {answer: symptom, is: registration-event}",
    )
    assert any("symptom alone" in p for p in problems_for(pack_copy))


def test_missing_article_section(pack_copy: Path):
    edit(pack_copy, "section: fix-cisco-vpn", "section: fix-nowhere")
    assert any("has no section 'fix-nowhere'" in p for p in problems_for(pack_copy))


def test_duplicate_keys_and_syntax_errors(pack_copy: Path):
    line = edit(pack_copy, '  version: "1.0"\n', '  version: "1.0"\n  version: "2.0"\n')
    assert any(
        f":{line + 1}:" in p and "duplicate key 'version'" in p for p in problems_for(pack_copy)
    )
    (pack_copy / "pack.yaml").write_text("pack: {id: x\nrules: [\n")
    (problem,) = problems_for(pack_copy)
    assert "invalid YAML" in problem and "pack.yaml:2:6:" in problem


def test_yaml_tags_are_never_executed(pack_copy: Path, tmp_path: Path):
    marker = tmp_path / "executed"
    (pack_copy / "pack.yaml").write_text(
        f"pack: !!python/object/apply:os.system ['touch {marker}']\n"
    )
    (problem,) = problems_for(pack_copy)
    assert "invalid YAML" in problem
    assert not marker.exists()


def test_cli_exit_3_one_line_per_problem(pack_copy: Path):
    edit(pack_copy, "{fact: enumprot.failed, is: true}", "{fact: nope, is: true}")
    result = CliRunner().invoke(
        main, ["diagnose", "--pack", str(pack_copy), "--answer", "symptom=other"]
    )
    assert result.exit_code == 3
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "unknown fact 'nope'" in lines[0] and "pack.yaml:" in lines[0]
    result = CliRunner().invoke(main, ["pack", "validate", str(pack_copy)])
    assert result.exit_code == 3


def test_missing_pack_directory(tmp_path: Path):
    result = CliRunner().invoke(main, ["pack", "validate", str(tmp_path)])
    assert result.exit_code == 3 and "no pack.yaml" in result.stderr


def test_conflicting_ids_between_packs(pack_copy: Path, tmp_path: Path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "pack.yaml").write_text((pack_copy / "pack.yaml").read_text())
    problems = problems_for_many([pack_copy, other])
    assert any("is already defined at" in p for p in problems)


def problems_for_many(dirs: list[Path]) -> list[str]:
    with pytest.raises(PackError) as info:
        load_pack(dirs)
    return [str(p) for p in info.value.problems]


def scaffold(tmp_path: Path) -> Path:
    """A fresh `pack new` pack: small, reviewed, independent of the bundled rules."""
    from kbassist.authoring.scaffold import new_pack

    return new_pack("demo", tmp_path)


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("demo#nowhere", "article 'demo' (en) has no section 'nowhere'"),
        ("kb000000#symptoms", "no article 'kb000000'"),
    ],
)
def test_review_source_must_name_an_existing_section(tmp_path: Path, source: str, problem: str):
    folder = scaffold(tmp_path)
    line = edit(folder, "      source: demo#symptoms\n", f"      source: {source}\n")
    problems = problems_for(folder)
    assert problems  # one per language the article has
    assert all(p.startswith(f"{folder / 'pack.yaml'}:{line}:") for p in problems)
    assert problem in problems[0]
    result = CliRunner().invoke(main, ["pack", "validate", str(folder)])
    assert result.exit_code == 3 and problem in result.stderr


def test_review_source_may_be_free_text(tmp_path: Path):
    folder = scaffold(tmp_path)
    edit(folder, "source: demo#symptoms", 'source: "sources README: service settings"')
    assert load_pack([folder]).model.rules[0].review.source == "sources README: service settings"


def test_risk_factor_is_a_question_role(tmp_path: Path):
    folder = scaffold(tmp_path)
    edit(folder, "    kind: yesno\n", "    kind: yesno\n    role: risk-factor\n")
    assert load_pack([folder]).model.questions[0].role == "risk-factor"
    edit(folder, "role: risk-factor", "role: hunch")
    assert any("role" in p for p in problems_for(folder))


RAISED = (
    "{fact: msexchangeis.max-registrations, gt: {fact: event.msexchangeis-9671.configured-max}}"
)


@pytest.mark.parametrize(
    ("new", "problem"),
    [
        (
            "{fact: msexchangeis.max-registrations, gt: {fact: event.msexchangeis-9671.maximum}}",
            "unknown fact 'event.msexchangeis-9671.maximum'",
        ),
        (
            "{fact: msexchangeis.max-registrations, gt: {fact: smtp.banner-version}}",
            "fact 'smtp.banner-version' is version, not int: the two cannot be compared",
        ),
        (
            "{fact: msexchangeis.max-registrations, gt: {fact: msexchangeis.max-registrations}}",
            "compared with itself",
        ),
        (
            "{fact: smtp.banner, is: {fact: event.smtpsvc-4000.count}}",
            "a str fact does not compare with another fact",
        ),
        (
            "{answer: symptom, is: {fact: event.msexchangeis-9671.configured-max}}",
            "only a 'fact' condition compares with another fact",
        ),
        (
            "{fact: msexchangeis.max-registrations, contains: {fact: smtp.banner}}",
            "contains",
        ),
    ],
)
def test_a_fact_compared_with_a_fact_is_checked(pack_copy: Path, new: str, problem: str):
    line = edit(pack_copy, RAISED, new)
    problems = problems_for(pack_copy)
    assert problems and all(problem in p for p in problems[:1]), problems
    assert problems[0].startswith(f"{pack_copy / 'pack.yaml'}:{line}:")


# --- files: what the pack can read, and how to make each ------------------------------

SERVICES_KIND = "  - id: server-services-export\n    kind: registry-export\n"


def test_a_file_of_an_unknown_kind_is_refused_with_its_line(pack_copy: Path):
    line = edit(pack_copy, SERVICES_KIND, SERVICES_KIND.replace("registry-export", "regedit"))
    problems = problems_for(pack_copy)
    assert len(problems) == 1
    assert problems[0].startswith(f"{pack_copy / 'pack.yaml'}:{line + 1}:")
    assert "files.0.kind" in problems[0] and "'registry-export'" in problems[0]


def test_a_file_yielding_an_undeclared_fact_is_refused(pack_copy: Path):
    line = edit(pack_copy, "      - winsock.orphan-transports\n", "      - winsock.orphans\n")
    problems = problems_for(pack_copy)
    assert len(problems) == 1
    assert problems[0].startswith(f"{pack_copy / 'pack.yaml'}:{line}:")
    assert "unknown fact 'winsock.orphans' (declare it under 'facts')" in problems[0]


def test_a_file_declared_twice_names_both_places(pack_copy: Path):
    text = (pack_copy / "pack.yaml").read_text(encoding="utf-8")
    first = text[: text.index("  - id: server-services-export\n")].count("\n") + 1
    line = edit(pack_copy, "  - id: client-dpmon-trace\n", "  - id: server-services-export\n")
    assert problems_for(pack_copy) == [
        f"{pack_copy / 'pack.yaml'}:{line}:5: file 'server-services-export' is already "
        f"defined at {pack_copy / 'pack.yaml'}:{first}"
    ]


def test_a_file_without_how_is_refused(pack_copy: Path):
    text = (pack_copy / "pack.yaml").read_text(encoding="utf-8")
    start = text.index("    how:\n", text.index("  - id: server-enumprot-output"))
    end = text.index("\n  - id:", start)
    (pack_copy / "pack.yaml").write_text(text[:start] + text[end + 1 :], encoding="utf-8")
    (problem,) = problems_for(pack_copy)
    assert "files.4: missing key 'how'" in problem


def test_the_kinds_a_pack_file_may_name_are_the_readers_kinds():
    import typing

    from kbassist.evidence import KINDS
    from kbassist.pack.model import ArtifactKind

    assert set(typing.get_args(ArtifactKind)) == set(KINDS)
