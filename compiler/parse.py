"""Stage 1: parse XML with lxml, hardened.

virtc reads files from pull requests, so this stage assumes the input is hostile:

- Nothing is ever loaded. A DOCTYPE with an external identifier or an internal subset is
  refused (XML002) by a scan of the prolog *before* libxml2 sees the document, because
  libxml2 2.14 still opens a `file://` external DTD or parameter entity with load_dtd=False.
  A resolver that refuses every load stays installed as a second line of defence.
- Input is capped in size (XML005) and nesting depth (XML006) before it can use memory.
- Binary data (XML008) and text virtc can't decode (XML007) are named as such rather
  than as a syntax error at some odd position.
"""
from __future__ import annotations

import codecs
import re
from typing import List, Optional

from lxml import etree

from ..schemas import KINDS
from .diagnostics import Diagnostics, Span
from .node import Node
from .positions import DECLARED, LazyPattern, SourceIndex, bom_encoding
from .rules.codes import XML001, XML002, XML003, XML004, XML005, XML006, XML007, XML008

DEFAULT_MAX_SIZE = 10 * 1024 * 1024
# Domain XML nests about five levels deep; libxml2 itself stops at 256 without huge_tree.
DEFAULT_MAX_DEPTH = 64

_PARSER = None


class _RefuseLoads(etree.Resolver):
    """Answers every external load (DTD, entity, any scheme) with nothing, and remembers it."""

    def __init__(self) -> None:
        super().__init__()
        self.attempts: List[str] = []

    def resolve(self, url, public_id, context):
        self.attempts.append(str(url or public_id or "?"))
        return self.resolve_string("", context)


_RESOLVER = _RefuseLoads()


def _parser() -> "etree.XMLParser":
    global _PARSER
    if _PARSER is None:
        _PARSER = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=False,
            remove_pis=True,
            collect_ids=False,
        )
        _PARSER.resolvers.add(_RESOLVER)
    return _PARSER


class Document(Node, mutable=True):
    """A parsed document: its kind (root element name), tree and position index."""

    kind: str
    file: str
    root: "etree._Element"
    source: bytes
    index: SourceIndex


def parse(source: bytes, file: str, diags: Diagnostics, *,
          max_size: Optional[int] = DEFAULT_MAX_SIZE,
          max_depth: int = DEFAULT_MAX_DEPTH) -> Optional[Document]:
    """Parse `source`; on failure add XML0xx diagnostics and return None.

    `max_size` is in bytes; None means DEFAULT_MAX_SIZE.
    """
    limit = DEFAULT_MAX_SIZE if max_size is None else max_size
    if len(source) > limit:
        diags.add(XML005, f"the file is larger than virtc's input limit of {_size(limit)}",
                  Span(file, 1, 1), hint="domain XML is a few KiB; check that this is the "
                  "right file, or raise the limit with --max-size")
        return None
    if not source.strip():
        diags.add(XML003, "the file is empty", Span(file, 1, 1),
                  hint="a domain description starts with <domain type='…'>")
        return None
    index = SourceIndex(file, source)
    if not _decodable(index, diags) or _refuse_prolog_doctype(index, diags):
        return None
    parser = _parser()
    _RESOLVER.attempts.clear()
    try:
        root = etree.fromstring(source, parser)
    except etree.XMLSyntaxError as exc:
        if not _refused_loads(file, diags):
            _syntax_error(exc, parser.error_log, index, diags)
        return None
    if _refused_loads(file, diags):
        return None
    tree = root.getroottree()
    if _refuse_doctype(tree, index, diags):
        return None
    if _too_deep(root, max_depth, index, diags):
        return None
    kind = root.tag if isinstance(root.tag, str) else ""
    if kind not in KINDS:
        diags.add(XML004, f"unknown root element <{kind}>", index.span(root),
                  hint="virtc reads <domain>, <network> and <capabilities> documents")
        return None
    return Document(kind, file, root, source, index)


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB ({n} bytes)"
    return f"{n} bytes"


# ---------------------------------------------------------------- encodings and binary data

