"""The command line: a thin layer over :mod:`kbassist.api`.

Nothing but the report goes to stdout; every input problem is one line on
stderr (file, line, why) and an exit code from CONTRACT.md. Heavy imports
happen inside the commands, so ``kbassist --help`` stays fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .errors import InputError, KbassistError, Problem

EXIT_FOUND = 1
# What a shell reports for a command that SIGPIPE ended: the reader of stdout went away.
EXIT_BROKEN_PIPE = 128 + 13


def _fail(error: KbassistError) -> None:
    for problem in error.problems:
        click.echo(f"kbassist: {problem}", err=True)
    sys.exit(error.exit_code)


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


class _Group(click.Group):
    """Turns our errors into lines and exit codes; never a traceback for bad input."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except KbassistError as error:
            _fail(error)
        except BrokenPipeError:
            # The reader stopped early (``| head``): stop as quietly as any Unix tool,
            # after the batch's workers were shut down on the way here.
            _silence_stdout()
            sys.exit(EXIT_BROKEN_PIPE)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:  # a bug: say so in one line, keep the trace opt-in
            if os.environ.get("KBASSIST_DEBUG"):
                raise
            click.echo(
                f"kbassist: internal error: {type(error).__name__}: {error} "
                "(set KBASSIST_DEBUG=1 for the traceback)",
                err=True,
            )
            sys.exit(2)
        return None


@click.group(cls=_Group, invoke_without_command=True)
@click.version_option(package_name="kbassist")
@click.pass_context
def main(ctx: click.Context) -> None:
    """kbassist: a troubleshooting assistant built from knowledge-base articles.

    With no command, starts the helpdesk terminal UI.
    """
    if ctx.invoked_subcommand is None:
        ctx.invoke(tui)


@main.command()
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@click.option(
    "--resume", type=click.Path(path_type=Path), help="Continue a session saved from the UI."
)
def tui(lang: str, resume: Path | None) -> None:
    """Start the helpdesk terminal UI."""
    from .tui.app import run_app

    run_app(lang=lang, resume=resume)


@main.command()
@click.argument("artifacts", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--answers",
    "answers_file",
    type=click.Path(path_type=Path),
    help="YAML or JSON file mapping question ids to answers.",
)
@click.option(
    "--answer",
    "answer_options",
    multiple=True,
    metavar="ID=VALUE",
    help="One answer; overrides the answer file. Repeatable.",
)
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
)
@click.option(
    "--pack",
    "packs",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Rule pack directory to use instead of the bundled one. Repeatable.",
)
@click.option(
    "--smtp-host",
    metavar="HOST[:PORT]",
    help="Probe this SMTP server's EHLO answer (KB 279616).",
)
@click.option(
    "--tcp", "tcp_targets", multiple=True, metavar="HOST:PORT", help="Probe a TCP port. Repeatable."
)
@click.option(
    "--udp-refused",
    "udp_refused_targets",
    multiple=True,
    metavar="HOST:PORT",
    help="Does HOST answer ICMP port unreachable, or is UDP dropped? Repeatable.",
)
@click.option(
    "--udp-listen",
    "udp_listen_port",
    type=click.IntRange(1024, 65535),
    metavar="PORT",
    help="On the client: wait for the datagrams 'probe udp-send' sends from the server.",
)
@click.option("--local-registry", is_flag=True, help="Read this machine's registry (Windows).")
@click.option(
    "--probe-timeout",
    type=click.FloatRange(min=0.1, max=600),
    default=10,
    show_default=True,
    help="Seconds each probe may take; probes run at the same time.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when a cause is concluded.")
