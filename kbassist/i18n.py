"""Lines for a person, said in English and, when asked, in the agent's language.

The core (readers, probes) writes what went wrong as
``msg("line {line}: {reason}", line=3, reason=...)``: a :class:`Message` is a
``str`` holding the English text, so every ``str(problem)``, CLI line and JSON
field stays English as before, and it keeps its template and params, so the
terminal UI can say it with :meth:`Message.text` in French. Only the template
is translated: params stay as they are (file names, numbers, hosts, text
quoted from a server) unless they are Messages themselves.

Templates are marked ``msg("...")`` for Babel (``make i18n``); they share the
``kbassist`` catalog in ``kbassist/locale`` with the terminal UI's strings.
The catalog is read on the first translation, never at import.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gettext import NullTranslations

DOMAIN = "kbassist"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"

_catalogs: dict[str, NullTranslations] = {}


def translate(text: str, lang: str) -> str:
    """``text`` (a msgid) in ``lang``; itself in English or when it has no translation."""
    if not text or lang == "en":  # gettext("") would be the catalog's header
        return text
    if lang not in _catalogs:
        import gettext  # only once a translation is wanted

        _catalogs[lang] = gettext.translation(
            DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True
        )
    return _catalogs[lang].gettext(text)


class Message(str):
    """A template and its named params; as a ``str``, the English text.

    A ``str`` so that existing callers (and tests comparing text) see no
    change. Anything built from it by ``+`` or an f-string is a plain ``str``
    again: compose Messages by passing one as another's param.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, /, **params: Any) -> Message:
        self = super().__new__(cls, template.format(**params))  # Message params: English
        vars(self).update(template=template, params=params)
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a Message cannot be changed")

    def __getnewargs_ex__(self) -> tuple[tuple[str], dict[str, Any]]:  # copy and pickle
        return (self.template,), dict(self.params)

    def text(self, lang: str) -> str:
        """The line in ``lang``: the translated template, its Message params in ``lang`` too."""
        if lang == "en":
            return str(self)
        params = {key: translated(value, lang) for key, value in self.params.items()}
        return translate(self.template, lang).format(**params)


msg = Message
"""Mark a template for extraction (Babel's keyword ``msg``) and make its Message."""


def translated(value: Any, lang: str) -> Any:
    """A Message in ``lang``; anything else as it is."""
    return value.text(lang) if isinstance(value, Message) else value


def located(place: str, line: str) -> Message:
    """``place: line``: the place is a technical token (``file:3``, ``host:25``) kept as it is;
    the separator is translated (French typography puts a space before the colon)."""
    return msg("{place}: {line}", place=place, line=line)


_VALUE_WORDS: dict[object, Message] = {
    "yes": msg("yes"),
    "no": msg("no"),
    "unknown": msg("unknown"),
    True: msg("true"),
    False: msg("false"),
}


def value_word(value: object, lang: str) -> str | None:
    """A yes/no/unknown answer or a true/false fact as a word of ``lang`` (``oui``,
    ``vrai``); None for any other value. Reports show these; JSON keeps the raw value."""
    if isinstance(value, bool | str) and value in _VALUE_WORDS:
        return _VALUE_WORDS[value].text(lang)
    return None


def decimal(text: str, lang: str) -> str:
    """A number Python wrote (``+0.90``) with the decimal mark of ``lang`` (``+0,90``)."""
    return text if lang == "en" else text.replace(".", ",")


def percent(number: int | str, lang: str) -> str:
    """``90%``; in French ``90 %`` with U+202F, the glossary's no-break space."""
    return f"{number}%" if lang == "en" else f"{number}\u202f%"
