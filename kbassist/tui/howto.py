"""How to make a file the pack reads: its title, which opens on the how-to."""

from __future__ import annotations

from textual.widgets import Button, Collapsible, Static

from ..report.model import FileReport
from ..report.render import safe
from .i18n import _
from .results import inline_markdown


def how_to(file: FileReport, title: str, *, collapsed: bool, add: bool = False) -> Collapsible:
    """``title`` (naming the file) over its how-to; ``add`` puts a button to add it under."""
    parts: list[Static | Button] = []
    if add:  # first, so that it shows even when the how-to runs past the screen
        parts.append(Button(_("Add the file (F2)"), id=f"add-file-{file.id}", classes="add-file"))
    parts.append(Static(inline_markdown(safe(file.how)), classes="how-to-text"))
    return Collapsible(
        *parts,
        title=safe(title),  # pack text, as the results' cause titles
        collapsed=collapsed,
        classes="how-to",
        id=f"how-to-{file.id}" if add else None,
    )
