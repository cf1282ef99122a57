"""Reading an lxml tree while recording what was consumed.

Lowering reads every element and attribute it uses through a Reader. What is left over
afterwards is reported: nothing in a document is dropped silently.
"""
from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Set, Tuple

from lxml import etree

from .diagnostics import Diagnostics, Span
from .positions import SourceIndex


class NotLowered(Exception):
    """A value the IR has no member for: the element is left for the backends to report."""

    def __init__(self, el, attr: Optional[str], value: Optional[str]):
        super().__init__(f"{attr}={value!r}")
        self.el, self.attr, self.value = el, attr, value


# Size units as libvirt reads them (basictypes "unit"): decimal and binary multiples of a
# byte; a bare "k", "M"… is binary, as in libvirt.
_UNIT_BYTES = {"b": 1, "byte": 1, "bytes": 1}
for _power, _letter in enumerate("kmgtpe", start=1):
    _UNIT_BYTES[_letter] = _UNIT_BYTES[_letter + "ib"] = 1024 ** _power
    _UNIT_BYTES[_letter + "b"] = 1000 ** _power


def size_bytes(number: str, unit: str = "KiB") -> int:
    """A libvirt scaled size in bytes; `unit` is one the schema admits."""
    return int(number.strip()) * _UNIT_BYTES[unit.lower()]


def kib_up(size: int) -> int:
    """Bytes to KiB, rounded up."""
    return -(-size // 1024)


def children_by_tag(parent) -> Dict[str, List]:
    """`parent`'s child elements by tag, each list in document order (comments and
    processing instructions left out): one pass, for a parent asked about many tags."""
    found: Dict[str, List] = {}
    for child in parent:
        tag = child.tag
        if type(tag) is str:
            kin = found.get(tag)
            if kin is None:
                found[tag] = [child]
            else:
                kin.append(child)
    return found


def children_named(parent, tag: str) -> List:
    """`parent`'s children named `tag` (cheaper than iterfind for a handful of children)."""
    return [child for child in parent if child.tag == tag]


# Children from which peek_all sorts an element's children by tag once instead of scanning.
_INDEXED = 12


class Reader:
    def __init__(self, index: SourceIndex, diags: Diagnostics):
        self.index = index
        self.diags = diags
        self._used: Set[int] = set()
        self._used_attrs: Set[Tuple[int, str]] = set()
        self._whole: Set[int] = set()     # elements read with everything below them
        self._keep: List[etree._Element] = []   # keeps ids stable while we hold them
        # element -> its children by tag (peek_all); elements as keys keep their proxies
        self._by_tag: Dict[object, Dict[str, List]] = {}
        self._spans: Dict[object, Span] = {}

    def span(self, el) -> Span:
        # Lowering asks for most elements' spans several times: one lazy span each.
        span = self._spans.get(el)
        if span is None:
            span = self._spans[el] = self.index.span(el)
        return span

    def use(self, el):
        self._used.add(id(el))
        self._keep.append(el)
        return el

    def attr(self, el, name: str) -> Optional[str]:
        value = el.get(name)
        if value is not None:
            self._used_attrs.add((id(el), name))
        return value

    def token(self, el, name: str) -> Optional[str]:
        """An enumerated attribute, whitespace collapsed as the schema's xs:token reads it.

        The schema accepts type=' unix' as 'unix'; lowering must read it the same way.
        """
        value = self.attr(el, name)
        return " ".join(value.split()) if value is not None else None

    def enum(self, el, name: str, cls, default=None):
        """An enumerated attribute as a member of the IR enum `cls`, or `default` if absent.

        The schema knows libvirt's whole vocabulary; the IR only the members some backend
        compiles. Another value raises NotLowered, so the caller leaves the element unread
        and the backends report it as not compiled.
        """
        value = self.token(el, name)
        if value is None:
            return default
        try:
            return cls(value)
        except ValueError:
            raise NotLowered(el, name, value) from None

    def size_kib(self, el, default_unit: str = "KiB") -> int:
        """A libvirt scaled size (text plus optional unit=) in KiB, rounded up."""
        return kib_up(size_bytes(self.text(el), self.token(el, "unit") or default_unit))

    def use_tree(self, el):
        """Mark `el` and everything below it read (documentation such as <metadata>)."""
        self.use(el)
        self._whole.add(id(el))
        return el

    def forget(self, el) -> None:
        """Un-read `el` and everything below it (a device lowering gave up on it)."""
        for node in el.iter():
            self._used.discard(id(node))
            self._whole.discard(id(node))
            for name in node.attrib:
                self._used_attrs.discard((id(node), name))

    def children(self, el, tag: str) -> List:
        return [self.use(c) for c in self.peek_all(el, tag)]

    def child(self, el, tag: str):
        """The first child named `tag` (the schema or a rule has dealt with repeats)."""
        found = self.peek(el, tag)
        return self.use(found) if found is not None else None

    def peek_all(self, el, tag: str) -> List:
        """Children named `tag`, without marking them read.

        Lowering asks <domain> and <devices> for one tag after another (thirty and more
        questions each): an element with many children is sorted by tag once, the rest are
        scanned, which is cheaper for a handful of children.
        """
        if len(el) < _INDEXED:
            return children_named(el, tag)
        by_tag = self._by_tag.get(el)
        if by_tag is None:
            by_tag = self._by_tag[el] = children_by_tag(el)
        return list(by_tag.get(tag, ()))

    def peek(self, el, tag: str):
        if len(el) < _INDEXED:
            for c in el:
                if c.tag == tag:
                    return c
            return None
        found = self.peek_all(el, tag)
        return found[0] if found else None

    def text(self, el) -> str:
        return el.text or ""

    def leftovers(self, root) -> Iterator[Tuple[object, Optional[str]]]:
        """(element, None) for unread elements, (element, attr) for unread attributes.

        An unread element stands for its whole subtree: its children are not listed again.
        """
        if id(root) in self._whole:
            return
        for name in root.attrib:
            if (id(root), name) not in self._used_attrs:
                yield root, name
        for el in root:
            if not isinstance(el.tag, str):
                continue                      # comments and processing instructions
            if id(el) not in self._used:
                yield el, None
            else:
                yield from self.leftovers(el)
