"""The catalog of the UI and the core's lines: complete, compiled, and what the agent sees.

The catalog side reads the committed files and runs Babel's own extraction in
memory (the same ``babel.cfg`` as ``make i18n``): the terminal UI's strings and
the core's ``msg(...)`` templates (a file refused, a probe's result). The app
side drives the UI under Textual's Pilot in French and checks every key binding
it offers, in the footer and in the Keys panel, against the catalog: Textual's
own widgets and screens included (``kbassist/tui/textual_strings.py``); and that
the core's lines it shows are in French, and in English again after F6.
"""

from __future__ import annotations

import ast
import asyncio
import gettext
import io
import json
import re
import string
import subprocess
import sys
from collections.abc import Callable, Coroutine
from functools import cache, wraps
from pathlib import Path
from typing import Any

import pytest
from babel.messages import frontend
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from rich.console import Console
from textual.command import CommandList
from textual.widgets import Button, Footer, Input, OptionList, Select, TabbedContent

from kbassist import i18n as core
from kbassist.errors import InputError, Problem
from kbassist.evidence import read_artifact
from kbassist.probes.runner import run_probes
from kbassist.probes.tcp import TcpProbe
from kbassist.tui import i18n
from kbassist.tui.app import TABS, KbassistApp
from kbassist.tui.dialogs import Palette
from kbassist.tui.textual_strings import TEXTUAL_STRINGS

from .conftest import REPO, SAMPLES
from .servers import HOST, free_port

LOCALE = REPO / "kbassist" / "locale"
POT = LOCALE / "kbassist.pot"
PO = LOCALE / "fr" / "LC_MESSAGES" / "kbassist.po"
MO = LOCALE / "fr" / "LC_MESSAGES" / "kbassist.mo"


# --- the catalogs -----------------------------------------------------------------------


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale="fr" if path.suffix == ".po" else None)


@cache
def extracted() -> frozenset[str]:
    """The msgids Babel extracts from the code, as ``make i18n`` does (babel.cfg's keywords)."""
    with (REPO / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = frontend.parse_mapping_cfg(f)
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        REPO, method_map, options_map
    ):
        assert isinstance(message, str), f"plural or context forms are not used: {message!r}"
        found.add(message)
    return frozenset(found)


def fr_catalog() -> gettext.GNUTranslations:
    with MO.open("rb") as f:
        return gettext.GNUTranslations(f)


def core_templates() -> dict[str, list[str]]:
    """Every ``msg(...)`` template in the core, read from the source (where -> template).

    A template Babel cannot read (an f-string, a variable) is listed as such, so
    it fails the test below instead of silently staying English."""
    found: dict[str, list[str]] = {}
    for path in sorted((REPO / "kbassist").rglob("*.py")):
        if "tui" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("msg", "Message"):
                first = node.args[0] if node.args else None
                literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
                template = first.value if literal else f"<not a literal: {ast.unparse(node)}>"
                found.setdefault(template, []).append(f"{path.name}:{node.lineno}")
    return found


def test_the_extraction_covers_the_ui_textuals_strings_and_the_cores_lines():
    assert {"Interview", "Files", "Probes", "Results", "Answer so far: {answer}"} <= extracted()
    assert set(TEXTUAL_STRINGS) <= extracted()
    templates = core_templates()
    assert {"{place}: {line}", "no such file", "connection refused"} <= set(templates)
    missed = {t: where for t, where in templates.items() if t not in extracted()}
    assert missed == {}, "a msg(...) template Babel does not extract stays English"


def test_the_template_and_the_french_catalog_match_the_code():
    """Run ``make i18n`` when this fails: it extracts, merges and compiles."""
    pot = {m.id for m in read_catalog(POT) if m.id}
    po = {m.id for m in read_catalog(PO) if m.id}
    assert pot == extracted(), "kbassist.pot is stale"
    assert po == extracted(), "the French .po is stale"


def test_every_message_has_a_reviewed_french_translation():
    catalog = read_catalog(PO)
    assert not catalog.obsolete
    untranslated = [m.id for m in catalog if m.id and not (m.string and str(m.string).strip())]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert not catalog.fuzzy  # the header too: gettext tools skip a fuzzy header


def fields(text: str) -> list[tuple[str, str, str | None]]:
    """The placeholders with their format spec and conversion: ``{seconds:g}``, ``{name!r}``."""
    parsed = string.Formatter().parse(text)
    return sorted((name, spec or "", conv) for _lit, name, spec, conv in parsed if name)


