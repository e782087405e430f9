"""Reader for event logs, in the six forms a helpdesk receives them.

Classic Event Viewer text, ``wevtutil`` text and XML, Event Viewer CSV,
binary ``.evtx`` and the legacy binary ``.evt`` of Windows 2000 to 2003: each
format module turns its file into events, and
:class:`~.collect.Collector` turns the events into facts, so every format
yields the same facts for the same events.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from ...i18n import msg
from ..base import Artifact, ArtifactError, Head
from ..textfile import HEAD_BYTES, decode_head
from . import classic, csvexport, evtfile, evtxfile, wevtutil_text, wevtutil_xml
from .collect import Collector

KIND = "event-log"
# The loosest test (classic text: labelled lines anywhere near the top) comes last.
FORMATS: tuple[ModuleType, ...] = (
    evtxfile,
    evtfile,
    wevtutil_text,
    wevtutil_xml,
    csvexport,
    classic,
)


def _format(head: Head) -> ModuleType | None:
    return next((fmt for fmt in FORMATS if fmt.detect(head)), None)


def detect(head: Head) -> bool:
    return _format(head) is not None


def parse(path: Path) -> Artifact:
    with path.open("rb") as handle:
        data = handle.read(HEAD_BYTES)
    fmt = _format(Head(data, decode_head(data)))
    if fmt is None:
        raise ArtifactError(str(path), msg("not an event log export in a known format"))
    sink = Collector(Artifact(path, KIND))
    fmt.read(path, sink)
    return sink.finish()


__all__ = ["KIND", "detect", "parse"]