def _decodable(index: SourceIndex, diags: Diagnostics) -> bool:
    """Whether the prolog scan can read the text; if not, say why (XML008, XML007).

    Decoding here only has to find markup in the prolog; libxml2 still decodes the document
    itself and reports bad bytes at their position.
    """
    source = index.source
    if bom_encoding(source) is not None:
        return True
    nul = source.find(b"\x00")
    if nul >= 0:
        diags.add(XML008, f"the file holds binary data (a NUL byte at offset {nul}), "
                  "not XML text", index.byte_span(nul),
                  hint="point virtc at the XML description, not at a disk image or archive")
        return False
    match = DECLARED.match(source) if source.startswith(b"<?xml") else None
    if match is None:
        return True
    encoding = match.group(1).decode("ascii", "replace")
    try:
        codecs.lookup(encoding)
    except LookupError:
        diags.add(XML007, f"the XML declaration names the encoding '{encoding}', "
                  "which virtc can't read", index.byte_span(match.start(1)),
                  hint="save the file as UTF-8 and declare encoding='UTF-8' (or nothing)")
        return False
    return True


# ---------------------------------------------------------------- DOCTYPE

_BARE_DOCTYPE = LazyPattern(r"<!DOCTYPE\s+[^\s\[>]+\s*>")
_EXTERNAL_ID = LazyPattern(r"<!DOCTYPE\s+[^\s\[>]+\s+(SYSTEM|PUBLIC)\s*([\"'])([^\"']{0,200})",
                          re.IGNORECASE)


def _prolog_doctype(text: str) -> Optional[int]:
    """Where a <!DOCTYPE starts, if one comes before the root element."""
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r\n":
            i += 1
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
        elif text[i:i + 9].upper() == "<!DOCTYPE":
            return i
        else:
            return None
        if end < 0:
            return None
        i = end + (2 if text.startswith("<?", i) else 3)
    return None


def _refuse_prolog_doctype(index: SourceIndex, diags: Diagnostics) -> bool:
    text = index.text
    start = _prolog_doctype(text)
    if start is None or _BARE_DOCTYPE.match(text, start):
        return False
    external = _EXTERNAL_ID.match(text, start)
    rest = text[start:]
    if "<!ENTITY" in rest.upper() or re.search(r"%[^\s;%]+;", rest):
        what = "declares entities"
    elif external:
        what = f"names an external DTD ({external.group(3)!r})"
    else:
        what = "has an internal subset"
    _doctype_diag(what, index.char_span(start), diags)
    return True


def _doctype_diag(what: str, span: Span, diags: Diagnostics) -> None:
    diags.add(XML002, f"the DOCTYPE {what}; virtc refuses it and loads nothing", span,
              hint="remove the <!DOCTYPE …> declaration; domain XML needs no DTD or entities")


def _refused_loads(file: str, diags: Diagnostics) -> bool:
    """The backstop: libxml2 asked to load something the prolog scan did not see."""
    if not _RESOLVER.attempts:
        return False
    url = _RESOLVER.attempts[0]
    _RESOLVER.attempts.clear()
    diags.add(XML002, f"the document refers to an external resource ({url[:200]!r}); "
              "virtc refuses it and loads nothing", Span(file, 1, 1),
              hint="remove the <!DOCTYPE …> declaration and any entity references")
    return True


def _refuse_doctype(tree, index: SourceIndex, diags: Diagnostics) -> bool:
    info = tree.docinfo
    dtd = info.internalDTD
    has_entities = dtd is not None and any(True for _ in dtd.iterentities())
    external = bool(info.system_url or info.public_id)
    if not (has_entities or external):
        return False
    match = re.search(r"<!DOCTYPE", index.text, re.IGNORECASE)
    what = "declares entities" if has_entities else \
        f"names an external DTD ({info.system_url or info.public_id})"
    _doctype_diag(what, index.char_span(match.start() if match else 0), diags)
    return True


# ---------------------------------------------------------------- depth

