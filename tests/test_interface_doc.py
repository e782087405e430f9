"""docs/interface.md against the code, and against the stable contract where it is at hand.

docs/interface.md is the public interface as a user reads it. Each item there has
a status: ``fixed`` and ``addition`` items must exist in the code, ``not yet
available`` ones must not (whoever adds one updates the page). These tests read
the page's tables with markdown-it and fail when the page and the code drift:
a command, option, exit code, question, cause, artifact kind or report field
that one has and the other has not.

The last test compares the page with shared/CONTRACT.md, the interface the
project is held to; a clone of the project alone has no shared/, so it skips.
"""

from __future__ import annotations

import json
import re
import tempfile
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from markdown_it.token import Token

from kbassist.pack.loader import Pack, bundled_pack_dirs, load_pack

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "interface.md"
CONTRACT = Path(__file__).resolve().parents[2] / "shared" / "CONTRACT.md"
SAMPLES = REPO / "tests" / "data" / "samples"

FIXED, ADDITION, NOT_YET = "fixed", "addition", "not yet available"
AVAILABLE = (FIXED, ADDITION)  # must exist in the code
IN_CONTRACT = (FIXED, NOT_YET)  # named by the stable interface

# --- reading Markdown ---------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """Inline Markdown (a table cell, a heading, a paragraph): its source and code spans."""

    text: str
    codes: tuple[str, ...] = ()

    def code(self) -> str:
        """The one code span this cell holds."""
        assert len(self.codes) == 1, f"expected one `code` span in {self.text!r}"
        return self.codes[0]


@dataclass
class Table:
    heading: Cell  # the nearest heading above the table
    columns: list[str]
    rows: list[dict[str, Cell]] = field(default_factory=list)


@dataclass
class Page:
    tables: list[Table] = field(default_factory=list)
    blocks: list[tuple[Cell, str]] = field(default_factory=list)  # (heading, code block)
    paragraphs: list[Cell] = field(default_factory=list)

    def table(self, *columns: str) -> Table:
        """The one table whose first columns are these."""
        found = self.tables_with(*columns)
        assert len(found) == 1, f"expected one table with columns {columns}, found {len(found)}"
        return found[0]

    def tables_with(self, *columns: str) -> list[Table]:
        return [t for t in self.tables if tuple(t.columns[: len(columns)]) == columns]

    def block(self, heading: str) -> str:
        """The first code block under the heading whose text contains ``heading``."""
        for above, text in self.blocks:
            if heading in above.text:
                return text
        raise AssertionError(f"no code block under a heading with {heading!r}")


def _cell(token: Token) -> Cell:
    assert token.type == "inline", token.type
    codes = tuple(c.content for c in token.children or [] if c.type == "code_inline")
    return Cell(token.content.strip(), codes)


def parse_page(text: str) -> Page:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    page = Page()
    heading = Cell("")
    table: Table | None = None
    row: list[Cell] = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open":
            heading = _cell(tokens[i + 1])
        elif token.type == "table_open":
            table = Table(heading, [])
            page.tables.append(table)
        elif token.type == "tr_open":
            row = []
        elif token.type in ("th_open", "td_open"):
            row.append(_cell(tokens[i + 1]))
        elif token.type == "tr_close" and table is not None:
            if not table.columns:
                table.columns = [c.text for c in row]
            else:
                table.rows.append(dict(zip(table.columns, row, strict=True)))
        elif token.type in ("code_block", "fence"):
            page.blocks.append((heading, token.content))
        elif token.type == "paragraph_open":
            page.paragraphs.append(_cell(tokens[i + 1]))
    return page


@cache
def doc() -> Page:
    return parse_page(DOC.read_text(encoding="utf-8"))


def status(cell: Cell) -> str:
    value = cell.text.lower()
    assert value in (FIXED, ADDITION, NOT_YET), f"unknown status {cell.text!r}"
    return value


def by_status(table: Table, key: str, convert: Callable[[Cell], Any] = Cell.code) -> dict[Any, str]:
    """Each row's key (its ``key`` column, converted) and status; a key appears once."""
    found: dict[Any, str] = {}
    for row in table.rows:
        name = convert(row[key])
        assert name not in found, f"{name!r} is listed twice"
        found[name] = status(row["status"])
    return found