@click.option(
    "--batch",
    "batch_source",
    metavar="FILE.jsonl",
    help="Diagnose one case per JSON line of FILE ('-': stdin); one JSON result line each.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="With --batch: worker processes (default: the number of CPUs; 1: no workers, "
    "and each line is written as soon as its case is done).",
)
@click.pass_context
def diagnose(
    ctx: click.Context,
    artifacts: tuple[Path, ...],
    answers_file: Path | None,
    answer_options: tuple[str, ...],
    lang: str,
    fmt: str,
    packs: tuple[Path, ...],
    smtp_host: str | None,
    tcp_targets: tuple[str, ...],
    udp_refused_targets: tuple[str, ...],
    udp_listen_port: int | None,
    local_registry: bool,
    probe_timeout: float,
    exit_zero: bool,
    batch_source: str | None,
    jobs: int | None,
) -> None:
    """Diagnose from artifacts, answers and live probes, without prompting."""
    if batch_source is None:
        if jobs is not None:
            raise InputError(Problem("--jobs", "only applies with --batch"))
    else:
        _diagnose_batch(ctx, batch_source, lang, packs, jobs, exit_zero)
    from .api import Diagnoser
    from .case import read_answer_file, read_answer_option
    from .cli_probe import diagnose_probes
    from .report.render import safe, to_markdown, to_text

    probes = diagnose_probes(
        smtp_host, tcp_targets, udp_refused_targets, udp_listen_port, local_registry, probe_timeout
    )

    diagnoser = Diagnoser(packs=list(packs) or None)
    case = diagnoser.case()
    if answers_file is not None:
        read_answer_file(answers_file, case, diagnoser.pack)
    for option in answer_options:
        read_answer_option(option, case, diagnoser.pack)
    # A bad file does not waste the good ones: report on what could be read,
    # name each bad file on stderr, and exit 2.
    problems = diagnoser.add_artifacts(case, artifacts)
    if probes:  # the runner (and asyncio) is imported only when there is a probe to run
        from .probes.runner import run_probes

        # A probe that cannot reach its target is a finding in the report, not an error.
        diagnoser.add_probe_results(case, run_probes(probes))
    report = diagnoser.diagnose(case, lang=lang)
    if fmt == "json":
        click.echo(report.to_json())
    elif fmt == "markdown":
        click.echo(to_markdown(report), nl=False)
    else:
        click.echo(to_text(report), nl=False)
    for artifact in report.artifacts:  # a partly read file is not an error, but say so
        for warning in artifact.warnings:
            click.echo(f"kbassist: warning: {safe(artifact.path)}: {safe(warning)}", err=True)
    if problems:
        _fail(InputError(problems))
    sys.exit(EXIT_FOUND if report.causes and not exit_zero else 0)


# Options of `diagnose` that describe one case, so make no sense with --batch.
_SINGLE_CASE_OPTIONS = {
    "artifacts": "ARTIFACT arguments",
    "answers_file": "--answers",
    "answer_options": "--answer",
    "smtp_host": "--smtp-host",
    "tcp_targets": "--tcp",
    "udp_refused_targets": "--udp-refused",
    "udp_listen_port": "--udp-listen",
    "local_registry": "--local-registry",
    "probe_timeout": "--probe-timeout",
}


def _diagnose_batch(
    ctx: click.Context,
    source: str,
    lang: str,
    packs: tuple[Path, ...],
    jobs: int | None,
    exit_zero: bool,
) -> None:
    from click.core import ParameterSource

    from .batch import open_input, run_batch

    given = [
        name
        for key, name in _SINGLE_CASE_OPTIONS.items()
        if ctx.get_parameter_source(key) not in (ParameterSource.DEFAULT, None)
    ]
    if given:
        raise InputError(
            Problem(
                "--batch",
                f"cannot be combined with {', '.join(given)}: each line of the batch file "
                'is one case ({"id", "answers", "artifacts", "lang"}); probes are not run',
            )
        )
    if ctx.params["fmt"] != "json" and ctx.get_parameter_source("fmt") != ParameterSource.DEFAULT:
        raise InputError(Problem("--batch", "writes JSON lines only: drop --format or use json"))
    stream = open_input(source)
    try:
        worst = run_batch(stream, sys.stdout, packs=list(packs) or None, lang=lang, jobs=jobs)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    sys.exit(0 if worst == EXIT_FOUND and exit_zero else worst)


def _register_probe_commands() -> None:
    from .cli_probe import probe

    main.add_command(probe)


def _register_pack_commands() -> None:
    from .cli_pack import pack

    main.add_command(pack)


_register_probe_commands()
_register_pack_commands()


@main.group()
def article() -> None:
    """Read the bundled articles."""


@article.command("show")
@click.argument("article_id")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@click.option("--section", help="Only this section (its anchor, e.g. fix-winsock-transports).")
@click.option("--pack", "packs", multiple=True, type=click.Path(path_type=Path))
def show(article_id: str, lang: str, section: str | None, packs: tuple[Path, ...]) -> None:
    """Print an article, or one section of it, as Markdown."""
    from .errors import InputError, Problem
    from .pack.loader import load_pack

    library = load_pack(list(packs) or None).articles
    if library.path(article_id, "en") is None and library.path(article_id, lang) is None:
        known = ", ".join(library.ids())
        raise InputError(Problem(article_id, f"no such article (known: {known})"))
    text = library.get(article_id, lang)
    if section is None:
        click.echo(text.markdown, nl=False)
        return
    found = text.sections.get(section)
    if found is None:
        known = ", ".join(text.sections)
        raise InputError(Problem(f"{article_id}#{section}", f"no such section (known: {known})"))
    click.echo(found.markdown, nl=False)
