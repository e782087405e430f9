"""Value normalisation shared by answers, facts, the compiler and both evaluators.

Everything that reaches a rule evaluator has been through here, so that the
durable_rules engine and the reference evaluator see exactly the same, safe
inputs: case-folded single-line strings, int64-range integers, version tuples.
"""

from __future__ import annotations

import re
import unicodedata

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
VERSION_PARTS = 4
VERSION_PART_MAX = 10**9
VERSION_SHIFT = 30  # 2**30 > VERSION_PART_MAX: two parts fit one int64 (see version_key)
# durable_rules stores string lengths in 16 bits: text values are cut well below
# 64 KiB of UTF-8, the same for both evaluators.
TEXT_MAX_BYTES = 16 * 1024

_VERSION = re.compile(r"^\s*v?(\d+(?:\.\d+){0,3})(?:$|[\s(\-+_,;/])")
# A `contains` text may not hold these: durable_rules' regex dialect, which
# `contains` once compiled to, mishandled them. No regex is built any more
# (see engine/durable_backend.py); they stay refused so that a pack valid here
# is valid for the kbassist versions before.
CONTAINS_FORBIDDEN = set("%^]\\")


class VersionError(ValueError):
    pass


def parse_version(text: str) -> tuple[int, ...]:
    """'3.6.3' -> (3, 6, 3, 0). Accepts trailing words ('4.0.1 (build 5)')."""
    match = _VERSION.match(str(text))
    if not match:
        raise VersionError(f"{text!r} is not a version (expected digits and dots, e.g. 3.6.3)")
    parts = [int(p) for p in match.group(1).split(".")]
    if any(p > VERSION_PART_MAX for p in parts):
        raise VersionError(f"{text!r} has a version part larger than {VERSION_PART_MAX}")
    return tuple(parts + [0] * (VERSION_PARTS - len(parts)))


def clean_text(value: str) -> str:
    """Case-fold and fold whitespace and control characters to single spaces."""
    text = str(value)
    # Printable text holds no control character and no whitespace but ' ' (which
    # split() folds): nearly every answer and fact, spared the per-character walk.
    if not text.isprintable():
        text = "".join(
            " " if ch.isspace() or unicodedata.category(ch)[0] == "C" else ch for ch in text
        )
    text = " ".join(text.split()).casefold()
    encoded = text.encode("utf-8")
    if len(encoded) > TEXT_MAX_BYTES:
        text = encoded[:TEXT_MAX_BYTES].decode("utf-8", errors="ignore").rstrip()
    return text


def version_key(version: tuple[int, ...]) -> tuple[int, int]:
    """A 4-part version as two int64s that compare in the same order, (p0.p1, p2.p3)."""
    p0, p1, p2, p3 = version
    return (p0 << VERSION_SHIFT) | p1, (p2 << VERSION_SHIFT) | p3


def clamp_int(value: int) -> int:
    return max(INT_MIN, min(INT_MAX, int(value)))


def contains_problem(literal: str) -> str | None:
    bad = sorted(set(literal) & CONTAINS_FORBIDDEN)
    if bad:
        return f"'contains' text may not hold {' '.join(bad)}"
    if not clean_text(literal):
        return "'contains' text is empty"
    return None
