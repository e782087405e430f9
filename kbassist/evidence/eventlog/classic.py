"""Events copied from the classic Event Viewer (Windows 2000 to 2003), in any language.

Each event is a block of labelled lines (``Event Type:``, ``Event Source:``,
``Event ID:``..., or on a French Windows ``Type de l'événement :``,
``Source de l'événement :``, ``ID de l'événement :``...), then
``Description:`` and its free text, then an optional ``Data:`` hex dump. The
labels of each language are in :mod:`.labels`. Dates follow the machine's
locale, so they are kept as found: "2-3-2006" may be 2 March or 3 February.
"""

from __future__ import annotations

from . import labelled, labels

LAYOUT = labelled.Layout(
    labels=labels.CLASSIC,
    opener="level",  # "Event Type:"
    starters=frozenset({"level", "source", "id"}),
    xml_tail=False,
)
