"""Small modal dialogs: a path prompt, and the whole text of an article."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label, Markdown

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
