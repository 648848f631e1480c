"""PostgreSQL column types, spelled one way for comparison."""

from __future__ import annotations

import re

ALIASES = {
    "character varying": "varchar",
    "character": "char",
    "int": "integer",
    "int4": "integer",
    "serial": "integer",
    "serial4": "integer",
    "int8": "bigint",
    "bigserial": "bigint",
    "serial8": "bigint",
    "int2": "smallint",
    "smallserial": "smallint",
    "serial2": "smallint",
    "decimal": "numeric",
    "float8": "double precision",
    "float4": "real",
    "bool": "boolean",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
    "timetz": "time with time zone",
    "varbit": "bit varying",
}

_SPLIT = re.compile(r"^(?P<base>[a-z][a-z0-9_ ]*?)\s*(?P<mod>\(.*?\))?(?P<rest>[a-z ]*)$")


def normalize_type(raw: str, connection=None) -> str:
    """``character varying(10)[]`` and Django's ``varchar(10)[]`` both give ``varchar(10)[]``."""
    text = " ".join(raw.lower().split())
    dims = 0
    while text.endswith("[]"):
        text, dims = text[:-2].rstrip(), dims + 1
    match = _SPLIT.match(text)
    if not match:
        return text + "[]" * dims
    base = " ".join((match["base"] + match["rest"]).split())
    base = ALIASES.get(base, base)
    modifier = (match["mod"] or "").replace(" ", "")
    if base.startswith(("timestamp ", "time ")) and modifier:
        head, _, zone = base.partition(" ")
        return f"{head}{modifier} {zone}" + "[]" * dims
    return base + modifier + "[]" * dims