MARKUP = re.compile(r"\[/?[a-z]+\]")  # Textual markup such as [b]...[/b] in notifications


@pytest.mark.parametrize("message", [m for m in read_catalog(PO) if m.id], ids=lambda m: m.id)
def test_placeholders_and_markup_are_kept(message):
    assert fields(message.string) == fields(message.id)
    if any("/tui/" in path for path, _line in message.locations):  # the core's lines are text
        assert MARKUP.findall(message.string) == MARKUP.findall(message.id)


# Header fields gettext reads at run time; the rest (dates, ``Generated-By: Babel x.y``)
# changes with the day and the tool's version, not with what the agent sees.
RUNTIME_HEADERS = ("Content-Type", "Plural-Forms", "Language")


def runtime_view(translations: gettext.GNUTranslations) -> tuple[dict[str, str], dict[str, str]]:
    """The translations without the header entry, and the header fields that matter."""
    catalog = dict(translations._catalog)  # type: ignore[attr-defined]
    header = catalog.pop("", "")
    fields = dict(line.split(": ", 1) for line in header.splitlines() if ": " in line)
    return catalog, {name: fields.get(name, "") for name in RUNTIME_HEADERS}


def test_the_compiled_catalog_is_up_to_date_with_the_po():
    """The .mo ships in the wheel; ``make i18n`` (pybabel compile) rebuilds it."""
    compiled = io.BytesIO()
    write_mo(compiled, read_catalog(PO))
    compiled.seek(0)
    fresh = runtime_view(gettext.GNUTranslations(compiled))
    shipped = runtime_view(fr_catalog())
    assert fresh[0] == shipped[0]
    assert fresh[1] == shipped[1]
    assert shipped[1]["Plural-Forms"] and "charset=utf-8" in shipped[1]["Content-Type"]


def test_the_runtime_finds_the_french_catalog():
    i18n.set_language("fr")
    try:
        assert i18n._("Files") == "Fichiers"
        assert i18n._("") == ""  # never the catalog's header
        assert i18n.tr(core.msg("no such file")) == "fichier introuvable"
    finally:
        i18n.set_language("en")


# --- the core's lines: English as before, French on demand ------------------------------------


def test_a_message_is_its_english_text_and_says_itself_in_french():
    reason = core.msg("connection refused")
    line = core.located("mail01:25", core.msg("{reason}: dropped by a firewall?", reason=reason))
    assert line == str(line) == "mail01:25: connection refused: dropped by a firewall?"
    assert type(str(line)) is str
    assert line.text("en") == str(line)
    assert (
        line.text("fr") == "mail01:25\u00a0: connexion refusée\u00a0: bloqué par un pare-feu\u202f?"
    )
    named = core.msg("{name!r} should hold a number", name="Port {0}")  # braces in a param
    assert named.text("fr") == "'Port {0}' devrait contenir un nombre"
    assert core.msg("not in the catalog {n}", n=1).text("fr") == "not in the catalog 1"


