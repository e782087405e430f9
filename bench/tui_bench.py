"""Benchmark: the terminal UI's responsiveness, headless (Textual's test driver).

* launch: from creating the app (pack loaded, engine built) to the first
  question on screen;
* answer: from pressing an answer key to the next question on screen.

Each is measured --runs times, side by side in one process; medians printed.

    .venv/bin/python bench/tui_bench.py [--runs 15]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time

from textual.widgets import Static

from kbassist.tui.app import KbassistApp

ANSWERS = 4  # questions answered per run: the first choice, "don't know" to the others


async def wait_for_question(app: KbassistApp, pilot, question_id: str | None) -> None:
    """Until ``question_id`` is on screen with its answer widget focused (polled)."""
    if question_id is None:  # nothing left to ask: the panel says so
        while not app.query("#no-question"):
            await pilot.pause(0.001)
        return
    text = app.session.diagnoser.pack.questions[question_id].text.en
    while True:
        shown = app.query("#question-text")
        focused = app.focused
        ready = focused is not None and (focused.id or "").startswith("answer-")
        if shown and str(shown.first(Static).render()) == text and ready:
            return
        await pilot.pause(0.001)


async def one_run() -> tuple[float, list[float]]:
    start = time.perf_counter()
    app = KbassistApp()
    async with app.run_test(size=(100, 34)) as pilot:
        await wait_for_question(app, pilot, "symptom")
        launch = time.perf_counter() - start
        answers = []
        for _ in range(ANSWERS):
            before = app.asking()
            if before is None:
                break
            kind = app.session.diagnoser.pack.questions[before].kind
            if kind in ("text", "version"):
                await pilot.press(*"unknown")
            t0 = time.perf_counter()
            await pilot.press({"choice": "enter", "yesno": "u"}.get(kind, "enter"))
            while app.asking() == before:
                await pilot.pause(0.001)
            await wait_for_question(app, pilot, app.asking())
            answers.append(time.perf_counter() - t0)
    return launch, answers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    launches: list[float] = []
    answers: list[float] = []
    for _ in range(args.runs):
        launch, taken = asyncio.run(one_run())
        launches.append(launch)
        answers.extend(taken)
    print(
        json.dumps(
            {
                "runs": args.runs,
                "launch_to_first_question_median_s": round(statistics.median(launches), 3),
                "answer_to_next_question_median_s": round(statistics.median(answers), 3),
                "answer_samples": len(answers),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
