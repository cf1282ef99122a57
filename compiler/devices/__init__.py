"""Device families, one module each, named after the element: `memballoon.py` for
<memballoon>, `rng.py` for <rng>. A module that serves several elements (`chardev.py`:
<serial>, <parallel>, <console>) lists them in a module-level `TAGS` tuple, and each
element has its own node class (with its own TAG) there.

A family module holds everything virtc knows about its element apart from the schema
(`schemas/domain/<family>.xsd`) and the backends' builders (`backends/qemu/devices/<family>.py`,
`backends/xen/devices/<family>.py`):

- `NODE`: its IR node class (a frozen `Node` record, compiler/node.py, with `TAG` and an
  `XML` mapping, see xmlmap.py), sub-nodes included;

and, each only when the family needs it (the functions below stand in otherwise):

- `lower(r, el, index)`: the node from an element, for reading the mapping can't express
  (else the mapping does all the work); `index` counts the elements of this family before it;
- `postparse(node, index, domain)`: the node with every default applied (documented
  there); `domain` is the lowered domain, for defaults that depend on it (else no default);
- `check(node, diags)`: the semantic rules on it; or, for a family whose rules look at
  several devices at once (duplicates) or at the domain, `check_all(nodes, domain, diags)`
  with every node of the family in document order (else no rule);
- `rules()`: the rules it declares, registered with every other rule (else none).
- `USB_ORDER` and `wants_usb_port(node)`, for a family whose devices can take a USB port:
  the family's rank in libvirt's order of USB ports (lower first; disks 10, usb-net 20,
  CCID readers 30, inputs 40, usb-serial 50, USB sound 60, redirections 70), and whether
  `node` takes one. The QEMU post-parse (compiler/postparse/qemu.py, step 5) gives each
  such device without an <address> the next free port in that order (else none takes a
  port).

The XML writer is `xmlmap.write(node)`, from the same mapping as lowering.

Nothing names a family centrally: lowering looks a child of <devices> up by its tag here,
and only the family modules a document uses are imported.
"""
from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Dict, FrozenSet, Optional, Set, Tuple

# Modules here that are shared parts, not families.
_NOT_FAMILIES = frozenset({"xmlmap", "info", "virtio"})
# A module serving several elements says so in one line, `TAGS = ("serial", "parallel",
# "console")`, and a family with semantic rules on its nodes defines `check` or `check_all`.
# Both are read from the source, so that finding them imports nothing (a byte search: every
# run reads every family's source, and a regex over decoded text cost it 1 ms).
_TAGS_LINE = b"\nTAGS = ("
_CHECK_LINES = (b"\ndef check(", b"\ndef check_all(")
_by_tag: Optional[Dict[str, str]] = None
_checked: Set[str] = set()          # the family modules that define check or check_all
_modules: Dict[str, ModuleType] = {}


def _module_names() -> Dict[str, str]:
    """Element tag -> family module name."""
    global _by_tag
    if _by_tag is None:
        found: Dict[str, str] = {}
        # The directory's *.py files (pkgutil would cost more to import than this run).
        here = os.path.dirname(__file__)
        names = sorted(f[:-3] for f in os.listdir(here)
                       if f.endswith(".py") and not f.startswith("_"))
        for name in names:
            if name in _NOT_FAMILIES:
                continue
            declared, checked = _declared(name)
            for tag in declared:
                found[tag] = name
            if checked:
                _checked.add(name)
        _by_tag = found
    return _by_tag


def _declared(name: str) -> Tuple[Tuple[str, ...], bool]:
    """The tags module `name` serves, and whether it has rules of its own (check or
    check_all), read from its source."""
    path = os.path.join(os.path.dirname(__file__), f"{name}.py")
    try:
        with open(path, "rb") as source:
            text = b"\n" + source.read()
    except OSError:                     # no source beside it: ask the module itself
        module = importlib.import_module(f".{name}", __name__)
        return (tuple(getattr(module, "TAGS", (name,))),
                hasattr(module, "check") or hasattr(module, "check_all"))
    checked = any(line in text for line in _CHECK_LINES)
    at = text.find(_TAGS_LINE)
    if at < 0:
        return (name,), checked
    inner = text[at + len(_TAGS_LINE):text.index(b")", at)].decode("utf-8")
    return tuple(t.strip().strip("'\"") for t in inner.split(",") if t.strip()), checked


def tags() -> FrozenSet[str]:
    """The elements that have a family module."""
    return frozenset(_module_names())


def checked(tag: str) -> bool:
    """Whether the family of element `tag` has semantic rules on its nodes (`check` or
    `check_all`), known without importing it. A run that compiles nothing needs the nodes
    of those families only (compiler/lower_devices.py)."""
    name = _module_names().get(tag)
    return name is not None and name in _checked


def family(tag: str) -> Optional[ModuleType]:
    """The family module for element `tag`, imported on first use; None if there is none."""
    name = _module_names().get(tag)
    return None if name is None else _module(name)


def _module(name: str) -> ModuleType:
    module = _modules.get(name)
    if module is None:
        module = _modules[name] = importlib.import_module(f".{name}", __name__)
    return module


def family_of(node) -> ModuleType:
    return family(type(node).TAG)


def lower(r, el, index: int):
    """`el`, a child of <devices> with a family, as that family's node."""
    module = family(el.tag)
    own = getattr(module, "lower", None)
    if own is not None:
        return own(r, el, index)
    from .xmlmap import lower as by_mapping

    return by_mapping(module.NODE, r, el)


def postparse(node, index: int, domain):
    """`node` with its family's defaults applied."""
    own = getattr(family_of(node), "postparse", None)
    return node if own is None else own(node, index, domain)


def rules(module) -> tuple:
    """The rules family `module` declares."""
    own = getattr(module, "rules", None)
    return () if own is None else own()


def family_name(node) -> str:
    """The family module's name for `node` (the backends' modules are named the same)."""
    return _module_names()[type(node).TAG]


def all_families():
    """Every family module (for the rule registry and the tests)."""
    return [_module(name) for name in sorted(set(_module_names().values()))]
