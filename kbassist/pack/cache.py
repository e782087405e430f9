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
means loading from source, silently.

Where: ``$KBASSIST_CACHE_DIR``, else ``$XDG_CACHE_HOME/kbassist``, else
``~/.cache/kbassist``; ``KBASSIST_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pydantic
from pydantic import BaseModel, ConfigDict

from ..knowledge.articles import Article
from .model import PackModel

FORMAT = 1  # bump when what an entry holds, or how it is read, changes
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
    directory = cache_dir()
    if directory is None:
        return None
    try:
        entry = Entry.model_validate_json(entry_path(directory, dirs).read_bytes())
        roots = article_roots(dirs, entry.article_dirs)
        if entry.format != FORMAT or entry.digest != digest(dirs, texts, roots):
            return None
    except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
        return None
    articles = {(article_id, lang): article for article_id, lang, article in entry.articles}
    return Cached(entry.model, roots, articles)


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
        _write(
            entry_path(directory, dirs), entry.model_dump_json(by_alias=True, exclude_unset=True)
        )
    except (OSError, ValueError):  # read-only, full, not a directory, unencodable text...
        return


def _write(path: Path, data: str) -> None:
    """Write to a temporary file beside ``path``, then rename: readers never see half of it."""
    import tempfile  # only the run that fills the cache needs it

    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
