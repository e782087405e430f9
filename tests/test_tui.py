"""The terminal UI driven like an agent would: keys and clicks, under Textual's Pilot.

Every interview follows the questions the engine ranks (``app.asking()``); the
script only says how the user answers each one, and answers "don't know" to
anything else.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable, Coroutine
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import (
    Button,
    Collapsible,
    Footer,
    Input,
    Label,
    OptionList,
    Select,
    Static,
    Tab,
    TabbedContent,
    Tabs,
)
from textual.widgets._footer import FooterKey

from kbassist.probes.udp import UdpListenProbe, UdpSendProbe
from kbassist.session import Session
from kbassist.tui.app import KbassistApp

from .conftest import SAMPLES
from .servers import HOST, VERBS

SIZE = (100, 34)


def pilot_test(test: Callable[..., Coroutine[Any, Any, None]]) -> Callable[..., None]:
    """Run an async Pilot test on its own event loop (no pytest async plugin needed)."""

    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


async def settle(pilot, app: KbassistApp) -> None:
    """Wait until the panels have been recomposed from the session."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


async def type_text(pilot, text: str) -> None:
    await pilot.press(*text)


async def answer(pilot, app: KbassistApp, value: str, *, click: bool = False) -> None:
    """Answer the question on screen through its widget, as the agent would."""
    question = app.session.diagnoser.pack.questions[app.asking()]
    if question.kind == "yesno":
        if click:
            await pilot.click(f"#answer-{value}")
        else:
            await pilot.press({"yes": "y", "no": "n", "unknown": "u"}[value])
    elif question.kind == "choice":
        values = [c.value for c in question.choices] + ["unknown"]
        options = app.query_one("#answer-choice", OptionList)
        options.focus()
        options.highlighted = 0
        await pilot.press(*["down"] * values.index(value), "enter")
    else:
        field = app.query_one("#answer-text", Input)
        field.focus()
        await type_text(pilot, value)
        await pilot.press("enter")
    await settle(pilot, app)


async def interview(pilot, app: KbassistApp, script: dict[str, str], click=False) -> list[str]:
    """Answer what the engine asks until nothing can change the result; the questions asked."""
    asked: list[str] = []
    while (question_id := app.asking()) is not None:
        assert question_id not in asked, f"{question_id} asked twice"
        asked.append(question_id)
        await answer(pilot, app, script.get(question_id, "unknown"), click=click)
    return asked


async def reach(pilot, app: KbassistApp, script: dict[str, str], target: str) -> None:
    """Answer what the engine asks (from the script, else unknown) until it asks target."""
    while (question_id := app.asking()) != target:
        assert question_id is not None, f"{target} never asked"
        await answer(pilot, app, script.get(question_id, "unknown"))


# Notification symptom, mail after a folder switch: the Cisco question comes up.
NOTIFICATION = {"symptom": "new-mail-delayed", "mail-shows-after-folder-switch": "yes"}


async def old_cisco_client(pilot, app: KbassistApp) -> None:
    """The notification symptom, then a Cisco VPN client before 4.0: the Cisco cause."""
    await reach(pilot, app, NOTIFICATION, "cisco-vpn-version")
    await answer(pilot, app, "3.6.3")


async def probe_form(pilot, app: KbassistApp, kind: str) -> None:
    """The Probes tab, with the form set to one kind of probe."""
    await pilot.press("f3")
    await settle(pilot, app)
    app.query_one("#probe-kind", Select).value = kind
    await settle(pilot, app)


def probe_log(app: KbassistApp) -> list[str]:
    return [str(line.render()) for line in app.query(".probe-line")]


def concluded(app: KbassistApp) -> list[str]:
    return [c.id for c in app.session.report().causes]


INTERVIEWS = [
    (
        "cisco-vpn-disables-winsock",
        {
            "symptom": "new-mail-delayed",
            "mail-shows-after-folder-switch": "yes",
            "cisco-vpn-version": "3.6.3",
        },
    ),
    (
        "push-after-unclean-logoff",
        {"symptom": "icmp-port-unreachable", "client-rebooted-without-logoff": "yes"},
    ),
    (
        "udp-notifications-blocked",
        {
            "symptom": "new-mail-delayed",
            "mail-shows-after-folder-switch": "yes",
            "cisco-vpn-version": "none",
            "firewall-between-server-and-client": "yes",
            "udp-packets-seen-at-client": "no",
        },
    ),
    (
        "notification-registration-limit",
        {"symptom": "registration-event", "event-9671-logged": "yes"},
    ),
    (
        "windows-smtp-dll-in-use",
        {
            "symptom": "mail-stuck-in-queue",
            "iis-reinstalled-after-exchange": "yes",
            "ehlo-shows-exchange-verbs": "no",
        },
    ),
]


