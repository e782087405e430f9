"""Files the user sent: open one by path (with completion) or from a directory tree."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Button, DirectoryTree, Input, Label, Static

from ..report.render import safe
from .dialogs import PathSuggester
from .howto import how_to
from .i18n import _
from .views import kind_label

if TYPE_CHECKING:
    from .app import KbassistApp


def _short(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)


class EvidencePanel(Vertical):
    def compose(self) -> ComposeResult:
        kb = cast("KbassistApp", self.app)
        with Horizontal(id="file-bar"):
            yield Input(
                placeholder=_("Path of a file the user sent (Tab completes)"),
                suggester=PathSuggester(),
                id="file-path",
            )
            yield Button(_("Add"), id="file-add", variant="primary")
            yield Button(_("Browse"), id="file-browse")
        yield Label("", id="file-error")
        if kb.browsing:
            yield DirectoryTree(str(kb.browse_root), id="file-tree")
        with VerticalScroll(id="files"):
            if not kb.session.files:
                yield Static(
                    _(
                        "No files yet. Registry exports, event logs, EnumProt and DPMon "
                        "output and SMTP transcripts are recognised by their content."
                    )
                )
            for entry in kb.session.files:
                if entry.problem is not None:
                    line = f"✗ {entry.problem.text(kb.session.lang)}"
                    yield Static(Content(safe(line)), classes="file refused")
                    continue
                artifact = entry.artifact
                assert artifact is not None
                mark = "⚠" if artifact.warnings else "✔"
                lines = [f"{mark} {entry.path} — {kind_label(artifact.kind)}"]
                lines += [f"    ⚠ {note.text(kb.session.lang)}" for note in artifact.warnings]
                for obs in artifact.observations:
                    lines.append(f"    {obs.fact} = {_short(obs.value)}   ({obs.source})")
                lines += [f"    ! {note.text(kb.session.lang)}" for note in artifact.notes]
                if not artifact.observations and not artifact.notes:
                    lines.append("    " + _("nothing in it that the rules read"))
                yield Static(Content(safe("\n".join(lines))), classes="file")
                for file in kb.session.artifact_files(artifact):
                    title = _("File to send: {title}").format(title=file.title)
                    yield how_to(file, title, collapsed=False)

    def _add(self, text: str) -> None:
        if not text.strip():
            return
        kb = cast("KbassistApp", self.app)
        entry = kb.add_file(Path(text.strip()).expanduser())
        if entry.problem is not None:
            line = safe(entry.problem.text(kb.session.lang))  # the file's name is not markup
            self.app.notify(line, severity="error", timeout=8, markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "file-path":
            event.stop()
            self._add(event.value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        kb = cast("KbassistApp", self.app)
        if event.button.id == "file-add":
            event.stop()
            self._add(self.query_one("#file-path", Input).value)
        elif event.button.id == "file-browse":
            event.stop()
            kb.browsing = not kb.browsing
            kb.refresh_panels()

    def on_directory_tree_file_selected(self, event: DirectoryTree.FileSelected) -> None:
        event.stop()
        self._add(str(event.path))
