"""Snapshots of the terminal UI's main screens, in English and in French.

Each screen is reached with keys, as the agent would, and compared with the SVG
under ``tests/__snapshots__/test_tui_snapshots/``. After a deliberate change of
what the UI shows, regenerate them and look at the new SVGs before committing::

    .venv/bin/python -m pytest tests/test_tui_snapshots.py --snapshot-update

Kept stable: the app runs from the repository's root (the file shown is named by
a relative path), animations are off, the input cursor does not blink, NO_COLOR
is unset, and the header has no clock (Header() shows none by default).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from textual.widgets import Input

from kbassist.tui.app import KbassistApp

from .conftest import REPO, SAMPLES

SAMPLE = SAMPLES.relative_to(REPO) / "outlook-profile-cisco.reg"


@pytest.fixture(autouse=True)
def stable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("NO_COLOR", raising=False)


async def settle(pilot) -> None:
    """Wait until the panels are recomposed; then stop the input cursor blinking."""
    app: KbassistApp = pilot.app
    await pilot.pause()
    refreshing = [w.wait() for w in app.workers if w.group == "refresh"]
    await asyncio.gather(*refreshing, return_exceptions=True)
    await pilot.pause()
    for field in app.query(Input):
        field.cursor_blink = False  # the cursor shows, steadily


async def first_question(pilot) -> None:
    await settle(pilot)
    assert pilot.app.asking() == "symptom"


async def yes_no_question(pilot) -> None:
    await first_question(pilot)
    await pilot.press("enter")  # the first choice: new mail is late
    await settle(pilot)
    app: KbassistApp = pilot.app
    assert app.session.answers == {"symptom": "new-mail-delayed"}
    assert app.asking() == "mail-shows-after-folder-switch"


async def version_question(pilot) -> None:
    await yes_no_question(pilot)
    app: KbassistApp = pilot.app
    while (asked := app.asking()) != "cisco-vpn-version":  # yes, then unknown to the rest
        assert asked is not None
        await pilot.press("y" if asked == "mail-shows-after-folder-switch" else "u")
        await settle(pilot)


async def results(pilot) -> None:
    await version_question(pilot)
    await pilot.press(*"3.6.3", "enter")
    await settle(pilot)
    assert pilot.app.session.answers["cisco-vpn-version"] == "3.6.3"
    await pilot.press("f4")
    await settle(pilot)
    assert [c.id for c in pilot.app.session.report().causes] == ["cisco-vpn-disables-winsock"]
    # Focusing the first widget of the tab scrolls it by a line or not, depending on whether
    # Textual laid the tab out first (Python 3.11 and 3.12 differ): show it from the top.
    pilot.app.query_one("#results-panel").scroll_home(animate=False, immediate=True)
    await settle(pilot)


async def files(pilot) -> None:
    await first_question(pilot)
    await pilot.press("f2")
    await settle(pilot)
    await pilot.press(*str(SAMPLE), "enter")
    await settle(pilot)
    (entry,) = pilot.app.session.files
    assert entry.path == SAMPLE and entry.problem is None


async def probes(pilot) -> None:
    await first_question(pilot)
    await pilot.press("f3")
    await settle(pilot)


SCREENS: dict[str, Callable[..., Awaitable[None]]] = {
    "first-question": first_question,
    "version-question": version_question,
    "yes-no-question": yes_no_question,
    "results": results,
    "files": files,
    "probes": probes,
}
CASES = [(screen, lang, (80, 24)) for screen in SCREENS for lang in ("en", "fr")]
CASES += [("results", "fr", (120, 40))]


@pytest.mark.parametrize(
    ("screen", "lang", "size"),
    CASES,
    ids=[f"{screen}-{lang}-{w}x{h}" for screen, lang, (w, h) in CASES],
)
def test_screen(snap_compare, screen: str, lang: str, size: tuple[int, int]):
    app = KbassistApp(lang=lang)
    app.animation_level = "none"
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