# Files the caller sent before the interview. A blocked UDP path needs one: missing
# UDP is as well explained by a failed registration, which EnumProt tests.
FILES = {"udp-notifications-blocked": ["enumprot-ok.txt"]}


async def add_files(pilot, app: KbassistApp, names: list[str]) -> None:
    """Add sample files by path on the Files tab, then back to the interview."""
    if not names:
        return
    await pilot.press("f2")
    await settle(pilot, app)
    for name in names:
        field = app.query_one("#file-path", Input)
        field.focus()
        field.value = str(SAMPLES / name)
        await pilot.press("enter")
        await settle(pilot, app)
    await pilot.press("f1")
    await settle(pilot, app)


# Keys for every interview; the mouse for the ones answered with yes/no buttons.
CASES = [(cause, script, False) for cause, script in INTERVIEWS]
CASES += [(cause, script, True) for cause, script in INTERVIEWS[1:5:3]]


@pytest.mark.parametrize(
    ("cause", "script", "click"),
    CASES,
    ids=[f"{c}-{'clicks' if k else 'keys'}" for c, _s, k in CASES],
)
@pilot_test
async def test_an_interview_reaches_each_cause(cause, script, click):
    app = KbassistApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await add_files(pilot, app, FILES.get(cause, []))
        asked = await interview(pilot, app, script, click=click)
        assert asked[0] == "symptom"
        assert cause in concluded(app)
        # The live panel marks it, and the results tab shows its fix as checkable steps.
        assert app.query_one(f"#cause-{cause}", Static).has_class("concluded")
        assert app.query_one("#tabs", TabbedContent).active == "results"
        (reported,) = [c for c in app.session.report().causes if c.id == cause]
        assert len(app.query(f"#result-{cause} .step")) == len(reported.steps) > 0


@pilot_test
async def test_evidence_alone_reaches_the_winsock_cause_and_a_bad_file_is_one_line(tmp_path):
    bad = tmp_path / "cut.reg"
    bad.write_text('REGEDIT4\n[HKEY_CURRENT_USER\\X]\n"a"=hex:01,\\\n', encoding="ascii")
    app = KbassistApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f2")
        await settle(pilot, app)
        for path in [bad, SAMPLES / "winsock-orphan-transport.reg"]:
            field = app.query_one("#file-path", Input)
            field.focus()
            field.value = str(path)
            await pilot.press("enter")
            await settle(pilot, app)
        files = [str(s.render()) for s in app.query(".file")]
        assert files[0].startswith(f"✗ {bad}:3: the file ends inside a value continued")
        assert "registry export" in files[1] and "winsock.orphan-count = 1" in files[1]
        assert "winsock-orphan-transport.reg:8" in files[1]
        assert concluded(app) == ["winsock-transport-mismatch"]


@pilot_test
async def test_a_probe_against_a_local_smtp_server(smtpd):
    _, port = smtpd(VERBS)  # Windows 2000 SMTP: no XEXCH50, no X-LINK2STATE
    app = KbassistApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f3")
        await settle(pilot, app)
        assert app.query_one("#probe-kind", Select).value == "smtp"
        app.query_one("#probe-host", Input).value = HOST
        app.query_one("#probe-port", Input).value = str(port)
        await pilot.click("#probe-run")
        await settle(pilot, app)
        log = probe_log(app)
        assert log[0].startswith("… smtp")
        assert log[-1].startswith(f"✗ smtp {HOST}:{port}: fault found")
        assert "windows-smtp-dll-in-use" in concluded(app)
        report = app.session.report()
        assert {e.source for e in report.causes[0].evidence} == {"probe:smtp"}


