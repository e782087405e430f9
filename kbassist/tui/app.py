"""The helpdesk terminal UI: a thin layer over :class:`kbassist.session.Session`.

Everything shown comes from the session's report (the same engine, readers,
probes and articles as ``kbassist diagnose``). After any change the panels
are recomposed from the session, so the screen never disagrees with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import ClassVar

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingsMap, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Footer, Header, TabbedContent, TabPane

from ..api import Diagnoser
from ..probes.base import ProbeResult
from ..probes.runner import ProbeEvent
from ..session import FileEntry, Session
from . import i18n
from .dialogs import ArticleScreen, Palette, PathPrompt
from .evidence import EvidencePanel
from .i18n import N_, _
from .interview import InterviewPanel
from .probes import PROBE_FORM_DEFAULTS, ProbePanel
from .results import ResultsPanel
from .sidebar import CausesPanel

TABS = {
    "interview": (N_("Interview"), InterviewPanel),
    "evidence": (N_("Files"), EvidencePanel),
    "probes": (N_("Probes"), ProbePanel),
    "results": (N_("Results"), ResultsPanel),
}
TAB_KEYS = dict(zip(TABS, ("F1", "F2", "F3", "F4"), strict=True))


def tab_label(tab_id: str) -> Content:
    """A tab's name with its key in front (the footer has no room for them at 80 columns)."""
    return Content.assemble((TAB_KEYS[tab_id], "bold"), " ", _(TABS[tab_id][0]))


OTHER_LANGUAGE = {"en": "fr", "fr": "en"}


def translate_bindings(node: DOMNode) -> bool:
    """Rebuild a node's key bindings with descriptions in the current language.

    Also its key group's title (the Keys panel shows it). A node is done once per
    language: returns whether anything was rebuilt.
    """
    lang = i18n.current_language()
    if getattr(node, "_kbassist_lang", None) == lang:
        return False
    node._kbassist_lang = lang  # type: ignore[attr-defined]
    merged = type(node)._merged_bindings
    if merged is not None:
        node._bindings = BindingsMap(
            [
                replace(b, description=_describe(b), tooltip=_(b.tooltip) if b.tooltip else "")
                for _key, b in merged
            ]
        )
    title = type(node).BINDING_GROUP_TITLE
    if title:
        node.BINDING_GROUP_TITLE = _(title)
    return True


def _describe(binding: Binding) -> str:
    if binding.action == "switch_language":  # named in the language it switches to
        return "English" if i18n.current_language() == "fr" else "Français"
    return _(binding.description)


class KbassistApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "kbassist"
    # Function keys work even while typing in a field; the letters are quicker elsewhere.
    # The footer must fit 80 columns in French: the tab keys are on the tabs, and
    # the theme and export are in the command palette (and the Keys panel).
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "show('interview')", N_("Interview"), show=False),
        Binding("f2", "show('evidence')", N_("Files"), show=False),
        Binding("f3", "show('probes')", N_("Probes"), show=False),
        Binding("f4", "show('results')", N_("Results"), show=False),
        Binding("f5", "back", N_("Back")),
        Binding("f6", "switch_language", N_("Français")),
        Binding("f7", "toggle_theme", N_("Theme"), show=False),
        Binding("ctrl+s", "save", N_("Save")),
        Binding("f8", "export", N_("Export"), show=False),
        # Textual's footer shows this key on its own, at its right edge.
        Binding("ctrl+p", "command_palette", N_("Commands"), priority=True, show=False),
        Binding("ctrl+q", "quit", N_("Quit")),
        *(
            Binding(letter, action, N_(description), show=False)
            for letter, action, description in [
                ("i", "show('interview')", "Interview"),
                ("e", "show('evidence')", "Files"),
                ("p", "show('probes')", "Probes"),
                ("r", "show('results')", "Results"),
                ("b", "back", "Back"),
                ("l", "switch_language", "Français"),
                ("t", "toggle_theme", "Theme"),
                ("s", "save", "Save"),
                ("x", "export", "Export"),
                ("q", "quit", "Quit"),
            ]
        ),
    ]

    def __init__(self, session: Session | None = None, lang: str = "en"):
        super().__init__()
        self.session = session or Session(Diagnoser(), lang=lang)
        i18n.set_language(self.session.lang)
        self.editing: str | None = None  # a question whose answer the agent is changing
        self.browsing = False
        self.browse_root = Path.cwd()
        self.probing = False
        self.probe_log: list[ProbeEvent | str] = []  # events, shown in the current language
        self.probe_fields = dict(PROBE_FORM_DEFAULTS)  # kept when the panel is recomposed
        self.done_steps: dict[str, bool] = {}
        self.saved_to: Path | None = None
        self._stale: set[str] = set()  # tabs to recompose when next shown
        self.current_tab = "interview"

    # --- layout -------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with TabbedContent(initial="interview", id="tabs"):
                for tab_id, (_label, panel) in TABS.items():
                    with TabPane(tab_label(tab_id), id=tab_id):
                        yield panel(id=f"{tab_id}-panel")
            yield CausesPanel(id="causes")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.screen_change_signal.subscribe(
            self, lambda screen: self._translate_focus_chain(screen.focused or screen)
        )
        self._apply_language()
        self.call_after_refresh(self.action_show, "interview")

    def _apply_language(self) -> None:
        pack = self.session.diagnoser.pack.model.pack
        self.sub_title = pack.title.get(self.session.lang)
        translate_bindings(self)
        for panel in self.query("InterviewPanel"):
            translate_bindings(panel)
        tabs = self.query_one("#tabs", TabbedContent)
        for tab_id in TABS:
            tabs.get_tab(tab_id).label = tab_label(tab_id)
        for icon in self.query("HeaderIcon"):  # Textual's header: its icon opens the palette
            icon.tooltip = _("Open the command palette")
        self._translate_focus_chain()
        self.refresh_bindings()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._translate_focus_chain(event.widget)

    def _translate_focus_chain(self, node: DOMNode | None = None) -> None:
        """Translate the bindings of Textual's own widgets and screens as they come into use.

        The footer and the Keys panel show the bindings of the focused widget and
        of everything it sits in, up to its screen and the app: those are the ones
        translated, when focus moves, the screen changes or the language changes.
        """
        start = node or self.screen.focused or self.screen
        if any([translate_bindings(each) for each in start.ancestors_with_self]):
            self.refresh_bindings()

    def refresh_panels(self, rebuild: bool = False) -> None:
        """Bring the panels up to date with the session, then put the focus back where it works.

        The interview and the causes update their widgets in place when they can;
        ``rebuild`` recomposes them anyway (e.g. every label changes language).
        """
        self.run_worker(self._recompose_panels(rebuild), exclusive=True, group="refresh")

    async def _recompose_panels(self, rebuild: bool) -> None:
        # Only what is on screen now; hidden tabs are recomposed when shown.
        active = self.current_tab
        self._stale = set(TABS) - {active}
        panel = self.query_one(f"#{active}-panel")
        if rebuild or not (isinstance(panel, InterviewPanel) and panel.update_in_place()):
            await panel.recompose()
        causes = self.query_one("#causes", CausesPanel)
        if rebuild or not causes.update_in_place():
            await causes.recompose()
        if any([translate_bindings(panel) for panel in self.query(InterviewPanel)]):
            self.refresh_bindings()  # the footer rebuilds itself: only when labels changed
        self._focus_tab(active)

    def _focus_tab(self, tab: str) -> None:
        """Focus inside the shown tab: focus left in a hidden one would switch back to it."""
        panel = self.query_one(f"#{tab}-panel")
        if isinstance(panel, InterviewPanel):
            panel.focus_answer()
        elif self.focused is None or panel not in self.focused.ancestors:
            self.screen.set_focus(None)
            self._focus_first(panel)

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab = event.pane.id or ""
        self.current_tab = tab  # also when the agent clicks a tab
        if tab in self._stale:
            self._stale.discard(tab)
            await self.query_one(f"#{tab}-panel").recompose()
        self._focus_tab(tab)

    # --- what the panels ask of the app -------------------------------------------------

    def asking(self) -> str | None:
        """The question on screen: one being changed, else the most useful one now."""
        if self.editing is not None:
            return self.editing
        question = self.session.next_question()
        return question.id if question else None

    def answer(self, question_id: str, value: str) -> None:
        self.session.answer(question_id, value)  # InputError propagates to the panel
        self.editing = None
        self.refresh_panels()
        if self.asking() is None:
            self.action_show("results")

    def change_answer(self, question_id: str) -> None:
        self.editing = question_id
        self.action_show("interview")
        self.refresh_panels()

    def add_file(self, path: Path) -> FileEntry:
        entry = self.session.add_file(path)
        self.refresh_panels()
        return entry

    def add_probe_results(self, results: list[ProbeResult]) -> None:
        usable = [r for r in results if r.status != "cancelled"]
        if usable:
            self.session.add_probe_results(usable)
            self.refresh_panels()

    def on_interview_panel_file_wanted(self, _event: InterviewPanel.FileWanted) -> None:
        self.action_show("evidence")  # its path field takes the focus

    def show_article(self, article_id: str) -> None:
        library = self.session.diagnoser.pack.articles
        self.push_screen(ArticleScreen(library.get(article_id, self.session.lang).markdown))

    # --- actions ------------------------------------------------------------------------

    def action_show(self, tab: str) -> None:
        """Show a tab; activating it recomposes it if stale and focuses it."""
        self.current_tab = tab
        tabs = self.query_one("#tabs", TabbedContent)
        if tabs.active == tab:
            self._focus_tab(tab)
            return
        self.screen.set_focus(None)  # not left behind in the tab being hidden
        tabs.active = tab

    def _focus_first(self, panel: DOMNode) -> None:
        for widget in panel.query("*"):
            if widget.focusable:
                widget.focus(scroll_visible=False)  # the tab opens at its top
                return

    async def action_back(self) -> None:  # async like App.action_back, which it replaces
        """Change the last answer given."""
        if self.session.answers:
            self.change_answer(list(self.session.answers)[-1])

    def action_switch_language(self) -> None:
        lang = OTHER_LANGUAGE[self.session.lang]
        self.session.set_language(lang)
        i18n.set_language(lang)
        self._apply_language()
        self.refresh_panels(rebuild=True)
        self.notify(_("Language: English") if lang == "en" else _("Language: French"))

    def action_help_quit(self) -> None:
        """Textual's hint when ctrl+c is pressed (it does not quit), in the current language."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(
                    _("Press [b]{key}[/b] to quit the app").format(key=key),
                    title=_("Do you want to quit?"),
                )
                return

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.theme == "textual-dark" else "textual-dark"

    def action_save(self) -> None:
        default = str(self.saved_to or Path.cwd() / "kbassist-session.json")

        def save(path: Path | None) -> None:
            if path is None:
                return
            try:
                self.session.save(path)
            except OSError as exc:
                self.notify(f"{path}: {exc.strerror}", severity="error")
                return
            self.saved_to = path
            self.notify(_("Session saved to {path}").format(path=path))

        self.push_screen(PathPrompt(_("Save the session to:"), default), save)

    def action_export(self) -> None:
        default = str(Path.cwd() / "kbassist-ticket.md")

        def export(path: Path | None) -> None:
            if path is None:
                return
            report = self.session.report()
            json_path = path.with_suffix(".report.json")  # never the session file's name
            try:
                path.write_text(self.session.ticket_note(), encoding="utf-8")
                json_path.write_text(report.to_json(), encoding="utf-8")
            except OSError as exc:
                self.notify(f"{path}: {exc.strerror}", severity="error")
                return
            self.notify(_("Ticket note: {md}; report: {json}").format(md=path, json=json_path))

        self.push_screen(PathPrompt(_("Export the ticket note (Markdown) to:"), default), export)

    def action_command_palette(self) -> None:
        # Textual types is_open's argument App[object], but App is invariant in its
        # return type, so any App[None] is refused; it only reads app.screen.
        if not Palette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(Palette(placeholder=_("Search for commands…"), id="--command-palette"))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        other = "Français" if self.session.lang == "en" else "English"
        yield SystemCommand(
            other, _("Switch the language of everything"), self.action_switch_language
        )
        yield SystemCommand(_("Save"), _("Save the session to a file"), self.action_save)
        yield SystemCommand(
            _("Export"), _("Write the ticket note and the JSON report"), self.action_export
        )
        yield SystemCommand(
            _("Theme"), _("Switch between light and dark"), self.action_toggle_theme
        )
        yield SystemCommand(
            _("Keys"), _("Show the keys you can press here"), self.action_show_help_panel
        )
        yield SystemCommand(_("Quit"), _("Quit kbassist"), self.action_quit)


def run_app(lang: str = "en", resume: Path | None = None) -> None:
    diagnoser = Diagnoser()
    session = Session.load(resume, diagnoser) if resume else Session(diagnoser, lang=lang)
    KbassistApp(session).run()


__all__ = ["KbassistApp", "run_app"]
