"""Device families, one module each, named after the element: `memballoon.py` for
<memballoon>, `rng.py` for <rng>.

A family module holds everything virtc knows about its element apart from the schema
(`schemas/domain/<family>.xsd`) and the backends' builders (`backends/qemu/devices/<family>.py`,
`backends/xen/devices/<family>.py`):

- `NODE`: its IR node class (a frozen dataclass with `TAG` and an `XML` mapping, see
  xmlmap.py), sub-nodes included;
- `lower(r, el, index)`: the node from an element (the mapping does the work); `index`
  counts the elements of this family before it;
- `postparse(node, index, domain)`: the node with every default applied (documented
  there); `domain` is the lowered domain, for defaults that depend on it;
- `check(node, diags)`: the semantic rules on it; or, for a family whose rules look at
  several devices at once (duplicates) or at the domain, `check_all(nodes, domain, diags)`
  with every node of the family in document order;
- `rules()`: the rules it reports, registered with every other rule.

The XML writer is `xmlmap.write(node)`, from the same mapping as lowering.

Nothing names a family centrally: lowering looks a child of <devices> up by its tag here,
and only the family modules a document uses are imported.
"""
from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType
from typing import Dict, FrozenSet, Optional

# Modules here that are shared parts, not families.
_NOT_FAMILIES = frozenset({"xmlmap", "info", "virtio"})
_names: Optional[FrozenSet[str]] = None
_modules: Dict[str, ModuleType] = {}


def tags() -> FrozenSet[str]:
    """The elements that have a family module."""
    global _names
    if _names is None:
        _names = frozenset(m.name for m in pkgutil.iter_modules(__path__)
                           if m.name not in _NOT_FAMILIES)
    return _names


def family(tag: str) -> Optional[ModuleType]:
    """The family module for element `tag`, imported on first use; None if there is none."""
    if tag not in tags():
        return None
    module = _modules.get(tag)
    if module is None:
        module = _modules[tag] = importlib.import_module(f".{tag}", __name__)
    return module


def family_of(node) -> ModuleType:
    return family(type(node).TAG)


def all_families():
    """Every family module (for the rule registry and the tests)."""
    return [family(tag) for tag in sorted(tags())]