def available(items: dict[Any, str]) -> set[Any]:
    return {name for name, state in items.items() if state in AVAILABLE}


def not_yet(items: dict[Any, str]) -> set[Any]:
    return {name for name, state in items.items() if state == NOT_YET}


def in_contract(items: dict[Any, str]) -> set[Any]:
    return {name for name, state in items.items() if state in IN_CONTRACT}


# --- the code's side ----------------------------------------------------------------------

CommandPath = tuple[str, ...]


def command_path(text: str) -> CommandPath:
    words = text.split()
    assert words and words[0] == "kbassist", f"not a kbassist command: {text!r}"
    return tuple(words[1:])


def cli_commands() -> dict[CommandPath, click.Command]:
    """Every command and group of the click tree, by its path from ``kbassist``."""
    from kbassist.cli import main

    found: dict[CommandPath, click.Command] = {}

    def walk(command: click.Command, path: CommandPath) -> None:
        found[path] = command
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, (*path, name))

    walk(main, ())
    return found


def cli_options(command: click.Command) -> dict[str, click.Option]:
    """A command's long options (``--help`` is click's own and not counted)."""
    return {
        name: param
        for param in command.params
        if isinstance(param, click.Option)
        for name in (*param.opts, *param.secondary_opts)
        if name.startswith("--")
    }


def shown_default(option: click.Option) -> str | None:
    """The default as the page shows it; None where there is nothing to show."""
    value = option.default
    if option.is_flag or option.multiple or isinstance(value, bool):
        return None
    if isinstance(value, str | int | float | Path):
        return str(value)
    return None


@cache
def bundled_pack() -> Pack:
    """The bundled pack alone: installed entry-point packs are not the page's business."""
    return load_pack(bundled_pack_dirs())


def subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def code_exit_codes() -> set[int]:
    """Every exit code the code declares."""
    import kbassist.evidence  # noqa: F401  (defines ArtifactError)
    from kbassist import cli, cli_pack
    from kbassist.errors import KbassistError
    from kbassist.probes.base import EXIT_CODES

    errors = [KbassistError, *subclasses(KbassistError)]
    return {
        0,  # every command's success: a plain return or sys.exit(0)
        cli.EXIT_FOUND,
        cli_pack.EXIT_FOUND,
        cli.EXIT_BROKEN_PIPE,
        click.UsageError.exit_code,  # a bad option or argument, reported by click
        *(error.exit_code for error in errors),
        *EXIT_CODES.values(),
    }


def report_fields(report: dict[str, Any], descend: set[str]) -> dict[str, list[Any]]:
    """Field paths (``causes[].evidence[].source``) of a report, with the values seen.

    Only fields in ``descend`` (the page's objects and lists of objects) are looked
    into: mappings such as ``facts`` have keys of their own, not fields.
    """
    found: dict[str, list[Any]] = {}

    def walk(obj: dict[str, Any], prefix: str) -> None:
        for key, value in obj.items():
            path = prefix + key
            found.setdefault(path, []).append(value)
            if path not in descend:
                continue
            if isinstance(value, dict):
                walk(value, path + ".")
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, dict):
                        walk(item, path + "[].")

    walk(report, "")
    return found


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


FIELD_TYPES: dict[str, Callable[[Any], bool]] = {
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": _is_number,
    "string": lambda v: isinstance(v, str),
    "string or null": lambda v: v is None or isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "mapping": lambda v: isinstance(v, dict),
    "list of strings": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
    "list of objects": lambda v: isinstance(v, list) and all(isinstance(i, dict) for i in v),
    "list of mappings": lambda v: isinstance(v, list) and all(isinstance(i, dict) for i in v),
    "any": lambda v: True,
}


def doc_fields() -> dict[str, Cell]:
    """The report fields the page lists, with their type."""
    table = doc().table("field", "type", "status", "meaning")
    return {row["field"].code(): row["type"] for row in table.rows}


def doc_field_status() -> dict[str, str]:
    return by_status(doc().table("field", "type", "status", "meaning"), "field")


