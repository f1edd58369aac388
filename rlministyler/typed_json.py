"""Dataclasses to and from JSON, checked field by field, and their JSON Schema: the machinery
behind both contracts in :mod:`rlministyler.contract` (the export metadata and the web manifest).

Reading names the first field that is wrong in one line (``source: metadata field 'steps' must be an
integer, got "3"``); writing leaves out optional keys that are unset; the schema says the same as the
reader, so a record one refuses the other refuses too.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import operator
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from .errors import UserError


def has_default(f: dataclasses.Field) -> bool:
    """Whether a field may be left out (written only when set)."""
    return f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING


def to_json(value: Any) -> Any:
    """The JSON value of a contract dataclass: optional keys that are unset are left out; required
    ones may be null."""
    if dataclasses.is_dataclass(value):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)
                if not (getattr(value, f.name) is None and has_default(f))}
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return value


def _optional(hint: Any) -> tuple[bool, Any]:
    """(whether None is allowed, the hint without None)."""
    if get_origin(hint) in (Union, types.UnionType):
        args = [a for a in get_args(hint) if a is not type(None)]
        if len(args) < len(get_args(hint)):
            return True, (args[0] if len(args) == 1 else functools.reduce(operator.or_, args))
    return False, hint


def _what(hint: Any) -> str:
    origin = get_origin(hint)
    if origin is Literal:
        return " or ".join(repr(a) for a in get_args(hint))
    if origin is list:
        return "a list"
    if origin is dict:
        return "an object"
    if origin in (Union, types.UnionType):
        return " or ".join(_what(a) for a in get_args(hint))
    if dataclasses.is_dataclass(hint):
        return "an object"
    return {int: "an integer", float: "a number", str: "a string", bool: "true or false"}[hint]


def build(hint: Any, value: Any, source: str | object, kind: str, where: str = "") -> Any:
    """``value`` checked against ``hint`` (recursively) and built; a one-line :class:`UserError`
    ``"{source}: {kind} field '{where}' ..."`` names the field that is wrong."""
    allowed_none, hint = _optional(hint)
    if value is None:
        if allowed_none:
            return None
        raise UserError(f"{source}: {kind} field '{where or '.'}' must be {_what(hint)}, not null")

    def wrong() -> UserError:
        shown = json.dumps(value)[:40]
        return UserError(f"{source}: {kind} field '{where}' must be {_what(hint)}, got {shown}")

    origin = get_origin(hint)
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise wrong()
        hints = get_type_hints(hint)
        kwargs = {}
        for f in dataclasses.fields(hint):
            key = f"{where}.{f.name}" if where else f.name
            if f.name not in value:
                if not has_default(f) and not _optional(hints[f.name])[0]:
                    raise UserError(f"{source}: {kind} field '{key}' is missing")
                continue
            kwargs[f.name] = build(hints[f.name], value[f.name], source, kind, key)
        return hint(**kwargs)
    if origin is Literal:
        if value not in get_args(hint):
            raise wrong()
        return value
    if origin is list:
        if not isinstance(value, list):
            raise wrong()
        (item,) = get_args(hint)
        return [build(item, v, source, kind, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise wrong()
        _, item = get_args(hint)
        return {str(k): build(item, v, source, kind, f"{where}.{k}") for k, v in value.items()}
    if origin in (Union, types.UnionType):
        for option in get_args(hint):
            try:
                return build(option, value, source, kind, where)
            except UserError:
                continue
        raise wrong()
    if hint is bool:
        if not isinstance(value, bool):
            raise wrong()
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise wrong()
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise wrong()
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise wrong()
        return value
    raise TypeError(f"no rule for {hint!r}")  # pragma: no cover - a contract definition error


def check_version(data: Any, source: str | object, kind: str, newest: int, oldest: int, *, made: str,
                  again: str) -> None:
    """Refuse a ``format_version`` that is not an integer, newer than ``newest`` (upgrade) or older
    than ``oldest`` (``again``: how to make a current one); ``made``: "exported" or "built"."""
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise UserError(f"{source}: {kind} field 'format_version' must be an integer")
    if version > newest:
        raise UserError(f"{source} was {made} by a newer rlministyler ({kind} format {version}; "
                        f"this one reads up to {newest}): upgrade rlministyler")
    if version < oldest:
        raise UserError(f"{source}: {kind} format {version} predates format {oldest}, "
                        f"which this rlministyler reads: {again}")


def json_schema(root: type, *, schema_id: str, title: str, versions: tuple[int, int]) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the dataclass ``root``; ``versions``: the (oldest, newest)
    ``format_version`` a reader takes."""
    defs: dict[str, Any] = {}

    def schema_of(hint: Any) -> dict[str, Any]:
        allowed_none, hint = _optional(hint)
        inner = _schema_of(hint)
        return {"anyOf": [inner, {"type": "null"}]} if allowed_none else inner

    def _schema_of(hint: Any) -> dict[str, Any]:
        origin = get_origin(hint)
        if dataclasses.is_dataclass(hint):
            name = hint.__name__
            if name not in defs:
                defs[name] = {}  # placeholder against recursion
                hints = get_type_hints(hint)
                props = {f.name: schema_of(hints[f.name]) for f in dataclasses.fields(hint)}
                required = [f.name for f in dataclasses.fields(hint) if not has_default(f)]
                defs[name] = {"type": "object", "description": (hint.__doc__ or "").strip(),
                              "properties": props, "required": required}
            return {"$ref": f"#/$defs/{name}"}
        if origin is Literal:
            return {"enum": list(get_args(hint))}
        if origin is list:
            return {"type": "array", "items": schema_of(get_args(hint)[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": schema_of(get_args(hint)[1])}
        if origin in (Union, types.UnionType):
            return {"anyOf": [schema_of(a) for a in get_args(hint)]}
        return {"type": {int: "integer", float: "number", str: "string", bool: "boolean"}[hint]}

    _schema_of(root)
    body = defs.pop(root.__name__)
    body["properties"]["format_version"] = {"type": "integer", "minimum": versions[0], "maximum": versions[1]}
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "title": title,
            **body, "$defs": defs}


def schema_text(schema: dict[str, Any]) -> str:
    """A schema as its committed file holds it."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"