@pilot_test
async def test_the_udp_pair_from_the_form_listen_here_and_send_there():
    """udp-listen tells the agent what to run on the server; udp-send feeds a listener."""
    app = KbassistApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await probe_form(pilot, app, "udp-listen")
        assert app.query_one("#probe-nonce", Input).display
        assert app.query_one("#probe-timeout", Input).value == "60"
        app.query_one("#probe-port", Input).value = "0"  # any free port
        app.query_one("#probe-nonce", Input).value = "tui-pair-1"
        await pilot.click("#probe-run")
        for _ in range(50):
            await pilot.pause(0.05)
            told = [line for line in probe_log(app) if "udp-send" in line]
            if told:
                break
        command = told[0].split("run: ", 1)[1]
        assert command.endswith("--nonce tui-pair-1")
        port = int(command.split()[3].rsplit(":", 1)[1])
        sent = await UdpSendProbe(HOST, port, count=2, nonce="tui-pair-1", timeout=2).run()
        assert sent.status == "ok"
        await settle(pilot, app)
        log = probe_log(app)
        assert log[-1].startswith("✔ udp-listen"), log
        assert app.session.probes[-1].facts["udp.datagrams-received"] is True

        # The other end: the form sends to a listener that this test runs.
        listener = UdpListenProbe(0, timeout=5, bind=HOST, nonce="tui-pair-2")
        listening = asyncio.ensure_future(listener.run())
        await listener.listening.wait()
        await probe_form(pilot, app, "udp-send")
        app.query_one("#probe-host", Input).value = HOST
        app.query_one("#probe-port", Input).value = str(listener.bound_port)
        app.query_one("#probe-nonce", Input).value = "tui-pair-2"
        await pilot.click("#probe-run")
        received = await listening
        await settle(pilot, app)
        assert received.facts["udp.datagrams-received"] is True
        assert received.details["received"] >= 1
        assert probe_log(app)[-1].startswith("✔ udp-send")


@pilot_test
async def test_the_probe_form_keeps_what_was_typed_and_says_what_is_missing():
    app = KbassistApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await probe_form(pilot, app, "tcp")
        assert app.query_one("#probe-port", Input).value == "135"
        assert not app.query_one("#probe-nonce", Input).display
        await pilot.click("#probe-run")
        await settle(pilot, app)
        assert str(app.query_one("#probe-error", Label).render()) == "the host is missing"
        app.query_one("#probe-host", Input).value = "mail01.contoso.com"
        await pilot.press("f1", "f3")  # the panel is recomposed when shown again
        await settle(pilot, app)
        app.refresh_panels()
        await settle(pilot, app)
        assert app.query_one("#probe-kind", Select).value == "tcp"
        assert app.query_one("#probe-host", Input).value == "mail01.contoso.com"


@pilot_test
async def test_a_running_probe_can_be_cancelled(serve):
    async def silent(peer) -> None:  # accepts, never greets
        await peer.reader.read()

    server = serve(silent)
    app = KbassistApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f3")
        await settle(pilot, app)
        app.query_one("#probe-host", Input).value = HOST
        app.query_one("#probe-port", Input).value = str(server.port)
        app.query_one("#probe-timeout", Input).value = "30"
        await pilot.click("#probe-run")
        await pilot.pause(0.2)
        assert not app.query_one("#probe-cancel", Button).disabled
        await pilot.click("#probe-cancel")
        await settle(pilot, app)
        log = probe_log(app)
        assert log[-1].startswith(f"✗ smtp {HOST}:{server.port}: cancelled")
        assert app.session.probes == []  # a cancelled check is not evidence


@pilot_test
async def test_going_back_changes_an_answer_and_everything_downstream():
    app = KbassistApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await old_cisco_client(pilot, app)
        assert "cisco-vpn-disables-winsock" in concluded(app)
        await pilot.press("f5")  # back: change the last answer
        await settle(pilot, app)
        assert app.asking() == "cisco-vpn-version"
        await answer(pilot, app, "none")
        assert "cisco-vpn-disables-winsock" not in concluded(app)
        assert app.query_one("#ruled-cisco-vpn-disables-winsock", Static)
        # An earlier answer, picked from the list of answers given.
        await pilot.press("f1")
        await settle(pilot, app)
        answered = app.query_one("#answered", OptionList)
        answered.focus()
        answered.highlighted = 0
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.asking() == "symptom"
        await answer(pilot, app, "mail-stuck-in-queue")
        assert app.session.answers["symptom"] == "mail-stuck-in-queue"


@pilot_test
async def test_switching_language_mid_session_keeps_the_work():
    app = KbassistApp()
    pack = app.session.diagnoser.pack
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await answer(pilot, app, "new-mail-delayed")
        text = str(app.query_one("#question-text", Static).render())
        assert text == pack.questions["mail-shows-after-folder-switch"].text.en
        await pilot.press("f6")
        await settle(pilot, app)
        assert app.session.lang == "fr" and app.session.answers == {"symptom": "new-mail-delayed"}
        text = str(app.query_one("#question-text", Static).render())
        assert text == pack.questions["mail-shows-after-folder-switch"].text.fr
        await old_cisco_client(pilot, app)
        title = pack.causes["cisco-vpn-disables-winsock"].title.fr
        assert title in str(app.query_one("#cause-cisco-vpn-disables-winsock", Static).render())
        await pilot.press("f6")
        await settle(pilot, app)
        assert app.session.lang == "en"