@cache
def sample_report() -> dict[str, Any]:
    """A real report, run in-process, in which every list the page describes has items."""
    from kbassist.cli import main

    files = [str(SAMPLES / f) for f in ("winsock-orphan-transport.reg", "event-9671.txt")]
    # A greeting without EHLO: its note asks for the SMTP session, and the EHLO question
    # stays open, so both an artifact and a question carry the files that answer them.
    greeting = Path(tempfile.mkdtemp()) / "greeting-only.txt"
    greeting.write_text(
        "220 mail01 Microsoft ESMTP MAIL Service, Version: 5.0.2195.6713 ready\r\n",
        encoding="ascii",
    )
    files.append(str(greeting))
    answers = [
        "udp-packets-seen-at-client=yes",  # rules out udp-notifications-blocked
        "firewall-between-server-and-client=yes",
        "client-rebooted-without-logoff=yes",  # push-after-unclean-logoff stays open, with a rule
        "event-9671-logged=no",  # contradicted by event-9671.txt: a conflict
    ]
    args = ["diagnose", *files]
    args += [arg for answer in answers for arg in ("--answer", answer)]
    # --local-registry: a probe in the report without a network (on Linux its status is error).
    args += ["--local-registry", "--format", "json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


# --- the page against the code ------------------------------------------------------------


def test_the_documented_exit_codes_are_the_ones_the_code_defines() -> None:
    codes = by_status(doc().table("code", "status", "meaning"), "code", lambda c: int(c.text))
    assert available(codes) == code_exit_codes(), "exit codes differ from the code's"
    assert not_yet(codes) & code_exit_codes() == set(), "'not yet' exit codes the code has"


def test_the_documented_probe_statuses_and_their_exit_codes_are_the_codes() -> None:
    from kbassist.probes.base import EXIT_CODES, Status

    table = doc().table("probe status", "exit code", "meaning")
    documented = {row["probe status"].code(): int(row["exit code"].text) for row in table.rows}
    assert documented == EXIT_CODES
    assert set(typing.get_args(Status)) == set(EXIT_CODES)


def test_the_documented_commands_are_the_cli_commands() -> None:
    documented = by_status(
        doc().table("command", "status"), "command", lambda c: command_path(c.code())
    )
    cli = set(cli_commands())
    shown = available(documented)
    with_groups = {path[:n] for path in shown for n in range(len(path) + 1)}
    arrived = sorted(" ".join(p) for p in not_yet(documented) & cli)
    assert arrived == [], "commands marked 'not yet available' that the CLI has: update the doc"
    undocumented = sorted(" ".join(p) for p in cli - with_groups)
    assert undocumented == [], "commands the CLI has that docs/interface.md does not list"
    missing = sorted(" ".join(p) for p in shown - cli)
    assert missing == [], "commands docs/interface.md lists as available that the CLI lacks"


def option_tables() -> dict[CommandPath, Table]:
    """Each option table, by the command its heading names."""
    found: dict[CommandPath, Table] = {}
    for table in doc().tables_with("option", "value", "default", "status"):
        assert table.heading.codes, f"an option table under {table.heading.text!r}"
        path = command_path(table.heading.codes[0])
        assert path not in found, f"two option tables for {path}"
        found[path] = table
    return found


def test_the_documented_options_are_the_commands_options() -> None:
    tables = option_tables()
    commands = cli_commands()
    assert ("diagnose",) in tables and ("probe", "smtp") in tables
    for path, command in commands.items():
        options = cli_options(command)
        table = tables.get(path)
        rows = {row["option"].code(): row for row in table.rows} if table else {}
        documented = {name: status(row["status"]) for name, row in rows.items()}
        where = "kbassist " + " ".join(path)
        assert set(options) == available(documented), f"{where}: options differ from the doc"
        assert not_yet(documented) & set(options) == set(), f"{where}: 'not yet' options exist"
        for name, option in options.items():
            row = rows[name]
            default = row["default"].codes[0] if row["default"].codes else None
            assert default == shown_default(option), f"{where} {name}: default"
            if isinstance(option.type, click.Choice):
                choices = {str(c) for c in option.type.choices}
                assert set(row["value"].codes) == choices, f"{where} {name}: values"
    for path in tables.keys() - commands.keys():  # options of a command still to come
        documented = by_status(tables[path], "option")
        assert set(documented) == not_yet(documented), f"{path}: a missing command's options"


def test_the_documented_questions_are_the_bundled_packs() -> None:
    from kbassist.case import parse_answer
    from kbassist.values import parse_version

    table = doc().table("id", "kind", "values", "status")
    rows = {row["id"].code(): row for row in table.rows}
    documented = by_status(table, "id")
    questions = bundled_pack().questions
    assert available(documented) == set(questions)
    assert not_yet(documented) & set(questions) == set()
    for qid, question in questions.items():
        row = rows[qid]
        assert row["kind"].text == question.kind, qid
        values = list(row["values"].codes)
        if question.kind == "choice":
            assert values == [c.value for c in question.choices], qid
        elif question.kind == "yesno":
            assert values == ["yes", "no"], qid
        elif question.kind == "version":
            assert [v for v in values if v in question.special] == list(question.special), qid
            for value in values:
                if value not in question.special:
                    parse_version(value)  # an example version, so it must be one
        for value in values:
            assert parse_answer(question, value) is not None, (qid, value)
        assert parse_answer(question, "unknown") is None, qid  # "every question takes unknown"


def test_the_documented_causes_are_the_bundled_packs() -> None:
    table = doc().table("id", "source", "article", "severity", "status")
    rows = {row["id"].code(): row for row in table.rows}
    documented = by_status(table, "id")
    pack = bundled_pack()
    assert available(documented) == set(pack.causes)
    assert not_yet(documented) & set(pack.causes) == set()
    for cid, cause in pack.causes.items():
        row = rows[cid]
        assert list(row["article"].codes) == list(cause.articles), cid
        assert row["severity"].text == cause.severity, cid
        sources = " ".join(s for a in cause.articles for s in pack.articles.get(a, "en").sources)
        cited = set(re.findall(r"KB \d+", row["source"].text))
        assert cited <= set(re.findall(r"KB \d+", sources)), f"{cid}: not in its articles' sources"


def test_the_documented_artifact_kinds_are_the_readers() -> None:
    from kbassist.evidence import KINDS

    documented = by_status(doc().table("kind", "status", "what it reads"), "kind")
    assert available(documented) == set(KINDS)
    assert not_yet(documented) & set(KINDS) == set()


def test_the_documented_report_fields_are_in_a_real_report() -> None:
    types = doc_fields()
    documented = doc_field_status()
    descend = {path for path, kind in types.items() if kind.text in ("object", "list of objects")}
    found = report_fields(sample_report(), descend)
    missing = sorted(available(documented) - found.keys())
    assert missing == [], "documented fields absent from the sample report"
    undocumented = sorted(found.keys() - available(documented))
    assert undocumented == [], "report fields docs/interface.md does not list"
    arrived = sorted(not_yet(documented) & found.keys())
    assert arrived == [], "fields marked 'not yet available' that the report has: update the doc"
    for path, values in found.items():
        check = FIELD_TYPES[types[path].text]
        assert all(check(v) for v in values), f"{path}: not {types[path].text}: {values[:3]}"


def test_the_report_example_shows_only_documented_fields() -> None:
    example = json.loads(doc().block("The JSON report"))
    types = doc_fields()
    descend = {path for path, kind in types.items() if kind.text in ("object", "list of objects")}
    shown = report_fields(example, descend).keys()
    assert sorted(shown - available(doc_field_status())) == []


def test_the_answer_file_example_is_a_valid_answer_file(tmp_path: Path) -> None:
    from kbassist.case import Case, read_answer_file

    path = tmp_path / "answers.yaml"
    path.write_text(doc().block("Answer files"), encoding="utf-8")
    case = Case()
    read_answer_file(path, case, bundled_pack())
    assert case.answers and all(value is not None for value in case.answers.values())


def test_the_documented_batch_fields_are_the_batchs(tmp_path: Path) -> None:
    from kbassist.batch import CASE_KEYS
    from kbassist.cli import main

    case_fields = by_status(doc().table("case field", "status", "meaning"), "case field")
    assert available(case_fields) == set(CASE_KEYS)
    cases = [
        {"id": "T-1", "answers": {"cisco-vpn-version": "3.6.3"}},
        {"id": "T-2", "artifacts": [str(tmp_path / "missing.reg")]},  # errors, and a report
        {"id": "T-3", "answers": {"no-such-question": "yes"}},  # error
    ]
    lines = "".join(json.dumps(case) + "\n" for case in cases)
    result = CliRunner().invoke(main, ["diagnose", "--batch", "-", "--jobs", "1"], input=lines)
    assert result.exit_code == 2, result.output
    keys = {key for line in result.stdout.splitlines() for key in json.loads(line)}
    result_fields = by_status(doc().table("result field", "status", "meaning"), "result field")
    assert available(result_fields) == keys


_ENV_READ = re.compile(r"""(?:os\.environ(?:\.get)?\s*[\[(]|os\.getenv\()\s*["']([A-Z0-9_]+)["']""")


def test_the_documented_environment_variables_are_the_ones_read() -> None:
    read = {
        name
        for source in (REPO / "kbassist").rglob("*.py")
        for name in _ENV_READ.findall(source.read_text(encoding="utf-8"))
    }
    documented = by_status(doc().table("variable", "status", "meaning"), "variable")
    assert available(documented) == read
    assert not_yet(documented) & read == set()


def test_the_documented_python_api_is_the_diagnosers() -> None:
    from kbassist.api import Diagnoser

    documented = by_status(doc().table("name", "status", "what it does"), "name")
    public = {
        f"Diagnoser.{name}"
        for name, value in vars(Diagnoser).items()
        if not name.startswith("_") and callable(value)
    }
    assert available(documented) == public


# --- the page against the stable contract ---------------------------------------------------

# Where the page says, in so many words, that the bundled pack differs from the contract.
KNOWN_KIND_DIFFERENCES = {"cisco-vpn-version": ("text", "version")}
_KINDS = {"yes/no": "yesno"}

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|#[^\n]*|[{}\[\]:,]|[^\s{}\[\]:,"#]+')


def json_field_paths(block: str) -> set[str]:
    """Field paths of the contract's annotated JSON (``#`` comments, ``...`` values)."""
    tokens = [t for t in _JSON_TOKEN.findall(block) if not t.startswith("#")]
    paths: set[str] = set()
    stack: list[tuple[str, str]] = []  # ("object" | "list", prefix of the fields inside)
    last = ""  # the path of the last key of the innermost object
    for i, token in enumerate(tokens):
        if token.startswith('"') and tokens[i + 1 : i + 2] == [":"]:
            last = stack[-1][1] + token[1:-1]
            paths.add(last)
        elif token == "{":
            if not stack:
                prefix = ""
            elif stack[-1][0] == "list":
                prefix = stack[-1][1]
            else:
                prefix = last + "."
            stack.append(("object", prefix))
        elif token == "[":
            stack.append(("list", last + "[]."))
        elif token in ("}", "]"):
            stack.pop()
    return paths


def _usage_options(usage: str) -> dict[str, str | None]:
    return {
        name: value
        for name, value in re.findall(
            r"\[(--[a-z-]+)(?: ((?:[^\[\]]|\[[^\]]*\])+?))?(?: \.\.\.)?\]", usage
        )
    }


@dataclass
class Contract:
    commands: dict[CommandPath, dict[str, str | None]]  # path -> option -> value
    exit_codes: set[int]
    questions: dict[str, tuple[str, list[str]]]  # id -> (kind, choices)
    causes: dict[str, str]  # id -> source
    artifact_kinds: set[str]
    report_fields: set[str]


@cache
def contract() -> Contract:
    page = parse_page(CONTRACT.read_text(encoding="utf-8"))
    commands: dict[CommandPath, dict[str, str | None]] = {}
    current: list[CommandPath] = []
    for line in page.block("Commands").splitlines():
        text = line.strip()
        if text.startswith("kbassist"):
            usage, *described = re.split(r"\s{2,}", text, maxsplit=1)
            words = usage.split()[1:]
            path: list[str] = []
            for word in words:
                if not re.fullmatch(r"[a-z][a-z|-]*", word):
                    break
                path.append(word)
            last = path.pop().split("|") if path else [""]
            current = [(*path, name) if name else tuple(path) for name in last]
            for same in re.findall(r"`kbassist ([a-z-]+)`", " ".join(described)):
                commands.setdefault((same,), {})
        elif text.startswith("["):
            usage = text
        else:
            continue
        for path_ in current:
            commands.setdefault(path_, {}).update(_usage_options(usage))
    exits = {int(row["code"].text) for row in page.table("code", "meaning").rows}
    questions = {
        row["id"].text: (
            _KINDS.get(row["kind"].text, row["kind"].text),
            row["values"].text.split(", ") if row["kind"].text == "choice" else [],
        )
        for row in page.table("id", "kind", "values").rows
    }
    causes = {row["id"].text: row["source"].text for row in page.table("id", "source").rows}
    (kinds,) = [p for p in page.paragraphs if p.text.startswith("Artifact kinds:")]
    return Contract(
        commands=commands,
        exit_codes=exits,
        questions=questions,
        causes=causes,
        artifact_kinds=set(kinds.codes),
        report_fields=json_field_paths(page.block("JSON report")),
    )


def _doc_commands_options() -> tuple[set[CommandPath], dict[CommandPath, dict[str, str | None]]]:
    commands = by_status(
        doc().table("command", "status"), "command", lambda c: command_path(c.code())
    )
    options: dict[CommandPath, dict[str, str | None]] = {}
    for path, table in option_tables().items():
        for row in table.rows:
            if status(row["status"]) in IN_CONTRACT:
                values = row["value"].codes
                options.setdefault(path, {})[row["option"].code()] = "|".join(values) or None
    return in_contract(commands), options


def _compare_commands() -> tuple[Any, Any]:
    return set(contract().commands), _doc_commands_options()[0]


def _compare_options() -> tuple[Any, Any]:
    """Option names per command, and the choices (``en|fr``) where the contract gives them."""

    def shape(value: str | None) -> str | None:
        return value if value and "|" in value else None

    theirs = {
        path: {name: shape(value) for name, value in options.items()}
        for path, options in contract().commands.items()
        if options
    }
    ours = {
        path: {name: shape(value) for name, value in options.items()}
        for path, options in _doc_commands_options()[1].items()
    }
    return theirs, ours


def _compare_exit_codes() -> tuple[Any, Any]:
    codes = by_status(doc().table("code", "status", "meaning"), "code", lambda c: int(c.text))
    return contract().exit_codes, in_contract(codes)


def _compare_questions() -> tuple[Any, Any]:
    table = doc().table("id", "kind", "values", "status")
    ours = {
        row["id"].code(): (
            row["kind"].text,
            list(row["values"].codes) if row["kind"].text == "choice" else [],
        )
        for row in table.rows
        if status(row["status"]) in IN_CONTRACT
    }
    theirs = dict(contract().questions)
    for qid, (kind, pack_kind) in KNOWN_KIND_DIFFERENCES.items():
        if theirs.get(qid, ("",))[0] == kind:
            theirs[qid] = (pack_kind, theirs[qid][1])
    return theirs, ours


def _compare_causes() -> tuple[Any, Any]:
    table = doc().table("id", "source", "article", "severity", "status")
    ours = {
        row["id"].code(): row["source"].text
        for row in table.rows
        if status(row["status"]) in IN_CONTRACT
    }
    return contract().causes, ours


def _compare_artifact_kinds() -> tuple[Any, Any]:
    kinds = by_status(doc().table("kind", "status", "what it reads"), "kind")
    return contract().artifact_kinds, in_contract(kinds)


def _compare_report_fields() -> tuple[Any, Any]:
    return contract().report_fields, in_contract(doc_field_status())


CONTRACT_ASPECTS: dict[str, Callable[[], tuple[Any, Any]]] = {
    "commands": _compare_commands,
    "options": _compare_options,
    "exit codes": _compare_exit_codes,
    "questions": _compare_questions,
    "causes": _compare_causes,
    "artifact kinds": _compare_artifact_kinds,
    "report fields": _compare_report_fields,
}


@pytest.mark.parametrize("aspect", list(CONTRACT_ASPECTS))
def test_the_doc_names_what_the_contract_names(aspect: str) -> None:
    """What the page marks fixed or not yet available is exactly what the contract names."""
    if not CONTRACT.is_file():
        pytest.skip(
            f"{CONTRACT} is absent: the contract sits next to the repository in the project's "
            "workspace only, not in a clone"
        )
    theirs, ours = CONTRACT_ASPECTS[aspect]()
    assert ours == theirs, f"docs/interface.md and CONTRACT.md differ in their {aspect}"
