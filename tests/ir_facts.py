"""What an IR node says, without where it was written: for tests that compare IR lowered
twice (written back and read again, imported and reloaded)."""
from __future__ import annotations

from virtc.compiler.diagnostics import Diagnostics
from virtc.compiler.lower import lower_domain
from virtc.compiler.node import fields, is_node
from virtc.compiler.parse import parse


def lowered_families(source: bytes) -> tuple:
    """The device family nodes of a domain document as lowering made them, before
    post-parse: what the XML writer must reproduce. () when it doesn't lower."""
    parsed = parse(source, "lowered.xml", Diagnostics())
    domain = lower_domain(parsed, Diagnostics()) if parsed is not None else None
    return domain.devices.families if domain is not None else ()


def facts(node):
    """A node's values, recursively, leaving out its `span` and `at` (where each of its
    children was written): what the document says."""
    if is_node(node):
        return {f: facts(getattr(node, f)) for f in fields(node) if f not in ("span", "at")}
    if isinstance(node, tuple):
        return tuple(facts(x) for x in node)
    return node
