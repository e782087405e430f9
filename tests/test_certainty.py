"""How certainty factors combine (kbassist.engine.certainty.combine).

Proves the MYCIN values the pack's comments rely on, that the result never
depends on the order rules fired in (exactly, not approximately), that more
evidence for a conclusion never lowers it and more evidence against never
raises it, that results stay within [-1, 1], and that a certain "for" and a
certain "against" cancel out.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kbassist.engine.certainty import combine, combine_same_sign

# Contributions as the reasoner makes them: a rule's certainty (two decimals, up to 1)
# scaled by the certainty of the findings it reads, so any value in [-1, 1].
contribution = st.floats(-1.0, 1.0, allow_nan=False)
positive = st.floats(0.0, 1.0, exclude_min=True)
negative = positive.map(lambda x: -x)
pack_certainty = st.integers(1, 100).map(lambda n: n / 100)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], 0.0),
        ([0.6], 0.6),
        ([-0.7], -0.7),
        ([0.6, 0.5], 0.8),
        ([-0.6, -0.5], -0.8),
        ([0.8, -0.6], 0.5),
        ([-0.8, 0.6], -0.5),
        ([0.5, -0.5], 0.0),
        ([0.9, 0.9, 0.9], 0.999),
        ([1.0, 0.3], 1.0),
        ([1.0, -0.5], 1.0),
    ],
)
def test_known_values(values, expected):
    assert combine(values) == pytest.approx(expected, abs=1e-12)


def test_zero_contributions_change_nothing():
    assert combine([0.0, 0.6, 0.0, 0.5]) == combine([0.6, 0.5])


@settings(max_examples=500)
@given(values=st.lists(contribution, max_size=8), data=st.data())
def test_order_never_matters(values, data):
    shuffled = data.draw(st.permutations(values))
    assert combine(shuffled) == combine(values)  # exact: reports must not depend on rule order


@settings(max_examples=500)
@given(values=st.lists(contribution, max_size=8))
def test_result_is_within_bounds(values):
    assert -1.0 <= combine(values) <= 1.0


@settings(max_examples=500)
@given(values=st.lists(contribution, max_size=8), extra=positive)
def test_evidence_for_never_lowers_the_result(values, extra):
    # A rounding step of a few ulps is not evidence; anything larger is a real inversion.
    assert combine([*values, extra]) >= combine(values) - 1e-12


@settings(max_examples=500)
@given(values=st.lists(contribution, max_size=8), extra=negative)
def test_evidence_against_never_raises_the_result(values, extra):
    assert combine([*values, extra]) <= combine(values) + 1e-12


@settings(max_examples=300)
@given(values=st.lists(pack_certainty, min_size=1, max_size=6))
def test_agreeing_evidence_strengthens_but_never_reaches_beyond_one(values):
    together = combine(values)
    assert together >= max(values) - 1e-12
    assert together <= 1.0
    # Evidence against mirrors evidence for (to rounding: negatives multiply in another order).
    assert combine([-v for v in values]) == pytest.approx(-together, abs=1e-12)


@settings(max_examples=300)
@given(values=st.lists(contribution, max_size=6))
def test_certain_for_and_certain_against_give_zero(values):
    assert combine([1.0, -1.0]) == 0.0
    assert combine([1.0, *values, -1.0]) == 0.0


@settings(max_examples=300)
@given(for_=pack_certainty, against=pack_certainty.map(lambda x: -x))
def test_the_stronger_side_wins(for_, against):
    result = combine([for_, against])
    if for_ > -against:
        assert result > 0
    elif for_ < -against:
        assert result < 0
    else:
        assert result == 0.0


def _combine_by_sign(values: list[float]) -> float:
    """combine as first written: each sign through combine_same_sign."""
    ordered = sorted(values)
    positive = combine_same_sign(v for v in ordered if v > 0)
    negative = combine_same_sign(v for v in ordered if v < 0)
    if positive == 0.0 or negative == 0.0:
        return positive + negative
    denominator = 1.0 - min(abs(positive), abs(negative))
    if denominator <= 0.0:
        return 0.0
    return (positive + negative) / denominator


@settings(max_examples=3000)
@given(values=st.lists(contribution | pack_certainty | pack_certainty.map(lambda x: -x)))
def test_the_one_pass_combine_is_bit_for_bit_the_per_sign_one(values):
    """Certainties sit on thresholds (0.8 concludes): not one rounding may differ."""
    assert combine(values) == _combine_by_sign(values)
