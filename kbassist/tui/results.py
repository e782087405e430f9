"""Results: causes with confidence, why (and why not), the fix as checkable steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import Button, Checkbox, Collapsible, Label, Static

from ..i18n import percent
from ..report.model import RuleTrace
from ..report.render import fix_steps, safe
from .i18n import N_, _, current_language
from .views import bar, cause_title

if TYPE_CHECKING:
    from .app import KbassistApp


def inline_markdown(text: str) -> Content:
    """Article text with its `code` spans shown in bold; nothing is read as markup."""
    parts: list[str | tuple[str, str]] = []
    for i, piece in enumerate(text.split("`")):
        parts.append((piece, "bold") if i % 2 else piece)
    return Content.assemble(*parts)


def traces(explanation: list[RuleTrace]) -> str:
    lines = []
    for trace in explanation:
        sign = "+" if trace.certainty >= 0 else "−"
        lines.append(f"{sign}{abs(trace.certainty):.2f} {trace.because or trace.rule}")
        lines += [f"      {condition}" for condition in trace.conditions]
    return "\n".join(lines)


class ResultsPanel(VerticalScroll):
    BINDINGS: ClassVar = [Binding("a", "article", N_("Article"))]

    def action_article(self) -> None:
        """The article of the most confident concluded cause, one key away."""
        causes = cast("KbassistApp", self.app).session.report().causes
        if causes:
            cast("KbassistApp", self.app).show_article(causes[0].fix_section.split("#")[0])

    def compose(self) -> ComposeResult:
        kb = cast("KbassistApp", self.app)
        session = kb.session
        report = session.report()
        for conflict in report.conflicts:  # first: the agent checks these with the caller
            yield Static(Content("⚠ " + safe(conflict.text)), classes="conflict")
        if not report.causes:
            yield Static(_("No cause concluded yet: answer more questions, or add files."))
        for cause in report.causes:
            pct = round(cause.confidence * 100)
            title = f"{cause.title} — {bar(cause.confidence)} {percent(pct, current_language())}"
            with Collapsible(title=title, collapsed=False, id=f"result-{cause.id}"):
                yield Static(Content(cause.summary), classes="summary")
                with Collapsible(title=_("Why?"), id=f"why-{cause.id}"):
                    evidence = [f"• {e.fact} = {e.value}   ({e.source})" for e in cause.evidence]
                    lines = [*evidence, "", traces(cause.explanation)]
                    yield Static(Content(safe("\n".join(lines))))  # values from artifacts
                yield Label(_("Fix"), classes="section")
                if cause.fix_because:
                    chosen = _("Procedure: {title} (chosen because: {why})").format(
                        title=cause.fix_title, why=cause.fix_because
                    )
                    yield Static(Content(chosen), classes="fix-choice")
                for number, note in enumerate(cause.fix_notes, 1):
                    yield Static(
                        inline_markdown(note),
                        classes="fix-note",
                        id=f"fix-note-{cause.id}-{number}",
                    )
                for number, item in enumerate(fix_steps(cause), 1):
                    step = item.step
                    with Horizontal(classes="step-row"):
                        # A checkbox label never wraps: the step's text sits beside it.
                        yield Checkbox(
                            value=kb.done_steps.get(f"{cause.id}/{number}", False),
                            id=f"step-{cause.id}-{number}",
                            classes="step",
                            compact=True,
                            tooltip=_("Done"),
                        )
                        yield Static(
                            Content.assemble(f"{number}. ", inline_markdown(step)),
                            classes="step-text",
                        )
                    for n, note in enumerate(item.notes, 1):
                        yield Static(
                            Content.assemble(_("Note:") + " ", inline_markdown(note)),
                            classes="step-note",
                            id=f"step-note-{cause.id}-{number}-{n}",
                        )
                yield Label(_("Verify"), classes="section")
                yield Static(inline_markdown(cause.verify), classes="verify")
                for key, heading, text in (
                    ("if-not-fixed", _("If the fix did not work"), cause.if_not_fixed),
                    ("escalate", _("When escalating, send"), cause.escalate),
                ):
                    if text:
                        yield Label(heading, classes="section")
                        yield Static(inline_markdown(text), classes=key, id=f"{key}-{cause.id}")
                yield Button(
                    _("Read the whole article"),
                    id=f"article-{cause.fix_section.split('#')[0]}",
                    classes="article",
                )
        for still in report.open:
            pct = round(max(still.confidence, 0) * 100)
            with Collapsible(
                title=f"{still.title} — "
                + _("still possible")
                + f" {percent(pct, current_language())}",
                id=f"open-{still.id}",
            ):
                yield Static(Content(traces(still.explanation) or _("Nothing for or against yet.")))
        for ruled in report.ruled_out:
            title = cause_title(session, ruled.id) + " — " + _("ruled out")
            with Collapsible(title=title, id=f"whynot-{ruled.id}"):
                yield Static(Content(_("Why not?") + " " + ruled.reason))
                if ruled.explanation:
                    yield Static(Content(traces(ruled.explanation)))

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        checkbox_id = event.checkbox.id or ""
        if checkbox_id.startswith("step-"):
            cause, _sep, number = checkbox_id.removeprefix("step-").rpartition("-")
            cast("KbassistApp", self.app).done_steps[f"{cause}/{number}"] = event.value

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("article-"):
            event.stop()
            cast("KbassistApp", self.app).show_article(event.button.id.removeprefix("article-"))
