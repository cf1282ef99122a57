"""Domain-level elements that are not devices (<vcpu>, <cpu>, <features>, <clock>, <os>,
<memory>…), one module each, built like the device families (compiler/devices/): IR nodes
with sub-nodes and spans, lowering, post-parse defaults, rules and the XML writer in the
module; each backend's builders in its own module per element.

A module here may define, each optional:

- `postparse(domain) -> domain`: the domain with that module's defaults applied;
- `check(domain, diags)`: its semantic rules;
- `rules()`: the rules it declares (registered with every other rule).

`MODULES` names them; only the modules a stage needs are imported.
"""
from __future__ import annotations

import importlib
from types import ModuleType
from typing import List

MODULES = ("cpu", "qemu_ns")
# The Domain fields each module's nodes fill: a domain whose fields are all None gives that
# module nothing to default or check, so post-parse and the checks don't import it.
FIELDS = {"cpu": ("vcpu", "cpu"), "qemu_ns": ("qemu",)}
# What each module's rules read, as paths from <domain>: a validate that compiles nothing
# lowers the module's elements only for a document that has one of them (compiler/lower.py,
# `rules_only`). tests/test_lazy_imports.py checks that validate's findings are a full
# load's for every document in tests/ (tests/broken/ has one per rule).
RULES_READ = {"cpu": ("vcpu[@current]", "vcpu[@cpuset]", "cpu/topology", "cpu/cache",
                      "cpu/numa"),
              "qemu_ns": ("{http://libvirt.org/schemas/domain/qemu/1.0}commandline",)}


def modules(domain=None) -> List[ModuleType]:
    """The modules, or those with something in `domain`."""
    return [importlib.import_module(f".{name}", __name__) for name in MODULES
            if domain is None or any(getattr(domain, field) is not None
                                     for field in FIELDS[name])]


def rules_apply(name: str, root) -> bool:
    """Whether a rule of module `name` may apply to the <domain> element `root`."""
    return any(root.find(path) is not None for path in RULES_READ[name])


def postparse(domain):
    for module in modules(domain):
        own = getattr(module, "postparse", None)
        if own is not None:
            domain = own(domain)
    return domain


def check(domain, diags) -> None:
    for module in modules(domain):
        own = getattr(module, "check", None)
        if own is not None:
            own(domain, diags)


def rules() -> list:
    return [rule for module in modules() for rule in getattr(module, "rules", tuple)()]
