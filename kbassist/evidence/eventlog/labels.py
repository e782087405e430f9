"""The words Event Viewer writes in its text exports, one entry per Windows language.

Event Viewer labels and type names follow the language of the Windows that
made the export, so each language is one :class:`Language` entry of
:data:`LANGUAGES`: the labels of the classic copy (Windows 2000/2003 "Event
Type:"...), of the Vista-and-later "Copy details as text" ("Log Name:"...), the
header of the Vista CSV, and the event types the classic viewer lists. Adding
a language is adding an entry; the readers take every language at once, since
nothing but the content says which one a file is in.

Labels are matched as people's files spell them: case aside, with or without
the space a French Windows puts before ``:`` (plain, no-break U+00A0 or narrow
no-break U+202F), with ``'`` or ``’``, ``-`` or a space.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

# Fields of the labelled layouts, named as the reader uses them. "level" is the
# classic "Event Type"; "tail" the section after the description (classic
# "Data:", Vista "Event Xml:").
FIELDS = (
    "log",
    "level",
    "source",
    "category",
    "id",
    "date",
    "time",
    "user",
    "computer",
    "description",
    "tail",
)

LABEL_CHARS = 64  # where a label line's colon is: its indent, the longest label, its spacing


@dataclass(frozen=True)
class Language:
    """What one language's Windows writes in the exports kbassist reads."""

    classic: Mapping[str, tuple[str, ...]]  # field -> labels, Windows 2000/2003 copy
    details: Mapping[str, tuple[str, ...]]  # field -> labels, Vista and later "Copy details"
    csv_header: tuple[str, str, str, str, str]  # Vista and later "Save All Events As" CSV
    types: tuple[str, ...]  # event types as the classic viewer names them


LANGUAGES: dict[str, Language] = {
    "en": Language(
        classic={
            "level": ("Event Type",),
            "source": ("Event Source",),
            "category": ("Event Category",),
            "id": ("Event ID",),
            "date": ("Date",),
            "time": ("Time",),
            "user": ("User",),
            "computer": ("Computer",),
            "description": ("Description",),
            "tail": ("Data",),
        },
        details={
            "log": ("Log Name",),
            "source": ("Source",),
            "date": ("Date", "Logged"),
            "id": ("Event ID",),
            "category": ("Task Category",),
            "level": ("Level",),
            "user": ("User",),
            "computer": ("Computer",),
            "description": ("Description",),
            "tail": ("Event Xml",),
        },
        csv_header=("Level", "Date and Time", "Source", "Event ID", "Task Category"),
        types=("Error", "Warning", "Information", "Success Audit", "Failure Audit"),
    ),
    "fr": Language(
        classic={
            "level": ("Type de l'événement",),
            "source": ("Source de l'événement",),
            "category": ("Catégorie de l'événement",),
            "id": ("ID de l'événement",),
            "date": ("Date",),
            "time": ("Heure",),
            "user": ("Utilisateur",),
            "computer": ("Ordinateur",),
            "description": ("Description",),
            "tail": ("Données",),
        },
        details={
            "log": ("Nom du journal",),
            "source": ("Source",),
            "date": ("Date",),
            "id": ("ID de l'événement",),
            "category": ("Catégorie de la tâche",),
            "level": ("Niveau",),
            "user": ("Utilisateur",),
            "computer": ("Ordinateur",),
            "description": ("Description",),
            "tail": ("XML de l'événement",),
        },
        csv_header=(
            "Niveau",
            "Date et heure",
            "Source",
            "ID de l'événement",
            "Catégorie de la tâche",
        ),
        types=("Erreur", "Avertissement", "Information", "Audit des succès", "Audit des échecs"),
    ),
}


@lru_cache(maxsize=4096)  # a file repeats a few labels; what else a line holds is bounded
def key(text: str) -> str:
    """A label or name as compared: case, spacing, apostrophes and hyphens aside."""
    text = unicodedata.normalize("NFC", text).replace("\u2019", "'").replace("-", " ")
    return " ".join(text.casefold().split())  # every Unicode space, U+00A0 and U+202F too


def table(layouts: Iterable[Mapping[str, tuple[str, ...]]]) -> dict[str, str]:
    """Label key -> field, over every language: one label may not mean two fields."""
    out: dict[str, str] = {}
    for layout in layouts:
        for field_name, labels in layout.items():
            assert field_name in FIELDS, field_name
            for label in labels:
                assert out.setdefault(key(label), field_name) == field_name, label
    return out


CLASSIC = table(language.classic for language in LANGUAGES.values())
DETAILS = table(language.details for language in LANGUAGES.values())
CSV_HEADERS = {tuple(key(name) for name in lang.csv_header) for lang in LANGUAGES.values()}
TYPES = {key(name) for language in LANGUAGES.values() for name in language.types}


def split(line: str, labels: Mapping[str, str]) -> tuple[str, str] | None:
    """``(field, value)`` of a ``Label: value`` line, or None.

    Linear in the line: the colon is looked for only where a label can end,
    and the value is the rest of the line, stripped.
    """
    colon = line.find(":", 0, LABEL_CHARS)
    if colon < 1:
        return None
    field_name = labels.get(key(line[:colon]))  # the key drops the indent and the spacing
    if field_name is None:
        return None
    return field_name, line[colon + 1 :].strip()
