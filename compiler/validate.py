"""Schema validation: a fast libxml2 verdict, then precise explanations when it fails.

A valid document costs one libxml2 pass over a schema compiled once per process, and
imports nothing else: the explanations (and xmlschema behind them) live in
schema_findings.py, loaded only for a document that fails.
"""
from __future__ import annotations

import os
from typing import Dict

from lxml import etree

from . import cardinality
from .diagnostics import Diagnostics

KINDS = ("domain", "network", "capabilities")

_LXML_SCHEMAS: Dict[str, etree.XMLSchema] = {}


def schema_path(kind: str) -> str:
    # The schemas ship as package data beside virtc.schemas; a plain path avoids the
    # ~10 ms that importing importlib.resources costs every run. The path (not the bytes)
    # is what both validators load, so that each family's xs:include resolves beside it.
    from .. import schemas

    return os.path.join(os.path.dirname(schemas.__file__), f"{kind}.xsd")


def _lxml_schema(kind: str) -> etree.XMLSchema:
    schema = _LXML_SCHEMAS.get(kind)
    if schema is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        schema = etree.XMLSchema(etree.parse(schema_path(kind), parser))
        _LXML_SCHEMAS[kind] = schema
    return schema


def validate(tree, kind: str, file: str, source: bytes, diags: Diagnostics) -> bool:
    """Check `tree` against the `kind` schema; add one diagnostic per problem. True if valid."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {KINDS}")
    root = tree.getroot() if hasattr(tree, "getroot") else tree
    schema = _lxml_schema(kind)
    try:
        if schema.validate(root.getroottree()):
            counts = cardinality.findings(root)
            if not counts:
                return True
            from .schema_findings import report_counts

            report_counts(root, counts, file, source, diags)
            return False
        error_log = schema.error_log
    except etree.XMLSchemaValidateError:
        error_log = None       # libxml2 could not check it at all (unexpanded entities)
    from .schema_findings import report

    report(root, kind, error_log, file, source, diags)
    return False
