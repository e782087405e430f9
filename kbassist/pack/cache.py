"""Packs loaded once per install: a one-shot ``diagnose`` need not parse YAML or Markdown.

Loading a pack from source (PyYAML, validation, parsing the articles to check
their sections) is most of a cold start, and its result depends only on the
files read and on the code and libraries that read them. After a clean load
from source, the validated pack model and the articles parsed while checking
it are written as JSON: plain data, nothing executable. The entry holds a
digest of everything it depends on: the text of each pack.yaml, every article
file, the source of the modules that load packs, and the versions of
kbassist and of the parsing libraries. A later load recomputes the digest from
the files as they are now, and uses the entry only when it matches and the
entry validates against :class:`Entry`; the rules are compiled from the model
again (a millisecond or two), like on every load.

The cache can never change a result or fail a run: any problem with it (no
directory, read-only, corrupt, truncated, another format, another digest)
means loading from source, silently when it is ordinary (no entry yet, a
changed source), with one ``kbassist: warning:`` line on stderr when it is
not (someone else's or a shared directory, a special file, a changed entry).

Who could forge an entry, and what stops them. The digest above only says
the *sources* are unchanged; the entry's own bytes are checked too:

* The directory is used only if it belongs to the user running kbassist
  and neither group nor others may write to it (as ssh treats ``~/.ssh``);
  it is created ``0700``. Entries and the key are used only if they are
  regular files of that user that group and others cannot write, opened
  with ``O_NOFOLLOW | O_NONBLOCK`` (a symlink to ``/dev/zero`` or a FIFO at
  an entry's path is refused at the open or by ``fstat``, never read) and
  read with a size bound.
* Each entry ``pack-*.json`` has beside it ``pack-*.json.mac``: an HMAC-SHA256
  of the entry's bytes under a random key kept in the directory (``key``,
  mode ``0600``, 32 bytes from :func:`os.urandom`). An entry edited by hand,
  by a tool or by a bug, with its source digest kept, no longer matches its
  MAC and is not used. Someone who can write entries but cannot read the key
  cannot make a MAC that matches.
* What this does not stop: the user themselves (or root), who can read the
  key, can forge an entry; but they can as well edit the pack's sources or
  kbassist's code, so the cache gives them nothing more. The checks are
  against other users, shared or misconfigured cache directories
  (``KBASSIST_CACHE_DIR`` pointing somewhere writable by others), and damage.

Where: ``$KBASSIST_CACHE_DIR``, else ``$XDG_CACHE_HOME/kbassist``, else
``~/.cache/kbassist``; ``KBASSIST_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import stat
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pydantic
from pydantic import BaseModel, ConfigDict

from ..knowledge.articles import Article
from .model import PackModel

ENTRY_LIMIT = 64 << 20  # bytes: the bundled pack's entry is under 1 MB
KEY_FILE = "key"
FORMAT = 2  # bump when what an entry holds, or how it is read, changes
# The modules whose code decides what a loaded pack is: a change to one of
# them (an editable install, a checkout) invalidates every entry.
CODE = (
    "engine/compiler.py",
    "engine/durable_backend.py",
    "knowledge/articles.py",
    "pack/cache.py",
    "pack/checks.py",
    "pack/loader.py",
    "pack/model.py",
    "values.py",
    "yamlsource.py",
)
LIBRARIES = ("kbassist", "PyYAML", "markdown-it-py")  # pydantic: pydantic.VERSION

ArticleKey = tuple[str, str]  # (article id, language asked for)


class Entry(BaseModel):
    """One cache file: a pack as loaded from source, and the digest of that source."""

    model_config = ConfigDict(extra="forbid")

    format: int
    digest: str
    article_dirs: list[str]  # each pack's articles_dir, as written in its pack.yaml
    model: PackModel
    articles: list[tuple[str, str, Article]]


@dataclass(frozen=True)
class Cached:
    model: PackModel
    article_roots: list[Path]
    articles: dict[ArticleKey, Article]


def cache_dir() -> Path | None:
    """Where entries live, or None when the cache is turned off."""
    if os.environ.get("KBASSIST_NO_CACHE", "") not in ("", "0"):
        return None
    if os.environ.get("KBASSIST_CACHE_DIR"):
        return Path(os.environ["KBASSIST_CACHE_DIR"])
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):  # the XDG spec says to ignore a relative one
        return Path(xdg) / "kbassist"
    try:
        return Path.home() / ".cache" / "kbassist"
    except RuntimeError:  # no home directory to be found
        return None


def article_roots(dirs: Sequence[Path], article_dirs: Sequence[str]) -> list[Path]:
    """Each pack's article folder, resolved as the loader resolves it."""
    return [(Path(d) / a).resolve() for d, a in zip(dirs, article_dirs, strict=True)]