@pilot_test
async def test_save_resume_and_export(tmp_path: Path):
    saved = tmp_path / "ticket.json"
    note = tmp_path / "ticket.md"
    app = KbassistApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await old_cisco_client(pilot, app)
        answers = dict(app.session.answers)
        assert answers["cisco-vpn-version"] == "3.6.3"
        for key, path in [("ctrl+s", saved), ("f8", note)]:
            await pilot.press(key)
            await pilot.pause()
            field = app.screen.query_one("#path", Input)
            field.value = str(path)
            await pilot.press("enter")
            await settle(pilot, app)
        expected = app.session.report()
    report = tmp_path / "ticket.report.json"
    assert json.loads(report.read_text()) == json.loads(expected.to_json())
    assert note.read_text(encoding="utf-8").startswith("## ")
    resumed = Session.load(saved, app.session.diagnoser)
    again = KbassistApp(resumed)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot, again)
        assert again.session.answers == answers
        assert again.session.report() == expected
        assert again.query_one("#cause-cisco-vpn-disables-winsock", Static).has_class("concluded")


@pilot_test
async def test_the_article_opens_from_the_results_by_button_and_by_key():
    app = KbassistApp()
    article = app.session.diagnoser.pack.articles.get("kb319572", "en").markdown
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await old_cisco_client(pilot, app)
        await pilot.press("f4")
        await settle(pilot, app)
        app.query_one("#result-cisco-vpn-disables-winsock Button.article", Button).press()
        await pilot.pause()
        assert type(app.screen).__name__ == "ArticleScreen"
        assert app.screen.query_one("Markdown").source == article
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ != "ArticleScreen"
        app.query_one("#results-panel").focus()
        await pilot.press("a")
        await pilot.pause()
        assert type(app.screen).__name__ == "ArticleScreen"
        assert app.screen.query_one("Markdown").source == article


