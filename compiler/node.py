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

from typing import TYPE_CHECKING

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


# --- Closed vocabularies -------------------------------------------------------------------
#
# The IR's enumerations (a disk's bus, a NIC's type, …) are str enums. `enum.Enum` builds
# each class through a metaclass that costs about 0.1 ms per class on Python 3.11, and a
# validate run creates some forty of them on import (benchmarks/bench.py figure 5). A
# `Choice` behaves the same for everything virtc and its users do with one, at a fifth of
# the cost:
#
#     class DiskBus(Choice):
#         IDE = "ide"
#         VIRTIO = "virtio"
#
# - members are instances of the class and of str: `DiskBus.IDE == "ide"`, they hash and
#   sort as their value, and `.value` / `.name` are the string and the attribute name;
# - `DiskBus("ide")` is the member (a member passes through), another value raises
#   ValueError; `DiskBus["IDE"]`, `DiskBus.__members__`, `len(DiskBus)`, `"ide" in DiskBus`;
# - iterating the class yields its members in order, an alias (a second name for a value
#   already given) is not repeated;
# - `str()`, `repr()` and `format()` read as enum.Enum's on Python 3.11 ("DiskBus.IDE",
#   "<DiskBus.IDE: 'ide'>"); members pickle and copy as themselves and can't be reassigned;
# - names starting with "_", and anything that isn't a str (methods, properties), stay
#   ordinary class attributes.
#
# Type checkers see `Choice` as `(str, enum.Enum)`, so annotations and exhaustiveness
# checks work as with any enum.

if TYPE_CHECKING:
    import enum

    class Choice(str, enum.Enum):
        """A str enum (see above)."""

    ChoiceType = enum.EnumMeta
else:
    class ChoiceType(type):
        """The metaclass of `Choice` classes: turns their str attributes into members."""

        def __new__(mcls, name, bases, namespace, **kwargs):
            names = [key for key, value in namespace.items()
                     if type(value) is str and key[0] != "_"]
            values = [namespace.pop(key) for key in names]
            cls = super().__new__(mcls, name, bases, namespace, **kwargs)
            by_value, by_name, order = {}, {}, []
            for key, value in zip(names, values):
                member = by_value.get(value)
                if member is None:
                    member = str.__new__(cls, value)
                    member._name_ = key
                    member._value_ = value
                    by_value[value] = member
                    order.append(member)
                by_name[key] = member
                type.__setattr__(cls, key, member)
            type.__setattr__(cls, "_value2member_map_", by_value)
            type.__setattr__(cls, "_member_map_", by_name)
            type.__setattr__(cls, "_member_list_", tuple(order))
            return cls

        def __call__(cls, value):
            try:
                return cls._value2member_map_[value]
            except (KeyError, TypeError):
                raise ValueError(f"{value!r} is not a valid {cls.__qualname__}") from None

        def __getitem__(cls, name):
            return cls._member_map_[name]

        def __iter__(cls):
            return iter(cls._member_list_)

        def __reversed__(cls):
            return reversed(cls._member_list_)

        def __len__(cls):
            return len(cls._member_list_)

        def __contains__(cls, value):
            return isinstance(value, str) and value in cls._value2member_map_

        def __bool__(cls):
            return True

        @property
        def __members__(cls):
            return dict(cls._member_map_)

        def __setattr__(cls, name, value):
            if name in cls.__dict__.get("_member_map_", ()):
                raise AttributeError(f"cannot reassign member {name!r}")
            super().__setattr__(name, value)

        def __delattr__(cls, name):
            if name in cls.__dict__.get("_member_map_", ()):
                raise AttributeError(f"cannot delete member {name!r}")
            super().__delattr__(name)

        def __repr__(cls):
            return f"<enum {cls.__name__!r}>"

    class Choice(str, metaclass=ChoiceType):
        """A str enum (see above)."""

        _member_map_: dict = {}
        _value2member_map_: dict = {}
        _member_list_: tuple = ()

        @property
        def name(self) -> str:
            return self._name_

        @property
        def value(self) -> str:
            return self._value_

        def __repr__(self) -> str:
            return f"<{type(self).__name__}.{self._name_}: {self._value_!r}>"

        def __str__(self) -> str:
            return f"{type(self).__name__}.{self._name_}"

        def __format__(self, spec: str) -> str:
            return format(str(self), spec)

        __hash__ = str.__hash__

        def __reduce_ex__(self, protocol):
            return type(self), (self._value_,)

        def __copy__(self):
            return self

        def __deepcopy__(self, memo):
            return self
