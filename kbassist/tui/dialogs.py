"""Small modal dialogs: a path prompt, the whole text of an article, the command palette."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.align import Align
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label, Markdown
from textual.widgets.option_list import Option

from .i18n import N_, _


class PathSuggester(Suggester):
    """Completes file and directory names as the agent types a path."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value:
            return None
        path = Path(value).expanduser()
        folder, stem = (path, "") if value.endswith(("/", "\\")) else (path.parent, path.name)
        try:
            names = sorted(p.name for p in folder.iterdir() if p.name.startswith(stem))
        except OSError:
            return None
        if not names:
            return None
        done = folder / names[0]
        suffix = "/" if done.is_dir() else ""
        return value + names[0][len(stem) :] + suffix


class PathPrompt(ModalScreen[Path | None]):
    """Asks for a file path; Enter accepts, Escape cancels."""

    BINDINGS: ClassVar = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str, default: str = ""):
        super().__init__()
        self._title = title
        self._default = default

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self._title)
            yield Input(
                value=self._default,
                placeholder=_("Path, then Enter"),
                suggester=PathSuggester(),
                id="path",
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        self.dismiss(Path(value).expanduser() if value else None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ArticleScreen(ModalScreen[None]):
    """A whole bundled article, rendered from its Markdown."""

    BINDINGS: ClassVar = [Binding("escape", "close", N_("Close"))]

    def __init__(self, markdown: str):
        super().__init__()
        self._markdown = markdown

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="article"):
            yield Markdown(self._markdown)

    def action_close(self) -> None:
        self.dismiss(None)


class Palette(CommandPalette):
    """Textual's command palette, with its "No matches found" line in the agent's language.

    Textual writes that line inside a private method; this is the same method
    (Textual is pinned in pyproject.toml) with the text translated.
    ``tests/test_i18n.py`` types a search that matches nothing and reads the line,
    so a Textual upgrade that changes the method shows up there.
    """

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:  # an empty search is discovery: nothing to report
                message = Align.center(Text(_("No matches found"), style="not bold"))
                self.query_one(CommandList).add_option(
                    Option(message, disabled=True, id=self._NO_MATCHES)
                )
            self._list_visible = bool(search_value)

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)