def digest(dirs: Sequence[Path], texts: Sequence[str], roots: Sequence[Path]) -> str:
    """A digest of all a load reads: pack texts, article files, the loading code, versions.

    Raises OSError when a file cannot be read.
    """
    sha = hashlib.sha256()

    def add(part: str | bytes) -> None:
        data = part.encode("utf-8") if isinstance(part, str) else part
        sha.update(len(data).to_bytes(8, "big"))
        sha.update(data)

    add(str(FORMAT))
    for name in LIBRARIES:
        add(name)
        try:
            add(metadata.version(name))
        except metadata.PackageNotFoundError:  # e.g. kbassist run from a bare checkout
            add("")
    add(pydantic.VERSION)
    package = Path(__file__).resolve().parents[1]
    for name in CODE:
        add(name)
        add((package / name).read_bytes())
    for directory, text in zip(dirs, texts, strict=True):
        add(str(Path(directory).resolve()))
        add(text)
    for root in roots:
        add(str(root))
        for file in sorted(root.glob("*/*.md")):  # what ArticleLibrary can find
            add(file.relative_to(root).as_posix())
            add(file.read_bytes())
    return sha.hexdigest()


def entry_path(directory: Path, dirs: Sequence[Path]) -> Path:
    """One entry per set of pack folders: a changed pack replaces its entry."""
    where = "\n".join(str(Path(d).resolve()) for d in dirs)
    return directory / f"pack-{hashlib.sha256(where.encode('utf-8')).hexdigest()[:24]}.json"


def load(dirs: Sequence[Path], texts: Sequence[str]) -> Cached | None:
    """The pack stored for these folders, if its source is unchanged; None otherwise."""
    directory = usable_dir()
    if directory is None:
        return None
    path = entry_path(directory, dirs)
    try:
        data = _read_own(path)
        if data is None:
            return None
        mac = _read_own(_mac_path(path))
        key = _read_own(directory / KEY_FILE, secret=True)
        if mac is None or key is None:  # an entry of an older format, or being written
            return None
        if not hmac.compare_digest(mac, _mac(key, data)):
            _warn(path, "it does not match its check code: it was changed outside kbassist")
            return None
        entry = Entry.model_validate_json(data)
        roots = article_roots(dirs, entry.article_dirs)
        if entry.format != FORMAT or entry.digest != digest(dirs, texts, roots):
            return None
    except _Refused as refused:
        _warn(refused.path, refused.why)
        return None
    except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
        return None
    articles = {(article_id, lang): article for article_id, lang, article in entry.articles}
    return Cached(entry.model, roots, articles)


class _Refused(Exception):
    """A cache file or directory that must not be trusted, and why."""

    def __init__(self, path: Path, why: str):
        super().__init__(why)
        self.path, self.why = path, why


def _warn(path: Path, why: str) -> None:
    line = f"kbassist: warning: {path}: pack cache not used ({why}); loading from source\n"
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(line.encode("ascii", "backslashreplace").decode("ascii"))


