"""MYCIN-style certainty factors, combined so that order never matters.

The classic pairwise rule is not associative when evidence for and against
are mixed, so the result would depend on rule order. Here all supporting
contributions are combined first, all opposing ones next (each of those is
associative and commutative), and the two totals are combined once.
"""

from __future__ import annotations

from collections.abc import Iterable


def combine_same_sign(values: Iterable[float]) -> float:
    """1 - prod(1 - |x|), with the common sign: more evidence, more certainty."""
    remaining = 1.0
    sign = 1.0
    for value in values:
        sign = -1.0 if value < 0 else 1.0
        remaining *= 1.0 - abs(value)
    return sign * (1.0 - remaining)


def combine(values: Iterable[float]) -> float:
    """The certainty of several contributions: all for, all against, then the two."""
    # One pass over the sorted values (float products must not depend on rule
    # order), multiplying exactly as combine_same_sign would for each sign.
    remaining_for = remaining_against = 1.0
    for value in sorted(values):
        if value > 0:
            remaining_for *= 1.0 - value
        elif value < 0:
            remaining_against *= 1.0 + value  # 1 - |value|, exactly
    positive = 1.0 - remaining_for
    negative = remaining_against - 1.0  # -(1 - remaining), exactly
    if positive == 0.0 or negative == 0.0:
        return positive + negative
    denominator = 1.0 - min(positive, -negative)
    if denominator <= 0.0:
        return 0.0  # certain for and certain against: no conclusion either way
    return (positive + negative) / denominator


def status(cf: float, conclude: float, rule_out: float) -> str:
    """Where a cause stands at certainty ``cf``, given the pack's two thresholds."""
    if cf >= conclude:
        return "concluded"
    if cf <= rule_out:
        return "ruled_out"
    return "open"
