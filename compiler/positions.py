"""Where things are in a document's source: one index per document, asked by every stage.

libxml2 records an element's line (the line where its start tag *ends*) but no column, and
nothing at all for attributes or text. So positions come from the source text: one scan
finds the "<" of every start tag in document order, and an attribute or an element's text
is read from its start tag onwards. Lines and columns count characters, as an editor does.
"""
from __future__ import annotations

import codecs
import re
from typing import Dict, List, Optional, Tuple

from lxml import etree

from .diagnostics import Span

XML_NS = "http://www.w3.org/XML/1998/namespace"

# XML 1.0 appendix F: a byte order mark, or the first four bytes of "<?xml".
SIGNATURES: Tuple[Tuple[bytes, str], ...] = (
    (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xfe\xff", "utf-16"), (b"\xff\xfe", "utf-16"),
    (b"\x00\x00\x00<", "utf-32-be"), (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"), (b"<\x00?\x00", "utf-16-le"),
    (b"\x4c\x6f\xa7\x94", "cp500"),
)
class LazyPattern:
    """A regular expression compiled when first used: a valid document without comments, an
    XML declaration or a finding needs none of the patterns here, and compiling one at
    import cost every run 30–130 µs."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled = None

    def __getattr__(self, name: str):          # match, finditer, fullmatch…
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


DECLARED = LazyPattern(rb"\A<\?xml[^>]*?\sencoding\s*=\s*[\"']([^\"'>]{1,40})[\"']")

# Markup that is not a start tag but may hold a "<" that isn't one either.
_SKIPPED = LazyPattern(r"!--.*?-->|!\[CDATA\[.*?\]\]>|\?.*?\?>|!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.S)
# One attribute of a start tag (values can hold ">" but never "<"), and the tag's end.
_ATTRIBUTE = LazyPattern(r"""\s+([^\s=/>]+)\s*=\s*(?:"[^"<]*"|'[^'<]*')""")
_TAG_END = LazyPattern(r"\s*(/?)>")
_BLANK = LazyPattern(r"\s*")


def bom_encoding(source: bytes) -> Optional[str]:
    """The encoding a byte order mark or the first bytes of "<?xml" give away, if any."""
    return next((enc for sig, enc in SIGNATURES if source.startswith(sig)), None)


def _encoding(source: bytes) -> str:
    """How libxml2 will decode `source`: its signature, else its declaration, else UTF-8."""
    found = bom_encoding(source)
    if found:
        return found
    match = DECLARED.match(source) if source.startswith(b"<?xml") else None
    if match:
        try:
            return codecs.lookup(match.group(1).decode("ascii", "replace")).name
        except LookupError:
            pass              # parse reports it (XML007); positions still read it as UTF-8
    return "utf-8"


def written_name(element) -> str:
    """An element's name as the source writes it: prefix:local, never "{namespace}local"."""
    tag = element.tag
    if tag[:1] != "{":
        return tag
    local = tag[tag.index("}") + 1:]
    return f"{element.prefix}:{local}" if element.prefix else local


def _same_attribute(element, written: str, key: str) -> bool:
    """Whether `written` (as in the source) names attribute `key` (as lxml spells it)."""
    if key[:1] != "{":
        return written == key
    namespace, local = key[1:].split("}", 1)
    prefix, _, rest = written.partition(":")
    if not rest or rest != local:
        return False
    return (XML_NS if prefix == "xml" else element.nsmap.get(prefix)) == namespace


class SourceIndex:
    """The positions of one document's elements, attributes and text, from its source bytes.

    Built lazily and once per document (parse.Document.index): the first question decodes
    the text and scans it for start tags; every later one is a lookup and a short count.
    """

    def __init__(self, file: str, source: bytes):
        self.file = file
        self.source = source
        self._text: Optional[str] = None
        self._encoding: Optional[str] = None
        self._mark = (0, 1)      # the last offset asked for and its line: most come in order
        # element -> offset of its "<" in the text. The elements are the keys, which keeps
        # their lxml proxies alive: an id() alone could later name another element.
        self._tags: Optional[Dict[object, int]] = None

    # ------------------------------------------------------------------ the text

    @property
    def encoding(self) -> str:
        if self._encoding is None:
            self._encoding = _encoding(self.source)
        return self._encoding

    @property
    def text(self) -> str:
        """The source decoded as libxml2 reads it, without a byte order mark."""
        if self._text is None:
            text = self.source.decode(self.encoding, "replace")
            self._text = text[1:] if text.startswith("\ufeff") else text
        return self._text

    # ------------------------------------------------------------------ offsets and lines

    def char_span(self, offset: int) -> Span:
        """The span of a character offset into `text`."""
        text = self.text
        last, line = self._mark
        if offset >= last:
            line += text.count("\n", last, offset)
        else:
            line = 1 + text.count("\n", 0, offset)
        self._mark = (offset, line)
        return Span(self.file, line, offset - text.rfind("\n", 0, offset))

    def byte_span(self, offset: int) -> Span:
        """The span of a byte offset into the source."""
        head = self.source[:offset].decode(self.encoding, "replace")
        return self.char_span(len(head) - head.startswith("\ufeff"))

    def offset(self, line: int, column: int) -> int:
        """The character offset into `text` of a 1-based line and column (clamped to it)."""
        text = self.text
        start = 0
        for _ in range(line - 1):
            start = text.find("\n", start) + 1
            if start == 0:
                return len(text)
        end = text.find("\n", start)
        return min(start + max(column - 1, 0), len(text) if end == -1 else end)

    def line_span(self, line: int) -> Span:
        """The start of a line (for a finding that knows its line and nothing else)."""
        return Span(self.file, line, 1 if line > 0 else 0)

    # ------------------------------------------------------------------ elements

    def span(self, element) -> Span:
        """The span of an element: the "<" of its start tag.

        Lowering gives every node its element's span, and a valid document reads almost
        none of them: so the line and column are found when first read (a `Span` made by
        `Span.later`). Such a span holds this index until then, so the index keeps none of
        them (reader.Reader does, for the elements lowering asks about again): a cycle would
        keep every document's tree and source alive in a batch, which runs without the
        cyclic collector (cli.run).
        """
        return Span.later(self.file, self._locate, element)

    def _locate(self, element) -> Tuple[int, int]:
        """The line and column of `element`'s start tag (what `span` defers)."""
        offset = self._offset(element)
        span = self._by_line(element) if offset is None else self.char_span(offset)
        return span.line, span.column

    def attribute_span(self, element, name: str) -> Span:
        """The span of attribute `name` (lxml's key: "{namespace}local" or "local") of
        `element`: its name in the start tag. The element's span if it has no such one."""
        offset = self._offset(element)
        if offset is not None:
            for match in self._attributes(element, offset)[0]:
                if _same_attribute(element, match.group(1), name):
                    return self.char_span(match.start(1))
        return self.span(element)

    def text_span(self, element) -> Span:
        """The span of an element's text: its first non-blank character before any child.
        The element's span when there is no such text (empty, or only children)."""
        offset = self._offset(element)
        if offset is not None:
            end = self._start_tag_end(element, offset)
            if end is not None:
                at = _BLANK.match(self.text, end).end()
                if at < len(self.text) and self.text[at] != "<":
                    return self.char_span(at)
        return self.span(element)

    def _attributes(self, element, offset: int) -> Tuple[List["re.Match[str]"], int]:
        """The attributes of the start tag at `offset`, and where the last one ends."""
        pos = offset + 1 + len(written_name(element))
        found = []
        match = _ATTRIBUTE.match(self.text, pos)
        while match:
            found.append(match)
            pos = match.end()
            match = _ATTRIBUTE.match(self.text, pos)
        return found, pos

    def _start_tag_end(self, element, offset: int) -> Optional[int]:
        """Where the text after `element`'s start tag begins; None for an empty-element tag."""
        end = _TAG_END.match(self.text, self._attributes(element, offset)[1])
        return end.end() if end and not end.group(1) else None

    def _offset(self, element) -> Optional[int]:
        if self._tags is None:
            self._tags = self._scan(element)
        offset = self._tags.get(element)
        if offset is None:
            return None
        # The scan pairs tags and elements by count; each answer also checks the name.
        name = written_name(element)
        after = offset + 1 + len(name)
        text = self.text
        if text.startswith(name, offset + 1) and (after == len(text) or text[after] in _AFTER_NAME):
            return offset
        return None

    def _scan(self, element) -> Dict[object, int]:
        """Every start tag's offset, paired in document order with the tree's elements.

        A tree that isn't this source's (another count of elements) gets no pairs, and each
        element falls back to its line.
        """
        root = element.getroottree().getroot()
        elements = list(root.iter(etree.Element))
        starts = _start_tags(self.text)
        return dict(zip(elements, starts)) if len(starts) == len(elements) else {}

    def _by_line(self, element) -> Span:
        """An element of some other tree: the last "<name" up to the end of its line."""
        line = element.sourceline or 0
        if not isinstance(element.tag, str):
            return self.line_span(line)        # a comment or processing instruction
        text = self.text
        end = -1
        for _ in range(line):
            end = text.find("\n", end + 1)
            if end == -1:
                end = len(text)
                break
        needle = "<" + written_name(element)
        at = text.rfind(needle, 0, end) if line > 0 else -1
        while at != -1:
            after = at + len(needle)
            if after == len(text) or text[after] in _AFTER_NAME:
                return self.char_span(at)
            at = text.rfind(needle, 0, at)
        return self.line_span(line)


# What may follow an element's name in its start tag.
_AFTER_NAME = frozenset(" \t\r\n/>")


def _start_tags(text: str) -> List[int]:
    """The offset of every start tag's "<", in document order.

    Every "<" in well-formed XML opens markup (text and attribute values can't hold one),
    so a start tag is any "<" that doesn't open an end tag, a comment, a CDATA section, a
    PI or a DOCTYPE; those last four are skipped whole. One split instead of a regex over
    every tag: it halves the cost of the scan that each document pays once.
    """
    found: List[int] = []
    parts = text.split("<")
    offset = len(parts[0])
    skip = 0
    for part in parts[1:]:
        if offset >= skip:
            first = part[:1]
            if first == "!" or first == "?":
                match = _SKIPPED.match(text, offset + 1)
                skip = match.end() if match else offset + 1
            elif first != "/":
                found.append(offset)
        offset += len(part) + 1
    return found
