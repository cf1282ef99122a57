"""Element-to-field mappings, declared once: lowering reads with them, the writer writes.

A family's IR node lists how each of its fields sits in the XML, the way virtinst declares
XML properties:

    class Stats(Node):
        TAG: ClassVar[str] = "stats"
        XML: ClassVar[tuple] = (Attr("period", "period", int),)
        period: Optional[int] = None
        span: Span = NOWHERE

`lower(cls, r, el)` builds the node from an element through the `Reader` (so whatever the
mapping doesn't name stays unread and is reported as not compiled), and `write(node, parent)`
appends the element back. One declaration serves both, so the two can't disagree; a test
round-trips every family.

Kinds of mapping:

- `Attr(xml, field, conv)`: an attribute of the node's own element;
- `Text(field)`: the element's text, stripped (None when empty);
- `Child(field, cls)`: one sub-element, lowered as its own node with its own span;
- `Children(field, cls)`: every sub-element of that tag, a tuple of such nodes;
- `Info()`: the device's shared `DeviceInfo` (`<alias>`, `<address>`, `<boot>`, `<acpi>`);
- `Flag(field, tag)`: an empty sub-element that is there or not (`<locked/>`), a bool;
- `Size(field, tag)`: a sub-element holding a libvirt scaled size (`<size unit='MiB'>2</size>`),
  kept in KiB (rounded up, as libvirt does) and written back with unit='KiB'.

A conversion `conv` is `str`, `int`, `on_off` or `yes_no` (booleans written as libvirt spells
them), or an IR enum: a value the enum lacks leaves the whole device unread (NotLowered).
"""
from __future__ import annotations

from typing import Any, Callable, ClassVar, Optional, Tuple

from lxml import etree

from ..reader import NotLowered, Reader
from ..node import Choice, ChoiceType, Node


class Conv(Node):
    """How one XML value becomes a field value and back."""

    read: Callable[[str], Any]
    write: Callable[[Any], str]


def _bool(true: str, false: str) -> Conv:
    return Conv(lambda text: text == true, lambda value: true if value else false)


on_off = _bool("on", "off")
yes_no = _bool("yes", "no")
number = Conv(lambda text: int(text, 0), str)        # decimal or 0x… (libvirt's uint)


def _conv(kind) -> Optional[Conv]:
    if isinstance(kind, Conv):
        return kind
    if kind is int:
        return Conv(int, str)
    if kind is str:
        return None
    raise TypeError(f"no conversion for {kind!r}")


class Attr(Node):
    xml: str
    field: str
    kind: Any = str

    def read(self, r: Reader, el) -> Any:
        kind = self.kind
        if kind is str:
            return r.attr(el, self.xml)
        if isinstance(kind, ChoiceType):
            return r.enum(el, self.xml, kind)
        convert = int if kind is int else _conv(kind).read
        text = r.token(el, self.xml)
        if text is None:
            return None
        try:
            return convert(text)
        except ValueError:            # the schema admits it; the IR can't hold it
            raise NotLowered(el, self.xml, text) from None

    def write(self, value: Any, el) -> None:
        if value is None:
            return
        if isinstance(value, Choice):
            el.set(self.xml, value.value)
            return
        conv = _conv(self.kind)
        el.set(self.xml, conv.write(value) if conv else value)


class Text(Node):
    field: str

    def read(self, r: Reader, el) -> Optional[str]:
        text = r.text(el).strip()
        return text or None

    def write(self, value: Optional[str], el) -> None:
        if value is not None:
            el.text = value


class Child(Node):
    ABSENT: ClassVar[None] = None
    field: str
    cls: type

    def read(self, r: Reader, el) -> Any:
        sub = r.child(el, self.cls.TAG)
        return lower(self.cls, r, sub) if sub is not None else None

    def absent(self, tags) -> bool:
        return self.cls.TAG not in tags

    def write(self, value: Any, el) -> None:
        if value is not None:
            write(value, el)


class Children(Node):
    """Every sub-element of one tag, in document order, each lowered as its own node."""

    field: str
    cls: type

    ABSENT: ClassVar[tuple] = ()

    def read(self, r: Reader, el) -> Any:
        return tuple(lower(self.cls, r, sub) for sub in r.children(el, self.cls.TAG))

    def absent(self, tags) -> bool:
        return self.cls.TAG not in tags

    def write(self, value: Any, el) -> None:
        for node in value or ():
            write(node, el)


class Flag(Node):
    """An empty sub-element whose presence is the value: <nosharepages/>, <pmem/>."""

    ABSENT: ClassVar[None] = None
    field: str
    tag: str

    def read(self, r: Reader, el) -> Optional[bool]:
        return True if r.child(el, self.tag) is not None else None

    def absent(self, tags) -> bool:
        return self.tag not in tags

    def write(self, value: Optional[bool], el) -> None:
        if value:
            etree.SubElement(el, self.tag)


class Size(Node):
    """A sub-element with a scaled size (text, optional unit=, KiB by default), in KiB."""

    ABSENT: ClassVar[None] = None
    field: str
    tag: str

    def read(self, r: Reader, el) -> Optional[int]:
        sub = r.child(el, self.tag)
        return r.size_kib(sub) if sub is not None else None

    def absent(self, tags) -> bool:
        return self.tag not in tags

    def write(self, value: Optional[int], el) -> None:
        if value is not None:
            etree.SubElement(el, self.tag, unit="KiB").text = str(value)


class Info(Node):
    """The device's DeviceInfo; lives in info.py, named here so the order is declared once."""

    field: str = "info"

    def read(self, r: Reader, el) -> Any:
        from .info import lower_info

        return lower_info(r, el)

    def write(self, value: Any, el) -> None:
        from .info import write_info

        write_info(value, el)


Mapping = Tuple[Any, ...]


def lower(cls, r: Reader, el, **extra):
    """The node `cls` built from `el`; `extra` fields come from the caller (the family),
    which has read them itself: the mapping doesn't read those again.

    A mapping of a sub-element that `el` doesn't have is not asked (a disk maps some thirty
    sub-elements and has a handful): it would find nothing, so the field gets what reading
    nothing gives, its ABSENT value (None: the node's default)."""
    r.use(el)
    tags = {child.tag for child in el} if len(el) else _NO_TAGS
    values = {}
    for m in cls.XML:
        field = m.field
        if field in extra:
            continue
        absent = getattr(m, "absent", None)
        values[field] = m.ABSENT if absent is not None and absent(tags) else m.read(r, el)
    values.update(extra)
    return cls(span=r.span(el), **{k: v for k, v in values.items() if v is not None})


_NO_TAGS: frozenset = frozenset()


def write(node, parent=None):
    """The element for `node`, appended to `parent` when given."""
    cls = type(node)
    el = etree.Element(cls.TAG) if parent is None else etree.SubElement(parent, cls.TAG)
    for mapping in cls.XML:
        mapping.write(getattr(node, mapping.field), el)
    return el
