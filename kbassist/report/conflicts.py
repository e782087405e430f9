"""Answers that a file or a probe contradicts, shown as such rather than averaged away.

A yes/no question ``covered_by`` facts asks about what those facts show (event
9671 in the log, the Exchange verbs in EHLO, UDP reaching the client): *yes*
means every covering fact holds. When the caller's answer and the evidence
disagree, the report says so, with the file or probe that disagrees, so that
the agent checks which is right before acting on a conclusion. How much each
counts is the pack's business (the bundled pack lets the file win); this only
makes the disagreement visible.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..i18n import msg
from .model import Conflict

if TYPE_CHECKING:
    from ..case import Case, Observation
    from ..pack.loader import Pack


def _holds(value: Any) -> bool:
    """What a covering fact says as yes or no: true, a count above 0, a non-empty value."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value > 0
    return bool(value)


def find_conflicts(pack: Pack, case: Case, lang: str) -> list[Conflict]:
    seen: dict[str, Observation] = {}
    for obs in case.observations:
        seen.setdefault(obs.fact, obs)  # the first sighting names the source
    conflicts: list[Conflict] = []
    for question in pack.model.questions:
        answer = case.answers.get(question.id)
        if question.kind != "yesno" or answer is None or not question.covered_by:
            continue
        observed = [seen[name] for name in question.covered_by if name in seen]
        if not observed:
            continue
        if answer == "yes":
            against = [o for o in observed if not _holds(o.value)]
        elif len(observed) == len(question.covered_by) and all(_holds(o.value) for o in observed):
            against = observed[:1]  # "no", and the evidence shows every part of "yes"
        else:
            against = []
        for obs in against[:1]:
            text = msg(
                "{question} was answered {answer}, but {source} shows {fact} = {value}: "
                "check which is right before acting on a conclusion",
                question=question.id,
                answer=answer,
                source=obs.source,
                fact=obs.fact,
                value=obs.value,
            )
            conflicts.append(
                Conflict(
                    question=question.id,
                    answer=answer,
                    fact=obs.fact,
                    value=obs.value,
                    source=obs.source,
                    text=text.text(lang),
                )
            )
    return conflicts
