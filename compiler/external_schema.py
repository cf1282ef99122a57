"""`--schema FILE`: also validate against a user's RelaxNG (.rng) or XSD, through lxml.

The main use is cross-checking with libvirt's installed grammar
(/usr/share/libvirt/schemas/domain.rng), so the messages are libxml2's own, prefixed with
the schema's file name; virtc's own diagnostics stay the precise ones. Schemas are
compiled once per process and may include their neighbours (domain.rng includes
basictypes.rng and others), but nothing is ever fetched from the network.
"""
from __future__ import annotations

import os
import re
from typing import Dict, List, Optional

from lxml import etree

from .diagnostics import Diagnostic, Diagnostics
from .positions import SourceIndex
from .rules.codes import XSD109

RNG_NS = "http://relaxng.org/ns/structure/1.0"
XSD_NS = "http://www.w3.org/2001/XMLSchema"

_CACHE: Dict[str, object] = {}


class SchemaError(Exception):
    """The schema file can't be read or compiled (a usage error, not a finding)."""


def _safe_parser() -> "etree.XMLParser":
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def load(path: str):
    """The compiled lxml validator for `path`, chosen by extension or by root element."""
    validator = _CACHE.get(path)
    if validator is not None:
        return validator
    try:
        tree = etree.parse(path, _safe_parser())
    except OSError as exc:
        raise SchemaError(f"{path}: cannot read schema: {exc}") from None
    except etree.XMLSyntaxError as exc:
        raise SchemaError(f"{path}: the schema is not well-formed XML: {exc}") from None
    root_ns = etree.QName(tree.getroot()).namespace
    ext = os.path.splitext(path)[1].lower()
    try:
        if ext == ".rng" or (ext != ".xsd" and root_ns == RNG_NS):
            validator = etree.RelaxNG(tree)
        elif ext == ".xsd" or root_ns == XSD_NS:
            validator = etree.XMLSchema(tree)
        else:
            raise SchemaError(f"{path}: not a RelaxNG (.rng) or XML Schema (.xsd) file")
    except etree.RelaxNGParseError as exc:
        raise SchemaError(f"{path}: RelaxNG schema does not compile: {exc}") from None
    except etree.XMLSchemaParseError as exc:
        raise SchemaError(f"{path}: XML Schema does not compile: {exc}") from None
    _CACHE[path] = validator
    return validator


def check_external(schema_path: str, source: bytes, file: str) -> List[Diagnostic]:
    """XSD109 findings of `schema_path` on the document `source` (which parses)."""
    validator = load(schema_path)
    root = etree.fromstring(source, _safe_parser())
    if validator.validate(root.getroottree()):
        return []
    name = os.path.basename(schema_path)
    diags = Diagnostics()
    hint = (f"make the document match {name} as well, or drop --schema {name} if it does not "
            f"apply to this document")
    # One finding per line: RelaxNG reports an element several ways ("failed to validate
    # attributes", "Invalid attribute type"…) and some errors with no position at all,
    # which are folded into the next positioned one.
    by_line: Dict[int, List[str]] = {}
    paths: Dict[int, Optional[str]] = {}
    pending: List[str] = []
    for entry in validator.error_log:
        message = _plain(entry.message)
        if not entry.line:
            pending.append(message)
            continue
        texts = by_line.setdefault(entry.line, [])
        paths.setdefault(entry.line, entry.path)
        for text in pending + [message]:
            if text not in texts:
                texts.append(text)
        pending = []
    if pending:
        line = root.sourceline or 1
        by_line.setdefault(line, []).extend(t for t in pending if t not in by_line.get(line, []))
        paths.setdefault(line, root.getroottree().getpath(root))
    index = SourceIndex(file, source)
    for line, texts in by_line.items():
        element = _element_at(root, paths[line])
        span = index.span(element) if element is not None else index.line_span(line)
        diags.add(XSD109, f"{name}: {'; '.join(texts)}", span, hint=hint)
    return diags.items


def _plain(message: str) -> str:
    return re.sub(r"\{[^}]*\}", "", message).strip().rstrip(".")


def _element_at(root, path: Optional[str]):
    """The element libxml2's error path names, if it names one."""
    if not path:
        return None
    try:
        found = root.getroottree().xpath(path)
    except etree.XPathError:
        return None
    return found[0] if found and isinstance(found[0], etree._Element) else None
