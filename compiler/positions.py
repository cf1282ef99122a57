"""Line and column positions from the source text.

libxml2 records an element's line but not its column, so columns come from the text:
the column of the `<` that opens the element's start tag.
"""
from __future__ import annotations

from typing import Dict, List, Tuple

from .diagnostics import Span


class SourceIndex:
    """Maps lxml elements of one document to Spans (file, line, column)."""

    def __init__(self, file: str, source: bytes):
        self.file = file
        self._lines: List[bytes] = source.split(b"\n")
        self._cache: Dict[int, Tuple[object, Span]] = {}

    def line_text(self, line: int) -> str:
        if 1 <= line <= len(self._lines):
            return self._lines[line - 1].decode("utf-8", "replace")
        return ""

    def span(self, element) -> Span:
        """The span of an lxml element: the line and column of the `<` of its start tag.

        libxml2's `sourceline` is the line where the start tag *ends*; for a start tag that
        spans lines we walk back to the line that holds its `<tag`.
        """
        key = id(element)
        hit = self._cache.get(key)
        if hit is not None and hit[0] is element:
            return hit[1]
        line = element.sourceline or 0
        tag = element.tag if isinstance(element.tag, str) else ""
        span = Span(self.file, line, 1 if line else 0)
        if 1 <= line <= len(self._lines) and tag:
            span = self._locate(element, tag, line) or span
        # The element is kept with its span: lxml reuses the id of a proxy it has let go,
        # so an id alone could later name another element.
        self._cache[key] = (element, span)
        return span

    def _locate(self, element, tag: str, line: int):
        needle = b"<" + tag.encode()
        matches = _tag_starts(self._lines[line - 1], needle)
        if matches:
            # Several elements with one tag may end on one line; count the earlier ones.
            nth = 0
            prev = element.getprevious()
            while prev is not None and prev.sourceline == line:
                nth += prev.tag == tag
                prev = prev.getprevious()
            start = matches[min(nth, len(matches) - 1)]
            return Span(self.file, line, self._col(line, start))
        for back in range(line - 1, max(0, line - 200), -1):
            matches = _tag_starts(self._lines[back - 1], needle)
            if matches:
                return Span(self.file, back, self._col(back, matches[-1]))
        return None

    def _col(self, line: int, byte_offset: int) -> int:
        return len(self._lines[line - 1][:byte_offset].decode("utf-8", "replace")) + 1


# What may follow a tag name in a start tag: whitespace (as regex \s counts it in bytes),
# "/" or ">"; or the end of the line.
_AFTER_NAME = frozenset(b" \t\n\r\f\v/>")


def _tag_starts(line: bytes, needle: bytes) -> List[int]:
    """Offsets of `needle` ("<" + tag name) in `line` where the whole name matches.

    A plain search rather than a regex per tag: compiling one pattern per element name
    cost more than the search itself on every cold run.
    """
    found = []
    at = line.find(needle)
    while at != -1:
        end = at + len(needle)
        if end == len(line) or line[end] in _AFTER_NAME:
            found.append(at)
        at = line.find(needle, end)
    return found
