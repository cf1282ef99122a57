"""Frozen record classes that cost next to nothing to create.

The IR and the diagnostics are frozen records. `dataclasses` writes each class's methods as
source text and `exec`s it: on Python 3.11 about a millisecond per class, plus 7 ms to
import `dataclasses` (and `inspect`), which every `virtc` run would pay for the classes it
imports (../shared/STYLE.md; benchmarks/bench.py figure 5). A `Node` gets the same
behaviour from shared functions instead, in microseconds:

    class Span(Node, order=True):
        file: str = "<input>"
        line: int = 0

- fields are the annotated class attributes in order (a base class's first; `ClassVar[…]`
  annotations are not fields), defaults are their values, `Factory(make)` a default made
  per instance (dataclasses' `default_factory`), `NotCompared(default)` a field that
  equality and hashing ignore (`field(compare=False)`);
- `__init__` takes fields by position or keyword, `__repr__`, `__eq__` and `__hash__` work
  on the field values (equal only to the same class), `order=True` adds `<`, `<=`, `>`, `>=`;
- instances are frozen: setting or deleting an attribute raises `FrozenInstanceError`
  (`class Result(Node, mutable=True)` for a record that is filled in, which has no hash);
- `replace(node, **changes)`, `fields(node_or_class)` and `asdict(node)` (shallow) stand
  in for their dataclasses namesakes; instances pickle and copy as usual.
"""
from __future__ import annotations

_MISSING = object()


class FrozenInstanceError(AttributeError):
    """An attempt to change a field of a frozen record."""


class NotCompared:
    """A field that equality, hashing and ordering leave out (dataclasses'
    `field(compare=False)`), e.g. where a node's children were written:
    `at: tuple = NotCompared(())`."""

    __slots__ = ("default",)

    def __init__(self, default) -> None:
        self.default = default


class Factory:
    """A default made afresh for every instance: `tags: list = Factory(list)`."""

    __slots__ = ("make",)

    def __init__(self, make) -> None:
        self.make = make


def _is_classvar(hint) -> bool:
    text = hint if isinstance(hint, str) else getattr(hint, "__name__", repr(hint))
    return text.startswith(("ClassVar", "typing.ClassVar"))


class Node:
    """Base of frozen records (see the module docstring)."""

    __slots__ = ()
    _fields: tuple = ()
    _field_set: frozenset = frozenset()
    _compared: tuple = ()
    _defaults: dict = {}

    def __init_subclass__(cls, order: bool = False, mutable: bool = False, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        # A class is created per IR node kind on every run's import: the common case (one
        # base that is a Node) starts from the base's fields instead of walking the MRO.
        bases = cls.__bases__
        if len(bases) == 1 and issubclass(bases[0], Node):
            base = bases[0]
            names = list(base._fields)
            defaults = dict(base._defaults)
            uncompared = set(names).difference(base._compared)
            own = (cls,)
        else:
            names, defaults, uncompared = [], {}, set()
            own = tuple(reversed(cls.__mro__))
        for klass in own:
            namespace = klass.__dict__
            for name, hint in namespace.get("__annotations__", {}).items():
                if name[0] == "_" or _is_classvar(hint):
                    continue
                if name not in names:
                    names.append(name)
                value = namespace.get(name, _MISSING)
                if value is _MISSING:
                    defaults.pop(name, None)
                    uncompared.discard(name)
                elif type(value) is NotCompared:
                    defaults[name] = value.default
                    uncompared.add(name)
                else:
                    defaults[name] = value
                    uncompared.discard(name)
        seen_default = False
        for name in names:
            if name in defaults:
                seen_default = True
            elif seen_default:
                raise TypeError(f"{cls.__name__}: field {name!r} without a default follows "
                                "one with a default")
        cls._fields = tuple(names)
        cls._field_set = frozenset(names)
        cls._defaults = defaults
        cls._compared = tuple(name for name in names if name not in uncompared)
        cls.__match_args__ = tuple(names)
        if mutable:              # a result being filled in: fields may be set, no hash
            cls.__setattr__ = object.__setattr__
            cls.__delattr__ = object.__delattr__
            cls.__hash__ = None
        if order:
            cls.__lt__ = _lt
            cls.__le__ = _le
            cls.__gt__ = _gt
            cls.__ge__ = _ge

    def __init__(self, *args, **kwargs) -> None:
        # Lowering creates a few hundred records per document: this is written for speed
        # (one dict filled, then stored at once), with the checks dataclasses would make.
        fields = self._fields
        if args:
            if not kwargs and len(args) == len(fields):     # Span(file, line, column)
                try:
                    self.__dict__.update(zip(fields, args))
                    return
                except AttributeError:
                    pass
            if len(args) > len(fields):
                raise TypeError(f"{type(self).__name__}() takes {len(fields)} arguments, "
                                f"{len(args)} given")
            named = dict(zip(fields, args))
            for name in kwargs:
                if name in named:
                    raise TypeError(f"{type(self).__name__}() got {name!r} twice")
            named.update(kwargs)
            kwargs = named
        if len(kwargs) != len(fields) or not kwargs.keys() <= self._field_set:
            defaults = self._defaults
            for name in fields:
                if name not in kwargs:
                    value = defaults.get(name, _MISSING)
                    if value is _MISSING:
                        raise TypeError(f"{type(self).__name__}() is missing {name!r}")
                    kwargs[name] = value.make() if type(value) is Factory else value
            if len(kwargs) != len(fields):      # what is left named no field
                raise TypeError(f"{type(self).__name__}() got unknown fields "
                                f"{', '.join(sorted(set(kwargs) - self._field_set))}")
        try:
            self.__dict__.update(kwargs)
        except AttributeError:                  # a subclass with __slots__
            for name, value in kwargs.items():
                object.__setattr__(self, name, value)

    def _values(self) -> tuple:
        """The values that equality, hashing and ordering compare."""
        return tuple(getattr(self, name) for name in self._compared)

    def __repr__(self) -> str:
        inner = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._fields)
        return f"{type(self).__name__}({inner})"

    def __eq__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __ne__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() != other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name, value) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")


def _lt(a, b):
    return a._values() < b._values() if type(a) is type(b) else NotImplemented


def _le(a, b):
    return a._values() <= b._values() if type(a) is type(b) else NotImplemented


def _gt(a, b):
    return a._values() > b._values() if type(a) is type(b) else NotImplemented


def _ge(a, b):
    return a._values() >= b._values() if type(a) is type(b) else NotImplemented


def replace(node, **changes):
    """A copy of `node` with `changes` (dataclasses.replace for Node)."""
    values = {name: getattr(node, name) for name in node._fields}
    unknown = set(changes) - set(values)
    if unknown:
        raise TypeError(f"{type(node).__name__} has no fields {', '.join(sorted(unknown))}")
    values.update(changes)
    return type(node)(**values)


def fields(node_or_class) -> tuple:
    """The field names, in order."""
    return node_or_class._fields


def asdict(node) -> dict:
    """The fields and their values (shallow: sub-nodes stay nodes)."""
    return {name: getattr(node, name) for name in node._fields}


def is_node(value) -> bool:
    return isinstance(value, Node)
