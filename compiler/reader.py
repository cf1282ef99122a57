"""Reading an lxml tree while recording what was consumed.

Lowering reads every element and attribute it uses through a Reader. What is left over
afterwards is reported: nothing in a document is dropped silently.
"""
from __future__ import annotations

from typing import Iterator, List, Optional, Set, Tuple

from lxml import etree

from .diagnostics import Diagnostics, Span
from .positions import SourceIndex


class Reader:
    def __init__(self, index: SourceIndex, diags: Diagnostics):
        self.index = index
        self.diags = diags
        self._used: Set[int] = set()
        self._used_attrs: Set[Tuple[int, str]] = set()
        self._keep: List[etree._Element] = []   # keeps ids stable while we hold them

    def span(self, el) -> Span:
        return self.index.span(el)

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

    def children(self, el, tag: str) -> List:
        return [self.use(c) for c in self.peek_all(el, tag)]

    def child(self, el, tag: str):
        """The first child named `tag` (the schema or a rule has dealt with repeats)."""
        found = self.peek(el, tag)
        return self.use(found) if found is not None else None

    @staticmethod
    def peek_all(el, tag: str) -> List:
        """Children named `tag`, without marking them read."""
        return [c for c in el if c.tag == tag]

    def peek(self, el, tag: str):
        found = self.peek_all(el, tag)
        return found[0] if found else None

    def text(self, el) -> str:
        return el.text or ""

    def leftovers(self, root) -> Iterator[Tuple[object, Optional[str]]]:
        """(element, None) for unread elements, (element, attr) for unread attributes.

        An unread element stands for its whole subtree: its children are not listed again.
        """
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
