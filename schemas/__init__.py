"""virtc's own XML Schemas, shipped as package data: one per kind of document.

The schema files are read by path (not through importlib.resources, whose import costs
~10 ms every run), and by path rather than as bytes so that each family's xs:include
resolves beside its parent. Both validators (libxml2's fast verdict, xmlschema's
explanations) ask this module, so neither imports the other for it.

libxml2 compiles `bundle_path(kind)`: the same schema made into one flat file without
comments or documentation by tools/schema_bundle/generate.py, which compiles in about half
the time. xmlschema reads `path(kind)`, the source, whose documentation its explanations
quote.
"""
import os

KINDS = ("domain", "network", "capabilities")


def path(kind: str) -> str:
    """The .xsd file for a kind of document (one of KINDS)."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {KINDS}")
    return os.path.join(os.path.dirname(__file__), f"{kind}.xsd")


def bundle_path(kind: str) -> str:
    """The generated one-file form of `path(kind)` that libxml2 compiles (schemas/bundle/)."""
    if kind not in KINDS:
        raise ValueError(f"unknown document kind {kind!r}; expected one of {KINDS}")
    return os.path.join(os.path.dirname(__file__), "bundle", f"{kind}.xsd")
