"""Safe YAML loading that remembers where every value came from.

Packs and answer files are written by people; an error must point at the
line. PyYAML's safe loader builds plain data (nothing is ever executed), and
a walk over the composed node tree records the line and column of each path.
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


def load_yaml(text: str, file: str) -> Located:
    """Parse ``text``; syntax errors and duplicate keys come back as problems, never raised."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
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
    located = Located(data, file)
    if node is not None:
        _walk(node, (), located)
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
