"""The live picture: causes still in play with their confidence, and those ruled out."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Label, Static

from ..i18n import percent as as_percent
from .i18n import _, current_language
from .views import bar, cause_title

if TYPE_CHECKING:
    from .app import KbassistApp


class CausesPanel(VerticalScroll):
    def _rows(self) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
        """(id, text, classes) of the causes in play; (id, text) of those ruled out."""
        session = cast("KbassistApp", self.app).session
        report = session.report()
        rows = []
        for causes, concluded in ((report.causes, True), (report.open, False)):
            for cause in causes:
                percent = round(max(cause.confidence, 0) * 100)
                mark = "✔" if concluded else " "
                shown = as_percent(f"{percent:3d}", current_language())
                text = f"{mark} {bar(cause.confidence)} {shown}\n  {cause.title}"
                rows.append((cause.id, text, "cause concluded" if concluded else "cause"))
        ruled = [(r.id, f"✗ {cause_title(session, r.id)}") for r in report.ruled_out]
        return rows, ruled

    def compose(self) -> ComposeResult:
        rows, ruled = self._rows()
        yield Label(_("Causes in play"), classes="panel-title")
        for cause_id, text, classes in rows:
            yield Static(Content(text), classes=classes, id=f"cause-{cause_id}")
        if ruled:
            yield Label(_("Ruled out"), classes="panel-title")
            for cause_id, text in ruled:
                yield Static(Content(text), classes="cause ruled-out", id=f"ruled-{cause_id}")

    def update_in_place(self) -> bool:
        """New confidences in the rows on screen, when the same causes stand in the same order."""
        rows, ruled = self._rows()
        wanted = [f"cause-{r[0]}" for r in rows] + [f"ruled-{r[0]}" for r in ruled]
        if [w.id for w in self.query(".cause")] != wanted or bool(ruled) != self._has_ruled():
            return False
        for cause_id, text, classes in rows:
            widget = self.query_one(f"#cause-{cause_id}", Static)
            widget.update(Content(text))
            widget.set_classes(classes)
        return True

    def _has_ruled(self) -> bool:
        return len(self.query(".panel-title")) > 1
