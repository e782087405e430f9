"""Evidence from the files users send.

:func:`read_artifact` recognises a file by its content (never its name) and
hands it to the reader of that kind, which returns the facts it holds, each
with its ``file:line`` source. Readers are tried in :data:`READERS` order;
the first whose ``detect`` accepts the file's head parses it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError, Problem
from ..i18n import msg
from ..safefile import open_regular
from . import dpmon, enumprot, eventlog, registry, smtp_transcript
from .base import Artifact, ArtifactError, Head, Note, Reader
from .textfile import HEAD_BYTES, decode_head

READERS: list[Reader] = [registry, eventlog, enumprot, dpmon, smtp_transcript]
KINDS = [reader.KIND for reader in READERS]


def read_head(path: Path) -> Head:
    """The first bytes of ``path``: only a regular file is opened (never a FIFO or device)."""
    fd = open_regular(path)
    try:
        data = b""
        while len(data) < HEAD_BYTES and (chunk := os.read(fd, HEAD_BYTES - len(data))):
            data += chunk
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise InputError(Problem(str(path), msg("cannot read: {reason}", reason=reason))) from None
    finally:
        os.close(fd)
    return Head(data, decode_head(data))


def detect(path: Path) -> Reader | None:
    head = read_head(path)
    if not head.data:
        raise InputError(Problem(str(path), msg("empty file")))
    return next((reader for reader in READERS if reader.detect(head)), None)


def read_artifact(path: Path) -> Artifact:
    reader = detect(path)
    if reader is None:
        raise InputError(
            Problem(
                str(path),
                msg(
                    "unsupported artifact: not a registry export, event log, EnumProt output, "
                    "DPMon trace or SMTP transcript"
                ),
            )
        )
    try:
        return reader.parse(path)
    except OSError as exc:
        raise ArtifactError(
            str(path), msg("cannot read: {reason}", reason=exc.strerror or str(exc))
        ) from None


__all__ = ["KINDS", "READERS", "Artifact", "ArtifactError", "Head", "Note", "read_artifact"]
