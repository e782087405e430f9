"""The reviewed bundled pack: what its certainties promise beyond concluded or not.

The pack's own cases (rules/exchange/tests, run by test_pack_cases.py) check
which causes each situation concludes; these check the arithmetic behind them:
the same evidence given twice counts once, a file wins over an answer about the
same thing, and what only makes a cause possible stays below the threshold
whatever else of its kind is added.
"""

from __future__ import annotations

from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from kbassist.api import Diagnoser

from .conftest import SAMPLES

DIAGNOSER = Diagnoser()


def certainty(cause: str, answers: dict[str, Any], *files: str) -> float:
    case = DIAGNOSER.case(answers=answers)
    for name in files:
        DIAGNOSER.add_artifact(case, Path(SAMPLES / name))
    report = DIAGNOSER.diagnose(case)
    for found in report.causes:
        if found.id == cause:
            return found.confidence
    return 0.0


@pytest.mark.parametrize("answer", ["yes", "no"])
def test_an_answer_about_what_a_file_shows_adds_nothing(answer):
    alone = certainty("notification-registration-limit", {}, "event-9671.txt")
    both = certainty(
        "notification-registration-limit", {"event-9671-logged": answer}, "event-9671.txt"
    )
    assert alone >= 0.5 and both == alone


# Everything that makes KB 279616 possible without showing it: the answers a caller
# can give and the events a log can hold. None of their combinations concludes.
RISKS: list[tuple[dict[str, Any], tuple[str, ...]]] = [
    ({"symptom": "mail-stuck-in-queue"}, ()),
    ({"iis-reinstalled-after-exchange": "yes"}, ()),
    ({}, ("events-smtp.csv",)),
]


@pytest.mark.parametrize("size", [1, 2, 3])
def test_risk_factors_never_conclude_kb279616_without_ehlo(size):
    for chosen in combinations(RISKS, size):
        answers = {k: v for a, _ in chosen for k, v in a.items()}
        files = tuple(f for _, fs in chosen for f in fs)
        assert certainty("windows-smtp-dll-in-use", answers, *files) == 0.0, chosen
    answers = {"symptom": "mail-stuck-in-queue", "iis-reinstalled-after-exchange": "yes"}
    report = DIAGNOSER.diagnose(DIAGNOSER.case(answers=answers))
    assert "ehlo-shows-exchange-verbs" in [q.id for q in report.questions]


def test_the_ehlo_test_decides_either_way():
    risky = {"symptom": "mail-stuck-in-queue", "iis-reinstalled-after-exchange": "yes"}
    failing = certainty("windows-smtp-dll-in-use", risky, "ehlo-windows2000-smtp.txt")
    healthy = DIAGNOSER.diagnose(
        _with_files(DIAGNOSER.case(answers=risky), "ehlo-exchange2000.txt", "events-smtp.csv")
    )
    assert failing >= 0.9
    assert "windows-smtp-dll-in-use" in [r.id for r in healthy.ruled_out]


def _with_files(case: Any, *names: str) -> Any:
    for name in names:
        DIAGNOSER.add_artifact(case, Path(SAMPLES / name))
    return case


def test_a_contradicting_symptom_never_outweighs_an_orphan_transport():
    export = certainty("winsock-transport-mismatch", {}, "winsock-orphan-transport.reg")
    queue = certainty(
        "winsock-transport-mismatch",
        {"symptom": "mail-stuck-in-queue", "mail-shows-after-folder-switch": "no"},
        "winsock-orphan-transport.reg",
    )
    assert export >= 0.9 and 0.5 <= queue < export


@pytest.mark.parametrize(
    ("answers", "files", "conflict"),
    [
        ({"event-9671-logged": "no"}, ("event-9671.txt",), "event.msexchangeis-9671.count"),
        ({"ehlo-shows-exchange-verbs": "yes"}, ("ehlo-windows2000-smtp.txt",), "smtp.x-link2state"),
        ({"ehlo-shows-exchange-verbs": "no"}, ("ehlo-exchange2000.txt",), "smtp.x-link2state"),
        ({"event-9671-logged": "yes"}, ("event-9671.txt",), None),
        ({"ehlo-shows-exchange-verbs": "no"}, ("ehlo-windows2000-smtp.txt",), None),
    ],
)
def test_an_answer_the_evidence_contradicts_is_shown_as_a_conflict(answers, files, conflict):
    report = DIAGNOSER.diagnose(_with_files(DIAGNOSER.case(answers=answers), *files), lang="fr")
    found = [(c.question, c.fact) for c in report.conflicts]
    if conflict is None:
        assert found == []
        return
    (question,) = answers
    assert found == [(question, conflict)]
    (shown,) = report.conflicts
    assert shown.source.startswith(str(SAMPLES / files[0]) + ":")
    assert "vérifiez laquelle est juste" in shown.text
    from kbassist.report.render import to_markdown, to_text

    assert shown.text in to_text(report)
    assert "Réponses que les preuves contredisent" in to_markdown(report)


# What each cause's verification must repeat: the test that found the cause.
REPEATS = {
    "winsock-transport-mismatch": ("SUCCEEDED!", "SUCCEEDED!"),
    "udp-notifications-blocked": ("UDP datagram", "datagramme UDP"),
    "cisco-vpn-disables-winsock": ("00036618", "00036618"),
    "notification-registration-limit": ("9671", "9671"),
    "push-after-unclean-logoff": ("ICMP", "ICMP"),
    "windows-smtp-dll-in-use": ("X-LINK2STATE", "X-LINK2STATE"),
}


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_each_verification_repeats_the_test_that_found_the_cause(lang):
    pack = DIAGNOSER.pack
    assert set(REPEATS) == set(pack.causes)
    sections = {}
    for cause_id, cause in pack.causes.items():
        article = pack.articles.get(cause.verify.article, lang)
        text = article.sections[cause.verify.section].markdown
        assert REPEATS[cause_id][lang == "fr"] in text, (cause_id, lang)
        sections[cause_id] = (cause.verify.article, cause.verify.section)
    assert len(set(sections.values())) == len(sections)  # each cause its own verification


# One concluding case per cause: answers and files.
CONCLUDING: dict[str, tuple[dict[str, Any], tuple[str, ...]]] = {
    "winsock-transport-mismatch": ({}, ("winsock-orphan-transport.reg",)),
    "udp-notifications-blocked": (
        {
            "firewall-between-server-and-client": "yes",
            "udp-packets-seen-at-client": "no",
            "cisco-vpn-version": "none",
        },
        ("enumprot-ok.txt",),
    ),
    "cisco-vpn-disables-winsock": ({}, ("outlook-profile-cisco.reg",)),
    "notification-registration-limit": ({}, ("event-9671.txt",)),
    "push-after-unclean-logoff": (
        {"symptom": "icmp-port-unreachable", "client-rebooted-without-logoff": "yes"},
        (),
    ),
    "windows-smtp-dll-in-use": ({}, ("ehlo-windows2000-smtp.txt",)),
}


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("cause_id", sorted(CONCLUDING))
def test_each_concluded_cause_says_what_next_and_what_to_send(cause_id, lang):
    answers, files = CONCLUDING[cause_id]
    report = DIAGNOSER.diagnose(_with_files(DIAGNOSER.case(answers=answers), *files), lang=lang)
    (cause,) = [c for c in report.causes if c.id == cause_id]
    assert cause.if_not_fixed and cause.escalate
    assert "kbassist" in cause.escalate  # the report travels with the files
    from kbassist.report.render import to_text

    text = to_text(report)
    assert cause.if_not_fixed.splitlines()[0] in text and cause.escalate.splitlines()[0] in text
