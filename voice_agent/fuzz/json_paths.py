"""Reading, writing and listing the places in a JSON value, as tuples of keys and indexes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def get_path(event: dict[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = event
    for key in path:
        value = value[key]
    return value


def set_path(event: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set the value at `path`, making objects of what is missing or not an object."""
    target = event
    for key in path[:-1]:
        if not isinstance(target.get(key), dict):
            target[key] = {}
        target = target[key]
    target[path[-1]] = value


def all_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path in `value`, parents before their children."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*prefix, key)
            yield from all_paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*prefix, index)
            yield from all_paths(child, (*prefix, index))
