"""Typed action payloads for buttons: ``pack(Join(initiative_id=42)) == "k1:ij:42"``.

One string travels as a LINE postback ``data`` (≤300 characters), a Slack button ``value`` and
a simulator click, and comes back to the same handler. The leading ``k1`` is the codec version,
so old buttons still in people's chat history can be recognised after a format change.
Payloads are *claims*, never trusted: handlers re-check every permission on the server.
(Idea from aiogram's CallbackData.)
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, dataclass_transform, overload
from urllib.parse import quote, unquote

VERSION = "k1"
SEP = ":"
MAX_LENGTH = 300

_registry: dict[str, type] = {}
T = TypeVar("T")


class ActionError(ValueError):
    """The payload is malformed, unknown, tampered with or too long."""


@dataclass_transform(frozen_default=True)
def action(prefix: str) -> Callable[[type[T]], type[T]]:
    """Register a frozen dataclass as an action with a short unique ``prefix``.

    ``dataclass_transform`` tells type checkers the class becomes a frozen dataclass, so
    ``Join(42)`` is checked against its fields."""

    def wrap(cls: type[T]) -> type[T]:
        if SEP in prefix or not prefix:
            raise ValueError(f"bad action prefix {prefix!r}")
        if prefix in _registry and _registry[prefix] is not cls:
            raise ValueError(f"action prefix {prefix!r} already used by {_registry[prefix]}")
        if not dataclasses.is_dataclass(cls):
            cls = dataclasses.dataclass(frozen=True)(cls)
        cls.prefix = prefix  # type: ignore[attr-defined]
        _registry[prefix] = cls
        return cls

    return wrap


def _encode(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, enum.Enum):
        value = value.value
    return quote(str(value), safe="")


def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(raw: str, hint: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType) and type(None) in args:
        if raw == "":
            return None
        hint = next(a for a in args if a is not type(None))
    text = unquote(raw)
    if hint is bool:
        if text not in ("0", "1"):
            raise ActionError("bad bool")
        return text == "1"
    if hint is int:
        if not text.lstrip("-").isdigit() or len(text) > 18:
            raise ActionError("bad int")
        return int(text)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(text)
        except ValueError as exc:
            raise ActionError("bad enum") from exc
    if typing.get_origin(hint) is typing.Literal:
        if text not in typing.get_args(hint):
            raise ActionError("bad literal")
        return text
    return text


def pack(obj: Any) -> str:
    """Encode an action; raises ActionError if it would exceed the LINE postback limit."""
    prefix = getattr(type(obj), "prefix", None)
    if prefix is None or _registry.get(prefix) is not type(obj):
        raise ActionError(f"{type(obj).__name__} is not a registered action")
    assert dataclasses.is_dataclass(obj)  # action() made every registered class one
    parts = [VERSION, prefix] + [_encode(getattr(obj, f.name)) for f in dataclasses.fields(obj)]
    data = SEP.join(parts)
    if len(data) > MAX_LENGTH:
        raise ActionError(f"packed action is {len(data)} characters (max {MAX_LENGTH})")
    return data


@overload
def unpack(data: str) -> object: ...
@overload
def unpack(data: str, expected: type[T]) -> T: ...
def unpack(data: str, expected: type[Any] | None = None) -> object:
    """Decode a payload from any channel. Unknown, old or tampered payloads raise ActionError.

    With ``expected``, the result is that action type (another action raises ActionError), so
    the caller gets it typed."""
    if not isinstance(data, str) or len(data) > MAX_LENGTH:
        raise ActionError("payload too long")
    parts = data.split(SEP)
    if len(parts) < 2 or parts[0] != VERSION:
        raise ActionError("unknown payload version")
    cls = _registry.get(parts[1])
    if cls is None:
        raise ActionError("unknown action")
    fields = dataclasses.fields(cls)  # every registered class is a dataclass (see action)
    values = parts[2:]
    if len(values) != len(fields):
        raise ActionError("wrong number of fields")
    hints = _field_types(cls)
    kwargs = {f.name: _decode(v, hints[f.name]) for f, v in zip(fields, values, strict=True)}
    decoded = cls(**kwargs)
    if expected is not None and not isinstance(decoded, expected):
        raise ActionError(f"expected {expected.__name__}, got {cls.__name__}")
    return decoded


def is_action(data: str) -> bool:
    return isinstance(data, str) and data.startswith(VERSION + SEP)


class Action:
    """Marker base for type hints; every registered action has a ``prefix``."""

    prefix: ClassVar[str]
