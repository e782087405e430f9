"""Placeholder terminal UI until the interview screens land (issue: helpdesk TUI).

It is honest about what it is: it shows the bundled pack it would interview
on, and points to `kbassist diagnose`, which works today.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

from ..pack.loader import load_pack


class PlaceholderApp(App[None]):
    TITLE = "kbassist"
    BINDINGS: ClassVar = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        pack = load_pack()
        causes = "\n".join(f"  - {c.title.en}" for c in pack.causes.values())
        yield Header()
        yield Static(
            "The interview screens are not built yet.\n\n"
            f"Bundled pack: {pack.model.pack.title.en}\nCauses it knows:\n{causes}\n\n"
            "Today, diagnose from the command line:\n"
            "  kbassist diagnose --answer cisco-vpn-version=3.6.3\n"
            "  kbassist diagnose --answers answers.yaml --format markdown --lang fr\n\n"
            "Press q to quit.",
            id="placeholder",
        )
        yield Footer()


def run_app() -> None:
    PlaceholderApp().run()
