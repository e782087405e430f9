"""The terminal UI's own strings, through the core's gettext catalog.

Strings are marked ``_("...")`` and looked up when shown, so switching
language takes effect at the next redraw. The catalog is the core's
(:mod:`kbassist.i18n`, ``kbassist/locale``), which also says the core's
lines (a file refused, a probe's result) in the agent's language; it is
built with Babel (``make i18n``). English is the source language. Pack
content (questions, causes, articles) is translated by the pack itself.
"""

from __future__ import annotations

from .. import i18n as core

LANGUAGES = ("en", "fr")

_current = "en"


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"{lang!r} is not one of {', '.join(LANGUAGES)}")
    _current = lang


def current_language() -> str:
    return _current


def _(message: str) -> str:
    """The message in the current language (itself when no translation exists)."""
    return core.translate(message, _current)


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it where it is shown."""
    return message


def tr(line: str) -> str:
    """A line from the core (a :class:`~kbassist.i18n.Message`) in the current language."""
    return core.translated(line, _current)
