"""Read an inventory file: ``yaml.safe_load`` semantics, plus duplicate keys refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError

from deployment.errors import InventoryError

MERGE_TAG = "tag:yaml.org,2002:merge"


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (safe_load keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first_seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            if key in first_seen:
                line = first_seen[key].line + 1
                raise ConstructorError(
                    None, None, f"{key}: duplicate key (first on line {line})", key_node.start_mark
                )
            first_seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


def parse(file: Path) -> Any:
    """The YAML document in ``file``, or ``InventoryError`` naming the file and line."""
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InventoryError(f"{label(file)}: no such inventory file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"{label(file)}: cannot read: {exc}") from exc
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        raise InventoryError(f"{label(file)}: {_where(exc)}{exc.problem}") from exc
    except (yaml.YAMLError, TypeError) as exc:
        raise InventoryError(f"{label(file)}: invalid YAML: {exc}") from exc


def label(path: Path) -> str:
    """``path`` as the operator knows it: relative to the working directory where it can be."""
    try:
        return str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _where(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark
    return f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
