"""The terminal UI's own strings, through gettext.

Strings are marked ``_("...")`` and looked up when shown, so switching
language takes effect at the next redraw. Catalogs live in
``kbassist/tui/locale/<lang>/LC_MESSAGES/kbassist.mo``, built from the
``.po`` files with Babel (``make i18n``). English is the source language.
Pack content (questions, causes, articles) is translated by the pack itself.
"""

from __future__ import annotations

import gettext
from pathlib import Path

DOMAIN = "kbassist"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = ("en", "fr")

_catalogs: dict[str, gettext.NullTranslations] = {}
_current = "en"


def _catalog(lang: str) -> gettext.NullTranslations:
    if lang not in _catalogs:
        _catalogs[lang] = gettext.translation(
            DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True
        )
    return _catalogs[lang]


def set_language(lang: str) -> None:
    global _current
    if lang not in LANGUAGES:
        raise ValueError(f"{lang!r} is not one of {', '.join(LANGUAGES)}")
    _current = lang


def current_language() -> str:
    return _current


def _(message: str) -> str:
    """The message in the current language (itself when no translation exists)."""
    if not message:  # gettext("") is the catalog's header
        return message
    return _catalog(_current).gettext(message)


def N_(message: str) -> str:
    """Mark a string for extraction where it is defined; translate it where it is shown."""
    return message
