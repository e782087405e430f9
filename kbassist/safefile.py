"""Opening a path a user gave us, safely: only a regular file, read with a size bound.

Every entry point (artifacts, answer files, packs, sessions, the files a batch
case names) reads through :func:`read_regular` or :func:`check_regular`. The
path is opened with ``O_NONBLOCK``, so opening a FIFO nobody writes to returns
at once instead of waiting for a writer; ``fstat`` on the open descriptor (not
on the name, which could be swapped) then refuses anything that is not a
regular file: a FIFO, a device (``/dev/zero``, ``/dev/stdin`` on a terminal),
a socket. A regular file is read at most ``limit`` bytes, plus one to tell
that it is longer, so a huge file fails with one clear line instead of filling
memory.

A refusal is raised as ``error`` (:class:`InputError` by default, exit 2) with
the file's name and why, ready to be the run's one line on stderr.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from pathlib import Path

from .errors import InputError, KbassistError, Problem
from .i18n import Message, msg

# The size bounds per kind of file: far above any real one, low enough to fail fast.
ANSWERS_LIMIT = 1 << 20  # an answer file: a few dozen lines
SESSION_LIMIT = 16 << 20  # a session: answers, file names and probe results
PACK_LIMIT = 8 << 20  # a pack.yaml: the bundled one is under 100 KB

_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def _kind(mode: int) -> Message:
    if stat.S_ISDIR(mode):
        return msg("is a directory, not a file")
    if stat.S_ISFIFO(mode):
        return msg("is a pipe (FIFO), not a regular file: save it to a file first")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return msg("is a device, not a regular file")
    if stat.S_ISSOCK(mode):
        return msg("is a socket, not a regular file")
    return msg("is not a regular file")


def open_regular(path: Path | str, error: type[KbassistError] = InputError) -> int:
    """A descriptor open for reading on ``path``, a regular file; ``error`` says why not.

    The descriptor is left blocking-free only for the open itself: a regular
    file never blocks on read, whatever the flag.
    """
    file = str(path)
    try:
        fd = os.open(file, _FLAGS)
    except FileNotFoundError:
        raise error(Problem(file, msg("no such file"))) from None
    except IsADirectoryError:
        raise error(Problem(file, msg("is a directory, not a file"))) from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a FIFO opened for writing
            raise error(Problem(file, msg("is not a regular file"))) from None
        reason = exc.strerror or str(exc)
        raise error(Problem(file, msg("cannot read: {reason}", reason=reason))) from None
    try:
        mode = os.fstat(fd).st_mode
    except OSError as exc:
        os.close(fd)
        reason = exc.strerror or str(exc)
        raise error(Problem(file, msg("cannot read: {reason}", reason=reason))) from None
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise error(Problem(file, _kind(mode)))
    return fd


def check_regular(path: Path | str, error: type[KbassistError] = InputError) -> None:
    """Raise ``error`` unless ``path`` is a regular file that can be opened for reading."""
    os.close(open_regular(path, error))


def read_fd(fd: int, limit: int) -> bytes | None:
    """Up to ``limit`` bytes from ``fd``; None when there are more."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = os.read(fd, min(1 << 20, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return None if size > limit else b"".join(chunks)


def read_regular(path: Path | str, limit: int, error: type[KbassistError] = InputError) -> bytes:
    """All of ``path``, a regular file of at most ``limit`` bytes; ``error`` says why not."""
    file = str(path)
    fd = open_regular(path, error)
    try:
        data = read_fd(fd, limit)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise error(Problem(file, msg("cannot read: {reason}", reason=reason))) from None
    finally:
        with contextlib.suppress(OSError):
            os.close(fd)
    if data is None:
        raise error(Problem(file, too_big(limit)))
    return data


def too_big(limit: int) -> Message:
    return msg("too large: more than {size} MB", size=str(limit >> 20 or 1))
