"""The pack cache: a pack from it is the pack from source, and any trouble means source."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from kbassist.api import Diagnoser
from kbassist.pack import cache, loader
from kbassist.pack.loader import Pack, load_pack

from .conftest import SAMPLES

ARTIFACTS = sorted(p for p in SAMPLES.iterdir() if p.suffix in (".reg", ".txt", ".log", ".csv"))
ANSWERS = SAMPLES / "answers-new-mail-delayed.yaml"


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    where = tmp_path / "cache"
    monkeypatch.setenv("KBASSIST_CACHE_DIR", str(where))
    monkeypatch.delenv("KBASSIST_NO_CACHE", raising=False)
    return where


@pytest.fixture
def own_articles(pack_copy: Path, articles_copy: Path) -> Path:
    """``pack_copy`` reading ``articles_copy``, so that a test may edit an article."""
    file = pack_copy / "pack.yaml"
    text = file.read_text(encoding="utf-8")
    start = text.index("articles_dir:")
    end = text.index("\n", start)
    file.write_text(text[:start] + f"articles_dir: {articles_copy}" + text[end:], "utf-8")
    return articles_copy


def from_source(dirs: list[Path] | None = None) -> Pack:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KBASSIST_NO_CACHE", "1")
        return load_pack(dirs)


def from_cache(dirs: list[Path] | None = None) -> Pack:
    """A load that must not parse YAML: it fails the test unless the cache serves it."""

    def parse(*args: object) -> None:
        raise AssertionError("the pack was parsed from source")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(loader, "_parse", parse)
        return load_pack(dirs)


def cached(directory: Path) -> bool:
    """Would a load of this pack folder come from the cache now?"""
    text = (directory / "pack.yaml").read_text(encoding="utf-8")
    return cache.load([directory], [text]) is not None


def entries(where: Path) -> list[Path]:
    return sorted(where.glob("pack-*.json"))


def assert_same(a: Pack, b: Pack) -> None:
    assert a.model == b.model
    # Equal with the same fields set, at every level (model_copy and defaults).
    assert a.model.model_dump(exclude_unset=True) == b.model.model_dump(exclude_unset=True)
    assert a.compiled.slots == b.compiled.slots
    assert a.compiled.rules == b.compiled.rules
    assert a.compiled.levels == b.compiled.levels
    assert (a.files, a.questions, a.facts, a.findings, a.causes) == (
        b.files,
        b.questions,
        b.facts,
        b.findings,
        b.causes,
    )
    assert a.articles.roots == b.articles.roots


def test_the_first_load_fills_the_cache_and_the_next_equals_a_fresh_one(cache_dir: Path):
    load_pack()
    (entry,) = entries(cache_dir)
    assert json.loads(entry.read_text(encoding="utf-8"))["format"] == cache.FORMAT
    source = from_source()
    hit = from_cache()
    assert_same(hit, source)
    # The articles the checks parsed come with it, equal to a fresh parse.
    assert hit.articles.parsed == source.articles.parsed
    assert ("kb319572", "fr") in hit.articles.parsed


def test_reports_from_the_cached_pack_are_identical(cache_dir: Path):
    load_pack()
    with_cache, without = Diagnoser(from_cache()), Diagnoser(from_source())
    for lang in ("en", "fr"):
        for artifact in ARTIFACTS:
            reports = [
                d.diagnose(d.case(artifacts=[artifact]), lang) for d in (with_cache, without)
            ]
            assert reports[0].to_json() == reports[1].to_json(), artifact.name
        answers = {"symptom": "new-mail-delayed", "cisco-vpn-version": "3.6.3"}
        reports = [d.diagnose(d.case(answers=answers), lang) for d in (with_cache, without)]
        assert reports[0].to_json() == reports[1].to_json()


def kbassist(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kbassist", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_the_command_line_prints_the_same_report_with_or_without_the_cache(cache_dir: Path):
    args = ("diagnose", str(SAMPLES / "winsock-orphan-transport.reg"), "--answers", str(ANSWERS))
    args += ("--format", "json", "--lang", "fr")
    source = kbassist(*args, KBASSIST_NO_CACHE="1")
    assert entries(cache_dir) == []
    filling = kbassist(*args)
    assert len(entries(cache_dir)) == 1
    hit = kbassist(*args)
    assert source.returncode == filling.returncode == hit.returncode == 1, source.stderr
    assert source.stdout == filling.stdout == hit.stdout
    assert json.loads(hit.stdout)["causes"]


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _other_digest(data: bytes) -> bytes:
    entry = json.loads(data)
    entry["digest"] = "0" * 64
    return json.dumps(entry).encode()


def _invalid_model(data: bytes) -> bytes:
    entry = json.loads(data)  # digest intact: the entry must still validate
    entry["model"]["rules"][0]["certainty"] = 7
    return json.dumps(entry).encode()


def _other_schema(data: bytes) -> bytes:
    entry = json.loads(data)
    entry["articles"] = {"kb319572": "not an article"}
    return json.dumps(entry).encode()


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: b"\xff\xfe\x00garbage",
        lambda data: b"[]",
        _truncated,
        _other_digest,
        _invalid_model,
        _other_schema,
    ],
    ids=["empty", "binary", "not-an-object", "truncated", "digest", "model", "schema"],
)
def test_a_damaged_entry_is_ignored_and_replaced(cache_dir: Path, damage):
    load_pack()
    (entry,) = entries(cache_dir)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    assert_same(load_pack(), from_source())
    assert entry.read_bytes() == good  # loaded from source, stored again


def test_an_entry_that_is_a_directory_is_ignored(cache_dir: Path):
    load_pack()
    (entry,) = entries(cache_dir)
    entry.unlink()
    entry.mkdir()
    assert_same(load_pack(), from_source())


def test_a_changed_pack_file_is_loaded_again(cache_dir: Path, pack_copy: Path):
    first = load_pack([pack_copy])
    assert cached(pack_copy)
    file = pack_copy / "pack.yaml"
    title = "A Winsock transport has no matching Services key"
    text = file.read_text(encoding="utf-8")
    assert f"en: {title}" in text
    file.write_text(text.replace(f"en: {title}", "en: Changed title"), encoding="utf-8")
    assert not cached(pack_copy)
    second = load_pack([pack_copy])
    assert first.causes["winsock-transport-mismatch"].title.en == title
    assert second.causes["winsock-transport-mismatch"].title.en == "Changed title"
    assert cached(pack_copy)
    assert_same(from_cache([pack_copy]), from_source([pack_copy]))


def test_a_changed_or_added_article_is_read_again(cache_dir: Path, pack_copy: Path, own_articles):
    load_pack([pack_copy])
    article = own_articles / "en" / "kb319572.md"
    step = "1. Export the `Winsock\\Parameters` key, or the whole registry, before touching"
    step += " anything."
    text = article.read_text(encoding="utf-8")
    assert step in text
    article.write_text(text.replace(step, "1. Back up the whole registry."), encoding="utf-8")
    assert not cached(pack_copy)
    fix = load_pack([pack_copy]).articles.get("kb319572", "en").sections["fix-winsock-transports"]
    assert fix.steps[0] == "Back up the whole registry."
    assert cached(pack_copy)
    (own_articles / "en" / "spare.md").write_text(text, encoding="utf-8")
    assert not cached(pack_copy)


def test_an_article_edited_during_a_load_is_not_stored(
    cache_dir: Path, pack_copy: Path, own_articles: Path, monkeypatch: pytest.MonkeyPatch
):
    article = own_articles / "en" / "kb319572.md"
    check = loader.check_pack

    def check_while_editing(*args: object) -> object:
        article.write_text(article.read_text(encoding="utf-8") + "\nEdited.\n", "utf-8")
        return check(*args)

    monkeypatch.setattr(loader, "check_pack", check_while_editing)
    load_pack([pack_copy])
    assert entries(cache_dir) == []


def test_another_version_format_or_code_invalidates(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
):
    load_pack()
    (pack_dir,) = loader.bundled_pack_dirs()
    assert cached(pack_dir)
    with monkeypatch.context() as patch:
        patch.setattr(cache.metadata, "version", lambda name: "99.0")
        assert not cached(pack_dir)
    with monkeypatch.context() as patch:
        patch.setattr(cache, "FORMAT", cache.FORMAT + 1)
        assert not cached(pack_dir)
    with monkeypatch.context() as patch:
        patch.setattr(cache, "CODE", (*cache.CODE, "api.py"))
        assert not cached(pack_dir)
    assert cached(pack_dir)


def test_a_cache_that_cannot_be_written_is_harmless(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("KBASSIST_NO_CACHE", raising=False)
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("KBASSIST_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    assert_same(load_pack(), from_source())

    where = tmp_path / "read-only"
    where.mkdir()
    monkeypatch.setenv("KBASSIST_CACHE_DIR", str(where))

    def read_only(*args: object, **kwargs: object) -> tuple[int, str]:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", read_only)  # what root sees on a read-only mount
    assert_same(load_pack(), from_source())
    assert list(where.iterdir()) == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes anyway")
def test_a_read_only_cache_directory_is_harmless(cache_dir: Path):
    cache_dir.mkdir()
    cache_dir.chmod(0o500)
    try:
        assert_same(load_pack(), from_source())
        assert entries(cache_dir) == []
    finally:
        cache_dir.chmod(0o700)


def test_where_the_cache_lives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    for name in ("KBASSIST_CACHE_DIR", "KBASSIST_NO_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / ".cache" / "kbassist"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/ignored")
    assert cache.cache_dir() == tmp_path / ".cache" / "kbassist"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "kbassist"
    monkeypatch.setenv("KBASSIST_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine"
    monkeypatch.setenv("KBASSIST_NO_CACHE", "1")
    assert cache.cache_dir() is None
    load_pack()
    assert not (tmp_path / "mine").exists()


# --- a cache someone else could write ------------------------------------------------------


def _edit_fix_step(data: bytes) -> bytes:
    """An attacker's fix step in the entry, its source digest kept."""
    entry = json.loads(data)
    for article_id, lang, article in entry["articles"]:
        if (article_id, lang) == ("kb319572", "en"):
            section = article["sections"]["fix-winsock-transports"]
            section["steps"][0] = "Run \\\\evil\\share\\fix.exe as administrator."
    return json.dumps(entry).encode()


