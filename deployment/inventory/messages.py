"""A pydantic ``ValidationError`` as one line: the key's dotted path and the reason."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from deployment.inventory.schema import (
    ComposeEntry,
    GoLiveEntry,
    HealthcheckEntry,
    HostEntry,
    InventoryFile,
    NotifyEntry,
)

# Which model a mapping is, by the last key above it (None: the top of the file).
_MODELS: dict[str | None, type[BaseModel]] = {
    None: InventoryFile,
    "hosts": HostEntry,
    "healthcheck": HealthcheckEntry,
    "notify": NotifyEntry,
    "compose": ComposeEntry,
    "go_live": GoLiveEntry,
}


def one_line(exc: ValidationError) -> str:
    """``hosts[1].port: Input should be ...``, then the keys of any other problems."""
    first, *others = exc.errors(include_url=False)
    key = dotted(first["loc"])
    line = f"{key}: {_reason(first)}" if key else _reason(first)
    if others:
        line += f" (more problems: {', '.join(dotted(e['loc']) or 'top level' for e in others)})"
    return line


def dotted(loc: tuple[int | str, ...]) -> str:
    """``('hosts', 1, 'port')`` -> ``hosts[1].port``."""
    key = ""
    for part in loc:
        if part == "[key]":  # pydantic's mark of a mapping's key: the key itself is named
            continue
        key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else str(part)
    return key


def _reason(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required key missing"
    if kind == "extra_forbidden":
        return _unknown_key(error["loc"])
    if kind == "model_type":
        return f"expected a mapping (key: value), got {_yaml_type(error['input'])}"
    if kind == "value_error":
        return str(error["ctx"]["error"])
    if kind == "literal_error" and error["loc"][:1] == ("checks",):
        return "only false turns a check off (every check is on unless turned off)"
    return error["msg"]


def _unknown_key(loc: tuple[int | str, ...]) -> str:
    above = [part for part in loc[:-1] if isinstance(part, str)]
    known = sorted(_MODELS[above[-1] if above else None].model_fields)
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    hint = f"did you mean {close[0]}? " if close else ""
    return f"unknown key; {hint}known keys: {', '.join(known)}"


def _yaml_type(value: Any) -> str:
    if value is None:
        return "nothing"
    names = {list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), type(value).__name__)