@pytest.mark.parametrize("lang", ["en", "fr"])
@pilot_test
async def test_at_80_columns_every_key_and_tab_is_on_screen(lang: str):
    """The footer does not wrap: at 80x24 each key it offers, and each tab, must fit."""
    app = KbassistApp(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await interview(pilot, app, dict(INTERVIEWS[0][1]))  # the results then offer more keys
        for tab_key in ("f1", "f2", "f3", "f4"):
            await pilot.press(tab_key)
            await settle(pilot, app)
            footer = app.screen.query_one(Footer)
            keys = list(footer.query(FooterKey))
            assert {k.key for k in keys} >= {"f5", "f6", "ctrl+p", "ctrl+q"}, tab_key
            assert [k.key for k in keys if k.region.right > 80] == [], tab_key
            overlapping = [
                (a.key, b.key) for a, b in combinations(keys, 2) if a.region.overlaps(b.region)
            ]
            assert overlapping == [], tab_key
            tabs = app.query_one("#tabs", TabbedContent)
            strip = tabs.query_one(Tabs).region
            assert [t.id for t in tabs.query(Tab) if t.region.right > strip.right] == []
        assert "a" in {k.key for k in keys}  # the article key, on the results tab


@pilot_test
async def test_a_yes_no_question_after_another_reuses_the_widgets_on_screen():
    """The common step of an interview updates texts in place rather than remounting.

    Not when a file answers either question: its how-to is mounted with the panel."""
    app = KbassistApp()
    cause, script = INTERVIEWS[2]  # several yes/no questions in a row
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await add_files(pilot, app, FILES[cause])
        reused = 0
        while (question_id := app.asking()) is not None:
            pack = app.session.diagnoser.pack
            button = app.query("#answer-yes").first() if app.query("#answer-yes") else None
            await answer(pilot, app, script.get(question_id, "unknown"))
            following = app.asking()
            if button is None or following is None or pack.questions[following].kind != "yesno":
                continue
            if app.session.question_files(question_id) or app.session.question_files(following):
                continue
            shown = str(app.query_one("#question-text", Static).render())
            assert shown == pack.questions[following].text.en
            answered = app.query_one("#answered", OptionList)
            assert answered.option_count == len(app.session.answers)
            assert app.query_one("#answer-yes") is button
            assert app.focused is button
            help_text = app.query_one("#question-help", Static)
            assert help_text.display == bool(pack.questions[following].help)
            reused += 1
        assert reused >= 1
        assert "udp-notifications-blocked" in concluded(app)


@pilot_test
async def test_the_results_show_a_steps_note_under_it():
    app = KbassistApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await old_cisco_client(pilot, app)
        await pilot.press("f4")
        await settle(pilot, app)
        cause = app.session.report().causes[0]
        assert cause.id == "cisco-vpn-disables-winsock"
        note = app.query_one("#step-note-cisco-vpn-disables-winsock-5-1", Static)
        shown = str(note.render())
        assert shown.startswith("Note: ") and "little-endian" in shown
        assert cause.fix[4].notes == [shown.removeprefix("Note: ")]
        # Under step 5: the widget that follows step 5's row, before step 6's.
        rows = list(app.query("#result-cisco-vpn-disables-winsock .step-row, .step-note"))
        ids = [w.id or next(iter(w.query(".step")), w).id for w in rows]
        at = ids.index("step-note-cisco-vpn-disables-winsock-5-1")
        assert ids[at - 1] == "step-cisco-vpn-disables-winsock-5"


@pilot_test
async def test_an_answer_the_files_contradict_is_shown_first_on_the_results():
    app = KbassistApp()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        app.session.answer("event-9671-logged", "no")
        await add_files(pilot, app, ["event-9671.txt"])
        await pilot.press("f4")
        await settle(pilot, app)
        (shown,) = app.query("#results-panel .conflict")
        text = str(shown.render())
        assert text.startswith("⚠ event-9671-logged was answered no, but ")
        assert "event.msexchangeis-9671.count = 1" in text


def declared_file(app: KbassistApp, file_id: str):
    return {f.id: f for f in app.session.diagnoser.pack.model.files}[file_id]


@pilot_test
async def test_a_question_a_file_answers_shows_how_to_make_it_and_leads_to_the_files_tab():
    app = KbassistApp()
    smtp = declared_file(app, "server-smtp-session")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await reach(pilot, app, {"symptom": "mail-stuck-in-queue"}, "ehlo-shows-exchange-verbs")
        how = app.query_one("#how-to-server-smtp-session", Collapsible)
        assert how.collapsed and how.title == f"File that answers it: {smtp.title.en}"
        await pilot.click("#how-to-server-smtp-session CollapsibleTitle")
        await settle(pilot, app)
        assert not how.collapsed
        text = str(how.query_one(".how-to-text", Static).render())
        assert text == smtp.how.en.replace("`", "")  # code spans shown in bold
        assert "telnet localhost 25" in text
        await pilot.press("f6")  # in French, from the same declaration
        await settle(pilot, app)
        how = app.query_one("#how-to-server-smtp-session", Collapsible)
        assert how.title == f"Fichier qui y répond\u00a0: {smtp.title.fr}"
        await pilot.press("f6")
        await settle(pilot, app)
        # The next yes/no question has no file: the panel is mounted anew, without it.
        await answer(pilot, app, "unknown")
        assert app.asking() != "ehlo-shows-exchange-verbs"
        assert not app.query(".how-to")
        await pilot.press("f5")  # back to it, then to the file it asks for
        await settle(pilot, app)
        assert app.asking() == "ehlo-shows-exchange-verbs"
        await pilot.click("#how-to-server-smtp-session CollapsibleTitle")
        await settle(pilot, app)
        await pilot.click("#add-file-server-smtp-session")
        await settle(pilot, app)
        assert app.current_tab == "evidence"
        assert app.focused is app.query_one("#file-path", Input)


@pilot_test
async def test_a_file_that_cannot_prove_an_orphan_shows_how_to_export_services(tmp_path: Path):
    from .test_diagnose_artifacts import SERVICES, winsock_only_export

    app = KbassistApp()
    services = declared_file(app, "server-services-export")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, app)
        await pilot.press("f2")
        await settle(pilot, app)
        field = app.query_one("#file-path", Input)
        field.value = str(winsock_only_export(tmp_path))
        await pilot.press("enter")
        await settle(pilot, app)
        (how,) = app.query("#evidence-panel .how-to")
        assert isinstance(how, Collapsible) and not how.collapsed
        assert how.title == f"File to send: {services.title.en}"
        text = str(how.query_one(".how-to-text", Static).render())
        assert text == services.how.en.replace("`", "") and SERVICES in text