def _edit_rule(data: bytes) -> bytes:
    entry = json.loads(data)
    entry["model"]["rules"][0]["certainty"] = entry["model"]["rules"][0]["certainty"] / 2
    return json.dumps(entry).encode()


@pytest.mark.parametrize("edit", [_edit_fix_step, _edit_rule], ids=["fix-step", "rule"])
def test_an_entry_edited_with_its_digest_kept_is_not_used(cache_dir: Path, edit, capfd):
    load_pack()
    (entry,) = entries(cache_dir)
    good = entry.read_bytes()
    edited = edit(good)
    assert edited != good and json.loads(edited)["digest"] == json.loads(good)["digest"]
    entry.write_bytes(edited)
    capfd.readouterr()
    pack = load_pack()
    assert_same(pack, from_source())
    fix = pack.articles.get("kb319572", "en").sections["fix-winsock-transports"]
    assert "evil" not in fix.steps[0]
    (line,) = capfd.readouterr().err.splitlines()
    assert line == (
        f"kbassist: warning: {entry}: pack cache not used (it does not match its check code: "
        "it was changed outside kbassist); loading from source"
    )
    assert entry.read_bytes() == good  # stored again from source


def _diagnose_under_timeout(cache_dir: Path) -> subprocess.CompletedProcess[str]:
    args = ("diagnose", str(SAMPLES / "winsock-orphan-transport.reg"), "--format", "json")
    env = {**os.environ, "KBASSIST_CACHE_DIR": str(cache_dir)}
    env.pop("KBASSIST_NO_CACHE", None)
    return subprocess.run(
        [sys.executable, "-m", "kbassist", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,  # reached only if a special file blocked the run
        check=False,
    )


def _source_report() -> str:
    args = ("diagnose", str(SAMPLES / "winsock-orphan-transport.reg"), "--format", "json")
    return kbassist(*args, KBASSIST_NO_CACHE="1").stdout


@pytest.mark.parametrize("special", ["fifo", "dev-zero", "directory"])
def test_a_special_file_at_an_entry_path_falls_back_without_hanging(cache_dir: Path, special):
    load_pack()
    (entry,) = entries(cache_dir)
    entry.unlink()
    if special == "fifo":
        os.mkfifo(entry)
    elif special == "dev-zero":
        entry.symlink_to("/dev/zero")
    else:
        entry.mkdir()
    run = _diagnose_under_timeout(cache_dir)
    assert run.returncode == 1
    assert run.stdout == _source_report()
    (line,) = run.stderr.splitlines()
    assert line.startswith(f"kbassist: warning: {entry}: pack cache not used (it is ")
    assert line.endswith("); loading from source")


def test_a_fifo_at_the_key_path_falls_back_without_hanging(cache_dir: Path):
    load_pack()
    (cache_dir / "key").unlink()
    os.mkfifo(cache_dir / "key")
    run = _diagnose_under_timeout(cache_dir)
    assert run.returncode == 1 and run.stdout == _source_report()
    assert "key: pack cache not used (it is not a regular file)" in run.stderr


def test_a_group_writable_cache_directory_is_not_used(cache_dir: Path):
    load_pack()
    (entry,) = entries(cache_dir)
    edited = _edit_fix_step(entry.read_bytes())
    entry.write_bytes(edited)
    cache_dir.chmod(0o775)
    run = _diagnose_under_timeout(cache_dir)
    assert run.returncode == 1 and run.stdout == _source_report()
    assert run.stderr.splitlines()[0] == (
        f"kbassist: warning: {cache_dir}: pack cache not used (group or others may write it); "
        "loading from source"
    )
    assert entry.read_bytes() == edited  # nothing is written into it either
    cache_dir.chmod(0o700)


def test_a_new_cache_directory_and_its_files_are_private(cache_dir: Path):
    load_pack()
    assert cache_dir.stat().st_mode & 0o777 == 0o700
    for file in cache_dir.iterdir():
        assert file.stat().st_mode & 0o777 == 0o600, file.name


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="chown needs root")
def test_a_cache_directory_owned_by_another_user_is_not_used(cache_dir: Path):
    load_pack()
    (entry,) = entries(cache_dir)
    os.chown(cache_dir, 65534, 65534)
    try:
        run = _diagnose_under_timeout(cache_dir)
        assert run.returncode == 1 and run.stdout == _source_report()
        assert run.stderr.splitlines()[0] == (
            f"kbassist: warning: {cache_dir}: pack cache not used (it is owned by another user); "
            "loading from source"
        )
        os.chown(cache_dir, 0, 0)
        os.chown(entry, 65534, 65534)  # one entry of another user
        run = _diagnose_under_timeout(cache_dir)
        assert run.returncode == 1 and run.stdout == _source_report()
        assert f"{entry}: pack cache not used (it is owned by another user)" in run.stderr
    finally:
        os.chown(cache_dir, 0, 0)
