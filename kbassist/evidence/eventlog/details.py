"""Events copied from Event Viewer on Vista and later ("Copy details as text").

Each event is a block of labelled lines padded to one column (``Log Name:``,
``Source:``, ``Date:``, ``Event ID:``, ``Task Category:``, ``Level:``...; on
a French Windows ``Nom du journal :``, ``ID de l'événement :``, ``Niveau :``...),
then ``Description:`` and the message, then ``Event Xml:`` and the event's XML,
which ends with ``</Event>``. The labels of each language are in :mod:`.labels`;
``Date:`` holds the date and the time, in the machine's locale, kept as found.
"""

from __future__ import annotations

from . import labelled, labels

LAYOUT = labelled.Layout(
    labels=labels.DETAILS,
    opener="log",  # "Log Name:"
    starters=frozenset({"log", "source", "id"}),
    xml_tail=True,
)