def _own(info: os.stat_result, path: Path, *, secret: bool = False) -> None:
    """Raise _Refused unless ``info`` is the user's and others cannot write (nor read a secret)."""
    if hasattr(os, "geteuid") and info.st_uid != os.geteuid():
        raise _Refused(path, "it is owned by another user")
    if info.st_mode & (0o077 if secret else 0o022):
        raise _Refused(
            path, "group or others may " + ("read or write it" if secret else "write it")
        )


def usable_dir() -> Path | None:
    """The cache directory if it exists and is the user's own; None (and a warning) if not."""
    directory = cache_dir()
    if directory is None:
        return None
    try:
        info = os.stat(directory)
        if not stat.S_ISDIR(info.st_mode):
            return None
        _own(info, directory)
    except _Refused as refused:
        _warn(refused.path, refused.why)
        return None
    except OSError:  # not there yet: nothing to load
        return None
    return directory


def _read_own(path: Path, *, secret: bool = False) -> bytes | None:
    """A cache file's bytes if it is a regular file of the user; None when there is none.

    Raises _Refused for anything else: a symlink, a FIFO, a device, another
    user's file, one that others may write, one larger than ENTRY_LIMIT.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if os.path.islink(path):
            raise _Refused(path, "it is a symbolic link") from None
        if os.path.isdir(path):
            raise _Refused(path, "it is a directory") from None
        raise _Refused(path, exc.strerror or str(exc)) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused(path, "it is not a regular file")
        _own(info, path, secret=secret)
        chunks: list[bytes] = []
        size = 0
        while size <= ENTRY_LIMIT and (chunk := os.read(fd, 1 << 20)):
            chunks.append(chunk)
            size += len(chunk)
        if size > ENTRY_LIMIT:
            raise _Refused(path, f"it is larger than {ENTRY_LIMIT >> 20} MB")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _mac_path(path: Path) -> Path:
    return path.with_name(path.name + ".mac")


def _mac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).hexdigest().encode("ascii")


def _key(directory: Path) -> bytes:
    """The directory's key, made on first use (32 random bytes, mode 0600)."""
    key = _read_own(directory / KEY_FILE, secret=True)
    if key is not None and len(key) == 32:
        return key
    key = os.urandom(32)
    _write(directory / KEY_FILE, key, mode=0o600)
    return key


def snapshot(dirs: Sequence[Path], texts: Sequence[str], article_dirs: Sequence[str]) -> str | None:
    """The digest of a load's sources, taken before its articles are read; None: no caching."""
    if cache_dir() is None:
        return None
    try:
        return digest(dirs, texts, article_roots(dirs, article_dirs))
    except (OSError, ValueError):
        return None


def store(
    dirs: Sequence[Path],
    texts: Sequence[str],
    article_dirs: Sequence[str],
    before: str | None,
    model: PackModel,
    articles: Mapping[ArticleKey, Article],
) -> None:
    """Keep a pack loaded from source, unless a file changed while it was loaded.

    ``before`` is the :func:`snapshot` taken before the articles were read: an
    article edited during the load must not be stored under its new digest.
    """
    directory = cache_dir()
    if directory is None or before is None:
        return
    try:
        if digest(dirs, texts, article_roots(dirs, article_dirs)) != before:
            return
        entry = Entry(
            format=FORMAT,
            digest=before,
            article_dirs=list(article_dirs),
            model=model,
            articles=[(article_id, lang, a) for (article_id, lang), a in articles.items()],
        )
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if usable_dir() is None:  # another user's, or shared: said why, do not write there
            return
        key = _key(directory)
        data = entry.model_dump_json(by_alias=True, exclude_unset=True).encode("utf-8")
        path = entry_path(directory, dirs)
        _write(path, data)
        _write(_mac_path(path), _mac(key, data))
    except _Refused as refused:  # e.g. a key file that is not the user's own
        _warn(refused.path, refused.why)
    except (OSError, ValueError):  # read-only, full, not a directory, unencodable text...
        return


def _write(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half of it."""
    import tempfile  # only the run that fills the cache needs it

    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
