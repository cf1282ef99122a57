"""Schema validation: a fast libxml2 verdict, then precise explanations when it fails.

A valid document costs one libxml2 pass over a schema compiled once per process, and
imports nothing else: the explanations (and xmlschema behind them) live in
schema_findings.py, loaded only for a document that fails. Imports go one way:
validate -> schema_findings -> schema_explain; the schema files come from virtc.schemas.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Dict, Optional, Tuple

from lxml import etree

from .. import schemas
from . import cardinality
from .diagnostics import Diagnostics
from .positions import SourceIndex

if TYPE_CHECKING:
    import threading

_LXML_SCHEMAS: Dict[str, etree.XMLSchema] = {}


_PENDING: Dict[str, Tuple[threading.Thread, dict]] = {}


def prepare(kind: str) -> None:
    """Start compiling `kind`'s schema in a second thread, for a run that validates soon.

    lxml lets go of the GIL while libxml2 compiles a schema (7 to 10 ms), so the command
    line starts it first and imports the rest of virtc meanwhile (benchmarks/bench.py
    figure 5). The schema is the same object either way: `_lxml_schema` waits for it, and
    compiles it again in its own thread (where an error is raised) if this one failed.
    """
    if kind in _LXML_SCHEMAS or kind in _PENDING:
        return
    import threading            # only a run that compiles ahead pays for it

    box: dict = {}

    def work() -> None:
        try:
            box["schema"] = etree.XMLSchema(file=schemas.bundle_path(kind))
        except Exception:               # said again by _lxml_schema, in the caller's thread
            pass

    thread = threading.Thread(target=work, name=f"virtc-schema-{kind}", daemon=True)
    _PENDING[kind] = (thread, box)
    thread.start()


def compiling(kind: str) -> bool:
    """Whether `kind`'s schema is being compiled in the background (`prepare`)."""
    return kind in _PENDING


def settle() -> None:
    """Wait for every schema `prepare` started (a process pool must not fork mid-compile)."""
    for kind in list(_PENDING):
        schema = _taken(kind)
        if schema is not None:
            _LXML_SCHEMAS[kind] = schema


def _taken(kind: str) -> Optional[etree.XMLSchema]:
    thread, box = _PENDING.pop(kind)
    thread.join()
    return box.get("schema")


def _lxml_schema(kind: str) -> etree.XMLSchema:
    schema = _LXML_SCHEMAS.get(kind)
    if schema is None:
        if kind in _PENDING:
            schema = _taken(kind)
        if schema is None:
            # libxml2 reads the file itself: handing lxml a parsed tree would make it copy
            # the whole document first. The bundle is virtc's own package data (no DTD, no
            # entity, no remote location; tests/test_schema_bundle.py checks), generated
            # from schemas/.
            schema = etree.XMLSchema(file=schemas.bundle_path(kind))
        _LXML_SCHEMAS[kind] = schema
    return schema


def validate(tree, kind: str, file: str, source: bytes, diags: Diagnostics, *,
             index: Optional[SourceIndex] = None) -> bool:
    """Check `tree` against the `kind` schema; add one diagnostic per problem. True if valid.

    `index`: the document's position index (parse.Document.index), so that positions are
    read from one index per document; without it, one is made from `file` and `source`.
    """
    schema = _lxml_schema(kind)        # raises ValueError for a kind virtc has no schema of
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    index = index or SourceIndex(file, source)
    try:
        if schema.validate(root.getroottree()):
            counts = cardinality.findings(root, index)
            if not counts:
                return True
            from .schema_findings import report_counts

            report_counts(counts, index, diags)
            return False
        error_log = schema.error_log
    except etree.XMLSchemaValidateError:
        error_log = None       # libxml2 could not check it at all (unexpanded entities)
    from .schema_findings import report

    report(root, kind, error_log, index, diags)
    return False
