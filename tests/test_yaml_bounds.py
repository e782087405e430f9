"""Bounded YAML: an alias bomb in an answer file, a pack or a session is one line.

Every run is a real process under a memory limit (RLIMIT_AS) and a timeout: a
"billion laughs" that expanded would hit the limit and fail the test; nothing
here asserts a speed.
"""

from __future__ import annotations

import pytest

from kbassist.yamlsource import MAX_NODES, load_yaml

from .test_hostile_input import kbassist


def alias_bomb(levels: int = 9) -> str:
    """The YAML "billion laughs": each level is nine aliases to the level before."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        name, before = chr(97 + i), chr(96 + i)
        lines.append(f"{name}: &{name} [{','.join(['*' + before] * 9)}]")
    return "\n".join(lines) + "\n"


def test_the_alias_bomb_is_small_and_would_be_huge():
    assert len(alias_bomb()) < 500
    located = load_yaml(alias_bomb(), "x.yaml")
    assert located.data is None
    assert located.problems[0].message.startswith(f"invalid YAML: more than {MAX_NODES}")


def test_a_recursive_alias_is_refused():
    located = load_yaml("a: &a [1, *a]\n", "x.yaml")
    assert located.data is None and located.problems


def test_aliases_are_refused_where_the_format_never_needs_them():
    located = load_yaml("a: &x yes\nb: *x\n", "answers.yaml", aliases=False)
    (problem,) = located.problems
    assert (problem.line, problem.column) == (2, 4)
    assert "aliases" in str(problem.message)
    # a pack may use a few: they expand to a bounded tree
    assert load_yaml("a: &x [1, 2]\nb: *x\n", "pack.yaml").data == {"a": [1, 2], "b": [1, 2]}


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_an_alias_bomb_answer_file_is_one_line_in_bounded_memory(tmp_path, newline):
    bomb = tmp_path / "answers.yaml"
    bomb.write_bytes(alias_bomb().replace("\n", newline).encode("utf-8"))
    code, _, err = kbassist("diagnose", "--answers", str(bomb), memory=True)
    assert code == 2
    assert err.splitlines() == [
        f"kbassist: {bomb}:2:8: invalid YAML: aliases (*name) are not accepted here"
    ]


def test_an_alias_bomb_pack_is_one_line_in_bounded_memory(tmp_path):
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "pack.yaml").write_text(alias_bomb(), encoding="utf-8")
    code, _, err = kbassist("pack", "validate", str(pack), memory=True)
    assert code == 3
    (line,) = err.splitlines()
    assert line.startswith(f"kbassist: {pack / 'pack.yaml'}:1:1: invalid YAML: more than")
    code, _, err = kbassist("diagnose", "--pack", str(pack), memory=True)
    assert code == 3 and len(err.splitlines()) == 1


def test_an_alias_bomb_session_is_one_line_in_bounded_memory(tmp_path):
    bomb = tmp_path / "session.json"
    bomb.write_text(alias_bomb(), encoding="utf-8")
    code, _, err = kbassist("tui", "--resume", str(bomb), memory=True)
    assert code == 2
    (line,) = err.splitlines()
    assert line.startswith(f"kbassist: {bomb}: not a kbassist session: ")
