"""What an IR node says, without where it was written: for tests that compare IR lowered
twice (written back and read again, imported and reloaded)."""
from __future__ import annotations

from virtc.compiler.node import fields, is_node


def facts(node):
    """A node's values, recursively, leaving out its `span` and `at` (where each of its
    children was written): what the document says."""
    if is_node(node):
        return {f: facts(getattr(node, f)) for f in fields(node) if f not in ("span", "at")}
    if isinstance(node, tuple):
        return tuple(facts(x) for x in node)
    return node
