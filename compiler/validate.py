"""Schema validation: a fast libxml2 verdict, then precise explanations when it fails.

A valid document costs one libxml2 pass over a schema compiled once per process, and
imports nothing else: the explanations (and xmlschema behind them) live in
schema_findings.py, loaded only for a document that fails. Imports go one way:
validate -> schema_findings -> schema_explain; the schema files come from virtc.schemas.
"""
from __future__ import annotations

from typing import Dict, Optional

from lxml import etree

from .. import schemas
from . import cardinality
from .diagnostics import Diagnostics
from .positions import SourceIndex

_LXML_SCHEMAS: Dict[str, etree.XMLSchema] = {}


def _lxml_schema(kind: str) -> etree.XMLSchema:
    schema = _LXML_SCHEMAS.get(kind)
    if schema is None:
        # libxml2 reads the file itself: handing lxml a parsed tree would make it copy the
        # whole document first. The bundle is virtc's own package data (no DTD, no entity,
        # no remote location; tests/test_schema_bundle.py checks), generated from schemas/.
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
