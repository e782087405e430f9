"""The interview: one question at a time, the one the engine says matters most."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, cast

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..errors import InputError
from ..report.render import safe
from .howto import how_to
from .i18n import N_, _, tr
from .views import answer_label, question_view

if TYPE_CHECKING:
    from .app import KbassistApp


class InterviewPanel(VerticalScroll):
    """The current question, its answer widget, and the answers given so far."""

    # Not in the footer: the buttons carry their keys, and the footer needs the room.
    BINDINGS: ClassVar = [
        Binding("y", "answer('yes')", N_("Yes"), show=False),
        Binding("n", "answer('no')", N_("No"), show=False),
        Binding("u", "answer('unknown')", N_("Don't know"), show=False),
    ]

    @property
    def kb(self) -> KbassistApp:
        return cast("KbassistApp", self.app)

    shape: str | None = None  # the kind of question on screen, unless it is being changed
    with_files = False  # whether files that answer the question are on screen, under its answer

    class FileWanted(Message):
        """The agent will add a file that answers the question: the app shows the Files tab."""

        def __init__(self, file_id: str) -> None:
            super().__init__()
            self.file_id = file_id

    def compose(self) -> ComposeResult:
        session = self.kb.session
        question_id = self.kb.asking()
        self.shape = None
        self.with_files = False
        if question_id is None:
            yield Static(
                _("No answer can change the result now: see the results (r)."), id="no-question"
            )
        else:
            view = question_view(session, question_id)
            yield Static(Content(view.text), id="question-text")
            help_text = Static(Content(view.help or ""), id="question-help")
            help_text.display = bool(view.help)  # kept, so the next question can fill it
            yield help_text
            if view.current is not None or question_id in session.answers:
                shown = answer_label(session, question_id, view.current)
                yield Static(Content(_("Answer so far: {answer}").format(answer=shown)))
            else:
                self.shape = view.kind
            if view.kind == "yesno":
                with Horizontal(id="yesno"):
                    yield Button(_("Yes") + " (y)", id="answer-yes", variant="success")
                    yield Button(_("No") + " (n)", id="answer-no", variant="error")
                    yield Button(_("Don't know") + " (u)", id="answer-unknown")
            elif view.kind == "choice":
                options = [Option(Content(label), id=value) for value, label in view.choices]
                options.append(Option(Content(_("Don't know")), id="unknown"))
                yield OptionList(*options, id="answer-choice")
            else:
                hint = _("e.g. 3.6.3, or none") if view.kind == "version" else _("Type the answer")
                yield Input(placeholder=hint + " - " + _("Enter to answer"), id="answer-text")
            yield Label("", id="answer-error")
            # Under the answer, so that opening one never moves the answer off the screen.
            self.with_files = bool(view.files)
            for file in view.files:
                title = _("File that answers it: {title}").format(title=file.title)
                yield how_to(file, title, collapsed=True, add=True)
        answered = self._answered()
        if answered:
            yield Label(_("Answers so far (Enter on one to change it):"), id="answered-title")
            yield OptionList(*answered, id="answered")

    def _answered(self) -> list[Option]:
        session = self.kb.session
        return [
            Option(
                Content(
                    f"{question_view(session, qid).text} → {answer_label(session, qid, value)}"
                ),
                id=qid,
            )
            for qid, value in session.answers.items()
        ]

    def update_in_place(self) -> bool:
        """Show the next yes/no question in the widgets already on screen, after a yes/no one.

        Most of an interview is yes/no questions in a row: changing three texts
        is far cheaper than mounting the panel again, and the focus (so the
        footer) stays put. Anything else is recomposed; False says so.
        """
        question_id = self.kb.asking()
        if question_id is None or self.shape != "yesno":
            return False
        view = question_view(self.kb.session, question_id)
        answered = self.query("#answered")
        if view.kind != "yesno" or view.current is not None or not answered:
            return False
        if view.files or self.with_files:
            return False  # the files under a question are mounted with it
        self.query_one("#question-text", Static).update(Content(view.text))
        help_text = self.query_one("#question-help", Static)
        help_text.update(Content(view.help or ""))
        help_text.display = bool(view.help)
        self.query_one("#answer-error", Label).update("")
        options = answered.first(OptionList)
        options.clear_options()
        options.add_options(self._answered())
        return True

    def on_mount(self) -> None:
        tabs = self.app.query("#tabs")
        if tabs and getattr(tabs.first(), "active", "interview") == "interview":
            self.focus_answer()

    def focus_answer(self) -> None:
        for selector in ("#answer-choice", "#answer-text", "#answer-yes", "#answered"):
            found = self.query(selector)
            if found:
                found.first().focus()
                return

    def action_answer(self, value: str) -> None:
        question_id = self.kb.asking()
        if question_id is None:
            return
        if self.kb.session.diagnoser.pack.questions[question_id].kind != "yesno":
            return
        self.submit(question_id, value)

    def submit(self, question_id: str, value: str) -> None:
        try:
            self.kb.answer(question_id, value)
        except InputError as error:
            reason = tr(error.problems[0].message)
            self.query_one("#answer-error", Label).update(Content(safe(reason)))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("add-file-"):
            event.stop()
            self.post_message(self.FileWanted(event.button.id.removeprefix("add-file-")))
            return
        question_id = self.kb.asking()
        if question_id and event.button.id and event.button.id.startswith("answer-"):
            event.stop()
            self.submit(question_id, event.button.id.removeprefix("answer-"))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        question_id = self.kb.asking()
        if question_id and event.input.id == "answer-text":
            event.stop()
            self.submit(question_id, event.value.strip() or "unknown")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_list.id == "answer-choice":
            question_id = self.kb.asking()
            if question_id and event.option.id:
                self.submit(question_id, event.option.id)
        elif event.option_list.id == "answered" and event.option.id:
            self.kb.change_answer(event.option.id)