def _too_deep(root, max_depth: int, index: SourceIndex, diags: Diagnostics) -> bool:
    depth = 0
    for event, elem in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > max_depth:
            _depth_diag(max_depth, index.span(elem), diags)
            return True
    return False


def _depth_diag(limit: int, span: Span, diags: Diagnostics) -> None:
    diags.add(XML006, f"elements nest more than {limit} levels deep", span,
              hint="domain XML nests a few levels deep; this file is not a domain description")


# ---------------------------------------------------------------- libxml2 errors

_ENCODING_ERRORS = {"ERR_INVALID_ENCODING", "ERR_UNSUPPORTED_ENCODING", "ERR_UNKNOWN_ENCODING"}


def _syntax_error(exc: "etree.XMLSyntaxError", log, index: SourceIndex,
                  diags: Diagnostics) -> None:
    # The parser's own log holds this parse's errors only; the exception's may carry older
    # entries from the same thread.
    entries = list(log) or list(exc.error_log)
    first = entries[0] if entries else None
    line = (first.line if first else exc.lineno) or 1
    column = max((first.column if first else exc.offset) or 1, 1)
    message = (first.message if first else str(exc)).strip()
    type_name = first.type_name if first else ""
    span = Span(index.file, line, column)     # libxml2 counts columns in characters too
    lowered = message.lower()
    if "depth" in lowered:
        _depth_diag(DEFAULT_MAX_DEPTH, span, diags)
    elif "too long" in lowered or "huge" in lowered:
        diags.add(XML005, f"a text node or name is longer than libxml2's limit ({message})",
                  span, hint="domain XML has no long text; check that this is the right file")
    elif "amplification" in lowered or ("entity" in lowered and "loop" in lowered):
        _doctype_diag("declares entities", span, diags)
    elif type_name in _ENCODING_ERRORS or "encoding" in lowered:
        diags.add(XML007, f"the text is not valid in its encoding: {message}", span,
                  hint="save the file as UTF-8 text (or declare its real encoding)")
    else:
        diags.add(XML001, f"XML syntax error: {message}", span,
                  hint=_syntax_hint(type_name, message, index, line, column))


def _syntax_hint(type_name: str, message: str, index: SourceIndex, line: int,
                 column: int) -> Optional[str]:
    if type_name in ("ERR_LT_IN_ATTRIBUTE", "ERR_ATTRIBUTE_NOT_FINISHED"):
        return _unclosed_quote_hint(index, index.offset(line, column))
    if type_name == "ERR_DOCUMENT_EMPTY" or "'<' not found" in message:
        return "the file holds no XML element; a domain description starts with <domain>"
    if type_name == "ERR_INVALID_CHAR" or "Char" in type_name:
        return "remove the control character; XML text can't hold it (write it out as text)"
    return "fix the XML syntax at this position"


_ATTR_OPEN = LazyPattern(r"([A-Za-z_][\w:.-]*)\s*=\s*([\"'])")


def _unclosed_quote_hint(index: SourceIndex, error: int) -> Optional[str]:
    """Name the attribute whose opening quote is never closed before the error offset."""
    text = index.text
    line_start = text.rfind("\n", 0, error) + 1
    tag_start = text.rfind("<", 0, max(line_start - 1, 0))
    candidates = [m for m in _ATTR_OPEN.finditer(text, max(tag_start, 0), error)
                  if m.group(2) not in _rest_of_line(text, m.end(), error)]
    if not candidates:
        return "an attribute value opens a quote that is never closed"
    m = candidates[-1]
    where = index.char_span(m.start())
    value = _rest_of_line(text, m.end(), error)
    quote = m.group(2)
    suggestion = value.rstrip("/> ").rstrip(":")
    return (f"attribute '{m.group(1)}' at line {where.line}, column {where.column} opens a "
            f"{quote} quote that is never closed; close it: {m.group(1)}={quote}{suggestion}{quote}")


def _rest_of_line(text: str, start: int, stop: int) -> str:
    """text[start:stop], up to the end of the line it starts on."""
    end = text.find("\n", start, stop)
    return text[start:stop if end == -1 else end]
