"""`kbassist pack ...`: commands for pack authors, over :mod:`kbassist.authoring`.

Exit codes follow CONTRACT.md: 0 ok or nothing found, 1 a check failed
(lint findings, failing test cases), 3 the pack itself is invalid. Reports
go to stdout; problems are one line each on stderr (exit 2 for a bad
argument such as an unknown case). DIR defaults to the bundled pack.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

EXIT_FOUND = 1

_DIR = click.argument("directory", required=False, type=click.Path(path_type=Path))


@click.group()
def pack() -> None:
    """Check, test and document rule packs (DIR defaults to the bundled pack)."""


@pack.command()
@_DIR
def validate(directory: Path | None) -> None:
    """Validate a pack (default: the bundled one): exit 0 when valid, 3 when not."""
    from .pack.loader import load_pack

    loaded = load_pack([directory] if directory else None)
    click.echo(
        f"{', '.join(loaded.files)}: valid ({len(loaded.questions)} questions, "
        f"{len(loaded.causes)} causes, {len(loaded.compiled.rules)} rules)"
    )


@pack.command()
@_DIR
@click.option("--fix", is_flag=True, help="Write the safe French typography fixes (KB106) first.")
def lint(directory: Path | None, fix: bool) -> None:
    """Find what is valid but probably wrong: exit 0 when clean, 1 with findings.

    Codes: KB101 text missing in French, KB102 article in one language only,
    KB103 section in one language only, KB104 different number of fix steps,
    KB105 placeholders differ, KB106 French typography, KB201 cause no rule can
    conclude, KB202 question no rule reads, KB203 fact never read, KB301 duplicate
    rule, KB302 rule that can never fire, KB303 rule without a complete review, KB304 two rules
    counting the same evidence, KB305 cause concluded from symptoms and risk
    factors alone, KB306 one rule concluding from symptoms and risk factors
    alone, KB400 unreadable article, KB401 article referenced nowhere, KB402 fix
    section without steps. Silence one on purpose with a YAML comment
    `# lint: ignore[KB203]` on its line. With --fix, the no-break spaces KB106 asks
    for are written into the pack file and the French articles first (nothing else
    in them changes); what is left is then reported.
    """
    from .authoring.lint import fix_typography
    from .authoring.lint import lint as run_lint
    from .authoring.source import open_pack

    source = open_pack(directory)
    if fix:
        for changed in fix_typography(source):
            click.echo(f"{changed}: French typography fixed", err=True)
        source = open_pack(directory)
    findings = run_lint(source)
    for finding in findings:
        click.echo(str(finding))
    if findings:
        click.echo(f"{source.file}: {len(findings)} lint finding(s)", err=True)
        sys.exit(EXIT_FOUND)
    click.echo(f"{source.file}: lint clean")


@pack.command("test")
@_DIR
def test_cases(directory: Path | None) -> None:
    """Run the pack's own cases (DIR/tests/*/case.yaml): exit 0 when all pass, 1 when not.

    A failing case prints what differs from its `expect` and the explanation:
    which rules fired, with what certainty, and which conditions held.
    """
    from .authoring.cases import explain, run_cases
    from .authoring.source import open_pack

    source = open_pack(directory)
    results = run_cases(source)
    for result in results:
        click.echo(f"{'ok  ' if result.passed else 'FAIL'} {result.case.name}")
        if result.passed:
            continue
        for failure in result.failures:
            click.echo(f"  {failure}")
        click.echo(f"  concluded: {', '.join(result.concluded) or 'nothing'}")
        expect = result.case.model.expect
        targets = [*(expect.concluded or []), *expect.not_concluded, *expect.ruled_out]
        targets += result.concluded
        for line in explain(source, result.outcome, list(dict.fromkeys(targets))):
            click.echo(f"  {line}")
    failed = sum(not r.passed for r in results)
    summary = f"{source.directory}: {len(results) - failed} passed, {failed} failed"
    if not results:
        summary = f"{source.directory}: no test cases (add tests/<case>/case.yaml)"
    click.echo(summary, err=True)
    if failed:
        sys.exit(EXIT_FOUND)


@pack.command("explain")
@click.argument("case", type=click.Path(path_type=Path))
@click.option("--cause", "target", help="Only this cause (or finding).")
@click.option(
    "--pack",
    "directory",
    type=click.Path(path_type=Path),
    help="The pack (default: the one holding CASE, else the bundled one).",
)
def explain_case(case: Path, target: str | None, directory: Path | None) -> None:
    """Explain one test case: per cause, each rule for and against, condition by condition.

    CASE is a case folder, its case.yaml, or the name of a case in the pack's tests/.
    """
    from .api import Diagnoser
    from .authoring.cases import CASE_FILE, TESTS_DIR, build_case, explain, find_case
    from .authoring.source import open_pack
    from .engine.reasoner import run
    from .errors import InputError, Problem

    if directory is None:
        folder = case.parent if case.name == CASE_FILE else case
        if folder.parent.name == TESTS_DIR and (folder.parent.parent / "pack.yaml").is_file():
            directory = folder.parent.parent
    source = open_pack(directory)
    found = find_case(source, case)
    diagnoser = Diagnoser(source.pack)
    outcome = run(source.pack, diagnoser.backend, build_case(diagnoser, found))
    targets = [*source.pack.causes, *source.pack.findings]
    if target is not None:
        if target not in targets:
            raise InputError(Problem("--cause", f"no cause or finding {target!r} in this pack"))
        targets = [target]
    for line in explain(source, outcome, targets):
        click.echo(line)


@pack.command("schema")
def schema() -> None:
    """Print the JSON Schema of pack.yaml, for editors.

    \b
    Save it:  kbassist pack schema > kbassist-pack.schema.json
    Then either add a first line to each pack.yaml (YAML language server:
    VS Code's Red Hat YAML extension, Neovim, Helix, JetBrains):
      # yaml-language-server: $schema=./kbassist-pack.schema.json
    or map it in VS Code's settings.json:
      "yaml.schemas": {"./kbassist-pack.schema.json": ["**/pack.yaml"]}

    The schema checks shape only; `pack validate` and `pack lint` check the rest.
    """
    from .authoring.schema import pack_schema_json

    click.echo(pack_schema_json(), nl=False)


@pack.command("docs")
@_DIR
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
def docs(directory: Path | None, lang: str) -> None:
    """Print a Markdown reference of a pack for reviewers: questions, facts, causes, rules."""
    from .authoring.docs import pack_docs
    from .authoring.source import open_pack

    click.echo(pack_docs(open_pack(directory), lang), nl=False)


@pack.command("new")
@click.argument("name")
@click.option(
    "--dir",
    "parent",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("."),
    show_default=True,
    help="Where to create the pack's folder.",
)
def new(name: str, parent: Path) -> None:
    """Create a small working pack NAME to start from (validates, lints clean, tests pass)."""
    from .authoring.scaffold import new_pack

    folder = new_pack(name, parent)
    click.echo(f"{folder}: created; next: kbassist pack test {folder}")
