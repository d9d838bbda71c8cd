"""Frozen, slotted record classes whose methods are shared, not written per class.

``dataclasses.dataclass(frozen=True, slots=True)`` writes and compiles six methods for
every class (``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``,
``__delattr__``) and builds the class twice. For the 33 op classes that was 27-29 ms of
every ``generate`` on a quick machine (37 of the 40 ms ``autodiff.ops`` took to import on
a slow one), for objects of which a run builds a few dozen. Here the class is built once,
with ``__slots__`` from its annotations, and its methods read the field list.

The model's classes stay dataclasses: a run builds tens of thousands of them, and a
generated ``__init__`` is quicker per object than the shared one here.

Fields are declared as in a dataclass, with ``dataclasses.field`` for ``default``,
``default_factory`` and ``compare``; fields of base classes come first. Type checkers
read these classes as frozen dataclasses (``dataclass_transform``).
"""

from __future__ import annotations

from dataclasses import MISSING, Field, FrozenInstanceError, field
from typing import Any, ClassVar, dataclass_transform


class _Field:
    __slots__ = ("name", "default", "factory", "compare")

    def __init__(self, name: str, spec: Any) -> None:
        self.name = name
        if isinstance(spec, Field):
            self.default, self.factory, self.compare = spec.default, spec.default_factory, \
                spec.compare
        else:
            self.default, self.factory, self.compare = spec, MISSING, True

    @property
    def required(self) -> bool:
        return self.default is MISSING and self.factory is MISSING


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
class RecordMeta(type):
    """The metaclass of :class:`Record`: slots and the field list from annotations."""

    _record_fields: tuple[_Field, ...]

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any],
                **kwargs: Any) -> RecordMeta:
        own = [_Field(n, namespace.pop(n, MISSING))
               for n, hint in _annotations(name, namespace).items()
               if not _is_class_var(hint)]
        inherited = next((b._record_fields for b in bases if isinstance(b, RecordMeta)), ())
        fields = (*inherited, *own)
        _check_order(name, fields)
        namespace.update(__slots__=tuple(f.name for f in own), _record_fields=fields,
                         _record_compared=tuple(f.name for f in fields if f.compare),
                         __match_args__=tuple(f.name for f in fields))
        return super().__new__(mcs, name, bases, namespace, **kwargs)


def _annotations(name: str, namespace: dict[str, Any]) -> dict[str, Any]:
    # From Python 3.14 (PEP 649) a class body's annotations are a function evaluated on
    # demand, so the namespace has no __annotations__ dict while the class is built,
    # except under ``from __future__ import annotations``, which every module declaring
    # a Record has (a test checks it). Without it, refuse rather than make a fieldless class.
    if "__annotations__" not in namespace and any(key.startswith("__annotate")
                                                  for key in namespace):
        raise TypeError(f"{name}: a Record's module needs `from __future__ import "
                        "annotations` (its fields are read while the class is built)")
    return namespace.get("__annotations__", {})


def _is_class_var(hint: Any) -> bool:
    # "ClassVar[int]" as a string (annotations postponed), typing.ClassVar[int] if not.
    return str(hint).split("[", 1)[0].rsplit(".", 1)[-1] == "ClassVar"


def _check_order(name: str, fields: tuple[_Field, ...]) -> None:
    defaulted = False
    for f in fields:
        if f.required and defaulted:
            raise TypeError(f"{name}: field {f.name!r} without a default follows one with")
        defaulted = defaulted or not f.required


class Record(metaclass=RecordMeta):
    """Base of frozen records; subclass it and annotate the fields."""

    __slots__ = ()
    _record_fields: ClassVar[tuple[_Field, ...]]
    _record_compared: ClassVar[tuple[str, ...]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        fields = self._record_fields
        if len(args) > len(fields):
            raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, "
                            f"{len(args)} given")
        for i, f in enumerate(fields):
            if i < len(args):
                if f.name in kwargs:
                    raise TypeError(f"{type(self).__name__}() got two values for {f.name!r}")
                value = args[i]
            elif f.name in kwargs:
                value = kwargs.pop(f.name)
            elif f.default is not MISSING:
                value = f.default
            elif f.factory is not MISSING:
                value = f.factory()
            else:
                raise TypeError(f"{type(self).__name__}() is missing {f.name!r}")
            object.__setattr__(self, f.name, value)
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got unknown {', '.join(map(repr, kwargs))}")

    def _key(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._record_compared])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        values = ", ".join(f"{f.name}={getattr(self, f.name)!r}" for f in self._record_fields)
        return f"{type(self).__qualname__}({values})"

    def __setattr__(self, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[Any, ...]:
        # Slots and a refusing __setattr__: copy and pickle go through the constructor.
        return (type(self), tuple([getattr(self, f.name) for f in self._record_fields]))
