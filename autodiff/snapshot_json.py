"""Schema <-> stable JSON: sorted keys, default-valued fields omitted, ``"version": 1``."""

from __future__ import annotations

import dataclasses
import functools
import json
import types
import typing
from typing import Any

from autodiff import model
from autodiff.errors import AutodiffError

SNAPSHOT_VERSION = 1


def schema_to_json(schema: model.Schema) -> str:
    """Serialize ``schema``; equal schemas give byte-identical text."""
    body = _to_plain(schema)
    body["version"] = SNAPSHOT_VERSION
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_from_json(text: str) -> model.Schema:
    """Parse a snapshot; a malformed one raises AutodiffError naming the problem."""
    try:
        body = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AutodiffError(f"snapshot is not valid JSON: {exc}") from None
    if not isinstance(body, dict) or body.get("version") != SNAPSHOT_VERSION:
        raise AutodiffError(f"not an autodiff snapshot (expected \"version\": {SNAPSHOT_VERSION})")
    body = {k: v for k, v in body.items() if k != "version"}
    try:
        return typing.cast(model.Schema, _from_plain(model.Schema, body))
    except (TypeError, ValueError, KeyError) as exc:
        raise AutodiffError(f"malformed snapshot: {exc}") from None


def _to_plain(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if _is_default(f, value):
                continue
            out[f.name] = _to_plain(value)
        return out
    if isinstance(obj, tuple):
        return [_to_plain(v) for v in obj]
    return obj


def _is_default(f: dataclasses.Field[Any], value: Any) -> bool:
    if f.default is not dataclasses.MISSING:
        return bool(value == f.default)
    return False


def _from_plain(cls: type, data: Any) -> Any:
    if not isinstance(data, dict):
        raise TypeError(f"{cls.__name__} must be an object, got {type(data).__name__}")
    hints = _hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise KeyError(f"unknown field(s) {sorted(unknown)} in {cls.__name__}")
    kwargs = {name: _convert(hints[name], value) for name, value in data.items()}
    return cls(**kwargs)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    # Resolving annotations evaluates strings; once per class, not once per object.
    return typing.get_type_hints(cls, vars(model))


def _convert(hint: Any, value: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _convert(inner, value)
    if origin is tuple:
        if not isinstance(value, list):
            raise TypeError(f"expected a list, got {type(value).__name__}")
        item = typing.get_args(hint)[0]
        return tuple(_convert(item, v) for v in value)
    if dataclasses.is_dataclass(hint):
        return _from_plain(typing.cast(type, hint), value)
    if hint in (str, bool, int) and not isinstance(value, hint):
        raise TypeError(f"expected {hint.__name__}, got {type(value).__name__}")
    return value
