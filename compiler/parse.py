"""Stage 1: parse XML with lxml, hardened.

No DTD is loaded, no entity is expanded, nothing is fetched from the network. A document
that declares entities or names an external DTD is refused outright: virtc reads files from
pull requests, and domain XML never needs either.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from lxml import etree

from .diagnostics import Diagnostics, Span
from .positions import SourceIndex

KINDS = ("domain", "network")

_PARSER = None


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
    return _PARSER


@dataclass
class Document:
    """A parsed document: its kind (root element name), tree and position index."""

    kind: str
    file: str
    root: "etree._Element"
    source: bytes
    index: SourceIndex


_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def parse(source: bytes, file: str, diags: Diagnostics) -> Optional[Document]:
    """Parse `source`; on failure add XML0xx diagnostics and return None."""
    if not source.strip():
        diags.add("XML003", "the file is empty", Span(file, 1, 1),
                  hint="a domain description starts with <domain type='…'>")
        return None
    try:
        root = etree.fromstring(source, _parser())
    except etree.XMLSyntaxError as exc:
        _syntax_error(exc, source, file, diags)
        return None
    tree = root.getroottree()
    if _refuse_doctype(tree, source, file, diags):
        return None
    index = SourceIndex(file, source)
    kind = root.tag if isinstance(root.tag, str) else ""
    if kind not in KINDS:
        diags.add("XML004", f"unknown root element <{kind}>", index.span(root),
                  hint="virtc reads <domain> and <network> documents")
        return None
    return Document(kind, file, root, source, index)


def _refuse_doctype(tree, source: bytes, file: str, diags: Diagnostics) -> bool:
    info = tree.docinfo
    dtd = info.internalDTD
    has_entities = dtd is not None and any(True for _ in dtd.iterentities())
    external = bool(info.system_url or info.public_id)
    if not (has_entities or external):
        return False
    match = _DOCTYPE.search(source)
    offset = match.start() if match else 0
    line = source.count(b"\n", 0, offset) + 1
    column = offset - (source.rfind(b"\n", 0, offset) + 1) + 1
    what = "declares entities" if has_entities else f"names an external DTD ({info.system_url or info.public_id})"
    diags.add("XML002", f"the DOCTYPE {what}; virtc refuses it and loads nothing",
              Span(file, line, column),
              hint="remove the <!DOCTYPE …> declaration; domain XML needs no DTD or entities")
    return True


def _syntax_error(exc: "etree.XMLSyntaxError", source: bytes, file: str, diags: Diagnostics) -> None:
    entries = list(exc.error_log) or []
    first = entries[0] if entries else None
    line = first.line if first else (exc.lineno or 1)
    column = first.column if first else (exc.offset or 1)
    message = first.message if first else str(exc)
    type_name = first.type_name if first else ""
    hint = None
    if type_name in ("ERR_LT_IN_ATTRIBUTE", "ERR_ATTRIBUTE_NOT_FINISHED"):
        hint = _unclosed_quote_hint(source, line, column)
    elif type_name == "ERR_DOCUMENT_EMPTY":
        hint = "the file holds no XML element"
    elif "encoding" in message.lower() or type_name.startswith("ERR_INVALID_CHAR") or "Char" in type_name:
        hint = "save the file as UTF-8 text (or declare its encoding) without control characters"
    else:
        hint = "fix the XML syntax at this position"
    diags.add("XML001", f"XML syntax error: {message.strip()}", Span(file, line or 1, max(column, 1)),
              hint=hint)


_ATTR_OPEN = re.compile(r"([A-Za-z_][\w:.-]*)\s*=\s*([\"'])")


def _unclosed_quote_hint(source: bytes, line: int, column: int) -> Optional[str]:
    """Name the attribute whose opening quote is never closed before the error position."""
    text = source.decode("utf-8", "replace")
    lines = text.split("\n")
    upto = "\n".join(lines[: max(line - 1, 0)]) + ("\n" if line > 1 else "") \
        + (lines[line - 1][: max(column - 1, 0)] if 0 < line <= len(lines) else "")
    tag_start = upto.rfind("<", 0, max(upto.rfind("\n"), 0))
    candidates = [m for m in _ATTR_OPEN.finditer(upto, max(tag_start, 0))
                  if m.group(2) not in upto[m.end():].split("\n", 1)[0]]
    if not candidates:
        return "an attribute value opens a quote that is never closed"
    m = candidates[-1]
    a_line = upto.count("\n", 0, m.start()) + 1
    a_col = m.start() - (upto.rfind("\n", 0, m.start()) + 1) + 1
    value = upto[m.end():].split("\n", 1)[0]
    quote = m.group(2)
    suggestion = value.rstrip("/> ").rstrip(":")
    return (f"attribute '{m.group(1)}' at line {a_line}, column {a_col} opens a {quote} quote that is "
            f"never closed; close it: {m.group(1)}={quote}{suggestion}{quote}")
