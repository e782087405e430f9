"""Safe YAML loading that remembers where every value came from.

Packs and answer files are written by people; an error must point at the
line. PyYAML's safe loader builds plain data (nothing is ever executed), and
a walk over the composed node tree records the line and column of each path.

Aliases cannot blow up memory: a few hundred bytes of nested aliases (the
"billion laughs") expand to billions of values in every walk over the data.
Answer files never need an alias, so they are refused at the first one, with
its line. A pack may use them (an author reusing a list of steps or a
condition is plain YAML), so there the size of the tree with every alias
expanded is computed first, each shared node once, and a pack above
:data:`MAX_NODES` values is refused before anything walks it. Sessions are
JSON, which has no aliases. The byte size of each kind of file is bounded
where it is read (:mod:`kbassist.safefile`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Problem

Path = tuple[str | int, ...]


@dataclass
class Located:
    """Data loaded from YAML plus the position of each path inside it."""

    data: Any
    file: str
    positions: dict[Path, tuple[int, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def where(self, path: Sequence[Any]) -> tuple[int | None, int | None]:
        """Line and column (1-based) of the deepest known prefix of ``path``."""
        probe: list[Any] = []
        best = self.positions.get((), (None, None))
        for part in path:
            candidate = (*probe, part)
            if candidate in self.positions:
                probe.append(part)
                best = self.positions[candidate]
            # Parts that are not data keys (pydantic's union tags) are skipped.
        return best

    def problem(self, path: Sequence[Any], message: str) -> Problem:
        line, column = self.where(path)
        return Problem(self.file, message, line, column)


# How many values a file may hold once its aliases are expanded: the bundled pack
# holds a few thousand; a "billion laughs" of aliases would hold billions.
MAX_NODES = 200_000


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader (plain data only) that can refuse aliases as it meets them."""

    aliases = True

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if not self.aliases and self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted here", self.peek_event().start_mark
            )
        return super().compose_node(parent, index)


def expanded_size(node: yaml.Node, limit: int = MAX_NODES) -> int:
    """How many nodes ``node`` holds with every alias expanded, up to ``limit`` + 1.

    Each node's size is computed once (a shared node is not walked again), so a
    file of a few hundred bytes whose aliases expand to billions costs nothing.
    A node that contains itself counts as too many.
    """
    sizes: dict[int, int] = {}
    busy: set[int] = set()

    def size(item: yaml.Node) -> int:
        key = id(item)
        if key in sizes:
            return sizes[key]
        if key in busy:  # a recursive alias: infinitely large once expanded
            return limit + 1
        busy.add(key)
        total = 1
        if isinstance(item, yaml.MappingNode):
            for k, v in item.value:
                total += size(k) + size(v)
                if total > limit:
                    break
        elif isinstance(item, yaml.SequenceNode):
            for child in item.value:
                total += size(child)
                if total > limit:
                    break
        busy.discard(key)
        sizes[key] = min(total, limit + 1)
        return sizes[key]

    return size(node)


def load_yaml(text: str, file: str, *, aliases: bool = True) -> Located:
    """Parse ``text``; syntax errors and duplicate keys come back as problems, never raised.

    With ``aliases=False`` a file using an alias is refused at the alias (answer
    files never need one); otherwise aliases are accepted but their expansion
    is bounded by :data:`MAX_NODES`, before anything walks the expanded tree.
    """
    loader = _Loader(text)
    loader.aliases = aliases
    try:
        node = loader.get_single_node()
        if node is not None and expanded_size(node) > MAX_NODES:
            return Located(
                None,
                file,
                problems=[
                    Problem(
                        file,
                        f"invalid YAML: more than {MAX_NODES} values once aliases are expanded",
                        node.start_mark.line + 1,
                        node.start_mark.column + 1,
                    )
                ],
            )
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        reason = exc.problem or exc.context or "invalid YAML"
        return Located(
            None, file, problems=[Problem(file, f"invalid YAML: {reason}", line, column)]
        )
    except yaml.YAMLError as exc:
        return Located(None, file, problems=[Problem(file, f"invalid YAML: {exc}")])
    except RecursionError:
        return Located(None, file, problems=[Problem(file, "invalid YAML: nested too deeply")])
    finally:
        loader.dispose()
    located = Located(data, file)
    if node is not None:
        try:
            _walk(node, (), located)
        except RecursionError:
            return Located(None, file, problems=[Problem(file, "invalid YAML: nested too deeply")])
    return located


_KEYS = yaml.SafeLoader("")


def _scalar_key(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        key = _KEYS.construct_object(node)
        _KEYS.constructed_objects.clear()
        return key
    return None


def _walk(node: yaml.Node, path: Path, located: Located) -> None:
    located.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        seen: set[Any] = set()
        for key_node, value_node in node.value:
            key = _scalar_key(key_node)
            if key is None or key == "<<":
                continue
            if key in seen:
                located.problems.append(
                    Problem(
                        located.file,
                        f"duplicate key {key!r}",
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                    )
                )
            seen.add(key)
            child = (*path, key)
            located.positions[child] = (
                key_node.start_mark.line + 1,
                key_node.start_mark.column + 1,
            )
            _walk(value_node, child, located)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _walk(item, (*path, index), located)