def test_building_and_printing_messages_loads_no_catalog():
    """The catalog is read on the first translation, not when the core is imported or a
    line printed in English (the CLI never pays for it)."""
    code = (
        "import sys, kbassist.session, kbassist.probes.smtp, kbassist.probes.udp\n"
        "from kbassist.i18n import msg, _catalogs\n"
        "line = msg('no such file'); print(str(line), line.text('en'))\n"
        "print(sorted(_catalogs), 'gettext' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["no such file no such file", "[] False"]


def _refused(path) -> Problem:
    with pytest.raises(InputError) as caught:
        read_artifact(path)
    (problem,) = caught.value.problems
    return problem


BAD_FILES = [
    (
        "cut.reg",
        b'REGEDIT4\n[HKEY_CURRENT_USER\\X]\n"a"=hex:01,\\\n',
        ":3: the file ends inside a value continued with '\\'",
        ":3\u00a0: le fichier se termine au milieu d'une valeur prolongée par «\u00a0\\\u00a0»",
    ),
    (
        "notes.txt",
        b"Hello, the mail is late again.\n",
        ": unsupported artifact: not a registry export, event log, EnumProt output, "
        "DPMon trace or SMTP transcript",
        "\u00a0: fichier non reconnu\u00a0: ni une exportation du Registre, ni un journal "
        "d'événements, ni une sortie d'EnumProt, ni une trace DPMon, ni une transcription SMTP",
    ),
    (
        "bad-dword.reg",
        b"REGEDIT4\n[HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\11.0\\Outlook\\RPC]\n"
        b'"Port"=dword:12345678z\n',
        ":3: 'Port': dword '12345678z' is not 1 to 8 hex digits",
        ":3\u00a0: 'Port'\u00a0: le dword '12345678z' n'a pas de 1 à 8 chiffres hexadécimaux",
    ),
    (
        "enumprot.txt",
        b'Testing for "TCPIP Support"!\nCalling EnumProtocols() ...\nDumping available '
        b"transports [2]\n0 - Protocol: MSAFD Tcpip [TCP/IP]\n",
        ":4: ends before EnumProt reported SUCCEEDED or FAILED",
        ":4\u00a0: se termine avant qu'EnumProt n'affiche SUCCEEDED ou FAILED",
    ),
    (
        "events.csv",
        b"Level,Date and Time,Source,Event ID,Task Category\n"
        b"Error,1/2/2006 10:00,MSExchangeIS,ninety,None,text\n",
        ":2: Event ID 'ninety' is not a number",
        ":2\u00a0: l'ID d'événement 'ninety' n'est pas un nombre",
    ),
]


@pytest.mark.parametrize(
    ("name", "content", "english", "french"), BAD_FILES, ids=[name for name, *_ in BAD_FILES]
)
def test_a_refused_file_reads_as_before_in_english_and_in_french(
    tmp_path, name, content, english, french
):
    path = tmp_path / name
    path.write_bytes(content)
    problem = _refused(path)
    assert str(problem) == f"{path}{english}"  # the CLI's line, byte for byte as before
    assert problem.text("fr") == f"{path}{french}"


def test_a_missing_file_and_a_probe_say_it_in_french_but_json_stays_english(tmp_path, diagnoser):
    missing = _refused(tmp_path / "gone.reg")
    assert missing.text("fr") == f"{tmp_path / 'gone.reg'}\u00a0: fichier introuvable"
    port = free_port()
    (result,) = run_probes([TcpProbe(HOST, port, timeout=2)])
    english = f"{HOST}:{port}: connection refused: nothing listens on the port, or a firewall "
    assert result.message == english + "rejects it"
    assert result.text("fr") == (
        f"{HOST}:{port}\u00a0: connexion refusée\u00a0: rien n'écoute sur ce port, "
        "ou un pare-feu la rejette"
    )
    assert type(result.to_dict("fr")["message"]) is str
    case = diagnoser.case()
    diagnoser.add_probe_results(case, [result])
    report = json.loads(diagnoser.diagnose(case, lang="fr").to_json())
    assert report["probes"][0]["message"] == english + "rejects it"  # the JSON contract


# --- the running app, in French -----------------------------------------------------------


def pilot_test(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    @wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


async def settle(pilot) -> None:
    """Wait until the panels are recomposed (not for the directory tree's loader, which stays)."""
    await pilot.pause()
    refreshing = [w.wait() for w in pilot.app.workers if w.group == "refresh"]
    await asyncio.gather(*refreshing, return_exceptions=True)  # a cancelled one was replaced
    await pilot.pause()


def footer_labels(app: KbassistApp) -> list[tuple[str, str]]:
    footer = app.screen.query_one(Footer)
    return [(key.key, key.description) for key in footer.query("FooterKey")]


def english(namespace, key: str, action: str) -> str | None:
    """A binding's description as its class defines it (the msgid), or None."""
    for binding in (type(namespace)._merged_bindings or {}).key_to_bindings.get(key, []):
        if binding.action == action:
            return binding.description
    return None


def untranslated_bindings(app: KbassistApp) -> list[str]:
    """Every binding the footer or the Keys panel would show that is not in French."""
    fr = fr_catalog()
    wrong = []
    for key, active in app.screen.active_bindings.items():
        binding, namespace = active.binding, active.node
        if binding.system or not binding.description:
            continue
        source = english(namespace, key, binding.action)
        where = f"{type(namespace).__name__} {key}"
        if binding.action == "switch_language":
            expected = "English"  # named in the language it switches to
        elif source is None or source not in fr._catalog:  # type: ignore[attr-defined]
            wrong.append(f"{where}: {source!r} is not in the catalog")
            continue
        else:
            expected = fr.gettext(source)
        if binding.description != expected:
            wrong.append(f"{where}: {binding.description!r}, not {expected!r}")
        title = type(namespace).BINDING_GROUP_TITLE
        if title and fr.gettext(title) != namespace.BINDING_GROUP_TITLE:
            wrong.append(f"{where}: key group {namespace.BINDING_GROUP_TITLE!r}")
    return wrong


@pilot_test
async def test_f6_turns_the_footer_and_the_tabs_into_french():
    app = KbassistApp(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = footer_labels(app)
        assert ("f5", "Back") in before
        shown_english = {label for _key, label in before}

        await pilot.press("f6")
        await settle(pilot)
        after = footer_labels(app)
        fr = fr_catalog()
        assert [key for key, _label in after] == [key for key, _label in before]
        for (key, label), (_key, source) in zip(after, before, strict=True):
            expected = "English" if source == "Français" else fr.gettext(source)
            assert label == expected, key
        assert {label for _key, label in after} & shown_english == set()
        assert ("f5", "Retour") in after and ("ctrl+p", "Commandes") in after

        tabs = app.query_one("#tabs", TabbedContent)
        labels = [str(tabs.get_tab(tab_id).label) for tab_id in TABS]
        assert labels == ["F1 Questions", "F2 Fichiers", "F3 Sondes", "F4 Résultats"]
        assert untranslated_bindings(app) == []

        await pilot.press("f6")  # and back
        await settle(pilot)
        assert footer_labels(app) == before


@pilot_test
async def test_a_palette_search_that_matches_nothing_says_so_in_french():
    app = KbassistApp(lang="fr")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"zzzz")
        await pilot.pause(Palette._NO_MATCHES_COUNTDOWN + 0.3)
        options = app.screen.query_one(CommandList).options
        assert [str(o.prompt.renderable) for o in options] == ["Aucune commande trouvée"]


@pilot_test
async def test_every_binding_offered_anywhere_is_in_french(monkeypatch):
    """Walk the UI in French (each tab and its widgets, the menus, the dialogs, the
    palette, the Keys panel) and check the bindings offered at each step."""
    monkeypatch.chdir(REPO)
    app = KbassistApp(lang="fr")
    seen: set[str] = set()

    def check(step: str) -> None:
        seen.add(type(app.focused).__name__)
        assert untranslated_bindings(app) == [], step

    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        check("the first question (a list of choices)")
        await pilot.press("enter")
        await settle(pilot)
        check("a yes/no question")
        assert str(app.query_one("#answer-yes", Button).label) == "Oui (y)"
        await to_the_cisco_question(pilot, app)
        check("a question answered by typing")
        await pilot.press(*"3.6.3", "enter")
        await settle(pilot)
        app.query_one("#answered", OptionList).focus()
        await settle(pilot)
        check("the answers so far")

        await pilot.press("f4")
        await settle(pilot)
        check("the results (a cause concluded)")
        for selector in ("Checkbox", "#results-panel Button", "#results-panel"):
            app.query(selector).first().focus()
            await settle(pilot)
            check(f"the results: {selector}")

        await pilot.press("f2")
        await settle(pilot)
        check("the files tab")
        app.query_one("#file-browse").focus()
        await pilot.press("enter")
        await settle(pilot)
        app.query_one("#file-tree").focus()
        await settle(pilot)
        check("the directory tree")
        field = app.query_one("#file-path", Input)
        field.focus()
        await pilot.press(*str(SAMPLES.relative_to(REPO) / "winsock-ok.reg"), "enter")
        await settle(pilot)

        await pilot.press("f3")
        await settle(pilot)
        check("the probes tab")
        app.query_one("#probe-kind", Select).focus()
        await pilot.press("enter")
        await settle(pilot)
        check("the probe kinds menu")
        assert ("escape", "Fermer la liste") in footer_labels(app)
        await pilot.press("escape")
        await settle(pilot)
        app.query_one("#probe-host", Input).focus()
        await settle(pilot)
        check("a probe field")

        await pilot.press("ctrl+s")
        await settle(pilot)
        check("the save dialog")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("f4")
        await settle(pilot)
        app.query(".article").first().press()
        await settle(pilot)
        check("the article")
        await pilot.press("escape")
        await settle(pilot)

        await pilot.press("ctrl+p")
        await settle(pilot)
        check("the command palette")
        palette_input = app.screen.query_one(Input)
        assert palette_input.placeholder == "Rechercher une commande…"
        await pilot.press(*"touches")
        await settle(pilot)
        await pilot.press("enter")  # the "Keys" system command: Textual's help panel
        await settle(pilot)
        table = app.screen.query_one("BindingsTable").render_bindings_table()
        console = Console(width=120, file=io.StringIO(), record=True)
        console.print(table)
        keys_text = console.export_text()
        assert "Quitter" in keys_text and "Élément suivant" in keys_text
        assert not re.search(r"\b(Quit|Focus|Scroll|Select|Toggle|Input)\b", keys_text)
        check("the Keys panel")

    assert {"OptionList", "Input", "Button", "Checkbox", "CollapsibleTitle"} <= seen
    assert {"DirectoryTree", "Select", "SelectOverlay", "CommandInput"} <= seen


@pilot_test
async def test_textuals_own_notices_are_in_french():
    app = KbassistApp(lang="fr")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")  # Textual: ctrl+c does not quit, it says how to
        await settle(pilot)
        notices = [(n.title, n.message) for n in app._notifications]
        hint = (
            "Voulez-vous quitter\u202f?",
            "Appuyez sur [b]ctrl+q[/b] pour quitter l'application",
        )
        assert hint in notices
        assert app.query_one("HeaderIcon").tooltip == "Ouvrir la palette de commandes"


def shown(app: KbassistApp, selector: str) -> list[str]:
    return [str(widget.render()) for widget in app.query(selector)]


@pilot_test
async def test_refused_files_and_a_refused_port_are_in_french_then_in_english(tmp_path):
    """The core's lines in the Files and Probes tabs follow F6 like the UI's own strings."""
    files, english, french = [], [], []
    for name, content, en, fr in BAD_FILES[:2]:  # a cut .reg, an unknown file
        files.append(tmp_path / name)
        files[-1].write_bytes(content)
        english.append(f"✗ {files[-1]}{en}")
        french.append(f"✗ {files[-1]}{fr}")
    port = free_port()
    target = f"{HOST}:{port}"
    app = KbassistApp(lang="fr")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        for path in files:
            field = app.query_one("#file-path", Input)
            field.focus()
            field.value = str(path)
            await pilot.press("enter")
            await settle(pilot)
        assert shown(app, ".file") == french
        assert [n.message for n in app._notifications][-1] == french[1].removeprefix("✗ ")

        await pilot.press("f3")
        await settle(pilot)
        app.query_one("#probe-kind", Select).value = "tcp"
        await pilot.pause()  # the kind's default port is filled in first
        host = app.query_one("#probe-host", Input)
        host.focus()
        await pilot.press("enter")  # no host yet: the form says so
        assert shown(app, "#probe-error") == ["hôte manquant"]
        host.value = HOST
        app.query_one("#probe-port", Input).value = str(port)
        await pilot.press("enter")
        await asyncio.gather(*[w.wait() for w in app.workers if w.group == "probes"])
        await settle(pilot)
        log = {
            "fr": f"… tcp {target}\u00a0: vérification (jusqu'à 5 s)|✗ tcp {target}\u00a0: "
            f"problème trouvé — {target}\u00a0: connexion refusée\u00a0: rien n'écoute sur ce "
            "port, ou un pare-feu la rejette",
            "en": f"… tcp {target}: checking (up to 5 s)|✗ tcp {target}: fault found — "
            f"{target}: connection refused: nothing listens on the port, or a firewall rejects it",
        }
        assert shown(app, ".probe-line") == log["fr"].split("|")

        await pilot.press("f6")
        await settle(pilot)
        assert shown(app, ".probe-line") == log["en"].split("|")
        await pilot.press("f2")
        await settle(pilot)
        assert shown(app, ".file") == english


async def to_the_cisco_question(pilot, app: KbassistApp) -> None:
    """Yes to the folder-switch question, unknown to the others, until the Cisco one."""
    while (asked := app.asking()) != "cisco-vpn-version":
        assert asked is not None
        await pilot.press("y" if asked == "mail-shows-after-folder-switch" else "u")
        await settle(pilot)


@pilot_test
async def test_an_answer_that_is_not_a_version_is_refused_in_french():
    app = KbassistApp(lang="fr")
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await pilot.press("enter")  # the first choice: new mail is late
        await settle(pilot)
        await to_the_cisco_question(pilot, app)
        await pilot.press(*"trois", "enter")
        await settle(pilot)
        assert shown(app, "#answer-error") == [
            "cisco-vpn-version\u00a0: 'trois' n'est ni une version (par ex. 3.6.3) ni l'une des "
            "valeurs\u00a0: none, unknown"
        ]
