"""The live picture: causes still in play with their confidence, and those ruled out."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

from .i18n import _
from .views import bar, cause_title

if TYPE_CHECKING:
    from .app import KbassistApp


class CausesPanel(VerticalScroll):
    def compose(self) -> ComposeResult:
        session = cast("KbassistApp", self.app).session
        report = session.report()
        yield Label(_("Causes in play"), classes="panel-title")
        rows = [(c.id, c.title, c.confidence, True) for c in report.causes]
        rows += [(c.id, c.title, c.confidence, False) for c in report.open]
        for cause_id, title, confidence, concluded in rows:
            mark = "✔" if concluded else " "
            yield Static(
                Content(
                    f"{mark} {bar(confidence)} {round(max(confidence, 0) * 100):3d}%\n  {title}"
                ),
                classes="cause concluded" if concluded else "cause",
                id=f"cause-{cause_id}",
            )
        if report.ruled_out:
            yield Label(_("Ruled out"), classes="panel-title")
            for ruled in report.ruled_out:
                yield Static(
                    Content(f"✗ {cause_title(session, ruled.id)}"),
                    classes="cause ruled-out",
                    id=f"ruled-{ruled.id}",
                )
