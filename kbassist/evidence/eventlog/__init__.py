"""Reader for event logs, in every form a helpdesk receives them.

Event Viewer text as copied (the classic viewer's and Vista's "Copy details
as text", in English or French), as saved (Windows 2003's comma- or
tab-delimited text, Vista's CSV), ``wevtutil`` text and XML, binary
``.evtx``, and the legacy binary ``.evt`` of Windows 2000 to 2003: each
format turns its file into events, and :class:`~.collect.Collector` turns the
events into facts, so every format yields the same facts for the same events.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ...i18n import msg
from ..base import Artifact, ArtifactError, Head
from ..textfile import HEAD_BYTES, decode_head
from . import (
    classic,
    csvexport,
    details,
    evtfile,
    evtxfile,
    savedlog,
    wevtutil_text,
    wevtutil_xml,
)
from .collect import Collector

if TYPE_CHECKING:
    from ...pack.model import ArtifactKind

KIND: ArtifactKind = "event-log"


class Format(Protocol):
    """A format module (or a labelled layout): does this head look like mine, and the events."""

    def detect(self, head: Head) -> bool: ...

    def read(self, path: Path, sink: Collector) -> None: ...


# The loosest tests (labelled lines anywhere near the top) come last.
FORMATS: tuple[Format, ...] = (
    evtxfile,
    evtfile,
    wevtutil_text,
    wevtutil_xml,
    csvexport,
    savedlog,
    details.LAYOUT,
    classic.LAYOUT,
)


def _format(head: Head) -> Format | None:
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
